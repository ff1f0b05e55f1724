// Sandbox mode end to end: the real demo company (2,000 Slack members, 800 Salesforce users, 300 Zendesk agents,
// a custom app) on an embedded PGlite in a temp folder, the bot's own jobs doing the first sync and evaluation,
// the Slack app posting digests into the fake Slack; then a second start on the same folder.
// The sandbox's database is the embedded one by definition, so this file runs on PGlite whatever TEST_DATABASE_URL says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import { silentLogger } from '../../src/logger.js';
import { DEMO_SIZES, SANDBOX_ACTOR, startSandboxApp, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_APPROVAL_CHANNEL } from '../../src/sandbox/demo-company.js';
import type { Subscription } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';

const DAY_MS = 86_400_000;
const dataDir = mkdtempSync(join(tmpdir(), 'slb-sandbox-'));
const running: RunningSandbox[] = [];

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function sandboxConfig() {
  return loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
}

async function start(): Promise<{ r: RunningSandbox; printed: string }> {
  let printed = '';
  const r = await startSandboxApp({ config: sandboxConfig(), logger: silentLogger, print: (t) => (printed += t) });
  running.push(r);
  return { r, printed };
}

/** Seats held now: the vendor reports the account active (deleted or deactivated accounts hold none). */
async function seatsOf(r: RunningSandbox, profileId: string): Promise<Subscription[]> {
  return (await r.app.services.ctx.repos.subscriptions.list(profileId, { status: 'active', limit: 100_000 })).filter((s) => s.active);
}

afterEach(async () => {
  // Each test stops its sandbox; a failed one must not keep the data folder locked for the next.
  for (const r of running.splice(0)) await r.stop().catch(() => undefined);
});

describe('sandbox mode', () => {
  let firstProfileIds: string[] = [];

  it('sets up the demo company, syncs it with the bot’s own jobs, proposes the idle seats and posts the digests', async () => {
    const { r, printed } = await start();
    const { services } = r.app;
    const vendors = r.sandbox.vendors;
    expect(r.run.seeded).toBe(true);
    expect(r.run.problems).toEqual([]);

    const profiles = await services.profiles.list();
    firstProfileIds = profiles.map((p) => p.id).sort();
    expect(profiles.map((p) => [p.vendor, p.status]).sort()).toEqual([
      ['custom', 'published'],
      ['salesforce', 'published'],
      ['slack_grid', 'published'],
      ['zendesk', 'published'],
    ]);
    const byVendor = Object.fromEntries(profiles.map((p) => [p.vendor, p]));

    // Zendesk: 300 agents (light agents included) hold seats; end-users and deleted users do not.
    const zendeskSeats = await seatsOf(r, byVendor.zendesk!.id);
    const zendeskStaff = vendors.zendesk.org.users().filter((u) => u.active && u.role !== 'end-user');
    expect(zendeskSeats).toHaveLength(300);
    expect(new Set(zendeskSeats.map((s) => s.vendorUserId))).toEqual(new Set(zendeskStaff.map((u) => String(u.id))));
    expect(zendeskSeats.filter((s) => s.licenseType === 'light_agent').length).toBeGreaterThan(30);

    // Slack: every active member of the 2,000-member org (plus Slackbot and the owner) is a seat.
    const slackSeats = await seatsOf(r, byVendor.slack_grid!.id);
    expect(slackSeats.length).toBe(vendors.slack.org.users.filter((u) => u.active).length);
    expect(vendors.slack.org.users.length).toBe(DEMO_SIZES.slackMembers + 2);

    // Salesforce: 800 users over several licences; portal, Chatter-free-only and integration users are not seats.
    const salesforceSeats = await seatsOf(r, byVendor.salesforce!.id);
    expect(vendors.salesforce.org.users.length).toBeGreaterThanOrEqual(DEMO_SIZES.salesforceUsers);
    const sfLicences = new Set(vendors.salesforce.org.users.map((u) => vendors.salesforce.org.licenseOfProfile(u.ProfileId)?.LicenseDefinitionKey));
    expect(sfLicences.size).toBeGreaterThanOrEqual(4);
    expect(new Set(salesforceSeats.map((s) => s.licenseType))).toEqual(new Set(['SFDC', 'AUL']));
    expect(salesforceSeats.length).toBeGreaterThan(600);

    // Every candidate is a seat the fake vendor says has been idle for more than the 60-day rule.
    const now = Date.now();
    const lastActive: Record<string, (id: string) => number | null> = {
      zendesk: (id) => {
        const at = vendors.zendesk.org.user(Number(id))?.last_login_at;
        return at ? Date.parse(at) : null;
      },
      salesforce: (id) => {
        const at = vendors.salesforce.org.getUser(id)?.LastLoginDate;
        return at ? Date.parse(at) : null;
      },
      slack_grid: (id) => {
        const days = [...(vendors.slack.org.user(id)?.activeDays ?? [])].sort();
        return days.length > 0 ? Date.parse(`${days.at(-1)}T00:00:00Z`) : null;
      },
      custom: (id) => vendors.custom.org.getUser(id)?.lastLoginAt?.getTime() ?? null,
    };
    for (const profile of profiles) {
      const candidates = await services.ctx.repos.candidates.list({ profileId: profile.id, limit: 100_000 });
      expect(candidates.length, profile.displayName).toBeGreaterThan(10);
      const seatById = new Map((await r.app.services.ctx.repos.subscriptions.list(profile.id, { limit: 100_000 })).map((s) => [s.id, s]));
      for (const c of candidates.filter((x) => x.state !== 'excluded')) {
        const seat = seatById.get(c.subscriptionId)!;
        const at = lastActive[profile.vendor]!(seat.vendorUserId);
        if (at === null) {
          // Never active at the vendor: idle at least since the activity analysis started (or first seen).
          expect(seat.lastActivityAt, `${profile.displayName} ${seat.vendorUserId}`).toBeNull();
          expect(c.inactiveDays!, `${profile.displayName} ${seat.vendorUserId}`).toBeGreaterThan(60);
        } else {
          expect(now - at, `${profile.displayName} ${seat.vendorUserId}`).toBeGreaterThan(60 * DAY_MS);
        }
      }
    }
    // Light agents are included in the plan: none of them is proposed.
    const zendeskOpen = await services.ctx.repos.candidates.list({ profileId: byVendor.zendesk!.id, states: ['pending', 'awaiting_user'], limit: 1000 });
    const lightAgentIds = new Set(zendeskSeats.filter((s) => s.licenseType === 'light_agent').map((s) => s.id));
    expect(zendeskOpen.filter((c) => lightAgentIds.has(c.subscriptionId))).toEqual([]);

    // Entitlements entered after the first sync: the report has money for every profile.
    const overview = await services.reports.overview();
    for (const p of overview.profiles) expect(p.totals.find((t) => t.currency === 'USD')?.potentialAnnualSavings ?? 0, p.profile.displayName).toBeGreaterThan(0);

    // The SlackNotifier posted one digest per profile into the fake Slack's approval channel.
    const digests = botState(vendors.slack).messages.filter((m) => m.channel === DEMO_APPROVAL_CHANNEL && !m.threadTs);
    expect(digests).toHaveLength(4);
    for (const p of profiles) expect(digests.some((d) => JSON.stringify(d.blocks).includes(p.displayName)), p.displayName).toBe(true);
    expect(r.run.digests).toHaveLength(4);

    // The summary: a row per app, the money, the digests as text, where to look next.
    for (const p of profiles) expect(printed).toContain(p.displayName);
    expect(printed).toMatch(/Potential savings \/ year/);
    expect(printed).toMatch(/Total\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+\$[\d,]+/);
    expect(printed).toContain('[Approve]');
    expect(printed).not.toMatch(/"type":/);
    expect(printed).toContain(`${r.app.url}/sandbox/slack/messages?format=text`);

    // The sandbox Slack can be read over HTTP on the bot's own server.
    const text = await (await fetch(`${r.app.url}/sandbox/slack/messages?format=text&channel=${DEMO_APPROVAL_CHANNEL}`)).text();
    for (const p of profiles) expect(text).toContain(p.displayName);
    const json = (await (await fetch(`${r.app.url}/sandbox/slack/messages`)).json()) as { messages: unknown[] };
    expect(json.messages.length).toBeGreaterThanOrEqual(4);
    const index = (await (await fetch(`${r.app.url}/sandbox`)).json()) as { fakes: { slack: { api: string } } };
    expect(index.fakes.slack.api).toBe(vendors.slack.apiUrl);

    // Recurring downloads are scheduled: the sandbox keeps syncing.
    const recurring = await r.app.scheduler.listJobs({ recurring: true });
    expect(recurring.filter((j) => j.name === 'profile:download-subscriptions')).toHaveLength(4);
  }, 120_000);

  it('a second start on the same data folder reuses the profiles and points them at the new fake ports', async () => {
    const { r, printed } = await start();
    const { services } = r.app;
    expect(r.run.seeded).toBe(false);
    const profiles = await services.profiles.list();
    expect(profiles.map((p) => p.id).sort()).toEqual(firstProfileIds);
    expect(profiles.every((p) => p.status === 'published')).toBe(true);
    expect(printed).toContain('demo company reused');

    const vendors = r.sandbox.vendors;
    const expected: Record<string, string> = { slack_grid: vendors.slack.apiUrl, salesforce: vendors.salesforce.url, zendesk: vendors.zendesk.url, custom: vendors.custom.url };
    for (const p of profiles) {
      const stored = await services.ctx.repos.connections.get(p.id);
      expect(stored?.baseUrl, p.displayName).toBe(expected[p.vendor]);
    }
    const audit = await services.ctx.repos.audit.listRecent({ limit: 1000 });
    expect(audit.filter((a) => a.action === 'connection.relocated' && a.actor === SANDBOX_ACTOR)).toHaveLength(4);
    expect(audit.filter((a) => a.action === 'profile.created')).toHaveLength(4);

    // The re-seeded fakes hold the same people: a sync against them finds nothing new.
    for (const p of profiles) {
      const result = await services.sync.syncSubscriptions(p.id, { actor: 'test' }, { followUp: false });
      expect(result.status, `${p.displayName}: ${result.error}`).toBe('succeeded');
      expect(result.counts.new, p.displayName).toBe(0);
      expect(result.counts.removed, p.displayName).toBe(0);
    }
  }, 120_000);

  it('with the bot stopped, the CLI syncs the sandbox data against the simulated vendors and prints candidates and the report', async () => {
    const env = { DATA_DIR: dataDir };
    const sync = await runCli(env, 'sync', 'Zendesk Support');
    expect(sync.stderr).toBe('');
    expect(sync.stdout).toContain('Download Zendesk Support Subscriptions: succeeded');
    expect(sync.code).toBe(0);

    const candidates = await runCli(env, 'candidates', 'Zendesk Support');
    expect(candidates.code).toBe(0);
    expect(candidates.stdout).toMatch(/@demo-company\.example +Zendesk agent .* No activity for \d+ days/);

    const report = await runCli(env, 'report');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/Zendesk Support +Zendesk agent/);
    expect(report.stdout).toContain('Totals per currency');
  }, 240_000);
});
