// Contract tests of the custom REST connector over real HTTP against the configurable fake app.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/domain/errors.js';
import type { Connector, VendorSeat } from '../../src/domain/vendor.js';
import { defaultSleep } from '../../src/connectors/http.js';
import { createCustomConnector, customConnectionSchema, parseCustomDefinition } from '../../src/connectors/custom/index.js';
import { demoConnection, SCIM_ACTIVITY_SCHEMA, startFakeCustom, type FakeCustom, type FakeCustomUser } from '../../src/fakes/custom/index.js';
import type { ConnectorOptions } from '../../src/connectors/types.js';
import { steppedClock } from '../support/stepped-clock.js';

const TOKEN = 'tok-secret-9f8e7d6c';
const API_KEY = 'key-secret-1a2b3c4d';
const CLIENT_SECRET = 'cs-secret-55aa66bb';
const SECRETS = [TOKEN, API_KEY, CLIENT_SECRET];
const LICENSE = { owner: 'pro', admin: 'pro', member: 'standard', viewer: null } as const;

let fake: FakeCustom;
/** Every error message a test saw, checked for secrets at the end. */
const messages: string[] = [];

beforeAll(async () => {
  fake = await startFakeCustom();
});
afterAll(async () => {
  await fake.close();
  for (const m of messages) for (const s of SECRETS) expect(m).not.toContain(s);
});
beforeEach(() => {
  fake.org.clear();
  fake.calls.length = 0;
  fake.faults.clear();
  fake.setRateLimit(null);
  fake.loopPaging = false;
  fake.absoluteNextLinks = false;
  fake.readOnly = false;
  fake.setAuth({ kind: 'bearer', token: TOKEN });
});

type Def = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const nativeUsers = (path: string, recordsPath: string | undefined, pagination: Def): Def => ({
  path,
  ...(recordsPath ? { recordsPath } : {}),
  idPath: 'id',
  emailPath: 'emails[primary=true].value',
  namePath: ['profile.first_name', 'profile.last_name'],
  licenseTypePath: 'role',
  licenseTypeMap: LICENSE,
  statusPath: 'status',
  activeValues: ['active'],
  lastActivityPath: 'last_login_at',
  pagination,
});

function definition(overrides: Def = {}): Def {
  return {
    auth: { kind: 'bearer' },
    users: nativeUsers('/cursor/users', 'items', { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', sizeParam: 'limit', pageSize: 50 }),
    reclaim: { method: 'PATCH', path: '/users/{id}', body: { status: 'deactivated' }, precheck: { path: '/users/{id}' } },
    restore: { method: 'PATCH', path: '/users/{id}', body: { status: 'active' }, precheck: { path: '/users/{id}' } },
    ...overrides,
  };
}

function connect(def: Def, extra: Partial<ConnectorOptions> & { secrets?: Record<string, string>; params?: Record<string, string> } = {}): Connector {
  const { secrets = { token: TOKEN }, params = {}, ...rest } = extra;
  return createCustomConnector({
    connection: { vendor: 'custom', baseUrl: fake.url, authKind: def.auth.kind, params: { definition: JSON.stringify(def), ...params }, secrets },
    http: { baseDelayMs: 5, maxDelayMs: 20 },
    ...rest,
  });
}

async function allSeats(c: Connector): Promise<VendorSeat[]> {
  const seats: VendorSeat[] = [];
  for await (const page of c.subscriptions()) seats.push(...page);
  return seats;
}

async function failure(p: Promise<unknown> | (() => Promise<unknown>)): Promise<VendorError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    messages.push((err as Error).message);
    return err as VendorError;
  }
  throw new Error('expected a failure');
}

/** n users with every role, some deactivated, some never logged in. */
function seed(n: number): FakeCustomUser[] {
  const roles = ['owner', 'admin', 'member', 'member', 'viewer'];
  return Array.from({ length: n }, (_, i) =>
    fake.org.addUser({
      email: `user${i}@acme.example`,
      role: roles[i % roles.length]!,
      status: i % 7 === 3 ? 'deactivated' : 'active',
      lastLoginAt: i % 6 === 0 ? null : new Date(Date.UTC(2025, 0, 1) + i * 3_600_000),
    }),
  );
}

const seatUsers = (users: FakeCustomUser[]) => users.filter((u) => u.role !== 'viewer');

function expectEverySeatOnce(seats: VendorSeat[], users: FakeCustomUser[]): void {
  const expected = seatUsers(users);
  expect(seats.map((s) => s.userId).sort()).toEqual(expected.map((u) => u.id).sort());
  const byId = new Map(seats.map((s) => [s.userId, s]));
  for (const u of expected) {
    const s = byId.get(u.id)!;
    expect(s.licenseType).toBe(LICENSE[u.role as keyof typeof LICENSE]);
    expect(s.email).toBe(u.email);
    expect(s.active).toBe(u.status === 'active');
    expect(s.lastActivityAt ?? null).toEqual(u.lastLoginAt);
  }
}

describe('definition validation', () => {
  const bad = (mutate: (d: Def) => void) => {
    const d = definition();
    mutate(d);
    const r = parseCustomDefinition(JSON.stringify(d));
    if (r.ok) throw new Error('expected the definition to be refused');
    return r.errors;
  };

  it('accepts the demo definition and fills defaults', () => {
    const r = parseCustomDefinition(demoConnection('http://127.0.0.1:1').params.definition!);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.definition.users.lastActivityFormat).toBe('iso8601');
  });

  it.each<[string, (d: Def) => void, string]>([
    ['cursor style without its cursor parameter', (d) => delete d.users.pagination.cursorParam, 'users.pagination.cursorParam'],
    ['an unknown pagination style', (d) => (d.users.pagination = { style: 'bogus' }), 'users.pagination.style'],
    ['a misspelt field', (d) => (d.users.recordPath = 'items'), 'users.recordPath'],
    ['statusPath without activeValues', (d) => delete d.users.activeValues, 'users.activeValues'],
    ['a broken field path', (d) => (d.users.emailPath = 'emails[primary=true.value'), 'users.emailPath'],
    ['an unknown placeholder in a template', (d) => (d.reclaim.path = '/users/{userId}'), 'reclaim.path'],
    ['an API-key header auth without the header', (d) => (d.auth = { kind: 'api_key_header' }), 'auth.header'],
    ['an unknown activity format', (d) => (d.users.lastActivityFormat = 'rfc2822'), 'users.lastActivityFormat'],
    ['no license type source', (d) => delete d.users.licenseTypePath, 'users.licenseTypePath'],
    ['a page size of zero', (d) => (d.users.pagination.pageSize = 0), 'users.pagination.pageSize'],
    ['a GET reclaim', (d) => (d.reclaim.method = 'GET'), 'reclaim.method'],
    ['a relative token URL without a slash', (d) => (d.auth = { kind: 'oauth_client_credentials', tokenUrl: 'oauth/token' }), 'auth.tokenUrl'],
  ])('refuses %s at its path', (_what, mutate, path) => {
    const errors = bad(mutate);
    expect(errors.map((e) => e.path)).toContain(path);
  });

  it('reports every bad field at once', () => {
    const errors = bad((d) => {
      delete d.users.idPath;
      d.users.pagination.cursorParam = '';
      d.reclaim.successStatuses = [700];
    });
    expect(errors.map((e) => e.path).sort()).toEqual(['reclaim.successStatuses.0', 'users.idPath', 'users.pagination.cursorParam']);
  });

  it('reports malformed JSON with its position', () => {
    const r = parseCustomDefinition('{\n  "auth": { "kind": "bearer" },\n  "users": { "path": "/u", }\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.path).toBe('');
      expect(r.errors[0]!.message).toMatch(/^malformed JSON at line 3, column 28 \(position 61\)/);
    }
  });

  it('the connector refuses an invalid definition with a config error naming the paths', async () => {
    const d = definition();
    d.users.pagination = { style: 'cursor', cursorPath: 'next_cursor' };
    const err = await failure(async () => connect(d));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('users.pagination.cursorParam');
  });

  it('the connection schema reports definition fields and missing secrets by path', () => {
    const d = definition({ auth: { kind: 'basic' } });
    delete d.users.idPath;
    const r = customConnectionSchema.safeParse({ baseUrl: fake.url, authKind: 'basic', params: { definition: JSON.stringify(d) }, secrets: {} });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['params.definition.users.idPath']);
    const ok = definition({ auth: { kind: 'basic' } });
    const r2 = customConnectionSchema.safeParse({ baseUrl: fake.url, authKind: 'bearer', params: { definition: JSON.stringify(ok) }, secrets: {} });
    expect(r2.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['authKind', 'params.username', 'secrets.apiKey']);
    const r3 = customConnectionSchema.safeParse({ baseUrl: fake.url, authKind: 'custom', params: { definition: JSON.stringify(ok), username: 'admin' }, secrets: { apiKey: API_KEY } });
    expect(r3.success).toBe(true);
  });

  it('authKind "custom" defers to the definition; another kind must match it', async () => {
    seed(2);
    const def = definition();
    const conn = (authKind: string) => createCustomConnector({ connection: { vendor: 'custom', baseUrl: fake.url, authKind, params: { definition: JSON.stringify(def) }, secrets: { token: TOKEN } } });
    expect(await allSeats(conn('custom'))).toHaveLength(2);
    const err = await failure(async () => conn('basic'));
    expect(err.kind).toBe('config');
  });
});

describe('pagination styles return every user exactly once', () => {
  const scimUsers = (pagination: Def): Def => ({
    path: '/scim/v2/Users',
    idPath: 'id',
    emailPath: 'emails[primary=true].value',
    namePath: 'name.formatted',
    licenseTypePath: 'roles.0.value',
    licenseTypeMap: LICENSE,
    statusPath: 'active',
    activeValues: [true],
    lastActivityPath: `["${SCIM_ACTIVITY_SCHEMA}"].lastLoginAt`,
    pagination,
  });
  const styles: Array<[string, Def, (calls: number) => void]> = [
    ['offset with a total', nativeUsers('/offset/users', 'data', { style: 'offset', pageSize: 40, totalPath: 'total' }), (n) => expect(n).toBe(6)],
    ['offset stopping on a short page', nativeUsers('/offset/users', 'data', { style: 'offset', pageSize: 40 }), (n) => expect(n).toBe(6)],
    ['page number with total pages', nativeUsers('/page/users', 'users', { style: 'page', pageSize: 25, totalPagesPath: 'total_pages' }), (n) => expect(n).toBe(10)],
    ['page number stopping on a short page', nativeUsers('/page/users', 'users', { style: 'page', pageSize: 25 }), (n) => expect(n).toBe(10)],
    ['cursor', nativeUsers('/cursor/users', 'items', { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', hasMorePath: 'has_more', sizeParam: 'limit', pageSize: 50 }), (n) => expect(n).toBe(5)],
    ['next URL in the body', nativeUsers('/next/users', 'results', { style: 'next_url', nextUrlPath: 'links.next', sizeParam: 'limit', pageSize: 30 }), (n) => expect(n).toBe(8)],
    ['Link header', nativeUsers('/link/users', undefined, { style: 'link_header', sizeParam: 'per_page', pageSize: 33 }), (n) => expect(n).toBe(8)],
    ['SCIM', scimUsers({ style: 'scim', pageSize: 45 }), (n) => expect(n).toBe(6)],
  ];

  it.each(styles)('%s', async (_name, users, checkCalls) => {
    const seeded = seed(237);
    const seats = await allSeats(connect(definition({ users })));
    expectEverySeatOnce(seats, seeded);
    checkCalls(fake.calls.length);
  });

  it('an exact multiple of the page size ends on an empty page', async () => {
    const seeded = seed(200);
    const seats = await allSeats(connect(definition({ users: nativeUsers('/offset/users', 'data', { style: 'offset', pageSize: 40 }) })));
    expectEverySeatOnce(seats, seeded);
    expect(fake.calls.map((c) => c.query.offset)).toEqual(['0', '40', '80', '120', '160', '200']);
  });

  it('absolute next URLs on the same host are followed', async () => {
    fake.absoluteNextLinks = true;
    const seeded = seed(95);
    const seats = await allSeats(connect(definition({ users: nativeUsers('/next/users', 'results', { style: 'next_url', nextUrlPath: 'links.next', sizeParam: 'limit', pageSize: 30 }) })));
    expectEverySeatOnce(seats, seeded);
  });

  it('a next URL on another host is not followed with the credentials', async () => {
    seed(10);
    fake.faults.add({ match: (_r, url) => url.pathname === '/next/users', status: 200, body: JSON.stringify({ results: [{ id: 'x', role: 'member', status: 'active' }], links: { next: 'http://evil.example/steal' } }) });
    const err = await failure(allSeats(connect(definition({ users: nativeUsers('/next/users', 'results', { style: 'next_url', nextUrlPath: 'links.next' }) }))));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toContain('evil.example');
  });

  it.each<[string, Def]>([
    ['a repeating cursor', nativeUsers('/cursor/users', 'items', { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', sizeParam: 'limit', pageSize: 50 })],
    ['a Link header pointing at the same page', nativeUsers('/link/users', undefined, { style: 'link_header', sizeParam: 'per_page', pageSize: 50 })],
    ['a repeating next URL', nativeUsers('/next/users', 'results', { style: 'next_url', nextUrlPath: 'links.next', sizeParam: 'limit', pageSize: 50 })],
    ['a server ignoring the offset', nativeUsers('/offset/users', 'data', { style: 'offset', pageSize: 50, totalPath: 'total' })],
    ['a server ignoring the page number', nativeUsers('/page/users', 'users', { style: 'page', pageSize: 50 })],
    ['a server ignoring startIndex', { ...nativeUsers('/scim/v2/Users', undefined, { style: 'scim', pageSize: 50 }), licenseTypePath: 'roles.0.value', statusPath: 'active', activeValues: [true], lastActivityPath: undefined }],
  ])('%s stops with bad_response', async (_name, users) => {
    seed(120);
    fake.loopPaging = true;
    const err = await failure(allSeats(connect(definition({ users }))));
    expect(err.kind).toBe('bad_response');
    expect(fake.calls.length).toBeLessThanOrEqual(3);
  });

  it('a records path that is not an array is a bad_response naming the setting', async () => {
    seed(3);
    const err = await failure(allSeats(connect(definition({ users: nativeUsers('/cursor/users', 'data', { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor' }) }))));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toContain('users.recordsPath');
  });
});

describe('auth kinds', () => {
  it('basic with the API key as password sends Basic base64(username:key)', async () => {
    fake.setAuth({ kind: 'basic', username: 'admin@acme.example', password: API_KEY });
    seed(3);
    const seats = await allSeats(connect(definition({ auth: { kind: 'basic' } }), { params: { username: 'admin@acme.example' }, secrets: { apiKey: API_KEY } }));
    expect(seats).toHaveLength(3);
    expect(fake.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`admin@acme.example:${API_KEY}`).toString('base64')}`);
  });

  it('basic with the API key as user name sends Basic base64(key:)', async () => {
    fake.setAuth({ kind: 'basic', username: API_KEY, password: '' });
    seed(2);
    await allSeats(connect(definition({ auth: { kind: 'basic', apiKeyAs: 'username' } }), { secrets: { apiKey: API_KEY } }));
    expect(fake.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`);
  });

  it('bearer sends Authorization: Bearer <token>', async () => {
    seed(2);
    await allSeats(connect(definition()));
    expect(fake.calls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('an API-key header sends the named header with its prefix', async () => {
    fake.setAuth({ kind: 'api_key_header', header: 'X-Api-Key', value: `Token ${API_KEY}` });
    seed(2);
    await allSeats(connect(definition({ auth: { kind: 'api_key_header', header: 'X-Api-Key', prefix: 'Token' } }), { secrets: { apiKey: API_KEY } }));
    expect(fake.calls[0]!.headers['x-api-key']).toBe(`Token ${API_KEY}`);
    expect(fake.calls[0]!.headers.authorization).toBeUndefined();
  });

  it('a missing secret is a config error naming the key', async () => {
    const err = await failure(async () => connect(definition({ auth: { kind: 'api_key_header', header: 'X-Api-Key' } }), { secrets: {} }));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('secrets.apiKey');
  });

  it.each<[string, Def]>([
    ['client auth basic, form body', { clientAuth: 'basic', bodyFormat: 'form' }],
    ['client auth in the body, JSON body', { clientAuth: 'body', bodyFormat: 'json' }],
  ])('client credentials (%s) obtains a token, reuses it and gets a new one after a 401', async (_name, variant) => {
    fake.setAuth({ kind: 'oauth', clientId: 'client-1', clientSecret: CLIENT_SECRET });
    seed(120);
    const c = connect(definition({ auth: { kind: 'oauth_client_credentials', tokenUrl: '/oauth/token', scope: 'users:read users:write', ...variant } }), { params: { clientId: 'client-1' }, secrets: { clientSecret: CLIENT_SECRET } });
    expect(await allSeats(c)).toHaveLength(seatUsers(fake.org.users).length);
    const tokenCalls = () => fake.calls.filter((x) => x.path === '/oauth/token');
    expect(tokenCalls()).toHaveLength(1);
    const call = tokenCalls()[0]!;
    if (variant.clientAuth === 'basic') {
      expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`client-1:${CLIENT_SECRET}`).toString('base64')}`);
      expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({ grant_type: 'client_credentials', scope: 'users:read users:write' });
    } else {
      expect(call.headers['content-type']).toBe('application/json');
      expect(JSON.parse(call.body)).toEqual({ grant_type: 'client_credentials', scope: 'users:read users:write', client_id: 'client-1', client_secret: CLIENT_SECRET });
    }
    const apiCalls = fake.calls.filter((x) => x.path !== '/oauth/token');
    expect(new Set(apiCalls.map((x) => x.headers.authorization)).size).toBe(1);

    fake.expireTokens();
    await allSeats(c);
    expect(fake.tokensIssued()).toBe(2);
    expect(tokenCalls()).toHaveLength(2);
  });

  it('client credentials with a wrong secret fails validation as auth, without the secret', async () => {
    fake.setAuth({ kind: 'oauth', clientId: 'client-1', clientSecret: 'the-real-one' });
    const report = await connect(definition({ auth: { kind: 'oauth_client_credentials', tokenUrl: '/oauth/token' } }), { params: { clientId: 'client-1' }, secrets: { clientSecret: CLIENT_SECRET } }).validate();
    expect(report.ok).toBe(false);
    const detail = report.checks[0]!.detail!;
    messages.push(detail);
    expect(detail).toContain('invalid_client');
    expect(detail).toContain('check the client id and secret');
  });

  it('client credentials refetches the token when it expires', async () => {
    fake.setAuth({ kind: 'oauth', clientId: 'client-1', clientSecret: CLIENT_SECRET, tokenTtlSec: 1 });
    seed(2);
    const c = connect(definition({ auth: { kind: 'oauth_client_credentials', tokenUrl: `${fake.url}/oauth/token` } }), { params: { clientId: 'client-1' }, secrets: { clientSecret: CLIENT_SECRET } });
    await allSeats(c);
    await defaultSleep(1_000);
    await allSeats(c);
    expect(fake.tokensIssued()).toBe(2);
    // The expiry was seen before sending: no request was refused.
    expect(fake.calls.filter((x) => x.path === '/cursor/users')).toHaveLength(2);
  });

  it('authorization code refreshes an expired access token and hands the new tokens to onTokens', async () => {
    fake.setAuth({ kind: 'oauth', clientId: 'app-7', clientSecret: CLIENT_SECRET, refreshToken: 'rt-initial' });
    seed(4);
    const stored: Array<Record<string, string>> = [];
    const def = definition({ auth: { kind: 'oauth_authorization_code', tokenUrl: '/oauth/token', clientId: 'app-7', authorizeUrl: 'https://auth.example/authorize', scopes: ['users:read'] } });
    const c = connect(def, { secrets: { accessToken: 'expired-access', refreshToken: 'rt-initial', clientSecret: CLIENT_SECRET }, onTokens: (t) => void stored.push(t) });
    expect(await allSeats(c)).toHaveLength(4);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.refreshToken).toBe(fake.currentRefreshToken());
    expect(stored[0]!.accessToken).toMatch(/^at-/);
    expect(stored[0]!.accessTokenExpiresAt).toBeDefined();
    const refresh = fake.calls.find((x) => x.path === '/oauth/token')!;
    expect(Object.fromEntries(new URLSearchParams(refresh.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-initial', client_id: 'app-7', client_secret: CLIENT_SECRET });
    expect(fake.calls.map((x) => x.path)).toEqual(['/cursor/users', '/oauth/token', '/cursor/users']);
  });

  it('authorization code with a revoked refresh token asks to authorize again', async () => {
    fake.setAuth({ kind: 'oauth', clientId: 'app-7', clientSecret: CLIENT_SECRET, refreshToken: 'rt-current' });
    const def = definition({ auth: { kind: 'oauth_authorization_code', tokenUrl: '/oauth/token', clientId: 'app-7' } });
    const err = await failure(allSeats(connect(def, { secrets: { accessToken: 'expired-access', refreshToken: 'rt-old', clientSecret: CLIENT_SECRET } })));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('authorize the app again');
  });
});

describe('activity', () => {
  const when = new Date('2025-03-04T05:06:07.000Z');
  it.each<[string, string, Date]>([
    ['iso8601', 'last_login_at', when],
    ['epoch_s', 'last_seen_s', when],
    ['epoch_ms', 'last_seen_ms', when],
    ['date', 'last_login_date', new Date('2025-03-04T00:00:00.000Z')],
  ])('%s values parse to the right instant', async (format, path, expected) => {
    fake.org.addUser({ email: 'a@acme.example', lastLoginAt: when });
    fake.org.addUser({ email: 'never@acme.example', lastLoginAt: null });
    const users = { ...definition().users, lastActivityPath: path, lastActivityFormat: format };
    const seats = await allSeats(connect(definition({ users })));
    expect(seats.map((s) => s.lastActivityAt)).toEqual([expected, null]);
  });

  it('a value in another format is a bad_response naming the setting', async () => {
    fake.org.addUser({ email: 'a@acme.example', lastLoginAt: when });
    const users = { ...definition().users, lastActivityPath: 'last_login_at', lastActivityFormat: 'epoch_s' };
    const err = await failure(allSeats(connect(definition({ users }))));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toContain('users.lastActivityPath');
  });

  it('a separate activity endpoint is paged with a since parameter', async () => {
    const users = seed(130);
    const since = new Date(Date.UTC(2025, 0, 3));
    const def = definition({
      activity: {
        path: '/activity',
        since: { param: 'since', format: 'epoch_s' },
        recordsPath: 'events',
        userIdPath: 'user.id',
        lastActivityPath: 'seen_at_ms',
        lastActivityFormat: 'epoch_ms',
        pagination: { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next', sizeParam: 'limit', pageSize: 20 },
      },
    });
    const c = connect(def);
    const got: Array<{ userId: string; lastActivityAt: Date }> = [];
    for await (const page of c.activity!(since)) got.push(...page);
    const expected = users.filter((u) => u.lastLoginAt && u.lastLoginAt >= since).map((u) => ({ userId: u.id, lastActivityAt: u.lastLoginAt }));
    expect(got).toEqual(expected);
    expect(fake.calls[0]!.query.since).toBe(String(since.getTime() / 1000));
  });

  it('without an activity endpoint, activity comes from the users list', async () => {
    const users = seed(20);
    const since = new Date(Date.UTC(2025, 0, 1, 10));
    const got = [];
    for await (const page of connect(definition()).activity!(since)) got.push(...page);
    expect(got.map((a) => a.userId)).toEqual(users.filter((u) => u.lastLoginAt && u.lastLoginAt >= since).map((u) => u.id));
  });
});

describe('reclaim and restore', () => {
  const ref = (u: FakeCustomUser, restoreData?: Record<string, unknown>) => ({ userId: u.id, email: u.email, licenseType: 'standard', ...(restoreData ? { restoreData } : {}) });

  it('PATCH with a precheck: reclaims once, the second reclaim changes nothing, restore reverses it', async () => {
    const [u] = seed(1);
    const c = connect(definition());
    expect((await c.reclaim(ref(u!))).changed).toBe(true);
    expect(fake.org.getUser(u!.id)!.status).toBe('deactivated');
    const again = await c.reclaim(ref(u!));
    expect(again.changed).toBe(false);
    const patches = () => fake.calls.filter((x) => x.method === 'PATCH');
    expect(patches()).toHaveLength(1);
    expect(JSON.parse(patches()[0]!.body)).toEqual({ status: 'deactivated' });
    await c.restore!(ref(u!));
    expect(fake.org.getUser(u!.id)!.status).toBe('active');
    await c.restore!(ref(u!));
    expect(patches()).toHaveLength(2);
  });

  it('DELETE with 404 meaning already removed, restore by POST with 409 meaning already active', async () => {
    const [u] = seed(1);
    const c = connect(
      definition({
        reclaim: { method: 'DELETE', path: '/users/{id}', successStatuses: [204], alreadyDoneStatuses: [404] },
        restore: { method: 'POST', path: '/users/{id}/reactivate', alreadyDoneStatuses: [409] },
      }),
    );
    expect((await c.reclaim(ref(u!))).changed).toBe(true);
    expect((await c.reclaim(ref(u!))).changed).toBe(false);
    expect(fake.org.getUser(u!.id)!.status).toBe('deactivated');
    await c.restore!(ref(u!));
    await c.restore!(ref(u!));
    expect(fake.org.getUser(u!.id)!.status).toBe('active');
    expect(fake.calls.map((x) => `${x.method} ${x.path}`)).toEqual([`DELETE /users/${u!.id}`, `DELETE /users/${u!.id}`, `POST /users/${u!.id}/reactivate`, `POST /users/${u!.id}/reactivate`]);
  });

  it('a downgrade keeps the previous role and restore puts it back', async () => {
    const u = fake.org.addUser({ email: 'admin@acme.example', role: 'admin' });
    const c = connect(
      definition({
        reclaim: { method: 'PATCH', path: '/users/{id}', body: { role: 'viewer' } },
        restore: { method: 'PATCH', path: '/users/{id}', body: { role: '{licenseValue}', note: 'restored {email}' } },
      }),
    );
    const [seat] = await allSeats(c);
    const outcome = await c.reclaim(seat!);
    expect(fake.org.getUser(u.id)!.role).toBe('viewer');
    await c.restore!({ ...seat!, restoreData: outcome.restoreData });
    expect(fake.org.getUser(u.id)!.role).toBe('admin');
    expect(JSON.parse(fake.calls.at(-1)!.body)).toEqual({ role: 'admin', note: 'restored admin@acme.example' });
  });

  it('ids are URL-encoded into the path', async () => {
    const u = fake.org.addUser({ id: 'a/b c', email: 'odd@acme.example' });
    await connect(definition()).reclaim(ref(u));
    expect(fake.org.getUser('a/b c')!.status).toBe('deactivated');
  });

  it('a token without write scope fails with permission', async () => {
    const [u] = seed(1);
    fake.readOnly = true;
    const err = await failure(connect(definition()).reclaim(ref(u!)));
    expect(err.kind).toBe('permission');
    expect(fake.org.getUser(u!.id)!.status).toBe('active');
  });
});

describe('validate', () => {
  const withValidate = () => definition({ validate: { path: '/me', expectStatus: 200, accountPath: 'account', userIdPath: 'id' } });

  it('passes and names the account and integration user', async () => {
    seed(3);
    const report = await connect(withValidate()).validate();
    expect(report.ok).toBe(true);
    expect(report.account).toBe('Demo Co');
    expect(report.integrationUserId).toBe(fake.org.integrationUserId);
    expect(report.checks.map((c) => c.name)).toEqual(['connection', 'read users']);
  });

  it('without a validate section reads one user', async () => {
    seed(3);
    const report = await connect(definition()).validate();
    expect(report.ok).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.query.limit).toBe('1');
  });

  it('bad credentials give a readable reason', async () => {
    const report = await connect(withValidate(), { secrets: { token: 'wrong-token-xyz' } }).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'connection', ok: false });
    expect(report.checks[0]!.detail).toMatch(/rejected the credentials: HTTP 401.*check the token/);
  });

  it('a missing permission gives a readable reason', async () => {
    fake.faults.add({ match: (_r, url) => url.pathname === '/cursor/users', status: 403, body: JSON.stringify({ message: 'missing scope users:read' }) });
    const report = await connect(withValidate()).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[1]!.detail).toContain('missing scope users:read');
  });

  it('an unexpected status fails the check', async () => {
    const report = await connect(definition({ validate: { path: '/me', expectStatus: 204 } })).validate();
    expect(report.ok).toBe(false);
  });
});

describe('HTTP policy', () => {
  it('429 with Retry-After is waited out and retried', async () => {
    seed(5);
    const clock = steppedClock();
    fake.faults.add({ status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ error: 'slow down' }) });
    const seats = await allSeats(connect(definition(), { http: { baseDelayMs: 5, now: clock.now, sleep: clock.sleep } }));
    expect(seats).toHaveLength(4);
    expect(clock.waits).toContain(1000);
    expect(fake.calls).toHaveLength(2);
  });

  it('the fake rate limit is met with 429s and every user still arrives once', async () => {
    const users = seed(60);
    fake.setRateLimit(2, 1000);
    const seats = await allSeats(connect(definition({ users: nativeUsers('/cursor/users', 'items', { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', sizeParam: 'limit', pageSize: 20 }) })));
    expectEverySeatOnce(seats, users);
  });

  it('honorRetryAfter=false uses the backoff instead', async () => {
    seed(2);
    const clock = steppedClock();
    fake.faults.add({ status: 429, headers: { 'retry-after': '30' } });
    await allSeats(connect(definition({ rateLimit: { honorRetryAfter: false } }), { http: { baseDelayMs: 5, maxDelayMs: 20, now: clock.now, sleep: clock.sleep } }));
    expect(clock.waits.length).toBe(1);
    expect(clock.waits[0]).toBeLessThanOrEqual(20);
  });

  it('a status the definition names as a rate limit is retried', async () => {
    seed(2);
    fake.faults.add({ status: 420, body: '{}' });
    expect(await allSeats(connect(definition({ rateLimit: { rateLimitStatuses: [420] } })))).toHaveLength(2);
    expect(fake.calls).toHaveLength(2);
  });

  it('5xx is retried, up to the attempts the definition allows', async () => {
    seed(2);
    fake.faults.add({ status: 503, times: 2 });
    expect(await allSeats(connect(definition()))).toHaveLength(2);
    expect(fake.calls).toHaveLength(3);
    fake.calls.length = 0;
    fake.faults.add({ status: 503, times: 5 });
    const err = await failure(allSeats(connect(definition({ rateLimit: { maxAttempts: 2 } }))));
    expect(err.kind).toBe('vendor_down');
    expect(fake.calls).toHaveLength(2);
  });

  it('401 with a static credential fails at once', async () => {
    const err = await failure(allSeats(connect(definition(), { secrets: { token: 'not-the-token' } })));
    expect(err.kind).toBe('auth');
    expect(fake.calls).toHaveLength(1);
  });

  it('malformed JSON is a bad_response', async () => {
    fake.faults.add({ status: 200, body: '{"items": [', contentType: 'application/json' });
    const err = await failure(allSeats(connect(definition())));
    expect(err.kind).toBe('bad_response');
  });

  it('secrets echoed by the vendor are scrubbed from errors', async () => {
    fake.faults.add({ status: 401, body: JSON.stringify({ message: `token ${TOKEN} is invalid` }) });
    const err = await failure(allSeats(connect(definition())));
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(TOKEN);
    fake.setAuth({ kind: 'oauth', clientId: 'c', clientSecret: CLIENT_SECRET });
    fake.faults.add({ status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: `bad secret ${CLIENT_SECRET}` }) });
    const err2 = await failure(allSeats(connect(definition({ auth: { kind: 'oauth_client_credentials', tokenUrl: '/oauth/token', clientId: 'c' } }), { secrets: { clientSecret: CLIENT_SECRET } })));
    expect(err2.message).not.toContain(CLIENT_SECRET);
  });
});

describe('demo', () => {
  it('the demo connection works against a seeded fake', async () => {
    fake.setAuth({ kind: 'bearer', token: 'demo-custom-token' });
    const users = fake.seedDemo(250, { now: new Date('2025-06-01T00:00:00Z') });
    const c = createCustomConnector({ connection: demoConnection(fake.url) });
    expect((await c.validate()).ok).toBe(true);
    const seats = await allSeats(c);
    expect(seats).toHaveLength(users.filter((u) => u.role !== 'viewer').length);
    expect(seats.find((s) => s.flags.owner)?.licenseType).toBe('pro');
    expect(seats.some((s) => !s.active)).toBe(true);
    expect(seats.some((s) => s.lastActivityAt === null)).toBe(true);
  });
});
