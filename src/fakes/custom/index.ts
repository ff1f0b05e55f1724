// A generic "SaaS app" for the custom connector: one user store served in every pagination style,
// every auth kind, reclaim (PATCH / DELETE) and restore, fault injection and a rate limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeRateLimit, FaultInjector, sendJson, startHttpServer } from '../http-server.js';
import { FakeCustomOrg, scimUserJson, userJson } from './org.js';
import { DEMO_TOKEN as DEFAULT_TOKEN } from './demo.js';

export { FakeCustomOrg, userJson, scimUserJson, SCIM_ACTIVITY_SCHEMA } from './org.js';
export type { FakeCustomUser, NewFakeUser } from './org.js';
export { demoDefinition, demoConnection, DEMO_TOKEN } from './demo.js';

export type FakeCustomAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'api_key_header'; header: string; value: string }
  /** Tokens from POST /oauth/token (client_credentials or refresh_token grant), sent as Bearer. */
  | { kind: 'oauth'; clientId: string; clientSecret: string; tokenTtlSec?: number; refreshToken?: string };

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  headers: Record<string, string>;
}

export interface FakeCustom {
  url: string;
  org: FakeCustomOrg;
  calls: FakeCall[];
  faults: FaultInjector;
  /** Change what credentials the app accepts. Default: bearer DEMO_TOKEN. */
  setAuth(auth: FakeCustomAuth): void;
  /** At most n requests per window, then 429 + Retry-After. Off by default. */
  setRateLimit(n: number | null, windowMs?: number): void;
  /** Every paging route hands back a non-advancing cursor / link / page. */
  loopPaging: boolean;
  /** The next link in /next/users as an absolute URL (default: a path). */
  absoluteNextLinks: boolean;
  /** Writes answer 403 (a token without the write scope). */
  readOnly: boolean;
  maxPageSize: number;
  /** Access tokens issued by /oauth/token. */
  tokensIssued(): number;
  /** Revoke every issued access token (the next API call gets 401). */
  expireTokens(): void;
  /** The refresh token the fake currently accepts (rotated on each refresh). */
  currentRefreshToken(): string | undefined;
  seedDemo: FakeCustomOrg['seedDemo'];
  close(): Promise<void>;
}

export async function startFakeCustom(opts: { port?: number } = {}): Promise<FakeCustom> {
  const org = new FakeCustomOrg();
  const calls: FakeCall[] = [];
  const faults = new FaultInjector();
  let auth: FakeCustomAuth = { kind: 'bearer', token: DEFAULT_TOKEN };
  let rateLimit: FakeRateLimit | null = null;
  const accessTokens = new Map<string, number>();
  let issued = 0;
  let refreshToken: string | undefined;
  let baseUrl = '';

  const fake: FakeCustom = {
    url: '',
    org,
    calls,
    faults,
    loopPaging: false,
    absoluteNextLinks: false,
    readOnly: false,
    maxPageSize: 100,
    setAuth(next) {
      auth = next;
      refreshToken = next.kind === 'oauth' ? next.refreshToken : undefined;
      accessTokens.clear();
      issued = 0;
    },
    setRateLimit(n, windowMs = 60_000) {
      rateLimit = n === null ? null : new FakeRateLimit(n, windowMs);
    },
    tokensIssued: () => issued,
    expireTokens: () => accessTokens.clear(),
    currentRefreshToken: () => refreshToken,
    seedDemo: (n, o) => org.seedDemo(n, o),
    close: async () => {
      await server.close();
    },
  };

  const authorized = (req: IncomingMessage): boolean => {
    const header = (name: string) => req.headers[name.toLowerCase()];
    switch (auth.kind) {
      case 'basic':
        return header('authorization') === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      case 'bearer':
        return header('authorization') === `Bearer ${auth.token}`;
      case 'api_key_header':
        return header(auth.header) === auth.value;
      case 'oauth': {
        const m = /^Bearer (.+)$/.exec(String(header('authorization') ?? ''));
        const expiry = m ? accessTokens.get(m[1]!) : undefined;
        return expiry !== undefined && Date.now() < expiry;
      }
    }
  };

  const issueToken = (res: ServerResponse, req: IncomingMessage, body: string): void => {
    if (auth.kind !== 'oauth') return sendJson(res, 404, { error: 'not_found' });
    const type = String(req.headers['content-type'] ?? '');
    let fields: Record<string, string> = {};
    try {
      fields = type.includes('json') ? (JSON.parse(body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(body));
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'unreadable body' });
    }
    let clientId = fields.client_id;
    let clientSecret = fields.client_secret;
    const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (clientId !== auth.clientId || clientSecret !== auth.clientSecret) {
      return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    const grant = fields.grant_type;
    if (grant === 'refresh_token') {
      if (!refreshToken || fields.refresh_token !== refreshToken) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'refresh token not recognised' });
    } else if (grant !== 'client_credentials') {
      return sendJson(res, 400, { error: 'unsupported_grant_type' });
    }
    issued++;
    const ttl = auth.tokenTtlSec ?? 3600;
    const token = `at-${issued}-${Math.random().toString(36).slice(2)}`;
    accessTokens.set(token, Date.now() + ttl * 1000);
    const answer: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: ttl };
    if (grant === 'refresh_token') {
      refreshToken = `rt-${issued}-${Math.random().toString(36).slice(2)}`;
      answer.refresh_token = refreshToken;
    }
    sendJson(res, 200, answer);
  };

  const sizeOf = (v: string | null, fallback: number) => Math.max(1, Math.min(fake.maxPageSize, Number(v) || fallback));
  const abs = (path: string) => `${baseUrl}${path}`;

  const listUsers = (res: ServerResponse, url: URL): boolean => {
    const q = url.searchParams;
    const users = org.users;
    const slice = (start: number, size: number) => users.slice(Math.max(0, start), Math.max(0, start) + size).map(userJson);
    switch (url.pathname) {
      case '/offset/users': {
        const limit = sizeOf(q.get('limit'), 50);
        const offset = fake.loopPaging ? 0 : Number(q.get('offset') ?? 0);
        sendJson(res, 200, { data: slice(offset, limit), total: fake.loopPaging ? users.length * 10 : users.length });
        return true;
      }
      case '/page/users': {
        const perPage = sizeOf(q.get('per_page'), 25);
        const page = fake.loopPaging ? 1 : Math.max(1, Number(q.get('page') ?? 1));
        sendJson(res, 200, { users: slice((page - 1) * perPage, perPage), page, per_page: perPage, total_pages: Math.ceil(users.length / perPage) });
        return true;
      }
      case '/cursor/users': {
        const limit = sizeOf(q.get('limit'), 50);
        const cursor = q.get('cursor');
        const start = cursor && cursor !== 'loop' ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^idx:/, '')) : 0;
        const end = start + limit;
        const more = end < users.length;
        const next = fake.loopPaging ? 'loop' : Buffer.from(`idx:${end}`).toString('base64url');
        sendJson(res, 200, { items: slice(start, limit), next_cursor: more || fake.loopPaging ? next : null, has_more: more || fake.loopPaging });
        return true;
      }
      case '/next/users': {
        const limit = sizeOf(q.get('limit'), 50);
        const after = Number(q.get('after') ?? 0);
        const end = after + limit;
        const link = `/next/users?after=${fake.loopPaging ? after : end}&limit=${limit}`;
        const next = end < users.length || fake.loopPaging ? (fake.absoluteNextLinks ? abs(link) : link) : null;
        sendJson(res, 200, { results: slice(after, limit), links: { next } });
        return true;
      }
      case '/link/users': {
        const perPage = sizeOf(q.get('per_page'), 30);
        const page = Math.max(1, Number(q.get('page') ?? 1));
        const headers: Record<string, string> = {};
        const nextPage = fake.loopPaging ? page : page + 1;
        const links = [`<${abs(`/link/users?page=1&per_page=${perPage}`)}>; rel="first"`];
        if (page * perPage < users.length || fake.loopPaging) links.push(`<${abs(`/link/users?page=${nextPage}&per_page=${perPage}`)}>; rel="next"`);
        headers.link = links.join(', ');
        sendJson(res, 200, slice((page - 1) * perPage, perPage), headers);
        return true;
      }
      case '/scim/v2/Users': {
        const count = sizeOf(q.get('count'), 100);
        const startIndex = fake.loopPaging ? 1 : Math.max(1, Number(q.get('startIndex') ?? 1));
        const resources = users.slice(startIndex - 1, startIndex - 1 + count).map(scimUserJson);
        sendJson(res, 200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: users.length, startIndex, itemsPerPage: resources.length, Resources: resources }, { 'content-type': 'application/scim+json' });
        return true;
      }
      case '/activity': {
        // Last-seen events since an epoch-seconds date, cursor-paged like /cursor/users.
        const since = Number(q.get('since') ?? 0) * 1000;
        const limit = sizeOf(q.get('limit'), 50);
        const start = Number(q.get('cursor') ?? 0);
        const events = [];
        let i = start;
        for (; i < users.length && events.length < limit; i++) {
          const u = users[i]!;
          if (u.lastLoginAt && u.lastLoginAt.getTime() >= since) events.push({ user: { id: u.id }, seen_at_ms: u.lastLoginAt.getTime() });
        }
        sendJson(res, 200, { events, next: i < users.length ? String(i) : null });
        return true;
      }
    }
    return false;
  };

  const write = (res: ServerResponse, req: IncomingMessage, url: URL, body: string): boolean => {
    const native = /^\/users\/([^/]+)(\/reactivate)?$/.exec(url.pathname);
    const scim = /^\/scim\/v2\/Users\/([^/]+)$/.exec(url.pathname);
    const match = native ?? scim;
    if (!match) return false;
    const user = org.getUser(decodeURIComponent(match[1]!));
    const method = req.method ?? 'GET';
    if (!user) {
      sendJson(res, 404, { error: 'not_found', message: 'no such user' });
      return true;
    }
    if (method === 'GET') {
      sendJson(res, 200, scim ? scimUserJson(user) : userJson(user));
      return true;
    }
    if (fake.readOnly) {
      sendJson(res, 403, { error: 'forbidden', message: 'the token lacks the users:write scope' });
      return true;
    }
    let patch: Record<string, unknown> = {};
    try {
      patch = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      sendJson(res, 400, { error: 'bad_json' });
      return true;
    }
    if (native?.[2] && method === 'POST') {
      if (user.status === 'active') return (sendJson(res, 409, { error: 'already_active' }), true);
      user.status = 'active';
      sendJson(res, 200, userJson(user));
      return true;
    }
    if (method === 'DELETE') {
      // Deleting deactivates; a user already deactivated is "gone".
      if (user.status !== 'active') return (sendJson(res, 404, { error: 'not_found', message: 'user already removed' }), true);
      user.status = 'deactivated';
      res.writeHead(204).end();
      return true;
    }
    if (method === 'PATCH' && scim) {
      for (const op of (patch.Operations as Array<{ op?: string; path?: string; value?: unknown }> | undefined) ?? []) {
        const value = op.path === 'active' ? op.value : (op.value as Record<string, unknown> | undefined)?.active;
        if (typeof value === 'boolean') user.status = value ? 'active' : 'deactivated';
      }
      sendJson(res, 200, scimUserJson(user));
      return true;
    }
    if (method === 'PATCH' || method === 'PUT') {
      if (patch.status === 'active' || patch.status === 'deactivated') user.status = patch.status;
      if (typeof patch.active === 'boolean') user.status = patch.active ? 'active' : 'deactivated';
      if (typeof patch.role === 'string') user.role = patch.role;
      sendJson(res, 200, userJson(user));
      return true;
    }
    sendJson(res, 405, { error: 'method_not_allowed' });
    return true;
  };

  const server = await startHttpServer(async (req, res, body, url) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    calls.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body, headers });
    if (await faults.apply(req, res, url, body)) return;
    const wait = rateLimit?.check();
    if (wait !== undefined) return sendJson(res, 429, { error: 'rate_limited', message: 'too many requests' }, { 'retry-after': String(wait) });
    if (url.pathname === '/oauth/token' && req.method === 'POST') return issueToken(res, req, body);
    if (!authorized(req)) return sendJson(res, 401, { error: 'unauthorized', message: 'invalid credentials' });
    if (url.pathname === '/me' && req.method === 'GET') {
      return sendJson(res, 200, { id: org.integrationUserId, account: org.accountName, email: `integration@${org.users[0]?.email.split('@')[1] ?? 'demo-company.example'}` });
    }
    if (req.method === 'GET' && listUsers(res, url)) return;
    if (write(res, req, url, body)) return;
    sendJson(res, 404, { error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
  }, opts.port);
  baseUrl = server.url;
  fake.url = server.url;
  return fake;
}
