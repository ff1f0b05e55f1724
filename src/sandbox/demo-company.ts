// The sandbox's demo company: the fake Slack (Grid admin API + the bot's surface), Salesforce, Zendesk and a
// custom app, started in-process on 127.0.0.1 and seeded the same way on every start (fixed PRNG seeds), plus
// the profiles and entitlements an admin would set up for them.
import type { ConnectionForm, ProfileFields } from '../services/profile-service.js';
import type { Vendor } from '../domain/vendor.js';
import { startFakeCustom, demoConnection, type FakeCustom } from '../fakes/custom/index.js';
import { seededRandom } from '../fakes/demo-random.js';
import { formatSfDateTime, startFakeSalesforce, type FakeSalesforce } from '../fakes/salesforce/index.js';
import { FAKE_SLACK_ADMIN_TOKEN, FAKE_SLACK_INSTALLER_ID, seedDemoOrg, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { installBot, type BotIdentity } from '../fakes/slack/bot-methods.js';
import { startFakeZendesk, type FakeZendesk } from '../fakes/zendesk/index.js';

export interface DemoSizes {
  /** Members of the Slack Grid org (plus Slackbot and the org owner the sandbox signs in as). */
  slackMembers: number;
  /** Salesforce users over several licence types. */
  salesforceUsers: number;
  /** Zendesk users seeded (about 78% of them agents, light agents or admins; the rest end-users). */
  zendeskUsers: number;
  /** Users of the custom app. */
  customUsers: number;
}

/** 2,000 Slack members, 800 Salesforce users, 300 Zendesk agents (366 seeded users + the integration admin). */
export const DEMO_SIZES: DemoSizes = { slackMembers: 2000, salesforceUsers: 800, zendeskUsers: 366, customUsers: 240 };

/** Fixed so the demo company is the same on every start. */
const SEED = 42;
const DAY_MS = 86_400_000;

export const DEMO_ZENDESK_ADMIN_EMAIL = 'it-admin@demo-company.example';
export const DEMO_ZENDESK_TOKEN = 'sandbox-zendesk-api-token';
export const DEMO_BOT_TOKEN = 'xoxb-sandbox-bot-token';
/** The channel approval digests go to in the sandbox. */
export const DEMO_APPROVAL_CHANNEL = 'C0LICENSES';
/** The sandbox's Slack admin and approver: the Grid org's primary owner. */
export const DEMO_ADMIN_USER_ID = FAKE_SLACK_INSTALLER_ID;

/** What an admin enters for one vendor account, and what the company pays for it. */
export interface DemoProfile {
  vendor: Vendor;
  displayName: string;
  fields: Partial<ProfileFields>;
  connection: ConnectionForm;
  /** Per licence type (the vendor's identifier): seats bought and their price. */
  entitlements: DemoEntitlement[];
  /** Licence types the plan includes at no cost (never worth reclaiming). */
  freeLicenseTypes?: string[];
}

export interface DemoEntitlement {
  licenseType: string;
  purchased: number;
  /** Price per seat per month. */
  monthlyUnitCost: number;
  currency: string;
  /** Days from today to the renewal date. */
  renewsInDays: number;
}

export interface DemoVendors {
  slack: FakeSlack;
  bot: BotIdentity;
  salesforce: FakeSalesforce;
  zendesk: FakeZendesk;
  custom: FakeCustom;
  /** The four profiles with connections pointing at this run's fakes. */
  profiles: DemoProfile[];
  /** Display names of seat holders by vendor user id (for rendering messages). */
  userNames(): Record<string, string>;
  close(): Promise<void>;
}

export interface StartDemoOptions {
  sizes?: Partial<DemoSizes>;
  now?: Date;
}

export async function startDemoVendors(opts: StartDemoOptions = {}): Promise<DemoVendors> {
  const sizes = { ...DEMO_SIZES, ...opts.sizes };
  const now = opts.now ?? new Date();
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const slack = await startFakeSlack();
    started.push(slack);
    seedDemoOrg(slack.org, sizes.slackMembers, { seed: SEED, now: now.getTime() });
    // Member analytics off (an org that hides email addresses): activity comes from the access logs, which
    // reach back as far as the profile's analysis start in a few calls instead of one call per day.
    slack.org.analytics.unavailable = 'org_level_email_display_disabled';
    const bot = installBot(slack, { token: DEMO_BOT_TOKEN, botId: 'B0LICENSEBOT', botUserId: 'U0LICENSEBOT' });

    const salesforce = await startFakeSalesforce({ domain: 'demo-company.example' });
    started.push(salesforce);
    salesforce.seedDemo(sizes.salesforceUsers, { seed: SEED, now });

    const zendesk = await startFakeZendesk();
    started.push(zendesk);
    const zendeskAdmin = zendesk.org.addUser({ email: DEMO_ZENDESK_ADMIN_EMAIL, name: 'IT Admin', role: 'admin', lastLoginAt: new Date(now.getTime() - 3_600_000) });
    zendesk.addApiToken(zendeskAdmin.id, DEMO_ZENDESK_TOKEN);
    zendesk.seedDemo(sizes.zendeskUsers, { seed: SEED, now, domain: 'demo-company.example' });

    const custom = await startFakeCustom();
    started.push(custom);
    custom.org.seedDemo(sizes.customUsers, { seed: SEED, now });

    reshapeActivity({ slack, salesforce, zendesk, custom }, now, zendeskAdmin.id);

    return {
      slack,
      bot,
      salesforce,
      zendesk,
      custom,
      profiles: demoProfiles({ slack, salesforce, zendesk, custom }),
      userNames: () => {
        const names: Record<string, string> = {};
        for (const u of slack.org.users) names[u.id] = u.fullName;
        return names;
      },
      async close() {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
}

/**
 * The demo admin allows up to half of a model's seats to become candidates in one run (the product's default
 * cap, 20%, would hold the demo's first batch for confirmation: a third of the Grid org has been idle for months).
 */
const DEMO_MAX_RECLAIM_SHARE = 0.5;

/** Share of seat holders idle for more than 60 days, and who never signed in, per vendor. */
const IDLE = {
  slack: { idle: 0.22, never: 0.03 },
  salesforce: { idle: 0.16, never: 0.04 },
  zendesk: { idle: 0.12, never: 0.03 },
  custom: { idle: 0.2, never: 0.05 },
};

/**
 * The fakes' generic seeds spread last logins evenly over a year, which makes half of a sales team or a support
 * desk look idle. A working company: most people active in the last week, a tail idle for months, a few who
 * never signed in. The sandbox's own integration users stay active.
 */
function reshapeActivity(f: { slack: FakeSlack; salesforce: FakeSalesforce; zendesk: FakeZendesk; custom: FakeCustom }, now: Date, zendeskAdminId: number): void {
  const rand = seededRandom(SEED + 1);
  const lastActive = (shape: { idle: number; never: number }): Date | null => {
    const r = rand();
    if (r < shape.never) return null;
    const days = r < shape.never + shape.idle ? 61 + rand() * 300 : rand() < 0.75 ? rand() * 7 : 7 + rand() * 50;
    return new Date(now.getTime() - Math.floor(days * DAY_MS) - Math.floor(rand() * DAY_MS));
  };
  for (const u of f.slack.org.users) {
    if (u.isBot || u.isPrimaryOwner || u.id === 'USLACKBOT') continue;
    const last = lastActive(IDLE.slack);
    u.activeDays = new Set(last ? [0, 3, 9, 20].map((back) => new Date(last.getTime() - back * DAY_MS).toISOString().slice(0, 10)) : []);
  }
  f.slack.org.version++;
  for (const u of f.salesforce.org.users) {
    if (u.Id === f.salesforce.org.integrationUser.Id) continue;
    const last = lastActive(IDLE.salesforce);
    u.LastLoginDate = last ? formatSfDateTime(last) : null;
  }
  for (const u of f.zendesk.org.users()) {
    if (u.id === zendeskAdminId) continue;
    const last = lastActive(IDLE.zendesk);
    (u as { last_login_at: string | null }).last_login_at = last ? last.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
  }
  for (const u of f.custom.org.users) u.lastLoginAt = lastActive(IDLE.custom);
}

function demoProfiles(f: { slack: FakeSlack; salesforce: FakeSalesforce; zendesk: FakeZendesk; custom: FakeCustom }): DemoProfile[] {
  const custom = demoConnection(f.custom.url);
  return [
    {
      vendor: 'slack_grid',
      displayName: 'Demo Grid Slack',
      // Activity from a year back, so members idle for longer than the rule's 60 days have a last-active date.
      fields: { maxReclaimShare: DEMO_MAX_RECLAIM_SHARE, analyzeFrom: new Date(Date.now() - 365 * DAY_MS), settings: { pageSize: 1000 } },
      connection: { baseUrl: f.slack.apiUrl, authKind: 'oauth_user_token', params: { scimUrl: f.slack.scimUrl }, secrets: { accessToken: FAKE_SLACK_ADMIN_TOKEN } },
      // Enterprise Grid is quoted per member; guests who are billed count as members.
      entitlements: [
        { licenseType: 'full_member', purchased: 1900, monthlyUnitCost: 15, currency: 'USD', renewsInDays: 45 },
        { licenseType: 'multi_channel_guest', purchased: 150, monthlyUnitCost: 15, currency: 'USD', renewsInDays: 45 },
      ],
    },
    {
      vendor: 'salesforce',
      displayName: 'Salesforce CRM',
      fields: { maxReclaimShare: DEMO_MAX_RECLAIM_SHARE, downloadConsumption: true },
      connection: { baseUrl: f.salesforce.url, authKind: 'oauth_client_credentials', params: { clientId: f.salesforce.clientId }, secrets: { clientSecret: f.salesforce.clientSecret } },
      entitlements: [
        { licenseType: 'SFDC', purchased: 560, monthlyUnitCost: 165, currency: 'USD', renewsInDays: 200 },
        { licenseType: 'AUL', purchased: 130, monthlyUnitCost: 25, currency: 'USD', renewsInDays: 200 },
      ],
    },
    {
      vendor: 'zendesk',
      displayName: 'Zendesk Support',
      fields: { maxReclaimShare: DEMO_MAX_RECLAIM_SHARE },
      connection: { baseUrl: f.zendesk.url, authKind: 'api_token', params: { email: DEMO_ZENDESK_ADMIN_EMAIL }, secrets: { apiToken: DEMO_ZENDESK_TOKEN } },
      entitlements: [
        { licenseType: 'agent', purchased: 240, monthlyUnitCost: 115, currency: 'USD', renewsInDays: 75 },
        { licenseType: 'admin', purchased: 20, monthlyUnitCost: 115, currency: 'USD', renewsInDays: 75 },
      ],
      // Suite Professional includes light agents at no cost.
      freeLicenseTypes: ['light_agent'],
    },
    {
      vendor: 'custom',
      displayName: 'Demo Co Workspace',
      fields: { maxReclaimShare: DEMO_MAX_RECLAIM_SHARE },
      connection: { baseUrl: custom.baseUrl, authKind: custom.authKind, params: custom.params, secrets: custom.secrets },
      entitlements: [
        { licenseType: 'pro', purchased: 20, monthlyUnitCost: 24, currency: 'USD', renewsInDays: 320 },
        { licenseType: 'standard', purchased: 200, monthlyUnitCost: 12, currency: 'USD', renewsInDays: 320 },
      ],
    },
  ];
}
