// A published Zendesk profile over a fake Zendesk org, with services on the test's real database and a notifier
// that records what it was told. Shared by the reclamation, executor and engine tests.
import type { Vendor } from '../../src/domain/vendor.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { ConnectionForm, ProfileFields } from '../../src/services/profile-service.js';
import type { IntegrationProfile } from '../../src/store/index.js';
import { recordingNotifier, type RecordingNotifier } from '../support/recording-notifier.js';

export { recordingNotifier, type RecordingNotifier };

export const DAY_MS = 86_400_000;
export const ZENDESK_TOKEN = 'zd-engine-token-5f4e3d2c';
export const ADMIN_ACTOR = 'U_ADMIN';


/** Vendor calls without the production rate limit, so tests wait on nothing but the work. */
export function fastVendors(ctx: ServiceContext): void {
  ctx.connectorHttp = { ...ctx.connectorHttp, requestsPerMinute: 1_000_000, burst: 10_000 };
}

export async function publishProfile(
  services: Services,
  vendor: Vendor,
  fields: Partial<ProfileFields> & { displayName: string },
  connection: ConnectionForm,
): Promise<IntegrationProfile> {
  const created = await services.profiles.create(ADMIN_ACTOR, vendor, fields, connection);
  const { report } = await services.profiles.validate(ADMIN_ACTOR, created.id);
  if (!report.ok) throw new Error(`validation failed: ${JSON.stringify(report.checks)}`);
  return services.profiles.publish(ADMIN_ACTOR, created.id);
}

export interface ZendeskWorld {
  fake: FakeZendesk;
  /** The account the integration signs in with. */
  admin: FakeZendeskUser;
  services: Services;
  notifier: RecordingNotifier;
  profile: IntegrationProfile;
  close(): Promise<void>;
}

export interface ZendeskWorldOptions {
  /** Adds the org's users (besides the integration admin). */
  seed: (fake: FakeZendesk) => void;
  fields?: Partial<ProfileFields>;
  displayName?: string;
}

export async function zendeskWorld(ctx: ServiceContext, opts: ZendeskWorldOptions): Promise<ZendeskWorld> {
  fastVendors(ctx);
  const fake = await startFakeZendesk();
  const admin = fake.org.addUser({ email: 'it-admin@acme.test', name: 'IT Admin', role: 'admin', lastLoginAt: new Date() });
  fake.addApiToken(admin.id, ZENDESK_TOKEN);
  opts.seed(fake);
  const notifier = recordingNotifier();
  const services = createServices(ctx, notifier);
  const profile = await publishProfile(
    services,
    'zendesk',
    { displayName: opts.displayName ?? 'Acme Zendesk', maxReclaimShare: 1, ...opts.fields },
    { baseUrl: fake.url, authKind: 'api_token', params: { email: admin.email }, secrets: { apiToken: ZENDESK_TOKEN } },
  );
  fake.calls.length = 0;
  return { fake, admin, services, notifier, profile, close: () => fake.close() };
}

/** Agents whose last login is `days` days (plus a few hours) ago, emails `<prefix><i>@acme.test`. */
export function addAgents(fake: FakeZendesk, prefix: string, count: number, days: (i: number) => number | null, now = Date.now()): FakeZendeskUser[] {
  const out: FakeZendeskUser[] = [];
  for (let i = 0; i < count; i++) {
    const d = days(i);
    out.push(
      fake.org.addUser({
        email: `${prefix}${i}@acme.test`,
        name: `${prefix} ${i}`,
        role: 'agent',
        lastLoginAt: d === null ? null : new Date(now - d * DAY_MS - 3 * 3_600_000),
        createdAt: new Date(now - 800 * DAY_MS),
      }),
    );
  }
  return out;
}

export const putsTo = (fake: FakeZendesk) => fake.calls.filter((c) => c.method === 'PUT');
