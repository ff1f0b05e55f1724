// The one request path of a custom app: base URL + path, the definition's auth, the shared HttpPolicy,
// one renewal after a 401, and error messages scrubbed of every secret.
import { VendorError } from '../../domain/errors.js';
import { errorFromStatus, HttpPolicy, type HttpPolicyOptions, type RawResponse } from '../http.js';
import type { ConnectorOptions } from '../types.js';
import { createAuthenticator, type Authenticator } from './auth.js';
import type { CustomDefinition } from './definition.js';

export const VENDOR = 'custom';

export interface CustomRequest {
  method?: string;
  /** A path appended to the base URL, or an absolute URL on the base URL's origin (next links). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  okStatuses?: number[];
}

/** Policy options from the definition's rateLimit; the connector options (tests, benchmarks) win. */
export function policyOptions(definition: CustomDefinition, overrides: Partial<HttpPolicyOptions> = {}): HttpPolicyOptions {
  const rl = definition.rateLimit;
  const fromDefinition: Partial<HttpPolicyOptions> = {};
  if (rl?.maxConcurrency !== undefined) fromDefinition.maxConcurrency = rl.maxConcurrency;
  if (rl?.requestsPerMinute !== undefined) fromDefinition.requestsPerMinute = rl.requestsPerMinute;
  if (rl?.burst !== undefined) fromDefinition.burst = rl.burst;
  if (rl?.maxAttempts !== undefined) fromDefinition.maxAttempts = rl.maxAttempts;
  if (rl?.baseDelayMs !== undefined) fromDefinition.baseDelayMs = rl.baseDelayMs;
  if (rl?.maxDelayMs !== undefined) fromDefinition.maxDelayMs = rl.maxDelayMs;
  if (rl?.timeoutMs !== undefined) fromDefinition.timeoutMs = rl.timeoutMs;
  if (rl?.maxRetryAfterSeconds !== undefined) fromDefinition.maxRetryAfterMs = rl.maxRetryAfterSeconds * 1000;
  return { maxConcurrency: 4, ...fromDefinition, ...overrides, vendor: VENDOR };
}

export class CustomClient {
  readonly policy: HttpPolicy;
  readonly baseUrl: URL;
  private readonly auth: Authenticator;

  constructor(
    readonly definition: CustomDefinition,
    opts: ConnectorOptions,
  ) {
    const base = opts.connection.baseUrl?.trim() || definition.baseUrl;
    if (!base) throw new VendorError('config', 'baseUrl: set the connection URL (or baseUrl in the definition)', { vendor: VENDOR });
    try {
      this.baseUrl = new URL(base);
    } catch {
      throw new VendorError('config', 'baseUrl: not a valid URL', { vendor: VENDOR });
    }
    if (this.baseUrl.protocol !== 'http:' && this.baseUrl.protocol !== 'https:') {
      throw new VendorError('config', 'baseUrl: must be an http(s) URL', { vendor: VENDOR });
    }
    this.policy = new HttpPolicy(policyOptions(definition, opts.http));
    this.auth = createAuthenticator(definition.auth, opts.connection, {
      policy: this.policy,
      resolveUrl: (u) => (u.startsWith('/') ? this.join(u) : u),
      onTokens: opts.onTokens,
      onTokensFailed: (err) => opts.logger?.warn({ vendor: VENDOR, err: err instanceof Error ? err.message : String(err) }, 'storing refreshed OAuth tokens failed'),
    });
  }

  /** Base URL + path (the base may carry a path prefix such as /api/v2). */
  private join(path: string): string {
    return `${this.baseUrl.href.replace(/\/+$/, '')}${path}`;
  }

  /** Absolute URL for a request; absolute links must stay on the base URL's origin (they get our credentials). */
  url(pathOrUrl: string, query?: Record<string, string>): URL {
    let url: URL;
    if (/^https?:\/\//i.test(pathOrUrl)) {
      url = new URL(pathOrUrl);
      if (url.origin !== this.baseUrl.origin) {
        throw new VendorError('bad_response', `a next link points to another host (${url.host}); not sending the credentials there`, { vendor: VENDOR });
      }
    } else if (pathOrUrl.startsWith('/')) {
      url = new URL(this.join(pathOrUrl));
    } else {
      url = new URL(pathOrUrl, this.baseUrl);
    }
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  /** An already-resolved link (next URL, Link header) sent as is. */
  async sendUrl<T = unknown>(url: string, method = 'GET'): Promise<RawResponse<T>> {
    return this.send<T>({ method, path: this.url(url).href });
  }

  async send<T = unknown>(req: CustomRequest): Promise<RawResponse<T>> {
    try {
      return await this.sendOnce<T>(req);
    } catch (err) {
      if (err instanceof VendorError && err.kind === 'auth' && err.details.status === 401 && (await this.renewQuietly())) {
        try {
          return await this.sendOnce<T>(req);
        } catch (again) {
          throw this.scrub(again);
        }
      }
      throw this.scrub(err);
    }
  }

  private async renewQuietly(): Promise<boolean> {
    try {
      return await this.auth.renew();
    } catch (err) {
      throw this.scrub(err);
    }
  }

  private async sendOnce<T>(req: CustomRequest): Promise<RawResponse<T>> {
    const headers = await this.auth.headers();
    const url = this.url(req.path, req.query);
    return this.policy.request<T>({ method: req.method ?? 'GET', url: url.href, headers, body: req.body, okStatuses: req.okStatuses }, (raw) => this.mapStatus(raw));
  }

  private mapStatus(raw: RawResponse): VendorError {
    const rl = this.definition.rateLimit;
    let err = errorFromStatus(raw, VENDOR);
    if (rl?.rateLimitStatuses?.includes(raw.status) && err.kind !== 'rate_limited') {
      err = new VendorError('rate_limited', err.message, err.details);
    }
    if (rl && !rl.honorRetryAfter && err.details.retryAfterMs !== undefined) {
      err = new VendorError(err.kind, err.message, { ...err.details, retryAfterMs: undefined });
    }
    return err;
  }

  /** Any secret that a vendor echoed back (or that slipped into a message) is replaced before it leaves. */
  scrub(err: unknown): unknown {
    const secrets = this.auth.secretValues().filter((s) => s.length >= 4);
    if (err instanceof VendorError) {
      const message = redact(err.message, secrets);
      if (message === err.message) return err;
      const scrubbed = new VendorError(err.kind, message, { ...err.details, cause: undefined });
      return scrubbed;
    }
    if (err instanceof Error) {
      const message = redact(err.message, secrets);
      return message === err.message ? err : new Error(message);
    }
    return err;
  }
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
    const b64 = Buffer.from(s).toString('base64');
    if (b64.length >= 8 && out.includes(b64)) out = out.split(b64).join('[redacted]');
  }
  return out;
}
