// Zendesk answers mapped to the VendorError taxonomy: status first, body second (the 429 body is text/plain).
import { VendorError } from '../../domain/errors.js';
import { parseRetryAfter } from '../http.js';
import { errorBodySchema } from './wire.js';

export const VENDOR = 'zendesk';

export interface ZendeskFailure {
  status: number;
  /** Parsed JSON body, or the text of a non-JSON body. */
  body: unknown;
  retryAfter?: string | null;
}

/** A readable reason from a Zendesk error body; never echoes request data. */
export function reasonFromBody(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 200);
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return '';
  const b = parsed.data;
  const parts: string[] = [];
  if (typeof b.error === 'string') parts.push(b.error);
  else if (b.error) parts.push([b.error.title, b.error.message].filter(Boolean).join(': '));
  const description = b.description ?? b.error_description;
  if (description) parts.push(description);
  if (b.details) {
    for (const [field, problems] of Object.entries(b.details)) {
      for (const p of problems) parts.push(`${field} ${p.description ?? p.error ?? 'is invalid'}`);
    }
  }
  return parts.filter((p) => p.trim() !== '').join(' - ').slice(0, 300);
}

export function zendeskError(f: ZendeskFailure, what: string): VendorError {
  const reason = reasonFromBody(f.body);
  const suffix = reason ? `: ${reason}` : '';
  const retryAfterMs = parseRetryAfter(f.retryAfter ?? null);
  const details = { vendor: VENDOR, status: f.status, retryAfterMs, code: errorCode(f.body) };
  const s = f.status;
  if (s === 401) return new VendorError('auth', `${what}: Zendesk answered 401${suffix}`, details);
  if (s === 403) return new VendorError('permission', `${what}: Zendesk answered 403${suffix}`, details);
  if (s === 404) return new VendorError('not_found', `${what}: Zendesk answered 404${suffix}`, details);
  if (s === 429) return new VendorError('rate_limited', `${what}: Zendesk answered 429${suffix}`, details);
  if (s >= 500) return new VendorError('vendor_down', `${what}: Zendesk answered ${s}${suffix}`, details);
  return new VendorError('invalid_request', `${what}: Zendesk answered ${s}${suffix}`, details);
}

export function errorCode(body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success && typeof parsed.data.error === 'string' ? parsed.data.error : undefined;
}

/** OAuth access token expired or revoked: worth one re-fetch or refresh. */
export function isInvalidToken(err: VendorError): boolean {
  return err.kind === 'auth' && (err.details.code === 'invalid_token' || /invalid_token/.test(err.message));
}

/** Errors thrown below the HTTP status level: network failures, aborted requests, unreadable JSON. */
export function zendeskTransportError(err: unknown, what: string, status?: number): VendorError {
  if (err instanceof VendorError) return err;
  if (err instanceof SyntaxError || (err as { type?: string })?.type === 'invalid-json') {
    // A 5xx whose body is not JSON is an outage, not a parse problem.
    if (status !== undefined && status >= 500) return new VendorError('vendor_down', `${what}: Zendesk answered ${status}`, { vendor: VENDOR, status });
    return new VendorError('bad_response', `${what}: Zendesk sent malformed JSON`, { vendor: VENDOR, status });
  }
  const cause = (err as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code;
  const name = (err as { name?: string })?.name;
  if (name === 'AbortError') return new VendorError('vendor_down', `${what}: request aborted (timeout)`, { vendor: VENDOR });
  if ((err instanceof TypeError && err.message === 'fetch failed') || code) {
    return new VendorError('vendor_down', `${what}: could not reach Zendesk (${code ?? 'network error'})`, { vendor: VENDOR, code, cause: err });
  }
  return new VendorError('bad_response', `${what}: ${err instanceof Error ? err.message : String(err)}`, { vendor: VENDOR });
}
