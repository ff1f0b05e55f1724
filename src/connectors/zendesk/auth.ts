// The three ways to sign in to Zendesk, each giving node-zendesk what it needs and renewing OAuth tokens.
import { VendorError } from '../../domain/errors.js';
import type { HttpPolicy, RawResponse } from '../http.js';
import type { ConnectionInput, ConnectorOptions } from '../types.js';
import { VENDOR, zendeskError } from './errors.js';
import { tokenResponseSchema, type TokenResponse } from './wire.js';

export const ZENDESK_AUTH_KINDS = ['api_token', 'oauth_client_credentials', 'oauth_authorization_code'] as const;
export type ZendeskAuthKind = (typeof ZENDESK_AUTH_KINDS)[number];

/** What node-zendesk's AuthorizationHandler reads: Basic `username/token:token` or Bearer `token`. */
export interface SdkCredentials {
  username?: string;
  token: string;
  oauth: boolean;
}

export interface ZendeskAuth {
  /** Who signs in, for messages ("ops@acme.com", "OAuth client acme-bot"). */
  readonly principal: string;
  credentials(): Promise<SdkCredentials>;
  /**
   * Called after a 401 invalid_token answered a request sent with `used`; obtains a new token once.
   * Returns false when nothing can be renewed (API tokens, no refresh token).
   */
  renew(used: SdkCredentials): Promise<boolean>;
}

/** Early renewal so a token does not expire between fetching and using it. */
const EXPIRY_MARGIN_MS = 60_000;

function requireValue(value: string | undefined, what: string): string {
  if (!value || value.trim() === '') throw new VendorError('config', `the Zendesk connection is missing ${what}`, { vendor: VENDOR });
  return value.trim();
}

/** The OAuth token endpoint lives at the origin root, not under /api/v2. */
export function tokenUrl(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/oauth/tokens`;
}

function mapTokenEndpointError(res: RawResponse): VendorError {
  const err = zendeskError({ status: res.status, body: res.body, retryAfter: res.headers.get('retry-after') }, 'OAuth token request');
  // A refused client or grant is a credentials problem, whatever status carries it.
  if (res.status === 400) return new VendorError('auth', err.message, err.details);
  return err;
}

async function requestToken(policy: HttpPolicy, baseUrl: string, body: Record<string, string>): Promise<TokenResponse> {
  const res = await policy.request({ method: 'POST', url: tokenUrl(baseUrl), body }, mapTokenEndpointError);
  const parsed = tokenResponseSchema.safeParse(res.body);
  if (!parsed.success) throw new VendorError('bad_response', 'OAuth token request: the answer has no access_token', { vendor: VENDOR, status: res.status });
  return parsed.data;
}

/** Runs `fetch` once at a time so concurrent 401s renew the token only once. */
function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= fn().finally(() => {
      running = undefined;
    });
    return running;
  };
}

class ApiTokenAuth implements ZendeskAuth {
  readonly principal: string;
  private readonly creds: SdkCredentials;
  constructor(conn: ConnectionInput) {
    const email = requireValue(conn.params.email, 'the agent email (params.email)');
    this.creds = { username: email, token: requireValue(conn.secrets.apiToken, 'the API token (secrets.apiToken)'), oauth: false };
    this.principal = email;
  }
  async credentials(): Promise<SdkCredentials> {
    return this.creds;
  }
  async renew(): Promise<boolean> {
    return false;
  }
}

class ClientCredentialsAuth implements ZendeskAuth {
  readonly principal: string;
  private token: { value: string; expiresAt: number } | undefined;
  private readonly fetchToken: () => Promise<void>;
  constructor(
    conn: ConnectionInput,
    policy: HttpPolicy,
    private readonly now: () => number,
  ) {
    const clientId = requireValue(conn.params.clientId, 'the OAuth client id (params.clientId)');
    const clientSecret = requireValue(conn.secrets.clientSecret, 'the OAuth client secret (secrets.clientSecret)');
    const scope = conn.params.scope?.trim() || 'read write';
    this.principal = `OAuth client ${clientId}`;
    this.fetchToken = singleFlight(async () => {
      const t = await requestToken(policy, conn.baseUrl, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
      const lifetimeMs = (t.expires_in ?? 7200) * 1000;
      this.token = { value: t.access_token, expiresAt: now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
    });
  }
  async credentials(): Promise<SdkCredentials> {
    if (!this.token || this.now() >= this.token.expiresAt) await this.fetchToken();
    return { token: this.token!.value, oauth: true };
  }
  async renew(used: SdkCredentials): Promise<boolean> {
    if (this.token && this.token.value !== used.token) return true; // another caller already renewed it
    this.token = undefined;
    await this.fetchToken();
    return true;
  }
}

class AuthorizationCodeAuth implements ZendeskAuth {
  readonly principal = 'an OAuth-authorized user';
  private accessToken: string;
  private refreshToken: string | undefined;
  private readonly refresh: () => Promise<void>;
  constructor(conn: ConnectionInput, policy: HttpPolicy, onTokens: ConnectorOptions['onTokens']) {
    this.accessToken = requireValue(conn.secrets.accessToken, 'the OAuth access token (secrets.accessToken)');
    this.refreshToken = conn.secrets.refreshToken?.trim() || undefined;
    const clientId = conn.params.clientId?.trim();
    const clientSecret = conn.secrets.clientSecret?.trim();
    this.refresh = singleFlight(async () => {
      if (!this.refreshToken) throw new VendorError('auth', 'the OAuth access token expired and no refresh token is stored: authorize the app again', { vendor: VENDOR, code: 'invalid_token' });
      const body: Record<string, string> = { grant_type: 'refresh_token', refresh_token: this.refreshToken };
      if (clientId) body.client_id = clientId;
      if (clientSecret) body.client_secret = clientSecret;
      const t = await requestToken(policy, conn.baseUrl, body);
      this.accessToken = t.access_token;
      this.refreshToken = t.refresh_token ?? this.refreshToken;
      const stored: Record<string, string> = { accessToken: this.accessToken };
      if (this.refreshToken) stored.refreshToken = this.refreshToken;
      await onTokens?.(stored);
    });
  }
  async credentials(): Promise<SdkCredentials> {
    return { token: this.accessToken, oauth: true };
  }
  async renew(used: SdkCredentials): Promise<boolean> {
    if (this.accessToken !== used.token) return true;
    await this.refresh();
    return true;
  }
}

export function createZendeskAuth(opts: ConnectorOptions, policy: HttpPolicy, now: () => number = Date.now): ZendeskAuth {
  const conn = opts.connection;
  switch (conn.authKind) {
    case 'api_token':
      return new ApiTokenAuth(conn);
    case 'oauth_client_credentials':
      return new ClientCredentialsAuth(conn, policy, now);
    case 'oauth_authorization_code':
      return new AuthorizationCodeAuth(conn, policy, opts.onTokens);
    default:
      throw new VendorError('config', `unknown Zendesk authKind "${conn.authKind}" (expected ${ZENDESK_AUTH_KINDS.join(', ')})`, { vendor: VENDOR });
  }
}
