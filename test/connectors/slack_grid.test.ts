// Contract tests of the Slack Grid connector through the real WebClient and real HTTP against the fake Slack.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VendorError, describeError } from '../../src/domain/errors.js';
import type { VendorActivity, VendorSeat } from '../../src/domain/vendor.js';
import { SlackGridConnector, slackGridConnectionSchema } from '../../src/connectors/slack_grid/index.js';
import { FAKE_SLACK_ADMIN_TOKEN, FAKE_SLACK_INSTALLER_ID, scimErrorBody, startFakeSlack, toUtcDay, type FakeSlack } from '../../src/fakes/slack/index.js';
import { steppedClock } from '../support/stepped-clock.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
const dayStart = (n: number) => new Date(`${toUtcDay(daysAgo(n))}T00:00:00.000Z`);
const CLIENT_SECRET = 'fake-client-secret';

let fake: FakeSlack;
/** Every error message a test saw, checked for secrets at the end. */
const seenMessages: string[] = [];

beforeEach(async () => {
  fake = await startFakeSlack();
});
afterEach(async () => {
  await fake.close();
});

interface Setup {
  token?: string;
  params?: Record<string, string>;
  secrets?: Record<string, string>;
  settings?: Record<string, unknown>;
  waits?: number[];
  onTokens?: (s: Record<string, string>) => void;
}

function connector(s: Setup = {}) {
  // The policy's waits are exact (its clock moves only when it sleeps); they are also slept for real, because
  // the fake Slack enforces its tier limits on the real clock.
  const clock = steppedClock({ realWait: true, ...(s.waits ? { record: s.waits } : {}) });
  return new SlackGridConnector({
    connection: {
      vendor: 'slack_grid',
      baseUrl: fake.apiUrl,
      authKind: 'oauth_user_token',
      params: { scimUrl: fake.scimUrl, ...s.params },
      secrets: { accessToken: s.token ?? FAKE_SLACK_ADMIN_TOKEN, ...s.secrets },
    },
    settings: s.settings,
    http: {
      baseDelayMs: 5,
      requestsPerMinute: 60_000,
      burst: 1000,
      now: clock.now,
      sleep: clock.sleep,
    },
    onTokens: s.onTokens,
  });
}

async function failure(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    seenMessages.push((err as Error).message, describeError(err));
    return err as VendorError;
  }
  throw new Error('expected a failure');
}

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p);
  return out;
}

describe('validate', () => {
  it('passes every check with an org-wide admin token and names the integration user', async () => {
    const report = await connector().validate();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'Sign in (auth.test)',
      'Read users org-wide (admin.users.list)',
      'Read activity (admin.analytics.getFile)',
      'Read users through SCIM (GET /Users)',
    ]);
    expect(report.integrationUserId).toBe(FAKE_SLACK_INSTALLER_ID);
    expect(report.account).toContain('grid.admin');
    expect(fake.callsTo('admin.users.list')[0]!.body).toMatchObject({ limit: '1' });
    expect(fake.callsTo('SCIM')[0]!.query).toEqual({ startIndex: '1', count: '1' });
    expect(fake.org.users.every((u) => u.changes === 0)).toBe(true);
  });

  it('skips the activity probe when the profile does not download activity', async () => {
    const report = await connector({ settings: { downloadActivity: false } }).validate();
    expect(report.ok).toBe(true);
    expect(fake.callsTo('admin.analytics.getFile')).toHaveLength(0);
  });

  it('fails on a bad token with a readable auth reason, after one call', async () => {
    const report = await connector({ token: 'xoxp-wrong-token' }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]!.detail).toMatch(/rejected the credentials.*invalid_auth/);
    expect(fake.callsTo('auth.test')).toHaveLength(1);
    seenMessages.push(report.checks[0]!.detail!);
  });

  it('refuses a token that is not from a Grid org-wide install', async () => {
    fake.addToken('xoxp-workspace-only', { enterprise: false });
    const report = await connector({ token: 'xoxp-workspace-only' }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.detail).toContain('This token is not from an Enterprise Grid org-wide install');
    const err = await failure(all(connector({ token: 'xoxp-workspace-only' }).subscriptions()));
    expect(err.kind).toBe('config');
  });

  it('reports a missing scope with the scope that is needed', async () => {
    fake.addToken('xoxp-few-scopes', { scopes: ['admin', 'admin.analytics:read'] });
    const report = await connector({ token: 'xoxp-few-scopes' }).validate();
    expect(report.ok).toBe(false);
    const users = report.checks.find((c) => c.name.startsWith('Read users org-wide'))!;
    expect(users.ok).toBe(false);
    expect(users.detail).toMatch(/lacks a permission.*missing_scope \(needed: admin\.users:read; the token has: admin,admin\.analytics:read\)/);
    expect(report.checks.find((c) => c.name.startsWith('Read users through SCIM'))!.ok).toBe(true);
  });

  it('falls back to access logs when member analytics are disabled', async () => {
    fake.org.analytics.unavailable = 'member_analytics_disabled';
    const report = await connector().validate();
    expect(report.ok).toBe(true);
    const activity = report.checks.find((c) => c.name.startsWith('Read activity'))!;
    expect(activity.name).toBe('Read activity (team.accessLogs)');
    expect(activity.detail).toContain('member_analytics_disabled');
    expect(fake.callsTo('team.accessLogs')).toHaveLength(1);
  });

  it('reports a SCIM permission failure', async () => {
    fake.failNext('SCIM', { status: 403, body: JSON.stringify(scimErrorBody(403, 'missing_scope: admin')) });
    const report = await connector().validate();
    expect(report.ok).toBe(false);
    expect(report.checks.at(-1)!.detail).toMatch(/lacks a permission: SCIM GET \/Users: HTTP 403: missing_scope: admin/);
  });
});

describe('subscriptions', () => {
  function seedMix() {
    const o = fake.org;
    const member = o.addUser({ username: 'ann.member', fullName: 'Ann Member' });
    const multi = o.addUser({ username: 'mo.guest', isRestricted: true });
    const single = o.addUser({ username: 'sue.guest', isRestricted: true, isUltraRestricted: true });
    const bot = o.addUser({ username: 'deploy-bot', isBot: true });
    const slackbot = o.addUser({ id: 'USLACKBOT', username: 'slackbot' });
    const owner = o.addUser({ username: 'olga.owner', isOwner: true, isAdmin: true });
    const admin = o.addUser({ username: 'adam.admin', isAdmin: true });
    const gone = o.addUser({ username: 'dee.gone', active: false });
    for (let i = 0; i < 60; i++) o.addUser({ active: i % 10 !== 3 });
    return { member, multi, single, bot, slackbot, owner, admin, gone };
  }

  it('downloads active and deactivated users over many pages, each once, with the right license type', async () => {
    const u = seedMix();
    const pages: VendorSeat[][] = [];
    for await (const p of connector({ settings: { pageSize: 7 } }).subscriptions()) pages.push(p);
    const seats = pages.flat();
    expect(pages.length).toBeGreaterThan(8);
    expect(seats.map((s) => s.userId).sort()).toEqual(fake.org.users.map((x) => x.id).sort());
    expect(new Set(seats.map((s) => s.userId)).size).toBe(seats.length);
    const by = new Map(seats.map((s) => [s.userId, s]));
    expect(by.get(u.member.id)).toMatchObject({ licenseType: 'full_member', licenseName: 'Full member', active: true, email: u.member.email, name: 'Ann Member', flags: { free: false, guest: false } });
    expect(by.get(u.multi.id)).toMatchObject({ licenseType: 'multi_channel_guest', flags: { free: false, guest: true } });
    expect(by.get(u.single.id)).toMatchObject({ licenseType: 'single_channel_guest', licenseName: 'Single-channel guest', flags: { free: true, guest: true } });
    expect(by.get(u.bot.id)).toMatchObject({ licenseType: 'bot', flags: { free: true, bot: true } });
    expect(by.get('USLACKBOT')).toMatchObject({ licenseType: 'bot', flags: { free: true, bot: true } });
    expect(by.get(u.owner.id)!.flags).toMatchObject({ owner: true, primaryOwner: false, admin: true });
    expect(by.get(u.admin.id)!.flags).toMatchObject({ owner: false, admin: true });
    expect(by.get(u.gone.id)).toMatchObject({ active: false, licenseType: 'full_member' });
    expect(by.get(FAKE_SLACK_INSTALLER_ID)!.flags).toMatchObject({ integrationUser: true, primaryOwner: true, owner: true });
    const calls = fake.callsTo('admin.users.list');
    expect(calls.some((c) => (c.body as Record<string, string>).is_active === 'false')).toBe(true);
    expect(calls.every((c) => (c.body as Record<string, string>).team_id === undefined)).toBe(true);
  });

  it('sends team_id when the profile names a workspace', async () => {
    const ws2 = fake.org.workspaces[1]!.id;
    const inWs2 = fake.org.addUser({ workspaces: [ws2] });
    fake.org.addUser();
    const seats = await all(connector({ params: { teamId: ws2 } }).subscriptions());
    expect(seats.map((s) => s.userId)).toEqual([inWs2.id]);
    expect(fake.callsTo('admin.users.list').every((c) => (c.body as Record<string, string>).team_id === ws2)).toBe(true);
  });

  it('stops with bad_response when Slack repeats a cursor', async () => {
    for (let i = 0; i < 20; i++) fake.org.addUser();
    fake.repeatCursor.add('admin.users.list');
    const err = await failure(all(connector({ settings: { pageSize: 5 } }).subscriptions()));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/cursor it had already returned/);
  });

  it('turns malformed JSON into bad_response without retrying', async () => {
    fake.failNext('admin.users.list', { status: 200, body: '{"ok":tru', contentType: 'application/json' });
    const err = await failure(all(connector().subscriptions()));
    expect(err.kind).toBe('bad_response');
    expect(fake.callsTo('admin.users.list')).toHaveLength(1);
  });
});

describe('rate limits and retries', () => {
  it('honours 429 + Retry-After and then succeeds', async () => {
    for (let i = 0; i < 10; i++) fake.org.addUser();
    fake.failNext('admin.users.list', { status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ ok: false, error: 'ratelimited' }) });
    const waits: number[] = [];
    const seats = await all(connector({ waits }).subscriptions());
    expect(seats).toHaveLength(fake.org.users.length);
    expect(waits).toContain(1000);
    expect(fake.callsTo('admin.users.list').map((c) => c.status)).toEqual([429, 200, 200]);
  });

  it('honours a Slack tier limit enforced by the fake', async () => {
    for (let i = 0; i < 10; i++) fake.org.addUser();
    fake.setRateLimit('admin.users.list', 2, 1000);
    const waits: number[] = [];
    const seats = await all(connector({ waits, settings: { pageSize: 4 } }).subscriptions());
    expect(seats).toHaveLength(fake.org.users.length);
    expect(fake.callsTo('admin.users.list').filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(waits.some((w) => w === 1000)).toBe(true);
  });

  it('waits the configured time after ok:false ratelimited on HTTP 200', async () => {
    fake.failNextWithSlackError('admin.users.list', 'ratelimited');
    const waits: number[] = [];
    const seats = await all(connector({ waits, settings: { ratelimitedWaitMs: 25 } }).subscriptions());
    expect(seats.length).toBeGreaterThan(0);
    expect(waits).toContain(25);
  });

  it('retries a 5xx and then succeeds', async () => {
    fake.failNext('auth.test', { status: 503, body: 'upstream down', contentType: 'text/plain' });
    const report = await connector().validate();
    expect(report.ok).toBe(true);
    expect(fake.callsTo('auth.test').map((c) => c.status)).toEqual([503, 200]);
  });

  it('retries ok:false internal_error', async () => {
    fake.failNextWithSlackError('admin.users.list', 'internal_error');
    const seats = await all(connector().subscriptions());
    expect(seats.length).toBeGreaterThan(0);
    expect(fake.callsTo('admin.users.list').length).toBe(3);
  });

  it('gives up on a 5xx that keeps coming, as vendor_down', async () => {
    fake.failNext('auth.test', { status: 500, times: Infinity });
    const err = await failure(all(connector().subscriptions()));
    expect(err.kind).toBe('vendor_down');
    expect(fake.callsTo('auth.test')).toHaveLength(5);
  });
});

describe('activity', () => {
  it('reads member analytics files newest first and keeps each user latest active day', async () => {
    fake.org.setActiveDays(FAKE_SLACK_INSTALLER_ID, [daysAgo(2)]);
    const a = fake.org.addUser({ activeDays: [daysAgo(3), daysAgo(10)] });
    const b = fake.org.addUser({ activeDays: [daysAgo(20)] });
    const never = fake.org.addUser();
    const old = fake.org.addUser({ activeDays: [daysAgo(45)] });
    fake.org.analytics.notYetAvailable.add(toUtcDay(daysAgo(1)));
    const got = await all(connector().activity!(daysAgo(30)));
    const by = new Map(got.map((x: VendorActivity) => [x.userId, x.lastActivityAt.toISOString()]));
    expect(by.get(FAKE_SLACK_INSTALLER_ID)).toBe(dayStart(2).toISOString());
    expect(by.get(a.id)).toBe(dayStart(3).toISOString());
    expect(by.get(b.id)).toBe(dayStart(20).toISOString());
    expect(by.has(never.id)).toBe(false);
    expect(by.has(old.id)).toBe(false);
    expect(got).toHaveLength(3);
    const dates = fake.callsTo('admin.analytics.getFile').map((c) => (c.body as Record<string, string>).date);
    expect(dates[0]).toBe(toUtcDay(daysAgo(1)));
    expect(dates.at(-1)).toBe(toUtcDay(daysAgo(30)));
    expect(fake.callsTo('admin.analytics.getFile').every((c) => (c.body as Record<string, string>).type === 'member')).toBe(true);
  });

  it('stops scanning once every member seen has a date', async () => {
    fake.org.setActiveDays(FAKE_SLACK_INSTALLER_ID, [daysAgo(2)]);
    for (let i = 0; i < 5; i++) fake.org.addUser({ activeDays: [daysAgo(1 + i)] });
    const got = await all(connector().activity!(daysAgo(300)));
    expect(got).toHaveLength(6);
    expect(fake.callsTo('admin.analytics.getFile')).toHaveLength(5);
  });

  it('reads a member file that is not gzip as bad_response, and honours 429 on getFile', async () => {
    fake.org.addUser({ activeDays: [daysAgo(2)] });
    fake.failNext('admin.analytics.getFile', { status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ ok: false, error: 'ratelimited' }) });
    fake.failNext('admin.analytics.getFile', { status: 200, body: 'not gzip at all', contentType: 'application/gzip' });
    const waits: number[] = [];
    const err = await failure(all(connector({ waits }).activity!(daysAgo(10))));
    expect(err.kind).toBe('bad_response');
    expect(waits).toContain(1000);
    expect(fake.callsTo('admin.analytics.getFile')).toHaveLength(2);
  });

  it('stops at the oldest day Slack has data for', async () => {
    fake.org.analytics.firstDay = toUtcDay(daysAgo(5));
    fake.org.addUser();
    await all(connector().activity!(daysAgo(100)));
    expect(fake.callsTo('admin.analytics.getFile')).toHaveLength(6);
  });

  it('falls back to team.accessLogs in every workspace when analytics are unavailable', async () => {
    fake.org.analytics.unavailable = 'org_level_email_display_disabled';
    const [ws1, ws2] = fake.org.workspaces.map((w) => w.id);
    fake.org.setActiveDays(FAKE_SLACK_INSTALLER_ID, [daysAgo(1)]);
    const a = fake.org.addUser({ workspaces: [ws1!], activeDays: [daysAgo(10), daysAgo(4)] });
    const b = fake.org.addUser({ workspaces: [ws2!], activeDays: [daysAgo(7)] });
    const stale = fake.org.addUser({ workspaces: [ws1!], activeDays: [daysAgo(90)] });
    for (let i = 0; i < 12; i++) fake.org.addUser({ workspaces: [ws1!, ws2!], activeDays: [daysAgo(2 + i), daysAgo(30 + i)] });
    const got = await all(connector({ settings: { pageSize: 1, accessLogPageSize: 3 } }).activity!(daysAgo(60)));
    const by = new Map(got.map((x) => [x.userId, x.lastActivityAt.getTime()]));
    expect(by.get(a.id)).toBe(dayStart(4).getTime() + 15 * 3600_000);
    expect(by.get(b.id)).toBe(dayStart(7).getTime() + 15 * 3600_000);
    expect(by.has(stale.id)).toBe(false);
    expect(by.size).toBe(15);
    expect(fake.callsTo('admin.analytics.getFile')).toHaveLength(1);
    expect(fake.callsTo('admin.teams.list')).toHaveLength(1);
    const teams = new Set(fake.callsTo('team.accessLogs').map((c) => (c.body as Record<string, string>).team_id));
    expect(teams).toEqual(new Set([ws1, ws2]));
  });

  it('walks back with `before` past the 100-page access-log cap', async () => {
    fake.org.analytics.unavailable = 'member_analytics_disabled';
    const ws1 = fake.org.workspaces[0]!.id;
    for (let i = 0; i < 130; i++) fake.org.addUser({ workspaces: [ws1], activeDays: [daysAgo(1 + (i % 50))] });
    const got = await all(connector({ params: { teamId: ws1 }, settings: { accessLogPageSize: 1 } }).activity!(daysAgo(60)));
    expect(got).toHaveLength(131);
    const calls = fake.callsTo('team.accessLogs');
    expect(calls.some((c) => (c.body as Record<string, string>).before !== undefined)).toBe(true);
    expect(calls.every((c) => c.status === 200)).toBe(true);
  });
});

describe('reclaim and restore', () => {
  it('deactivates through SCIM once, treats a second reclaim as done, and restores', async () => {
    const u = fake.org.addUser({ username: 'idle.user' });
    const c = connector();
    const ref = { userId: u.id, email: u.email, licenseType: 'full_member' };
    expect(await c.reclaim(ref)).toMatchObject({ changed: true });
    expect(fake.org.user(u.id)!.active).toBe(false);
    expect(await c.reclaim(ref)).toMatchObject({ changed: false });
    expect(fake.org.user(u.id)!.changes).toBe(1);
    const deletes = fake.callsTo('SCIM').filter((x) => x.httpMethod === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.path).toBe(`/scim/v2/Users/${u.id}`);
    await c.restore!(ref);
    expect(fake.org.user(u.id)!.active).toBe(true);
    const patch = fake.callsTo('SCIM').find((x) => x.httpMethod === 'PATCH')!;
    expect(patch.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
  });

  it('reports an unknown user as not_found', async () => {
    const err = await failure(connector().reclaim({ userId: 'W0NOSUCH1', email: null, licenseType: 'full_member' }));
    expect(err.kind).toBe('not_found');
  });

  it('fails at once on SCIM 401 with kind auth', async () => {
    const u = fake.org.addUser();
    fake.failNext('SCIM', { status: 401, body: JSON.stringify(scimErrorBody(401, 'invalid_authentication')) });
    const err = await failure(connector().reclaim({ userId: u.id, email: null, licenseType: 'full_member' }));
    expect(err.kind).toBe('auth');
    expect(fake.callsTo('SCIM')).toHaveLength(1);
    expect(fake.org.user(u.id)!.active).toBe(true);
  });

  it('retries a SCIM 5xx, honours SCIM Retry-After, and reads malformed SCIM JSON as bad_response', async () => {
    const u = fake.org.addUser();
    fake.failNext('SCIM', { status: 502 });
    fake.failNext('SCIM', { status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify(scimErrorBody(429, 'Too many requests')) });
    const waits: number[] = [];
    expect(await connector({ waits }).reclaim({ userId: u.id, email: null, licenseType: 'full_member' })).toMatchObject({ changed: true });
    expect(waits).toContain(1000);
    fake.failNext('SCIM', { status: 200, body: '{"id":', contentType: 'application/scim+json' });
    const err = await failure(connector().reclaim({ userId: u.id, email: null, licenseType: 'full_member' }));
    expect(err.kind).toBe('bad_response');
  });
});

describe('token rotation', () => {
  it('refreshes an expired token once, stores the new pair, and carries on', async () => {
    fake.tokens.get(FAKE_SLACK_ADMIN_TOKEN)!.expired = true;
    fake.addRefreshToken('xoxe-1-initial-refresh', FAKE_SLACK_ADMIN_TOKEN);
    const stored: Record<string, string>[] = [];
    const c = connector({
      params: { clientId: 'fake-client-id' },
      secrets: { refreshToken: 'xoxe-1-initial-refresh', clientSecret: CLIENT_SECRET },
      onTokens: (s) => void stored.push(s),
    });
    const seats = await all(c.subscriptions());
    expect(seats.length).toBeGreaterThan(0);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.accessToken).toMatch(/^xoxe\.xoxp-1-rotated-/);
    expect(stored[0]!.refreshToken).toMatch(/^xoxe-1-refresh-/);
    expect(stored[0]!.clientSecret).toBe(CLIENT_SECRET);
    expect(fake.callsTo('oauth.v2.access')).toHaveLength(1);
    const u = fake.org.addUser();
    await c.reclaim({ userId: u.id, email: null, licenseType: 'full_member' });
    expect(fake.callsTo('SCIM').every((x) => x.token === stored[0]!.accessToken)).toBe(true);
  });

  it('says to reconnect when the refresh token is refused', async () => {
    fake.tokens.get(FAKE_SLACK_ADMIN_TOKEN)!.expired = true;
    const c = connector({ params: { clientId: 'fake-client-id' }, secrets: { refreshToken: 'xoxe-1-unknown', clientSecret: CLIENT_SECRET } });
    const err = await failure(all(c.subscriptions()));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/refreshing it failed \(invalid_refresh_token\); reconnect/);
  });
});

describe('connection schema', () => {
  const base = { vendor: 'slack_grid', baseUrl: '', authKind: 'oauth_user_token', params: {}, secrets: { accessToken: 'xoxp-1' } };
  it('accepts a user token and fills the default API URL', () => {
    const r = slackGridConnectionSchema.parse(base);
    expect(r.baseUrl).toBe('https://slack.com/api/');
  });
  it('rejects a bot token and a refresh token without client credentials, with readable messages', () => {
    const bot = slackGridConnectionSchema.safeParse({ ...base, secrets: { accessToken: 'xoxb-1' } });
    expect(bot.success).toBe(false);
    expect(bot.error!.issues[0]!.message).toMatch(/user token \(xoxp-…\)/);
    const rot = slackGridConnectionSchema.safeParse({ ...base, secrets: { accessToken: 'xoxp-1', refreshToken: 'xoxe-1' } });
    expect(rot.error!.issues[0]!.message).toMatch(/client id and client secret/);
  });
});

describe('secrets', () => {
  it('never appear in any error message seen above', () => {
    expect(seenMessages.length).toBeGreaterThan(10);
    for (const m of seenMessages) {
      expect(m).not.toMatch(/xox[pbe]/);
      expect(m).not.toContain(CLIENT_SECRET);
    }
  });
});
