// The one HTTP policy every vendor call goes through: per-connection concurrency and rate limit,
// Retry-After honoured, exponential backoff with jitter on 5xx and timeouts, a bounded number of
// attempts, request timeouts, and a guard against paging loops. SDK retries are switched off so
// this is the only retry loop.
import { VendorError } from '../domain/errors.js';

export interface HttpPolicyOptions {
  vendor: string;
  /** Requests in flight at once for this connection. */
  maxConcurrency?: number;
  /** Sustained request rate for this connection; unset = no client-side limit. */
  requestsPerMinute?: number;
  /** Requests allowed at once before the rate applies (token bucket size). */
  burst?: number;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After we wait for; longer ones fail the call as rate_limited. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  /** Replaced in tests to observe waits. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** Token bucket: `burst` tokens, refilled at requestsPerMinute. */
class TokenBucket {
  private tokens: number;
  private last: number;
  private blockedUntil = 0;
  constructor(
    private readonly perMs: number,
    private readonly capacity: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.tokens = capacity;
    this.last = now();
  }
  /** A Retry-After from the vendor pauses every caller of this connection, not only the one that got it. */
  pauseFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }
  async take(): Promise<void> {
    // Sleep out a vendor pause once (not in a loop on the clock, so tests that fake `sleep` do not spin).
    const t0 = this.now();
    if (t0 < this.blockedUntil) await this.sleep(this.blockedUntil - t0);
    if (!Number.isFinite(this.perMs)) return;
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.perMs);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil((1 - this.tokens) / this.perMs));
    }
  }
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestSpec {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string or URLSearchParams. */
  body?: unknown;
  /** Statuses treated as success; default 2xx. */
  okStatuses?: number[];
}

export class HttpPolicy {
  readonly vendor: string;
  private readonly opts: Required<Omit<HttpPolicyOptions, 'requestsPerMinute' | 'burst'>>;
  private readonly semaphore: Semaphore;
  private readonly bucket: TokenBucket;
  /** Requests actually sent, for benchmarks and tests. */
  requestCount = 0;

  constructor(options: HttpPolicyOptions) {
    this.vendor = options.vendor;
    this.opts = {
      vendor: options.vendor,
      maxConcurrency: options.maxConcurrency ?? 4,
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
    this.semaphore = new Semaphore(this.opts.maxConcurrency);
    const rpm = options.requestsPerMinute;
    const perMs = rpm && rpm > 0 ? rpm / 60_000 : Number.POSITIVE_INFINITY;
    this.bucket = new TokenBucket(perMs, options.burst ?? (rpm ? Math.max(1, Math.ceil(rpm / 60)) : 1), this.opts.now, this.opts.sleep);
  }

  /** Delay before attempt n+1 (n from 1): full jitter over an exponential ceiling. */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.opts.random() * ceiling) / 2);
  }

  /**
   * Runs one vendor call under the policy. `op` must throw a VendorError (connectors map their SDK's
   * errors with their own errors.ts); anything else is treated as a network failure.
   */
  async run<T>(op: (signal: AbortSignal) => Promise<T>, mapError: (err: unknown) => VendorError = (e) => toVendorError(e, this.vendor)): Promise<T> {
    let attempt = 0;
    for (;;) {
      attempt++;
      await this.semaphore.acquire();
      let result: { ok: true; value: T } | { ok: false; error: VendorError };
      try {
        await this.bucket.take();
        this.requestCount++;
        result = { ok: true, value: await this.withTimeout(op) };
      } catch (err) {
        result = { ok: false, error: err instanceof VendorError ? err : mapError(err) };
      } finally {
        this.semaphore.release();
      }
      if (result.ok) return result.value;
      const error = result.error;
      if (!error.retryable || attempt >= this.opts.maxAttempts) throw error;
      const retryAfter = error.details.retryAfterMs;
      if (retryAfter !== undefined && retryAfter > this.opts.maxRetryAfterMs) throw error;
      // A Retry-After pauses the whole connection (the next take() sleeps it out); other errors back off alone.
      if (retryAfter !== undefined) this.bucket.pauseFor(retryAfter);
      else await this.opts.sleep(this.backoffMs(attempt));
    }
  }

  private async withTimeout<T>(op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new VendorError('vendor_down', `no answer within ${this.opts.timeoutMs} ms`, { vendor: this.vendor }));
      }, this.opts.timeoutMs);
    });
    try {
      return await Promise.race([op(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A plain fetch under the policy for vendors or endpoints no SDK covers (Slack SCIM, custom apps).
   * Non-OK statuses become VendorErrors by status; `mapStatus` lets a vendor read its error body.
   */
  async request<T = unknown>(spec: RequestSpec, mapStatus?: (res: RawResponse) => VendorError | undefined): Promise<RawResponse<T>> {
    return this.run(async (signal) => {
      const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
      let body: string | URLSearchParams | undefined;
      if (spec.body !== undefined) {
        if (typeof spec.body === 'string' || spec.body instanceof URLSearchParams) body = spec.body;
        else {
          body = JSON.stringify(spec.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      let res: Response;
      try {
        res = await fetch(spec.url, { method: spec.method ?? 'GET', headers, body, signal });
      } catch (err) {
        throw new VendorError('vendor_down', `could not reach ${new URL(spec.url).host}: ${networkReason(err)}`, { vendor: this.vendor, cause: err });
      }
      const text = await res.text();
      let parsed: unknown = text;
      const type = res.headers.get('content-type') ?? '';
      if (text !== '' && type.includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (res.ok) throw new VendorError('bad_response', `malformed JSON from ${new URL(spec.url).pathname}`, { vendor: this.vendor, status: res.status });
        }
      }
      const raw: RawResponse = { status: res.status, headers: res.headers, body: parsed, text };
      const okStatuses = spec.okStatuses;
      const ok = okStatuses ? okStatuses.includes(res.status) : res.ok;
      if (ok) return raw as RawResponse<T>;
      throw mapStatus?.(raw) ?? errorFromStatus(raw, this.vendor);
    });
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Maps a non-OK HTTP response to the taxonomy by status, reading a short reason from the body. */
export function errorFromStatus(res: RawResponse, vendor: string): VendorError {
  const reason = shortReason(res);
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  const details = { vendor, status: res.status, retryAfterMs };
  const s = res.status;
  if (s === 401) return new VendorError('auth', `HTTP 401${reason}`, details);
  if (s === 403) return new VendorError('permission', `HTTP 403${reason}`, details);
  if (s === 404) return new VendorError('not_found', `HTTP 404${reason}`, details);
  if (s === 429) return new VendorError('rate_limited', `HTTP 429${reason}`, details);
  if (s >= 500) return new VendorError('vendor_down', `HTTP ${s}${reason}`, details);
  return new VendorError('invalid_request', `HTTP ${s}${reason}`, details);
}

function shortReason(res: RawResponse): string {
  const b = res.body as Record<string, unknown> | string | undefined;
  let r: unknown;
  if (typeof b === 'string') r = b.slice(0, 200);
  else if (b && typeof b === 'object') r = b.detail ?? b.description ?? b.message ?? b.error_description ?? b.error;
  return typeof r === 'string' && r.trim() !== '' ? `: ${r.trim()}` : '';
}

/** Last-resort mapping for errors thrown by code that is not a vendor SDK (network and timeouts). */
export function toVendorError(err: unknown, vendor: string): VendorError {
  if (err instanceof VendorError) return err;
  const code = (err as { code?: string })?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code)) {
    return new VendorError('vendor_down', `network error ${code}`, { vendor, code, cause: err });
  }
  if (err instanceof SyntaxError) return new VendorError('bad_response', `malformed response: ${err.message}`, { vendor, cause: err });
  return new VendorError('bad_response', err instanceof Error ? err.message : String(err), { vendor, cause: err });
}

/** Stops a paging loop whose cursor or next URL repeats, and any that runs past maxPages. */
export class PageGuard {
  private readonly seen = new Set<string>();
  private pages = 0;
  constructor(
    private readonly vendor: string,
    private readonly what: string,
    private readonly maxPages = 100_000,
  ) {}
  /** Call with each cursor before fetching the page it names. */
  next(cursor: string): void {
    this.pages++;
    if (this.seen.has(cursor)) {
      throw new VendorError('bad_response', `${this.what}: the vendor returned a cursor it had already returned, stopping to avoid a loop`, { vendor: this.vendor });
    }
    if (this.pages > this.maxPages) {
      throw new VendorError('bad_response', `${this.what}: more than ${this.maxPages} pages, stopping`, { vendor: this.vendor });
    }
    this.seen.add(cursor);
  }
}
