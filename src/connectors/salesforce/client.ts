// The Salesforce client: a jsforce Connection with its own retries switched off, OAuth tokens for the
// two supported grants (refreshed on 401 and handed to onTokens), one request path under the
// connection's HttpPolicy, Sforce-Limit-Info tracking and SOQL paging guarded against loops.
import { Connection, type HttpRequest, type HttpRequestOptions, type HttpResponse } from 'jsforce';
import type { z } from 'zod';
import { VendorError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import { HttpPolicy, PageGuard, type HttpPolicyOptions } from '../http.js';
import { errorFromResponse, fromThrown, tokenErrorFromResponse, type ResponseInfo } from './errors.js';
import { queryPageSchema, tokenResponseSchema, type TokenResponse } from './wire.js';

export type SalesforceAuthKind = 'oauth_authorization_code' | 'oauth_client_credentials';

export interface SalesforceClientConfig {
  /** Instance or My Domain URL; the token endpoint is {baseUrl}/services/oauth2/token. */
  baseUrl: string;
  apiVersion: string;
  authKind: SalesforceAuthKind;
  clientId: string;
  clientSecret: string;
  /** Required for the authorization code grant. */
  refreshToken?: string;
  http?: Partial<HttpPolicyOptions>;
  onTokens?: (secrets: Record<string, string>) => Promise<void> | void;
  logger?: Logger;
}

export interface ApiUsage {
  used: number;
  limit: number;
  /** Present when Salesforce sends api-bursts=N/M. */
  bursts?: { used: number; limit: number };
  seenAt: Date;
}

export interface SalesforceIdentity {
  userId: string;
  organizationId: string;
}

/**
 * Salesforce has no per-minute limit, only the 24-hour allocation and 25 concurrent long-running
 * requests per production org (VENDORS.md §2.8): a few requests in flight, no client-side rate.
 */
export const SALESFORCE_HTTP_DEFAULTS: Partial<HttpPolicyOptions> = {
  maxConcurrency: 4,
  maxAttempts: 4,
  baseDelayMs: 1000,
  timeoutMs: 120_000,
};

/** jsforce retries GET/PUT/DELETE on 420/429/5xx and network errors for ~15 s: none of that, the policy retries. */
const NO_SDK_RETRY: NonNullable<HttpRequestOptions['retry']> = { maxRetries: 0, statusCodes: [], methods: [], errorCodes: [] };

export class SalesforceClient {
  readonly policy: HttpPolicy;
  /** The last Sforce-Limit-Info seen on any response. */
  lastApiUsage?: ApiUsage;
  private readonly conn: Connection;
  private readonly cfg: SalesforceClientConfig;
  private refreshToken?: string;
  private identity?: SalesforceIdentity;
  private session?: Promise<SalesforceIdentity>;
  /** Refreshes since the last accepted request: a second one in a row means the new token is refused too. */
  private refreshesInARow = 0;
  private lastRefreshError?: VendorError;

  constructor(cfg: SalesforceClientConfig) {
    this.cfg = cfg;
    this.refreshToken = cfg.refreshToken;
    this.policy = new HttpPolicy({ vendor: 'salesforce', ...SALESFORCE_HTTP_DEFAULTS, ...cfg.http });
    this.conn = new Connection({
      instanceUrl: cfg.baseUrl,
      version: cfg.apiVersion,
      oauth2: { loginUrl: cfg.baseUrl, clientId: cfg.clientId, clientSecret: cfg.clientSecret },
      refreshFn: (_conn, callback) => {
        this.refreshOn401().then(
          (token) => callback(null, token.access_token, token as Parameters<typeof callback>[2]),
          (err: unknown) => callback(err as Error),
        );
      },
    });
    this.installTransports(cfg.http?.timeoutMs ?? SALESFORCE_HTTP_DEFAULTS.timeoutMs!);
  }

  /** The user the current token belongs to (known once a call has obtained a session). */
  get signedInUserId(): string | undefined {
    return this.identity?.userId;
  }

  private get grantLabel(): string {
    return this.cfg.authKind === 'oauth_client_credentials' ? 'client credentials' : 'refresh token';
  }

  /**
   * Every request jsforce sends passes here, REST and token calls alike: its retries are switched
   * off and error statuses become VendorErrors by status first, body second. On REST calls the usage
   * header is recorded and 401 goes on to jsforce, which refreshes the session through refreshFn and
   * re-sends once.
   */
  private installTransports(timeoutMs: number): void {
    wrapTransport(this.conn, timeoutMs, (req, res) => {
      const usage = this.recordUsage(res.headers['sforce-limit-info']);
      if (res.statusCode < 400) this.refreshesInARow = 0;
      else if (res.statusCode !== 401) {
        const path = new URL(req.url).pathname.replace(/^\/services\/data\/v[\d.]+/, '');
        throw errorFromResponse(responseInfo(res, usage), `${req.method} ${path}`);
      }
    });
    wrapTransport(this.conn.oauth2, timeoutMs, (_req, res) => {
      if (res.statusCode >= 400) throw tokenErrorFromResponse(responseInfo(res), this.grantLabel);
    });
  }

  private recordUsage(header: string | undefined): ApiUsage | undefined {
    if (!header) return undefined;
    const usage = /api-usage=(\d+)\/(\d+)/.exec(header);
    if (!usage) return undefined;
    const bursts = /api-bursts=(\d+)\/(\d+)/.exec(header);
    this.lastApiUsage = {
      used: Number(usage[1]),
      limit: Number(usage[2]),
      bursts: bursts ? { used: Number(bursts[1]), limit: Number(bursts[2]) } : undefined,
      seenAt: new Date(),
    };
    return this.lastApiUsage;
  }

  /** Requests a new token for the configured grant and makes it the connection's session. */
  private async requestToken(): Promise<TokenResponse> {
    let raw: unknown;
    try {
      raw =
        this.cfg.authKind === 'oauth_client_credentials'
          ? await this.conn.oauth2.requestToken({ grant_type: 'client_credentials' })
          : await this.conn.oauth2.refreshToken(this.requireRefreshToken());
    } catch (err) {
      throw fromThrown(err);
    }
    const parsed = tokenResponseSchema.safeParse(raw);
    if (!parsed.success) {
      throw new VendorError('bad_response', `the token endpoint's answer is not an OAuth token: ${parsed.error.issues[0]?.path.join('.') || 'body'} ${parsed.error.issues[0]?.message ?? ''}`.trim(), { vendor: 'salesforce' });
    }
    const token = parsed.data;
    const [organizationId, userId] = token.id.split('/').slice(-2) as [string, string];
    this.identity = { userId, organizationId };
    this.conn._establish({ instanceUrl: token.instance_url, accessToken: token.access_token, userInfo: { id: userId, organizationId, url: token.id } });
    if (token.refresh_token) this.refreshToken = token.refresh_token;
    await this.persistTokens(token);
    return token;
  }

  private requireRefreshToken(): string {
    if (!this.refreshToken) throw new VendorError('config', 'the authorization code grant needs a refresh token: reconnect the Salesforce app', { vendor: 'salesforce' });
    return this.refreshToken;
  }

  private async persistTokens(token: TokenResponse): Promise<void> {
    if (!this.cfg.onTokens) return;
    const secrets: Record<string, string> = { accessToken: token.access_token };
    if (token.refresh_token) secrets.refreshToken = token.refresh_token;
    try {
      await this.cfg.onTokens(secrets);
    } catch (err) {
      this.cfg.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'salesforce: storing refreshed tokens failed; the old ones stay in use');
    }
  }

  private async refreshOn401(): Promise<TokenResponse> {
    this.refreshesInARow++;
    if (this.refreshesInARow > 1) {
      this.lastRefreshError = new VendorError('auth', 'Salesforce refused a freshly issued access token (INVALID_SESSION_ID): the connected app may lack the "api" scope or the org restricts this session', {
        vendor: 'salesforce',
        code: 'INVALID_SESSION_ID',
      });
      throw this.lastRefreshError;
    }
    try {
      this.cfg.logger?.debug('salesforce: session expired, requesting a new token');
      return await this.requestToken();
    } catch (err) {
      this.lastRefreshError = fromThrown(err);
      throw err;
    }
  }

  /** Obtains a session once per client (a new token), returning who the token belongs to. */
  ensureSession(): Promise<SalesforceIdentity> {
    return this.session ?? this.startSession();
  }

  /** Requests a new token now (validate: proves the credentials) and returns its identity. */
  authenticate(): Promise<SalesforceIdentity> {
    return this.policy.run(() => this.startSession(), fromThrown);
  }

  private startSession(): Promise<SalesforceIdentity> {
    const session = this.requestToken().then(() => this.identity!);
    this.session = session;
    // A failed token request must not be remembered: the next call tries again.
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return session;
  }

  private mapError(err: unknown): VendorError {
    if (err instanceof VendorError) return err;
    // jsforce wraps a failed refresh as "Unable to refresh session due to: …"; the real cause is kept here.
    if (err instanceof Error && err.message.startsWith('Unable to refresh session') && this.lastRefreshError) {
      const cause = this.lastRefreshError;
      this.lastRefreshError = undefined;
      return cause;
    }
    return fromThrown(err);
  }

  /** One REST call under the policy; the body is checked against `schema`. */
  private async call<T>(req: HttpRequest, schema?: z.ZodType<T>): Promise<T> {
    return this.policy.run(async () => {
      await this.ensureSession();
      const body = await this.conn.request<unknown>(req);
      if (!schema) return undefined as T;
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? issue.path.join('.') : 'body';
        const detail = typeof body === 'string' ? 'the body is not JSON' : `${where}: ${issue?.message ?? 'unexpected shape'}`;
        throw new VendorError('bad_response', `${req.method} ${shortPath(req.url)}: ${detail}`, { vendor: 'salesforce' });
      }
      return parsed.data;
    }, (err) => this.mapError(err));
  }

  get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return this.call({ method: 'GET', url: path }, schema);
  }

  async patch(path: string, body: Record<string, unknown>): Promise<void> {
    await this.call({ method: 'PATCH', url: path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  async delete(path: string): Promise<void> {
    await this.call({ method: 'DELETE', url: path });
  }

  /** SOQL, one batch per yield, following nextRecordsUrl until done; a repeating locator stops the loop. */
  async *query<T>(soql: string, record: z.ZodType<T>, what: string): AsyncGenerator<T[]> {
    const pageSchema = queryPageSchema(record);
    const guard = new PageGuard('salesforce', what);
    let url = `/query?q=${encodeURIComponent(soql)}`;
    for (;;) {
      guard.next(url);
      const page = (await this.get(url, pageSchema)) as { done: boolean; nextRecordsUrl?: string; records: T[] };
      yield page.records;
      if (page.done) return;
      if (!page.nextRecordsUrl) throw new VendorError('bad_response', `${what}: Salesforce said the query is not done but sent no nextRecordsUrl`, { vendor: 'salesforce' });
      url = page.nextRecordsUrl;
    }
  }

  async queryAll<T>(soql: string, record: z.ZodType<T>, what: string): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.query(soql, record, what)) all.push(...page);
    return all;
  }
}

type JsforceTransport = Connection['_transport'];

/** Replaces `owner._transport` with one that sends without jsforce's retries and lets `inspect` see (or refuse) each response. */
function wrapTransport(owner: { _transport: JsforceTransport }, timeoutMs: number, inspect: (req: HttpRequest, res: HttpResponse) => void): void {
  const base = owner._transport;
  const wrapped = Object.create(base) as JsforceTransport;
  wrapped.httpRequest = (req: HttpRequest, options: HttpRequestOptions = {}) => {
    const sent = base.httpRequest(req, { ...options, retry: NO_SDK_RETRY, timeout: timeoutMs });
    const inspected = sent.then((res: HttpResponse) => {
      inspect(req, res);
      return res;
    });
    // jsforce reads the response stream from stream(): keep the original one.
    return Object.assign(inspected, { stream: () => sent.stream() }) as unknown as ReturnType<JsforceTransport['httpRequest']>;
  };
  owner._transport = wrapped;
}

function responseInfo(res: HttpResponse, apiUsage?: ApiUsage): ResponseInfo {
  return { status: res.statusCode, contentType: res.headers['content-type'] ?? '', body: res.body ?? '', retryAfter: res.headers['retry-after'], apiUsage };
}

function shortPath(url: string): string {
  const path = url.startsWith('http') ? new URL(url).pathname : url.split('?')[0]!;
  return path.replace(/^\/services\/data\/v[\d.]+/, '');
}
