// Activity and consumption through the real path: Slack Grid member analytics files and Salesforce licence
// counts from the fakes over HTTP, stored in a real database.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SLACK_ADMIN_TOKEN, startFakeSlack, toUtcDay, type FakeSlack } from '../../src/fakes/slack/index.js';
import { startFakeSalesforce, type FakeSalesforce } from '../../src/fakes/salesforce/index.js';
import { DEMO_TOKEN, demoDefinition, startFakeCustom, type FakeCustom } from '../../src/fakes/custom/index.js';
import { BLANK_LICENSE_IDENTIFIER, unrecognizedIdentifier } from '../../src/services/sync-service.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { DAY_MS, daysAgo, publishedProfile, recordingNotifier } from './sync-support.js';

let t: TestContext;
let services: Services;

beforeAll(async () => {
  t = await createTestContext();
  services = createServices(t.ctx, recordingNotifier());
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
});

const dayStart = (days: number) => new Date(`${toUtcDay(daysAgo(days))}T00:00:00.000Z`);

describe('activity refresh (Slack Enterprise Grid analytics)', () => {
  let fake: FakeSlack;
  let http: typeof t.ctx.connectorHttp;
  beforeEach(async () => {
    fake = await startFakeSlack();
    // Slack's Tier 2 pace (analytics files) would make the 60-day scan take most of a minute.
    http = t.ctx.connectorHttp;
    t.ctx.connectorHttp = { ...http, requestsPerMinute: 60_000, burst: 1000 };
  });
  afterEach(async () => {
    t.ctx.connectorHttp = http;
    await fake.close();
  });

  it('reads activity from analyze_from on the first run, then from the last run minus a day, moving dates forward', async () => {
    const ada = fake.org.addUser({ username: 'ada', activeDays: [daysAgo(20)] });
    const bo = fake.org.addUser({ username: 'bo', activeDays: [daysAgo(90)] });
    const guest = fake.org.addUser({ username: 'gina', isRestricted: true, isUltraRestricted: true, activeDays: [daysAgo(3)] });
    fake.org.addUser({ username: 'deploy-bot', isBot: true });
    const profile = await publishedProfile(
      services,
      'slack_grid',
      { displayName: 'Acme Grid', maxReclaimShare: 1 },
      { baseUrl: fake.apiUrl, authKind: 'oauth_user_token', params: { scimUrl: fake.scimUrl }, secrets: { accessToken: FAKE_SLACK_ADMIN_TOKEN } },
    );

    const sync = await services.sync.syncSubscriptions(profile.id, { actor: 'cli' });
    expect(sync.status).toBe('succeeded');
    const models = await t.ctx.repos.models.list(profile.id);
    const free = Object.fromEntries(models.map((m) => [m.licenseType, m.isFree]));
    expect(free).toMatchObject({ full_member: false, single_channel_guest: true, bot: true });
    // Free models get no default rule.
    const rules = await t.ctx.repos.reclamationRules.listByProfile(profile.id);
    expect(rules.map((r) => models.find((m) => m.id === r.modelId)!.licenseType).sort()).toEqual(
      models.filter((m) => !m.isFree).map((m) => m.licenseType).sort(),
    );

    // First run: from analyze_from (60 days back by default), so Bo's 90-day-old day is not read.
    const first = sync.activity!;
    expect(first.status).toBe('succeeded');
    expect(Math.abs(first.since.getTime() - profile.analyzeFrom!.getTime())).toBe(0);
    const seat = async (userId: string) => (await t.ctx.repos.subscriptions.getByVendorUserId(profile.id, userId))!;
    expect((await seat(ada.id)).lastActivityAt).toEqual(dayStart(20));
    expect((await seat(guest.id)).lastActivityAt).toEqual(dayStart(3));
    expect((await seat(bo.id)).lastActivityAt).toBeNull();
    // Every member active in the window (the installing admin too) got a date.
    expect(first.counts.updated).toBe(first.counts.records);
    expect(first.counts.records).toBeGreaterThanOrEqual(2);
    expect(sync.evaluation!.status).toBe('succeeded');

    // Ada works again yesterday; the next refresh only reads the files since the last run minus a day.
    fake.org.setActiveDays(ada.id, [daysAgo(20), daysAgo(1)]);
    const callsBefore = fake.calls.length;
    const second = await services.sync.refreshActivity(profile.id, { actor: 'scheduler' });
    expect(second.status).toBe('succeeded');
    const lastRunStart = (await t.ctx.repos.jobRuns.get(first.runId))!.startedAt.getTime();
    expect(second.since.getTime()).toBe(lastRunStart - DAY_MS);
    const daysRead = fake.calls
      .slice(callsBefore)
      .filter((c) => c.apiMethod === 'admin.analytics.getFile')
      .map((c) => (c.body as Record<string, string>).date ?? c.query.date)
      .sort();
    expect(daysRead.length).toBeGreaterThan(0);
    expect(daysRead[0]! >= toUtcDay(second.since)).toBe(true);
    expect((await seat(ada.id)).lastActivityAt).toEqual(dayStart(1));
    expect(second.counts.updated).toBe(1);
    // The refresh is followed by an evaluation of its own.
    expect(second.evaluation?.status).toBe('succeeded');
    const kinds = (await t.ctx.repos.jobRuns.listByProfile(profile.id)).map((r) => `${r.kind}:${r.status}`);
    expect(kinds.filter((k) => k === 'activity:succeeded')).toHaveLength(2);
  });

  it('records a failed activity run with the cause and skips the evaluation', async () => {
    fake.org.addUser({ username: 'ada', activeDays: [daysAgo(2)] });
    const profile = await publishedProfile(
      services,
      'slack_grid',
      { displayName: 'Failing Grid' },
      { baseUrl: fake.apiUrl, authKind: 'oauth_user_token', params: { scimUrl: fake.scimUrl }, secrets: { accessToken: FAKE_SLACK_ADMIN_TOKEN } },
    );
    fake.faults.add({ match: (_req, url) => url.pathname.endsWith('admin.analytics.getFile'), status: 200, body: JSON.stringify({ ok: false, error: 'invalid_auth' }), times: Infinity });
    const sync = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(sync.status).toBe('succeeded');
    expect(sync.activity).toMatchObject({ status: 'failed' });
    expect(sync.activity!.error).toMatch(/^The vendor rejected the credentials/);
    expect(sync.evaluation).toBeUndefined();
    expect(await t.ctx.repos.jobRuns.get(sync.activity!.runId)).toMatchObject({ status: 'failed', kind: 'activity', error: sync.activity!.error });
  });
});

describe('Salesforce: activity with the subscriptions, consumption snapshots', () => {
  let fake: FakeSalesforce;
  beforeEach(async () => {
    fake = await startFakeSalesforce();
  });
  afterEach(async () => {
    await fake.close();
  });

  const connection = () => ({ baseUrl: fake.url, authKind: 'oauth_client_credentials', params: { clientId: fake.clientId }, secrets: { clientSecret: fake.clientSecret } });

  it('stores LastLoginDate from the download and evaluates without an activity job', async () => {
    const stale = fake.org.addUser({ firstName: 'Stan', lastName: 'Stale', licenseKey: 'SFDC', lastLoginAt: daysAgo(120) });
    const fresh = fake.org.addUser({ firstName: 'Fay', lastName: 'Fresh', licenseKey: 'AUL', lastLoginAt: daysAgo(2) });
    const profile = await publishedProfile(services, 'salesforce', { displayName: 'Acme CRM', maxReclaimShare: 1 }, connection());
    expect(profile.downloadActivity).toBe(false);
    const sync = await services.sync.syncSubscriptions(profile.id, { actor: 'cli' });
    expect(sync.status).toBe('succeeded');
    expect(sync.activity).toBeUndefined();
    const seat = async (id: string) => (await t.ctx.repos.subscriptions.getByVendorUserId(profile.id, id))!;
    expect((await seat(stale.Id)).lastActivityAt!.getTime()).toBe(Date.parse(stale.LastLoginDate!.replace('+0000', 'Z')));
    expect((await seat(fresh.Id)).lastActivityAt).not.toBeNull();
    expect(sync.evaluation).toMatchObject({ status: 'succeeded', created: 1 });
    const [candidate] = await t.ctx.repos.candidates.listByProfile(profile.id);
    expect(candidate!.subscriptionId).toBe((await seat(stale.Id)).id);
    await expect(services.sync.refreshActivity(profile.id, { actor: 'cli' })).rejects.toMatchObject({ code: 'refused' });
  });

  it('keeps one snapshot per license type per download, over time', async () => {
    fake.seedDemo(40, { seed: 3 });
    const profile = await publishedProfile(services, 'salesforce', { displayName: 'Acme CRM', downloadConsumption: true }, connection());
    const first = await services.sync.syncConsumption(profile.id, { actor: 'scheduler' });
    expect(first.status).toBe('succeeded');
    expect(first.counts.licenseTypes).toBe(first.snapshots.length);
    const sfdcBefore = first.snapshots.find((s) => s.kind === 'user' && s.licenseType === 'SFDC')!;
    expect(sfdcBefore.total).toBe(fake.org.userLicenses.find((l) => l.LicenseDefinitionKey === 'SFDC')!.TotalLicenses);

    fake.org.addUser({ lastName: 'Newhire', licenseKey: 'SFDC', lastLoginAt: new Date() });
    const second = await services.sync.syncConsumption(profile.id, { actor: 'scheduler' });
    expect(second.status).toBe('succeeded');

    const history = await t.ctx.repos.consumption.history(profile.id, 'SFDC');
    expect(history.filter((h) => h.kind === 'user').map((h) => h.used)).toEqual([sfdcBefore.used + 1, sfdcBefore.used]);
    const latest = await t.ctx.repos.consumption.latest(profile.id);
    expect(latest).toHaveLength(second.snapshots.length);
    expect(latest.find((l) => l.kind === 'user' && l.licenseType === 'SFDC')!.used).toBe(sfdcBefore.used + 1);
    const runs = await t.ctx.repos.jobRuns.listByProfile(profile.id, { kind: 'consumption' });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('records a failed consumption run with the readable cause', async () => {
    const profile = await publishedProfile(services, 'salesforce', { displayName: 'Acme CRM' }, connection());
    fake.expireAccessTokens();
    fake.revokeRefreshTokens();
    fake.clientCredentialsEnabled = false;
    const failed = await services.sync.syncConsumption(profile.id, { actor: 'scheduler' });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^The vendor rejected the credentials/);
    expect(failed.error).not.toContain(fake.clientSecret);
    expect(await t.ctx.repos.jobRuns.get(failed.runId)).toMatchObject({ status: 'failed', kind: 'consumption', error: failed.error });
  });
});

describe('license types that cannot be placed in a software model', () => {
  let fake: FakeCustom;
  beforeEach(async () => {
    fake = await startFakeCustom();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('records them as unrecognized identifiers, keeps the seats without a model and proposes none of them', async () => {
    // A definition that points the license type at a structured field: what the vendor sends cannot name a license.
    const definition = demoDefinition(fake.url) as { users: Record<string, unknown> };
    definition.users = { ...definition.users, licenseTypePath: 'profile' };
    delete definition.users.licenseTypeMap;
    delete definition.users.licenseNames;
    fake.org.addUser({ email: 'ann.lee@demo.example', lastLoginAt: daysAgo(300) });
    fake.org.addUser({ email: 'ann.lee@other.example', lastLoginAt: daysAgo(300) });
    fake.org.addUser({ email: 'bob.ray@demo.example', lastLoginAt: daysAgo(300) });
    const profile = await publishedProfile(
      services,
      'custom',
      { displayName: 'Odd App', maxReclaimShare: 1 },
      { baseUrl: fake.url, authKind: 'custom', params: { definition: JSON.stringify(definition) }, secrets: { token: DEMO_TOKEN } },
    );
    await services.rules.createReclamationRule('U_ADMIN', profile.id, { modelId: null, inactivityDays: 30 });

    const sync = await services.sync.syncSubscriptions(profile.id, { actor: 'cli' });
    expect(sync).toMatchObject({ status: 'succeeded', counts: { seats: 3, new: 3, unrecognized: 3, modelsCreated: 0 } });
    expect(await t.ctx.repos.models.list(profile.id)).toEqual([]);
    const identifiers = await t.ctx.repos.unrecognizedIdentifiers.list(profile.id);
    expect(identifiers.map((i) => [JSON.parse(i.identifier) as unknown, i.seatCount])).toEqual([
      [{ first_name: 'Ann', last_name: 'Lee', display_name: 'Ann Lee' }, 2],
      [{ first_name: 'Bob', last_name: 'Ray', display_name: 'Bob Ray' }, 1],
    ]);
    expect((await t.ctx.repos.subscriptions.list(profile.id)).map((s) => s.modelId)).toEqual([null, null, null]);
    // Even an all-models rule does not reach seats nobody can name.
    expect(sync.evaluation).toMatchObject({ status: 'succeeded', created: 0, skipped: { unrecognized_license: 3 } });
  });

  it('knows which identifiers cannot be placed', () => {
    expect(unrecognizedIdentifier('  ')).toBe(BLANK_LICENSE_IDENTIFIER);
    expect(unrecognizedIdentifier('[1,2]')).toBe('[1,2]');
    expect(unrecognizedIdentifier('x'.repeat(150))).toBe('x'.repeat(100));
    expect(unrecognizedIdentifier(' agent ')).toBeNull();
  });
});
