// Contract tests for the Zendesk connector: real node-zendesk over real HTTP against the fake Zendesk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorError, describeError } from '../../src/domain/errors.js';
import type { Connector, VendorSeat } from '../../src/domain/vendor.js';
import type { ConnectorOptions } from '../../src/connectors/types.js';
import { createZendeskConnector, zendeskConnectionSchema } from '../../src/connectors/zendesk/index.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import { steppedClock } from '../support/stepped-clock.js';

const API_TOKEN = 'zd-api-token-9f8e7d6c5b4a';
const AGENT_TOKEN = 'zd-agent-token-1a2b3c4d';
const CLIENT_SECRET = 'zd-client-secret-77aa88bb';
const FAST_HTTP = { baseDelayMs: 5, maxDelayMs: 20, requestsPerMinute: 100_000, burst: 1000 };
const SECRETS = [API_TOKEN, AGENT_TOKEN, CLIENT_SECRET];

let fake: FakeZendesk;
let admin: FakeZendeskUser;
let agent: FakeZendeskUser;
/** Every error message seen in this file, checked for secrets at the end. */
const messages: string[] = [];

function connector(over: Partial<ConnectorOptions> & { token?: string; email?: string } = {}): Connector {
  return createZendeskConnector({
    connection: {
      vendor: 'zendesk',
      baseUrl: fake.url,
      authKind: 'api_token',
      params: { email: over.email ?? admin.email },
      secrets: { apiToken: over.token ?? API_TOKEN },
    },
    ...over,
    http: { ...FAST_HTTP, ...over.http },
  });
}

async function failure(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    messages.push(describeError(err));
    return err as VendorError;
  }
  throw new Error('expected a failure');
}

async function download(c: Connector): Promise<VendorSeat[]> {
  const seats: VendorSeat[] = [];
  for await (const page of c.subscriptions()) seats.push(...page);
  return seats;
}

const isUsersList = (_req: unknown, url: URL) => url.pathname === '/api/v2/users.json';

beforeAll(async () => {
  fake = await startFakeZendesk();
  admin = fake.org.addUser({ email: 'ops@acme.test', name: 'Ops Bot', role: 'admin', lastLoginAt: '2026-03-01T10:00:00Z' });
  agent = fake.org.addUser({ email: 'agent.only@acme.test', name: 'Agent Only', role: 'agent' });
  fake.addApiToken(admin.id, API_TOKEN);
  fake.addApiToken(agent.id, AGENT_TOKEN);
  fake.seedDemo(260, { seed: 7, now: new Date('2026-06-01T00:00:00Z') });
  fake.org.addUser({ email: 'suspended.agent@acme.test', role: 'agent', suspended: true });
  fake.org.deleteUser(fake.org.addUser({ email: 'deleted.agent@acme.test', role: 'agent' }).id);
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.faults.clear();
  fake.setRateLimit(null);
  fake.setUpdateUserLimit(null);
  fake.behaviour.anonymousOnBadCredentials = false;
  fake.behaviour.nextLinkOnLastPage = false;
  fake.behaviour.repeatCursor = false;
  fake.calls.length = 0;
});

describe('connection schema', () => {
  it('accepts each auth kind with its keys and names what is missing', () => {
    const base = { vendor: 'zendesk', baseUrl: 'https://acme.zendesk.com' };
    expect(zendeskConnectionSchema.safeParse({ ...base, authKind: 'api_token', params: { email: 'a@b.co' }, secrets: { apiToken: 'x' } }).success).toBe(true);
    expect(zendeskConnectionSchema.safeParse({ ...base, authKind: 'oauth_client_credentials', params: { clientId: 'c' }, secrets: { clientSecret: 's' } }).success).toBe(true);
    expect(zendeskConnectionSchema.safeParse({ ...base, authKind: 'oauth_authorization_code', params: {}, secrets: { accessToken: 'a' } }).success).toBe(true);
    const bad = zendeskConnectionSchema.safeParse({ ...base, authKind: 'api_token', params: { email: 'not-an-email' }, secrets: {} });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['params.email', 'secrets.apiToken']));
  });
});

describe('validate', () => {
  it('passes for an admin API token and names the integration user', async () => {
    const report = await connector({ settings: { reclaim: true } }).validate();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['Credentials accepted', 'Agent or admin account', 'Reclaim needs an admin', 'List agents']);
    expect(report.integrationUserId).toBe(String(admin.id));
    expect(report.account).toContain('ops@acme.test');
    const probe = fake.callsTo('GET', '/api/v2/users.json')[0]!;
    expect(probe.query).toMatchObject({ 'role[]': ['agent', 'admin'], 'page[size]': '1' });
    expect(probe.auth).toBe('basic');
  });

  it('fails with a readable reason for a wrong API token (401)', async () => {
    const report = await connector({ token: 'wrong-token-value' }).validate();
    expect(report.ok).toBe(false);
    const check = report.checks[0]!;
    expect(check).toMatchObject({ name: 'Credentials accepted', ok: false });
    expect(check.detail).toMatch(/rejected the credentials.*401/);
    expect(check.detail).not.toContain('wrong-token-value');
    // 401 is not retried.
    expect(fake.callsTo('GET', '/api/v2/users/me.json')).toHaveLength(1);
  });

  it('rejects the anonymous 200 that users/me answers for bad credentials', async () => {
    fake.behaviour.anonymousOnBadCredentials = true;
    const report = await connector({ token: 'wrong-token-value' }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.detail).toBe('the credentials were not accepted: Zendesk answered as an anonymous user');
    expect(report.integrationUserId).toBeUndefined();
  });

  it('reports that reclaim needs an admin when the account is an agent', async () => {
    const report = await connector({ email: agent.email, token: AGENT_TOKEN, settings: { reclaim: true } }).validate();
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['Reclaim needs an admin']);
    expect(failed[0]!.detail).toMatch(/needs an admin/);
    expect(report.checks.find((c) => c.name === 'List agents')!.ok).toBe(true);
  });

  it('refuses an end-user account (no permission to list users)', async () => {
    const endUser = fake.org.addUser({ email: 'customer@acme.test', role: 'end-user' });
    fake.addApiToken(endUser.id, 'end-user-token-xyz');
    const report = await connector({ email: endUser.email, token: 'end-user-token-xyz' }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => !c.ok)).toMatchObject({ name: 'Agent or admin account' });
    expect(report.checks.find((c) => !c.ok)!.detail).toMatch(/end-user/);
  });

  it('reports a 403 on the users probe as a missing permission', async () => {
    fake.faults.add({ match: isUsersList, status: 403, body: JSON.stringify({ error: 'Forbidden', description: 'You do not have access to this page.' }) });
    const report = await connector().validate();
    const probe = report.checks.find((c) => c.name === 'List agents')!;
    expect(probe.ok).toBe(false);
    expect(probe.detail).toMatch(/lacks a permission.*403.*Forbidden/);
  });
});

describe('subscriptions', () => {
  it('downloads every agent and admin exactly once over several pages, with the right license type', async () => {
    fake.behaviour.nextLinkOnLastPage = true; // correction 7: has_more decides, not links.next
    const seats = await download(connector());
    const expected = fake.org.users().filter((u) => u.role !== 'end-user');
    expect(expected.length).toBeGreaterThan(200);
    expect(seats).toHaveLength(expected.length);
    expect(new Set(seats.map((s) => s.userId)).size).toBe(seats.length);
    const light = fake.org.lightAgentRole.id;
    for (const u of expected) {
      const seat = seats.find((s) => s.userId === String(u.id))!;
      const type = u.role === 'admin' ? 'admin' : u.custom_role_id === light ? 'light_agent' : 'agent';
      expect(seat.licenseType).toBe(type);
      expect(seat.active).toBe(u.active);
      expect(seat.flags.suspended === true).toBe(u.suspended);
      expect(seat.restoreData).toEqual({ role: u.role, custom_role_id: u.custom_role_id });
    }
    expect(new Set(seats.map((s) => s.licenseType))).toEqual(new Set(['agent', 'admin', 'light_agent']));
    expect(seats.some((s) => !s.active)).toBe(true);
    expect(seats.some((s) => s.flags.suspended)).toBe(true);
    expect(seats.find((s) => s.userId === String(admin.id))!.flags).toMatchObject({ integrationUser: true, admin: true });
    const pages = fake.callsTo('GET', '/api/v2/users.json');
    expect(pages.length).toBe(Math.ceil(expected.length / 100));
    expect(pages.every((c) => c.query['page[size]'] === '100')).toBe(true);
  });

  it('treats role_type 1 as a light agent even without the custom role list', async () => {
    fake.faults.add({ match: (_r, url) => url.pathname === '/api/v2/custom_roles.json', status: 403, body: JSON.stringify({ error: 'Forbidden' }) });
    const seats = await download(connector());
    const lightUser = fake.org.users().find((u) => u.role === 'agent' && u.role_type === 1)!;
    expect(seats.find((s) => s.userId === String(lightUser.id))!.licenseType).toBe('light_agent');
  });

  it('sets lastActivityAt from last_login_at, null for never', async () => {
    const seats = await download(connector());
    const never = fake.org.users().find((u) => u.role !== 'end-user' && u.last_login_at === null)!;
    const some = fake.org.users().find((u) => u.role !== 'end-user' && u.last_login_at !== null && u.id !== admin.id)!;
    expect(seats.find((s) => s.userId === String(never.id))!.lastActivityAt).toBeNull();
    expect(seats.find((s) => s.userId === String(some.id))!.lastActivityAt!.toISOString()).toBe(new Date(some.last_login_at!).toISOString());
    expect(seats.find((s) => s.userId === String(admin.id))!.lastActivityAt!.toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });
});

describe('activity', () => {
  const since = new Date('2026-05-01T00:00:00Z');
  const expectedRecent = () =>
    fake.org
      .users()
      .filter((u) => u.role !== 'end-user' && u.last_login_at !== null && new Date(u.last_login_at) >= since)
      .map((u) => ({ userId: String(u.id), lastActivityAt: new Date(u.last_login_at!) }));

  it('lists agents logged in since a date on its own', async () => {
    const got = [];
    for await (const page of connector().activity!(since)) got.push(...page);
    expect(got.length).toBeGreaterThan(0);
    expect(got.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(expectedRecent().sort((a, b) => a.userId.localeCompare(b.userId)));
  });

  it('reuses the last download without asking Zendesk again', async () => {
    const c = connector();
    await download(c);
    const before = fake.calls.length;
    const got = [];
    for await (const page of c.activity!(since)) got.push(...page);
    expect(fake.calls.length).toBe(before);
    expect(got).toHaveLength(expectedRecent().length);
  });
});

describe('reclaim and restore', () => {
  it('downgrades an agent to end-user once, then succeeds without a second change, and restore reverses it', async () => {
    const target = fake.org.addUser({ email: 'idle.agent@acme.test', role: 'agent', customRoleId: fake.org.customRoles[1]!.id });
    const c = connector();
    const seat = { userId: String(target.id), email: target.email, licenseType: 'agent' };
    const first = await c.reclaim(seat);
    expect(first.changed).toBe(true);
    expect(first.restoreData).toEqual({ role: 'agent', custom_role_id: fake.org.customRoles[1]!.id });
    expect(fake.org.user(target.id)).toMatchObject({ role: 'end-user', custom_role_id: null });
    const put = fake.callsTo('PUT', `/api/v2/users/${target.id}.json`);
    expect(put).toHaveLength(1);
    expect(put[0]!.body).toEqual({ user: { role: 'end-user' } });

    const second = await c.reclaim(seat);
    expect(second.changed).toBe(false);
    expect(fake.callsTo('PUT', `/api/v2/users/${target.id}.json`)).toHaveLength(1);

    await c.restore!({ ...seat, restoreData: first.restoreData });
    expect(fake.org.user(target.id)).toMatchObject({ role: 'agent', custom_role_id: fake.org.customRoles[1]!.id });
  });

  it('downgrades to light agent when the profile says so, and restores an admin', async () => {
    const target = fake.org.addUser({ email: 'idle.admin@acme.test', role: 'admin' });
    const c = connector({ settings: { reclaimTo: 'light_agent' } });
    const seat = { userId: String(target.id), email: target.email, licenseType: 'admin' };
    const out = await c.reclaim(seat);
    expect(out).toMatchObject({ changed: true, restoreData: { role: 'admin', custom_role_id: null } });
    expect(fake.org.user(target.id)).toMatchObject({ role: 'agent', custom_role_id: fake.org.lightAgentRole.id, role_type: 1 });
    expect((await c.reclaim(seat)).changed).toBe(false);
    expect(fake.callsTo('PUT', `/api/v2/users/${target.id}.json`)).toHaveLength(1);
    await c.restore!({ ...seat, restoreData: out.restoreData });
    expect(fake.org.user(target.id)).toMatchObject({ role: 'admin', role_type: 4 });
  });

  it('treats a user Zendesk no longer has as already free', async () => {
    const out = await connector().reclaim({ userId: '99999999999', email: null, licenseType: 'agent' });
    expect(out.changed).toBe(false);
    expect(fake.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('surfaces a 422 RecordInvalid with its details', async () => {
    const target = fake.org.addUser({ email: 'restore.bad@acme.test', role: 'end-user' });
    const err = await failure(connector().restore!({ userId: String(target.id), email: null, licenseType: 'agent', restoreData: { role: 'agent', custom_role_id: 123 } }));
    expect(err.kind).toBe('invalid_request');
    expect(err.details.status).toBe(422);
    expect(err.message).toMatch(/RecordInvalid.*custom_role_id Custom role: is invalid/);
  });

  it('fails at once with permission when the token may only read', async () => {
    fake.addOAuthClient('read-only-client', CLIENT_SECRET, admin.id, ['read']);
    const c = createZendeskConnector({
      connection: { vendor: 'zendesk', baseUrl: fake.url, authKind: 'oauth_client_credentials', params: { clientId: 'read-only-client', scope: 'read' }, secrets: { clientSecret: CLIENT_SECRET } },
      http: FAST_HTTP,
    });
    const err = await failure(c.reclaim({ userId: String(agent.id), email: null, licenseType: 'agent' }));
    expect(err.kind).toBe('permission');
    expect(fake.calls.filter((x) => x.method === 'PUT')).toHaveLength(1);
    expect(fake.org.user(agent.id)!.role).toBe('agent');
  });
});

describe('OAuth', () => {
  it('client credentials: gets a token with a JSON body at the origin root, and re-fetches once on invalid_token', async () => {
    fake.addOAuthClient('bot-client', CLIENT_SECRET, admin.id);
    const c = createZendeskConnector({
      connection: { vendor: 'zendesk', baseUrl: fake.url, authKind: 'oauth_client_credentials', params: { clientId: 'bot-client' }, secrets: { clientSecret: CLIENT_SECRET } },
      http: FAST_HTTP,
    });
    expect((await c.validate()).ok).toBe(true);
    const tokenCalls = fake.callsTo('POST', '/oauth/tokens');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]!.body).toEqual({ grant_type: 'client_credentials', client_id: 'bot-client', client_secret: CLIENT_SECRET, scope: 'read write' });
    expect(fake.callsTo('GET', '/api/v2/users/me.json')[0]!.auth).toBe('bearer');

    fake.expireAccessTokens();
    const seats = await download(c);
    expect(seats.length).toBeGreaterThan(200);
    expect(fake.callsTo('POST', '/oauth/tokens')).toHaveLength(2);
  });

  it('client credentials: a wrong secret fails validation as an auth problem without echoing the secret', async () => {
    fake.addOAuthClient('bot-client-2', CLIENT_SECRET, admin.id);
    const report = await createZendeskConnector({
      connection: { vendor: 'zendesk', baseUrl: fake.url, authKind: 'oauth_client_credentials', params: { clientId: 'bot-client-2' }, secrets: { clientSecret: 'not-the-secret-123' } },
      http: FAST_HTTP,
    }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.detail).toMatch(/rejected the credentials.*invalid_client/);
    expect(report.checks[0]!.detail).not.toContain('not-the-secret-123');
  });

  it('authorization code: refreshes an expired access token and hands the new tokens to onTokens', async () => {
    fake.addOAuthClient('web-client', CLIENT_SECRET, admin.id);
    const issued = fake.issueTokens(admin.id, 'web-client');
    const stored: Array<Record<string, string>> = [];
    const c = createZendeskConnector({
      connection: { vendor: 'zendesk', baseUrl: fake.url, authKind: 'oauth_authorization_code', params: { clientId: 'web-client' }, secrets: { accessToken: issued.accessToken, refreshToken: issued.refreshToken, clientSecret: CLIENT_SECRET } },
      http: FAST_HTTP,
      onTokens: (s) => void stored.push(s),
    });
    expect((await c.validate()).ok).toBe(true);
    fake.expireAccessTokens();
    expect((await c.validate()).ok).toBe(true);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.accessToken).not.toBe(issued.accessToken);
    expect(stored[0]!.refreshToken).not.toBe(issued.refreshToken);
    expect(fake.callsTo('POST', '/oauth/tokens')[0]!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: issued.refreshToken, client_id: 'web-client' });
  });
});

describe('failures through the HTTP policy', () => {
  it('honours a text/plain 429 with Retry-After (returned as data by node-zendesk) and succeeds on retry', async () => {
    const isMe = (_r: unknown, url: URL) => url.pathname === '/api/v2/users/me.json';
    fake.faults.add({ match: isMe, status: 429, body: 'Number of allowed API requests per minute exceeded', contentType: 'text/plain', headers: { 'retry-after': '1' } });
    fake.faults.add({ match: isUsersList, status: 429, body: 'Number of allowed API requests per minute exceeded', contentType: 'text/plain', headers: { 'retry-after': '1' } });
    const clock = steppedClock();
    const seats = await download(connector({ http: { ...FAST_HTTP, now: clock.now, sleep: clock.sleep } }));
    expect(seats.length).toBeGreaterThan(200);
    expect(fake.callsTo('GET', '/api/v2/users/me.json')).toHaveLength(2);
    // Each retry waited the Retry-After second, not the 5 ms backoff.
    expect(clock.waits).toEqual([1000, 1000]);
    expect(fake.callsTo('GET', '/api/v2/users.json')).toHaveLength(Math.ceil(seats.length / 100) + 1);
  });

  it('turns a 429 into rate_limited with retryAfterMs when attempts run out', async () => {
    fake.faults.add({ match: isUsersList, status: 429, body: 'Number of allowed API requests per minute exceeded', contentType: 'text/plain', headers: { 'retry-after': '1' } });
    const err = await failure(download(connector({ http: { maxAttempts: 1 } })));
    expect(err.kind).toBe('rate_limited');
    expect(err.details.retryAfterMs).toBe(1000);
    expect(err.message).toContain('Number of allowed API requests per minute exceeded');
  });

  it('waits out the fake account limit for real and completes the download', async () => {
    fake.setRateLimit(2, 1000);
    const seats = await download(connector());
    expect(seats.length).toBeGreaterThan(200);
    expect(fake.refused).toBeGreaterThan(0);
  });

  it('honours the per-user update limit between reclaim and restore', async () => {
    fake.setUpdateUserLimit(1, 1000);
    const target = fake.org.addUser({ email: 'rate.limited@acme.test', role: 'agent' });
    const c = connector();
    const out = await c.reclaim({ userId: String(target.id), email: null, licenseType: 'agent' });
    await c.restore!({ userId: String(target.id), email: null, licenseType: 'agent', restoreData: out.restoreData });
    expect(fake.org.user(target.id)!.role).toBe('agent');
    expect(fake.refused).toBe(1);
    expect(fake.callsTo('PUT', `/api/v2/users/${target.id}.json`)).toHaveLength(3);
  });

  it('retries a 5xx and then succeeds', async () => {
    fake.faults.add({ match: isUsersList, status: 503, body: JSON.stringify({ error: 'ServiceUnavailable' }), times: 2 });
    fake.faults.add({ match: (_r, url) => url.pathname === '/api/v2/users/me.json', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    const seats = await download(connector());
    expect(seats.length).toBeGreaterThan(200);
    expect(fake.callsTo('GET', '/api/v2/users/me.json')).toHaveLength(2);
  });

  it('gives up on a persistent 5xx as vendor_down', async () => {
    fake.faults.add({ match: isUsersList, status: 500, body: JSON.stringify({ error: 'InternalError' }), times: Infinity });
    const err = await failure(download(connector({ http: { maxAttempts: 3 } })));
    expect(err.kind).toBe('vendor_down');
    expect(fake.callsTo('GET', '/api/v2/users.json')).toHaveLength(3);
  });

  it('fails a 401 and a 403 at once with the right kind', async () => {
    fake.faults.add({ match: isUsersList, status: 401, body: JSON.stringify({ error: "Couldn't authenticate you" }) });
    const auth = await failure(download(connector()));
    expect(auth.kind).toBe('auth');
    expect(fake.callsTo('GET', '/api/v2/users.json')).toHaveLength(1);

    fake.calls.length = 0;
    fake.faults.add({ match: isUsersList, status: 403, body: JSON.stringify({ error: 'Forbidden', description: 'You do not have access to this page.' }) });
    const perm = await failure(download(connector()));
    expect(perm.kind).toBe('permission');
    expect(fake.callsTo('GET', '/api/v2/users.json')).toHaveLength(1);
  });

  it('reports malformed JSON as bad_response', async () => {
    fake.faults.add({ match: isUsersList, status: 200, body: '{"users": [{"id": 1,', contentType: 'application/json' });
    const err = await failure(download(connector()));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/malformed JSON/);
  });

  it('reports a body of the wrong shape as bad_response', async () => {
    fake.faults.add({ match: isUsersList, status: 200, body: JSON.stringify({ users: [{ id: 'x' }] }), contentType: 'application/json' });
    const err = await failure(download(connector()));
    expect(err.kind).toBe('bad_response');
  });

  it('stops a repeating cursor with bad_response', async () => {
    fake.behaviour.repeatCursor = true;
    const err = await failure(download(connector()));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/cursor it had already returned/);
    expect(fake.callsTo('GET', '/api/v2/users.json')).toHaveLength(2);
  });

  it('times out a slow answer as vendor_down', async () => {
    fake.faults.add({ match: isUsersList, delayMs: 400, delayOnly: true, times: Infinity });
    const err = await failure(download(connector({ http: { timeoutMs: 100, maxAttempts: 2 } })));
    expect(err.kind).toBe('vendor_down');
  });

  it('never puts a secret in an error message', async () => {
    await failure(connector({ token: API_TOKEN + 'x' }).reclaim({ userId: String(agent.id), email: null, licenseType: 'agent' }));
    expect(messages.length).toBeGreaterThan(8);
    for (const m of messages) for (const s of SECRETS) expect(m).not.toContain(s);
  });
});

describe('fake Zendesk wire format', () => {
  it('falls back to offset paging without page[size], and caps page[size] at 100', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${admin.email}/token:${API_TOKEN}`).toString('base64')}` };
    const offset = (await (await fetch(`${fake.url}/api/v2/users.json?role=agent&per_page=50`, { headers: auth })).json()) as Record<string, unknown>;
    expect(offset).toMatchObject({ next_page: expect.stringContaining('page=2'), previous_page: null });
    expect(offset.meta).toBeUndefined();
    expect((offset.users as unknown[]).length).toBe(50);
    expect((await fetch(`${fake.url}/api/v2/users.json?page%5Bsize%5D=101`, { headers: auth })).status).toBe(400);
    const last = (await (await fetch(`${fake.url}/api/v2/users.json?role=admin&page%5Bsize%5D=100`, { headers: auth })).json()) as { meta: { has_more: boolean }; links: { next: string | null } };
    expect(last.meta.has_more).toBe(false);
    expect(last.links.next).toBeNull();
    const limited = await (async () => {
      fake.setRateLimit(0, 1000);
      return fetch(`${fake.url}/api/v2/users/me.json`, { headers: auth });
    })();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
