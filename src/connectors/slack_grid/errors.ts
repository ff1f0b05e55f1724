// Slack Web API and SCIM errors mapped to the one VendorError taxonomy.
import { VendorError, type VendorErrorKind } from '../../domain/errors.js';
import { errorFromStatus, toVendorError, type RawResponse } from '../http.js';

export const VENDOR = 'slack_grid';

const KIND_BY_CODE: Record<string, VendorErrorKind> = {
  invalid_auth: 'auth',
  not_authed: 'auth',
  token_revoked: 'auth',
  token_expired: 'auth',
  account_inactive: 'auth',
  missing_scope: 'permission',
  not_allowed_token_type: 'permission',
  no_permission: 'permission',
  not_an_admin: 'permission',
  access_denied: 'permission',
  team_access_not_granted: 'permission',
  ekm_access_denied: 'permission',
  org_login_required: 'permission',
  enterprise_is_restricted: 'permission',
  two_factor_setup_required: 'permission',
  paid_only: 'permission',
  feature_not_enabled: 'permission',
  feature_not_available: 'permission',
  member_analytics_disabled: 'permission',
  org_level_email_display_disabled: 'permission',
  user_not_found: 'not_found',
  users_not_found: 'not_found',
  team_not_found: 'not_found',
  ratelimited: 'rate_limited',
  internal_error: 'vendor_down',
  fatal_error: 'vendor_down',
  service_unavailable: 'vendor_down',
  request_timeout: 'vendor_down',
};

/** Slack error codes are lower snake case; anything else in `error` is the SDK's stand-in for an unreadable body. */
const SLACK_CODE = /^[a-z0-9_.]{1,80}$/;

export interface SlackErrorContext {
  method: string;
  /** Wait used when Slack answers `ok:false, error:"ratelimited"` on HTTP 200 without a Retry-After. */
  ratelimitedWaitMs: number;
}

interface SdkError {
  code?: string;
  data?: { error?: unknown; needed?: unknown; provided?: unknown; response_metadata?: { retryAfter?: unknown } };
  statusCode?: number;
  retryAfter?: number;
  message?: string;
}

/** Maps whatever WebClient threw for one method call (retries are off, so each error is one attempt). */
export function mapSlackError(err: unknown, ctx: SlackErrorContext): VendorError {
  if (err instanceof VendorError) return err;
  const e = (err ?? {}) as SdkError;
  const m = ctx.method;
  switch (e.code) {
    case 'slack_webapi_platform_error':
      return fromPlatformError(e.data ?? {}, ctx);
    case 'slack_webapi_rate_limited_error':
      return new VendorError('rate_limited', `${m}: HTTP 429`, {
        vendor: VENDOR,
        status: 429,
        code: 'ratelimited',
        retryAfterMs: typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : ctx.ratelimitedWaitMs,
      });
    case 'slack_webapi_http_error': {
      const s = e.statusCode ?? 0;
      const details = { vendor: VENDOR, status: s };
      if (s === 401) return new VendorError('auth', `${m}: HTTP 401`, details);
      if (s === 403) return new VendorError('permission', `${m}: HTTP 403`, details);
      if (s === 404) return new VendorError('not_found', `${m}: HTTP 404`, details);
      if (s >= 500) return new VendorError('vendor_down', `${m}: HTTP ${s}`, details);
      return new VendorError('invalid_request', `${m}: HTTP ${s}`, details);
    }
    case 'slack_webapi_request_error':
      return new VendorError('vendor_down', `${m}: could not reach Slack`, { vendor: VENDOR, cause: err });
  }
  // WebClient throws a plain Error for a 429 whose Retry-After it cannot read.
  if (err instanceof Error && /Retry header did not contain a valid timeout/.test(err.message)) {
    return new VendorError('rate_limited', `${m}: HTTP 429 without a readable Retry-After`, {
      vendor: VENDOR,
      status: 429,
      retryAfterMs: ctx.ratelimitedWaitMs,
    });
  }
  if (err instanceof SyntaxError) return new VendorError('bad_response', `${m}: the response was not valid JSON`, { vendor: VENDOR });
  const mapped = toVendorError(err, VENDOR);
  return new VendorError(mapped.kind, `${m}: ${mapped.message}`, mapped.details);
}

function fromPlatformError(data: NonNullable<SdkError['data']>, ctx: SlackErrorContext): VendorError {
  const m = ctx.method;
  const code = data.error;
  if (typeof code !== 'string') {
    return new VendorError('bad_response', `${m}: the response could not be unzipped or parsed`, { vendor: VENDOR });
  }
  if (!SLACK_CODE.test(code)) {
    return new VendorError('bad_response', `${m}: the response was not valid JSON`, { vendor: VENDOR });
  }
  const kind = KIND_BY_CODE[code] ?? 'invalid_request';
  let message = `${m}: ${code}`;
  if (code === 'missing_scope') {
    const needed = typeof data.needed === 'string' ? data.needed : 'unknown';
    const provided = typeof data.provided === 'string' ? data.provided : 'none';
    message += ` (needed: ${needed}; the token has: ${provided})`;
  }
  const retryAfter = data.response_metadata?.retryAfter;
  const retryAfterMs = kind === 'rate_limited' ? (typeof retryAfter === 'number' ? retryAfter * 1000 : ctx.ratelimitedWaitMs) : undefined;
  return new VendorError(kind, message, { vendor: VENDOR, code, retryAfterMs });
}

/** SCIM answers with an HTTP status and a SCIM Error body (`detail`); name the SCIM call in the message. */
export function mapScimStatus(what: string) {
  return (res: RawResponse): VendorError => {
    const base = errorFromStatus(res, VENDOR);
    return new VendorError(base.kind, `SCIM ${what}: ${base.message}`, base.details);
  };
}

export function slackCodeOf(err: unknown): string | undefined {
  return err instanceof VendorError ? err.details.code : undefined;
}
