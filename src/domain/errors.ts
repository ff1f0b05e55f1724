// One error taxonomy for every vendor, so services and Slack messages treat them alike.

export const VENDOR_ERROR_KINDS = [
  'auth', // credentials wrong, expired or revoked (401, invalid_auth, INVALID_SESSION_ID)
  'permission', // authenticated but not allowed (403, missing_scope, not an admin)
  'not_found', // the user or object does not exist
  'rate_limited', // 429, ratelimited, REQUEST_LIMIT_EXCEEDED
  'vendor_down', // 5xx, timeouts, connection refused
  'bad_response', // unparseable or unexpected body, a paging loop
  'invalid_request', // 400/422: the vendor refused what we sent
  'config', // the profile or definition is wrong (not a Grid token, bad custom definition)
] as const;
export type VendorErrorKind = (typeof VENDOR_ERROR_KINDS)[number];

export class VendorError extends Error {
  override readonly name = 'VendorError';
  constructor(
    readonly kind: VendorErrorKind,
    message: string,
    readonly details: {
      vendor?: string;
      status?: number;
      code?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'vendor_down';
  }
}

const KIND_PREFIX: Record<VendorErrorKind, string> = {
  auth: 'The vendor rejected the credentials',
  permission: 'The connected account lacks a permission',
  not_found: 'Not found at the vendor',
  rate_limited: 'The vendor rate limit was hit',
  vendor_down: 'The vendor is unavailable',
  bad_response: 'The vendor sent a response we could not read',
  invalid_request: 'The vendor refused the request',
  config: 'The profile configuration is wrong',
};

/** A one-line message fit for Slack and job results (never contains secrets: callers build messages without them). */
export function describeError(err: unknown): string {
  if (err instanceof VendorError) return `${KIND_PREFIX[err.kind]}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
