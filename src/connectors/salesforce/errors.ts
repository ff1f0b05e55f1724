// Salesforce errors mapped to the VendorError taxonomy: REST error arrays by status first and
// errorCode second, OAuth token errors, jsforce's own errors and network failures.
import { VendorError } from '../../domain/errors.js';
import { parseRetryAfter, toVendorError } from '../http.js';
import { apiErrorsSchema, oauthErrorSchema, type ApiError } from './wire.js';

const VENDOR = 'salesforce';

/**
 * The 24-hour allocation is rolling and Salesforce gives no reset time: waiting seconds is useless and
 * retrying spends nothing but log lines. The hint tells a scheduler to look again in an hour; it is far
 * above HttpPolicy's maxRetryAfterMs, so the policy fails the call at once instead of sleeping.
 */
export const DAILY_LIMIT_RETRY_HINT_MS = 60 * 60_000;

const PERMISSION_CODES = new Set(['API_CURRENTLY_DISABLED', 'API_DISABLED_FOR_ORG', 'FUNCTIONALITY_NOT_ENABLED']);
const NOT_FOUND_CODES = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);

export interface ResponseInfo {
  status: number;
  contentType: string;
  body: string;
  retryAfter?: string;
  /** The usage header of this response, for the daily-limit message. */
  apiUsage?: { used: number; limit: number };
}

function firstApiError(body: string): { error: ApiError; more: number } | undefined {
  try {
    const parsed = apiErrorsSchema.safeParse(JSON.parse(body));
    if (parsed.success) return { error: parsed.data[0]!, more: parsed.data.length - 1 };
  } catch {
    // not JSON: handled by the caller
  }
  return undefined;
}

function isHtml(info: ResponseInfo): boolean {
  return info.contentType.includes('html') || /^\s*<(!doctype|html)/i.test(info.body);
}

/** Maps a non-2xx REST response. `what` names the call for the message ("GET /limits"). */
export function errorFromResponse(info: ResponseInfo, what: string): VendorError {
  const { status } = info;
  const parsed = firstApiError(info.body);
  const code = parsed?.error.errorCode;
  const details = { vendor: VENDOR, status, code, retryAfterMs: parseRetryAfter(info.retryAfter) };
  const reason = parsed ? `${parsed.error.errorCode}: ${clip(parsed.error.message)}${parsed.more > 0 ? ` (and ${parsed.more} more)` : ''}` : undefined;

  if (code === 'REQUEST_LIMIT_EXCEEDED') return requestLimitError(parsed!.error.message, info, what);
  if (status >= 500) {
    return new VendorError('vendor_down', `${what} answered HTTP ${status}${reason ? ` (${reason})` : isHtml(info) ? ' with an HTML page' : ''}`, details);
  }
  if (status === 429) return new VendorError('rate_limited', `${what} answered HTTP 429${reason ? ` (${reason})` : ''}`, details);
  if (!parsed) {
    if (isHtml(info)) {
      return new VendorError('bad_response', `${what} answered HTTP ${status} with an HTML page instead of JSON: check that the instance URL is the org's My Domain URL and that the org is reachable`, details);
    }
    return new VendorError(kindByStatus(status), `${what} answered HTTP ${status}${info.body.trim() ? `: ${clip(info.body)}` : ''}`, details);
  }
  return new VendorError(kindByCode(code!, status), `${what}: ${reason}`, details);
}

function kindByCode(code: string, status: number): VendorError['kind'] {
  if (code === 'INVALID_SESSION_ID' || code === 'INVALID_AUTH_HEADER') return 'auth';
  if (code.startsWith('INSUFFICIENT_ACCESS') || PERMISSION_CODES.has(code)) return 'permission';
  if (NOT_FOUND_CODES.has(code)) return 'not_found';
  return kindByStatus(status);
}

function kindByStatus(status: number): VendorError['kind'] {
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  return 'invalid_request';
}

function requestLimitError(message: string, info: ResponseInfo, what: string): VendorError {
  const details = { vendor: VENDOR, status: info.status, code: 'REQUEST_LIMIT_EXCEEDED' };
  // The same code is used for too many concurrent long-running requests: that one clears in seconds.
  if (/concurrent/i.test(message)) {
    return new VendorError('rate_limited', `${what}: too many concurrent long-running requests in this org (${clip(message)})`, details);
  }
  const usage = info.apiUsage ? ` (api-usage ${info.apiUsage.used}/${info.apiUsage.limit})` : '';
  return new VendorError(
    'rate_limited',
    `the org's 24-hour API request allocation is used up${usage}. Salesforce frees requests as the rolling 24-hour window moves and sends no retry time, so the call was not retried: try again in an hour or more, or ask Salesforce for more API calls`,
    { ...details, retryAfterMs: DAILY_LIMIT_RETRY_HINT_MS },
  );
}

/** A non-2xx answer of the OAuth token endpoint: status first, then the OAuth `error` field. */
export function tokenErrorFromResponse(info: ResponseInfo, grantLabel: string): VendorError {
  const { status } = info;
  const details = { vendor: VENDOR, status, retryAfterMs: parseRetryAfter(info.retryAfter) };
  if (status >= 500) return new VendorError('vendor_down', `the token endpoint answered HTTP ${status}`, details);
  if (status === 429) return new VendorError('rate_limited', 'the token endpoint answered HTTP 429', details);
  let parsed;
  try {
    parsed = oauthErrorSchema.safeParse(JSON.parse(info.body));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    // The body may be an HTML page or anything else: it stays out of the message.
    return new VendorError('bad_response', `the token endpoint answered HTTP ${status} without an OAuth error${isHtml(info) ? ' (an HTML page: check the instance / My Domain URL)' : ''}`, details);
  }
  const { error, error_description: description } = parsed.data;
  const hint = TOKEN_HINTS[error] ?? '';
  return new VendorError('auth', `Salesforce refused the ${grantLabel} token request: ${clip(error)}${description ? ` (${clip(description)})` : ''}${hint}`, { ...details, code: error });
}

const TOKEN_HINTS: Record<string, string> = {
  invalid_client_id: ': check the consumer key (client id)',
  invalid_client: ': check the consumer secret',
  invalid_grant: ': the refresh token was revoked or expired, or the client credentials flow has no run-as user; reconnect the app',
  inactive_user: ': the integration user is deactivated',
  inactive_org: ': the org is locked, deleted or suspended',
};

/** Errors thrown by jsforce itself or by the network (anything that is not already a VendorError). */
export function fromThrown(err: unknown): VendorError {
  if (err instanceof VendorError) return err;
  const e = err as { name?: string; errorCode?: string; code?: string; message?: string; type?: string };
  if (e?.errorCode && /^[A-Z_]+$/.test(e.errorCode) && !e.errorCode.startsWith('ERROR_HTTP_')) {
    return new VendorError(kindByCode(e.errorCode, 0), `${e.errorCode}: ${clip(e.message ?? '')}`, { vendor: VENDOR, code: e.errorCode, cause: err });
  }
  if (e?.name === 'FetchError' || e?.type === 'system') {
    return new VendorError('vendor_down', `could not reach Salesforce: ${e.code ?? clip(e.message ?? '')}`, { vendor: VENDOR, code: e.code, cause: err });
  }
  if (e?.name === 'AbortError') return new VendorError('vendor_down', 'Salesforce did not answer in time', { vendor: VENDOR, cause: err });
  return toVendorError(err, VENDOR);
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 297)}...` : one;
}
