// Fake Slack: Web API methods at /api/<method> dispatched through a method table (others can register more
// methods, e.g. chat.postMessage for the bot's surface), SCIM at /scim/v2/, one shared call log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeRateLimit, FaultInjector, sendJson, startHttpServer, type Fault, type RunningServer } from '../http-server.js';
import { FakeSlackOrg } from './org.js';
import { handleScim } from './scim.js';

export interface FakeSlackToken {
  userId: string;
  /** false: a token from a non-Grid workspace (auth.test has no enterprise_id; admin.* refuse it). */
  enterprise: boolean;
  /** Granted scopes; 'all' grants every scope. */
  scopes: string[] | 'all';
  expired?: boolean;
  botId?: string;
  teamId?: string;
}

export interface SlackMethodCall {
  method: string;
  /** Form body, JSON body and query string merged (Slack accepts all three). */
  args: Record<string, string>;
  token: string | undefined;
  /** The token's identity; undefined only for methods registered with auth: 'none'. */
  identity: FakeSlackToken | undefined;
  fake: FakeSlack;
  req: IncomingMessage;
}

/** A non-JSON answer (gzip files) or a JSON answer with a status or headers of its own. */
export class RawReply {
  constructor(
    readonly status: number,
    readonly body: Buffer | string,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export type SlackMethodReply = Record<string, unknown> | RawReply;

export interface SlackMethodDef {
  /** Scope the token needs; missing → ok:false missing_scope with needed/provided. */
  scope?: string;
  /** 'none' for oauth.v2.access and other methods called without a token. */
  auth?: 'token' | 'none';
  handle(call: SlackMethodCall): SlackMethodReply | Promise<SlackMethodReply>;
}

export interface FakeSlackCall {
  at: number;
  httpMethod: string;
  path: string;
  /** Web API method name, or `SCIM` for SCIM requests. */
  apiMethod: string;
  query: Record<string, string>;
  /** Parsed form or JSON body (raw text when neither). */
  body: unknown;
  token: string | undefined;
  /** HTTP status of the answer. */
  status?: number;
}

export interface RateLimitRule {
  limit: FakeRateLimit;
  /** 'http429': 429 + Retry-After; 'ok_false': HTTP 200 {ok:false,error:"ratelimited"} without Retry-After. */
  style: 'http429' | 'ok_false';
}

export const slackError = (error: string, extra: Record<string, unknown> = {}) => ({ ok: false, error, ...extra });

export const FAKE_SLACK_ADMIN_TOKEN = 'xoxp-fake-org-admin-token';
export const FAKE_SLACK_INSTALLER_ID = 'W0INSTALL1';

/** Documented tiers (per method, per minute) for `useSlackTiers()`. */
export const SLACK_METHOD_TIERS: Record<string, number> = {
  'admin.users.list': 100,
  'admin.teams.list': 50,
  'admin.analytics.getFile': 20,
  'team.accessLogs': 20,
  'admin.users.remove': 20,
  'users.list': 20,
  'auth.test': 100,
};

export class FakeSlack {
  readonly org = new FakeSlackOrg();
  readonly methods = new Map<string, SlackMethodDef>();
  readonly tokens = new Map<string, FakeSlackToken>();
  readonly calls: FakeSlackCall[] = [];
  readonly faults = new FaultInjector();
  /** Keyed by Web API method name, or 'scim' / 'scim:write'. */
  readonly rateLimits = new Map<string, RateLimitRule>();
  /** Methods whose next page repeats the cursor it was given (a paging loop). */
  readonly repeatCursor = new Set<string>();
  /** OAuth app for oauth.v2.access token rotation; refresh tokens map to the access token they renew. */
  oauthApp = { clientId: 'fake-client-id', clientSecret: 'fake-client-secret' };
  readonly refreshTokens = new Map<string, string>();
  private rotations = 0;

  constructor(private readonly server: RunningServer) {
    this.org.addUser({
      id: FAKE_SLACK_INSTALLER_ID,
      username: 'grid.admin',
      fullName: 'Grid Admin',
      isAdmin: true,
      isOwner: true,
      isPrimaryOwner: true,
      activeDays: [new Date(Date.now() - 86_400_000)],
    });
    this.tokens.set(FAKE_SLACK_ADMIN_TOKEN, { userId: FAKE_SLACK_INSTALLER_ID, enterprise: true, scopes: 'all' });
  }

  get url(): string {
    return this.server.url;
  }
  /** Pass to WebClient `slackApiUrl` / the connection's baseUrl. */
  get apiUrl(): string {
    return `${this.server.url}/api/`;
  }
  get scimUrl(): string {
    return `${this.server.url}/scim/v2/`;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  registerMethods(table: Record<string, SlackMethodDef>): void {
    for (const [name, def] of Object.entries(table)) this.methods.set(name, def);
  }

  addToken(token: string, t: Partial<FakeSlackToken> = {}): FakeSlackToken {
    const full: FakeSlackToken = { userId: FAKE_SLACK_INSTALLER_ID, enterprise: true, scopes: 'all', ...t };
    this.tokens.set(token, full);
    return full;
  }

  /** Registers a refresh token that renews `accessToken` through oauth.v2.access. */
  addRefreshToken(refreshToken: string, accessToken: string): void {
    this.refreshTokens.set(refreshToken, accessToken);
  }

  /** Issues a rotated token pair copying the identity of `fromToken`. */
  rotate(fromToken: string): { accessToken: string; refreshToken: string; identity: FakeSlackToken } {
    const identity = { ...this.tokens.get(fromToken)!, expired: false };
    const n = ++this.rotations;
    const accessToken = `xoxe.xoxp-1-rotated-${n}`;
    const refreshToken = `xoxe-1-refresh-${n}`;
    this.tokens.set(accessToken, identity);
    this.refreshTokens.set(refreshToken, accessToken);
    return { accessToken, refreshToken, identity };
  }

  setRateLimit(key: string, limit: number, windowMs = 60_000, style: RateLimitRule['style'] = 'http429'): void {
    this.rateLimits.set(key, { limit: new FakeRateLimit(limit, windowMs), style });
  }

  /** Turns on Slack's documented per-method tiers (off by default so tests are not throttled). */
  useSlackTiers(): void {
    for (const [m, perMin] of Object.entries(SLACK_METHOD_TIERS)) this.setRateLimit(m, perMin);
    this.setRateLimit('scim', 1000);
    this.setRateLimit('scim:write', 180);
  }

  /** Injects a fault for the next `times` calls of one Web API method (or any SCIM request with 'SCIM'). */
  failNext(apiMethod: string, fault: Omit<Fault, 'match'>): void {
    this.faults.add({
      ...fault,
      match: (_req, url) => (apiMethod === 'SCIM' ? url.pathname.startsWith('/scim/') : url.pathname === `/api/${apiMethod}`),
    });
  }

  /** One ok:false answer (HTTP 200) for the next call of a method, e.g. ratelimited or internal_error. */
  failNextWithSlackError(apiMethod: string, error: string, headers: Record<string, string> = {}, times = 1): void {
    this.failNext(apiMethod, { status: 200, body: JSON.stringify(slackError(error)), headers, times });
  }

  callsTo(apiMethod: string): FakeSlackCall[] {
    return this.calls.filter((c) => c.apiMethod === apiMethod);
  }

  async waitFor(predicate: (calls: FakeSlackCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > until) throw new Error('fake Slack: waitFor timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Checks a rate-limit rule; answers the request and returns true when it is over. */
  limitExceeded(key: string, res: ServerResponse, scim: boolean): boolean {
    const rule = this.rateLimits.get(key);
    const wait = rule?.limit.check();
    if (rule === undefined || wait === undefined) return false;
    if (scim) sendJson(res, 429, scimErrorBody(429, 'Too many requests'), { 'retry-after': String(wait) });
    else if (rule.style === 'ok_false') sendJson(res, 200, slackError('ratelimited'));
    else sendJson(res, 429, slackError('ratelimited'), { 'retry-after': String(wait) });
    return true;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: string, url: URL): Promise<void> {
    const query = Object.fromEntries(url.searchParams);
    const parsedBody = parseBody(req, body);
    const isScim = url.pathname.startsWith('/scim/v2/');
    const apiMethod = isScim ? 'SCIM' : url.pathname.replace(/^\/api\//, '');
    const token = bearer(req) ?? (typeof parsedBody === 'object' && parsedBody ? (parsedBody as Record<string, string>).token : undefined);
    const call: FakeSlackCall = { at: Date.now(), httpMethod: req.method ?? 'GET', path: url.pathname, apiMethod, query, body: parsedBody, token };
    this.calls.push(call);
    res.on('finish', () => (call.status = res.statusCode));
    if (await this.faults.apply(req, res, url, body)) return;
    if (isScim) return handleScim(this, req, res, url, parsedBody, token);
    if (!url.pathname.startsWith('/api/')) return sendJson(res, 404, { ok: false, error: 'unknown_path' });
    const def = this.methods.get(apiMethod);
    if (!def) return sendJson(res, 200, slackError('unknown_method'));
    const identity = token ? this.tokens.get(token) : undefined;
    if (def.auth !== 'none') {
      if (!token) return sendJson(res, 200, slackError('not_authed'));
      if (!identity) return sendJson(res, 200, slackError('invalid_auth'));
      if (identity.expired) return sendJson(res, 200, slackError('token_expired'));
      const scopeHeader = { 'x-oauth-scopes': identity.scopes === 'all' ? 'admin' : identity.scopes.join(',') };
      if (def.scope && identity.scopes !== 'all' && !identity.scopes.includes(def.scope)) {
        return sendJson(res, 200, slackError('missing_scope', { needed: def.scope, provided: identity.scopes.join(',') }), scopeHeader);
      }
    }
    if (this.limitExceeded(apiMethod, res, false)) return;
    const args: Record<string, string> = { ...query, ...(typeof parsedBody === 'object' && parsedBody ? stringValues(parsedBody) : {}) };
    const reply = await def.handle({ method: apiMethod, args, token, identity, fake: this, req });
    if (reply instanceof RawReply) {
      res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body), ...reply.headers });
      res.end(reply.body);
      return;
    }
    sendJson(res, 200, reply);
  }
}

export function scimErrorBody(status: number, detail: string) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail, status: String(status) };
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

function parseBody(req: IncomingMessage, body: string): unknown {
  if (body === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  if (type.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  return body;
}

function stringValues(o: object): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export async function startFakeSlackServer(opts: { port?: number } = {}): Promise<FakeSlack> {
  const ref: { fake?: FakeSlack } = {};
  const server = await startHttpServer((req, res, body, url) => ref.fake!.handle(req, res, body, url), opts.port ?? 0);
  ref.fake = new FakeSlack(server);
  return ref.fake;
}
