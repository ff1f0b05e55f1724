// A fake Zendesk Support API on 127.0.0.1 speaking the wire format of VENDORS.md §3/§5: users/me,
// users.json with cursor and offset paging, custom_roles, GET/PUT users/{id}, /oauth/tokens, Basic and
// Bearer auth, 404/422 bodies, text/plain 429 + Retry-After, and injectable faults.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeRateLimit, FaultInjector, sendJson, sendText, startHttpServer } from '../http-server.js';
import { seedDemoUsers, type SeedDemoOptions } from './demo.js';
import { FakeZendeskOrg, RecordInvalid, type FakeZendeskUser } from './org.js';

export { FakeZendeskOrg, RecordInvalid } from './org.js';
export type { FakeZendeskUser, FakeCustomRole, NewFakeUser, FakeZendeskRole } from './org.js';
export type { SeedDemoOptions } from './demo.js';

export interface FakeZendeskCall {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
  /** basic | bearer | none, and whom the credentials resolved to (undefined when rejected). */
  auth: 'basic' | 'bearer' | 'none';
  userId?: number;
  /** Arrival time (ms since epoch). */
  at: number;
}

export interface FakeZendeskBehaviour {
  /** users/me.json answers 200 with an anonymous user instead of 401 for bad or missing credentials. */
  anonymousOnBadCredentials: boolean;
  /** Send a non-null links.next on the last cursor page (the docs never promise null). */
  nextLinkOnLastPage: boolean;
  /** Every cursor page answers has_more=true with the cursor it was asked for: a paging loop. */
  repeatCursor: boolean;
  /** Lifetime of issued OAuth access tokens. */
  accessTokenLifetimeSec: number;
}

interface OAuthClient {
  secret: string;
  userId: number;
  scopes: string[];
}

interface AccessToken {
  userId: number;
  scopes: string[];
  expiresAt: number;
}

interface Principal {
  user: FakeZendeskUser;
  scopes: string[] | undefined;
}

export interface FakeZendesk {
  url: string;
  org: FakeZendeskOrg;
  calls: FakeZendeskCall[];
  faults: FaultInjector;
  behaviour: FakeZendeskBehaviour;
  /** An API token for a user (Basic `email/token:TOKEN`). */
  addApiToken(userId: number, token: string): void;
  /** An OAuth client allowed the client_credentials grant; tokens act as `userId`. */
  addOAuthClient(clientId: string, secret: string, userId: number, scopes?: string[]): void;
  /** Tokens as the authorization-code flow would issue them. */
  issueTokens(userId: number, clientId: string, scopes?: string[]): { accessToken: string; refreshToken: string };
  /** Expire every access token (the next use answers 401 invalid_token). */
  expireAccessTokens(): void;
  /** Account-wide limit: `limit` requests per `windowMs`, then 429 text/plain + Retry-After. Off by default. */
  setRateLimit(limit: number | null, windowMs?: number): void;
  /** Update User's own limit per user (Zendesk: about 5 per minute). Off by default. */
  setUpdateUserLimit(limit: number | null, windowMs?: number): void;
  /** Rate-limited refusals so far. */
  readonly refused: number;
  callsTo(method: string, path: string): FakeZendeskCall[];
  seedDemo(n: number, opts?: SeedDemoOptions): FakeZendeskUser[];
  close(): Promise<void>;
}

const ANONYMOUS_USER = {
  id: null,
  url: null,
  name: 'Anonymous user',
  email: 'invalid@example.com',
  created_at: null,
  updated_at: null,
  role: 'end-user',
  role_type: null,
  custom_role_id: null,
  active: true,
  suspended: false,
  last_login_at: null,
  verified: false,
};

const FORBIDDEN = { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' };
const NOT_FOUND = { error: 'RecordNotFound', description: 'Not found' };
const BASIC_FAILED = { error: "Couldn't authenticate you" };
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.' };
const RATE_LIMIT_TEXT = 'Number of allowed API requests per minute exceeded';
// Wording of the per-user update limit is not documented word for word; this is a stand-in.
const UPDATE_LIMIT_TEXT = 'Number of allowed requests per minute to update this user exceeded';

function queryRecord(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function encodeCursor(id: number): string {
  return Buffer.from(`u${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const m = /^u(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

function newToken(): string {
  return randomBytes(24).toString('hex');
}

export async function startFakeZendesk(opts: { port?: number } = {}): Promise<FakeZendesk> {
  const org = new FakeZendeskOrg();
  const calls: FakeZendeskCall[] = [];
  const faults = new FaultInjector();
  const behaviour: FakeZendeskBehaviour = { anonymousOnBadCredentials: false, nextLinkOnLastPage: false, repeatCursor: false, accessTokenLifetimeSec: 7200 };
  const apiTokens = new Map<string, number>();
  const oauthClients = new Map<string, OAuthClient>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, { userId: number; clientId: string; scopes: string[] }>();
  let rateLimit: FakeRateLimit | undefined;
  let updateLimit: { limit: number; windowMs: number; perUser: Map<number, FakeRateLimit> } | undefined;
  let refusedByUpdateLimit = 0;
  let baseUrl = '';

  const grantAccess = (userId: number, scopes: string[]) => {
    const token = newToken();
    accessTokens.set(token, { userId, scopes, expiresAt: Date.now() + behaviour.accessTokenLifetimeSec * 1000 });
    return token;
  };

  /** Who the Authorization header names; `undefined` user = bad credentials. */
  const authenticate = (req: IncomingMessage): { scheme: FakeZendeskCall['auth']; principal?: Principal } => {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const m = /^(.+)\/token:(.+)$/.exec(decoded);
      const userId = m ? apiTokens.get(m[2]!) : undefined;
      const user = userId === undefined ? undefined : org.user(userId);
      if (!m || !user || user.email !== m[1]!.toLowerCase() || !user.active) return { scheme: 'basic' };
      return { scheme: 'basic', principal: { user, scopes: undefined } };
    }
    if (header.startsWith('Bearer ')) {
      const grant = accessTokens.get(header.slice(7));
      const user = grant && grant.expiresAt > Date.now() ? org.user(grant.userId) : undefined;
      if (!grant || !user || !user.active) return { scheme: 'bearer' };
      return { scheme: 'bearer', principal: { user, scopes: grant.scopes } };
    }
    return { scheme: 'none' };
  };

  const hasScope = (p: Principal, write: boolean): boolean => {
    if (!p.scopes) return true;
    const need = write ? ['write', 'users:write'] : ['read', 'users:read', 'write', 'users:write'];
    return p.scopes.some((s) => need.includes(s));
  };

  const serialize = (u: FakeZendeskUser) => ({
    id: u.id,
    url: `${baseUrl}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email,
    created_at: u.created_at,
    updated_at: u.updated_at,
    time_zone: 'Eastern Time (US & Canada)',
    iana_time_zone: 'America/New_York',
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale_id: 1,
    locale: 'en-US',
    organization_id: null,
    role: u.role,
    verified: true,
    external_id: null,
    tags: [],
    alias: '',
    active: u.active,
    shared: false,
    shared_agent: false,
    last_login_at: u.last_login_at,
    two_factor_auth_enabled: false,
    signature: null,
    details: '',
    notes: '',
    role_type: u.role_type,
    custom_role_id: u.custom_role_id,
    moderator: u.role !== 'end-user',
    ticket_restriction: u.role === 'end-user' ? 'requested' : null,
    only_private_comments: false,
    restricted_agent: u.restricted_agent,
    suspended: u.suspended,
    default_group_id: null,
    report_csv: u.role === 'admin',
    chat_only: u.chat_only,
    user_fields: {},
  });

  const rejectAuth = (res: ServerResponse, scheme: FakeZendeskCall['auth']) => {
    if (scheme === 'bearer') sendJson(res, 401, INVALID_TOKEN, { 'www-authenticate': 'Bearer realm="Zendesk", error="invalid_token"' });
    else sendJson(res, 401, BASIC_FAILED);
  };

  const usersList = (res: ServerResponse, url: URL) => {
    const roles = new Set([...url.searchParams.getAll('role'), ...url.searchParams.getAll('role[]')]);
    const sizeParam = url.searchParams.get('page[size]');
    if (sizeParam === null) {
      // No page[size]: Zendesk silently falls back to offset paging, limited to the first 10,000 records.
      const page = Math.max(1, Number(url.searchParams.get('page') ?? '1') || 1);
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '100') || 100));
      if (page * perPage > 10_000) {
        sendJson(res, 400, { error: 'InvalidPaginationParameter', description: 'Offset pagination is limited to the first 10000 records; use cursor pagination' });
        return;
      }
      const result = org.pageAt((page - 1) * perPage, perPage, roles);
      const link = (p: number) => {
        const q = new URLSearchParams(url.searchParams);
        q.set('page', String(p));
        q.set('per_page', String(perPage));
        return `${baseUrl}/api/v2/users.json?${q.toString()}`;
      };
      sendJson(res, 200, { users: result.users.map(serialize), next_page: result.hasMore ? link(page + 1) : null, previous_page: page > 1 ? link(page - 1) : null, count: result.count });
      return;
    }
    const size = Number(sizeParam);
    if (!Number.isInteger(size) || size < 1 || size > 100) {
      sendJson(res, 400, { error: 'InvalidPaginationParameter', description: 'page[size] must be between 1 and 100' });
      return;
    }
    const after = url.searchParams.get('page[after]');
    let afterId = 0;
    if (after !== null) {
      const decoded = decodeCursor(after);
      if (decoded === undefined) {
        sendJson(res, 400, { error: 'InvalidPaginationParameter', description: 'page[after] is not a valid cursor' });
        return;
      }
      afterId = decoded;
    }
    const page = org.pageAfter(afterId, size, roles);
    const first = page.users[0];
    const last = page.users.at(-1);
    let afterCursor = last ? encodeCursor(last.id) : null;
    let hasMore = page.hasMore;
    if (behaviour.repeatCursor) {
      afterCursor = after ?? afterCursor;
      hasMore = true;
    }
    const link = (key: 'page[after]' | 'page[before]', cursor: string) => {
      const q = new URLSearchParams(url.searchParams);
      q.delete('page[after]');
      q.delete('page[before]');
      q.set(key, cursor);
      return `${baseUrl}/api/v2/users.json?${q.toString()}`;
    };
    const next = afterCursor && (hasMore || behaviour.nextLinkOnLastPage) ? link('page[after]', afterCursor) : null;
    sendJson(res, 200, {
      users: page.users.map(serialize),
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: first ? encodeCursor(first.id - 1) : null },
      links: { next, prev: first && after !== null ? link('page[before]', encodeCursor(first.id - 1)) : null },
    });
  };

  const oauthTokens = (res: ServerResponse, body: unknown) => {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
    const grantType = str('grant_type');
    const clientId = str('client_id');
    const client = clientId ? oauthClients.get(clientId) : undefined;
    const clientOk = client !== undefined && client.secret === str('client_secret');
    const badClient = () => sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.' });
    if (grantType === 'client_credentials') {
      if (!clientOk) return badClient();
      const requested = (str('scope') ?? 'read').split(/\s+/).filter(Boolean);
      if (requested.some((s) => !client.scopes.includes(s))) {
        sendJson(res, 403, { error: 'invalid_scope', error_description: 'The requested scope exceeds the scopes allowed for this client.' });
        return;
      }
      sendJson(res, 200, { access_token: grantAccess(client.userId, requested), token_type: 'bearer', scope: requested.join(' '), expires_in: behaviour.accessTokenLifetimeSec });
      return;
    }
    if (grantType === 'refresh_token') {
      const refresh = str('refresh_token');
      const grant = refresh ? refreshTokens.get(refresh) : undefined;
      if (!grant) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid, expired, revoked, or was issued to another client.' });
        return;
      }
      const registered = oauthClients.get(grant.clientId);
      if (registered && !(clientId === grant.clientId && registered.secret === str('client_secret'))) return badClient();
      refreshTokens.delete(refresh!);
      const newRefresh = newToken();
      refreshTokens.set(newRefresh, grant);
      sendJson(res, 200, { access_token: grantAccess(grant.userId, grant.scopes), token_type: 'bearer', refresh_token: newRefresh, scope: grant.scopes.join(' '), expires_in: behaviour.accessTokenLifetimeSec });
      return;
    }
    sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'The authorization grant type is not supported by the authorization server.' });
  };

  const server = await startHttpServer(async (req, res, text, url) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = parseBody(text, req.headers['content-type']);
    const { scheme, principal } = authenticate(req);
    calls.push({ method, path, query: queryRecord(url), body, auth: scheme, userId: principal?.user.id, at: Date.now() });

    if (await faults.apply(req, res, url, text)) return;

    if (path === '/oauth/tokens' && method === 'POST') return oauthTokens(res, body);
    if (!path.startsWith('/api/v2/')) return sendJson(res, 404, NOT_FOUND);

    const retryAfter = rateLimit?.check();
    if (retryAfter !== undefined) return sendText(res, 429, RATE_LIMIT_TEXT, { 'retry-after': String(retryAfter) });
    const limitHeaders: Record<string, string> = rateLimit ? { 'x-rate-limit': String(rateLimit.limit) } : {};

    if (path === '/api/v2/users/me.json' && method === 'GET') {
      if (!principal) {
        if (behaviour.anonymousOnBadCredentials) return sendJson(res, 200, { user: ANONYMOUS_USER }, limitHeaders);
        return rejectAuth(res, scheme);
      }
      return sendJson(res, 200, { user: serialize(principal.user) }, limitHeaders);
    }
    if (!principal) return rejectAuth(res, scheme);
    const isStaff = principal.user.role === 'agent' || principal.user.role === 'admin';
    const write = method !== 'GET';
    if (!hasScope(principal, write)) return sendJson(res, 403, FORBIDDEN, limitHeaders);

    if (path === '/api/v2/users.json' && method === 'GET') {
      if (!isStaff) return sendJson(res, 403, FORBIDDEN, limitHeaders);
      return usersList(res, url);
    }
    if (path === '/api/v2/custom_roles.json' && method === 'GET') {
      if (!isStaff) return sendJson(res, 403, FORBIDDEN, limitHeaders);
      return sendJson(res, 200, { custom_roles: org.customRoles.map((r) => ({ ...r, configuration: {} })) }, limitHeaders);
    }
    const userPath = /^\/api\/v2\/users\/(\d+)\.json$/.exec(path);
    if (userPath) {
      const id = Number(userPath[1]);
      if (!isStaff) return sendJson(res, 403, FORBIDDEN, limitHeaders);
      if (method === 'GET') {
        const user = org.user(id);
        return user ? sendJson(res, 200, { user: serialize(user) }, limitHeaders) : sendJson(res, 404, NOT_FOUND, limitHeaders);
      }
      if (method === 'PUT') {
        if (principal.user.role !== 'admin') return sendJson(res, 403, FORBIDDEN, limitHeaders);
        if (!org.user(id)) return sendJson(res, 404, NOT_FOUND, limitHeaders);
        if (updateLimit) {
          let limiter = updateLimit.perUser.get(id);
          if (!limiter) updateLimit.perUser.set(id, (limiter = new FakeRateLimit(updateLimit.limit, updateLimit.windowMs)));
          const wait = limiter.check();
          if (wait !== undefined) {
            refusedByUpdateLimit++;
            return sendText(res, 429, UPDATE_LIMIT_TEXT, { 'retry-after': String(wait) });
          }
        }
        const patch = (body as { user?: unknown } | undefined)?.user;
        if (!patch || typeof patch !== 'object') {
          return sendJson(res, 400, { error: 'InvalidEndpoint', description: 'The request body must be a JSON object with a "user" key' });
        }
        try {
          const user = org.updateUser(id, patch as Record<string, unknown>)!;
          return sendJson(res, 200, { user: serialize(user) }, limitHeaders);
        } catch (err) {
          if (err instanceof RecordInvalid) return sendJson(res, 422, { error: 'RecordInvalid', description: 'Record validation errors', details: err.details });
          throw err;
        }
      }
    }
    return sendJson(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
  }, opts.port);
  baseUrl = server.url;

  return {
    url: server.url,
    org,
    calls,
    faults,
    behaviour,
    addApiToken(userId, token) {
      apiTokens.set(token, userId);
    },
    addOAuthClient(clientId, secret, userId, scopes = ['read', 'write']) {
      oauthClients.set(clientId, { secret, userId, scopes });
    },
    issueTokens(userId, clientId, scopes = ['read', 'write']) {
      const refreshToken = newToken();
      refreshTokens.set(refreshToken, { userId, clientId, scopes });
      return { accessToken: grantAccess(userId, scopes), refreshToken };
    },
    expireAccessTokens() {
      accessTokens.clear();
    },
    setRateLimit(limit, windowMs = 60_000) {
      rateLimit = limit === null ? undefined : new FakeRateLimit(limit, windowMs);
    },
    setUpdateUserLimit(limit, windowMs = 60_000) {
      updateLimit = limit === null ? undefined : { limit, windowMs, perUser: new Map() };
    },
    get refused() {
      return (rateLimit?.refused ?? 0) + refusedByUpdateLimit;
    },
    callsTo(method, path) {
      return calls.filter((c) => c.method === method && c.path === path);
    },
    seedDemo(n, seedOpts) {
      return seedDemoUsers(org, n, seedOpts);
    },
    close: () => server.close(),
  };
}
