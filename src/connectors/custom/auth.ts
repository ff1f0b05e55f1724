// Credentials for a custom app: static headers (basic, bearer, API-key header) or OAuth tokens
// (client credentials fetched and cached; authorization code refreshed and handed to onTokens).
import { VendorError } from '../../domain/errors.js';
import { errorFromStatus, type HttpPolicy, type RawResponse } from '../http.js';
import type { ConnectionInput } from '../types.js';
import type { CustomAuth } from './definition.js';
import { tokenErrorSchema, tokenResponseSchema, type TokenResponse } from './wire.js';

export interface Authenticator {
  /** Headers for one API request (fetches or refreshes a token when needed). */
  headers(): Promise<Record<string, string>>;
  /** Called once after a 401: drop the current token and get a new one if this kind can. */
  renew(): Promise<boolean>;
  /** Values that must never appear in a message. */
  secretValues(): string[];
}

export interface AuthDeps {
  policy: HttpPolicy;
  /** Resolves a token URL given as a path against the base URL. */
  resolveUrl: (urlOrPath: string) => string;
  onTokens?: (secrets: Record<string, string>) => Promise<void> | void;
  onTokensFailed?: (err: unknown) => void;
  now?: () => number;
}

const VENDOR = 'custom';

function requireValue(value: string | undefined, where: string, forWhat: string): string {
  if (value === undefined || value === '') throw new VendorError('config', `${where} is required for ${forWhat}`, { vendor: VENDOR });
  return value;
}

const basicHeader = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function joinPrefix(prefix: string | undefined, value: string): string {
  if (!prefix) return value;
  return /[\s=:]$/.test(prefix) ? `${prefix}${value}` : `${prefix} ${value}`;
}

export function createAuthenticator(auth: CustomAuth, connection: ConnectionInput, deps: AuthDeps): Authenticator {
  const { secrets, params } = connection;
  const known = () => Object.values(secrets).filter((v) => v.length >= 4);
  switch (auth.kind) {
    case 'basic': {
      const apiKey = requireValue(secrets.apiKey ?? secrets.password, 'secrets.apiKey', 'basic auth with an API key');
      const header =
        auth.apiKeyAs === 'username'
          ? basicHeader(apiKey, secrets.password && secrets.apiKey ? secrets.password : '')
          : basicHeader(requireValue(auth.username ?? params.username, 'params.username (or auth.username in the definition)', 'basic auth'), apiKey);
      return staticAuth({ authorization: header }, known);
    }
    case 'bearer': {
      const token = requireValue(secrets.token ?? secrets.accessToken, 'secrets.token', 'bearer auth');
      return staticAuth({ authorization: joinPrefix(auth.prefix, token) }, known);
    }
    case 'api_key_header': {
      const apiKey = requireValue(secrets.apiKey, 'secrets.apiKey', 'API-key header auth');
      return staticAuth({ [auth.header.toLowerCase()]: joinPrefix(auth.prefix, apiKey) }, known);
    }
    case 'oauth_client_credentials':
    case 'oauth_authorization_code':
      return new OAuthAuthenticator(auth, connection, deps, known);
  }
}

function staticAuth(headers: Record<string, string>, known: () => string[]): Authenticator {
  return {
    headers: async () => headers,
    renew: async () => false,
    secretValues: () => [...known(), ...Object.values(headers)],
  };
}

type OAuthConfig = Extract<CustomAuth, { kind: 'oauth_client_credentials' | 'oauth_authorization_code' }>;

class OAuthAuthenticator implements Authenticator {
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  /** When to stop using the token (a little before the server's expiry). */
  private usableUntil = Number.POSITIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private readonly clientId: string;
  private readonly clientSecret: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly auth: OAuthConfig,
    connection: ConnectionInput,
    private readonly deps: AuthDeps,
    private readonly known: () => string[],
  ) {
    const { secrets, params } = connection;
    this.now = deps.now ?? Date.now;
    this.clientId = requireValue(auth.clientId ?? params.clientId, 'params.clientId (or auth.clientId in the definition)', auth.kind);
    if (auth.kind === 'oauth_client_credentials') {
      this.clientSecret = requireValue(secrets.clientSecret, 'secrets.clientSecret', 'OAuth client credentials');
      this.usableUntil = 0;
    } else {
      this.clientSecret = secrets.clientSecret || undefined;
      this.accessToken = secrets.accessToken || undefined;
      this.refreshToken = secrets.refreshToken || undefined;
      if (!this.accessToken && !this.refreshToken) {
        throw new VendorError('config', 'secrets.accessToken or secrets.refreshToken is required for OAuth authorization code (authorize the app first)', { vendor: VENDOR });
      }
      const expiresAt = secrets.accessTokenExpiresAt ? Date.parse(secrets.accessTokenExpiresAt) : NaN;
      this.usableUntil = !this.accessToken ? 0 : Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt - 30_000;
    }
  }

  secretValues(): string[] {
    return [...this.known(), ...[this.accessToken, this.refreshToken, this.clientSecret].filter((v): v is string => !!v)];
  }

  async headers(): Promise<Record<string, string>> {
    if (!this.accessToken || this.now() >= this.usableUntil) await this.obtain();
    return { authorization: `Bearer ${this.accessToken}` };
  }

  async renew(): Promise<boolean> {
    if (this.auth.kind === 'oauth_authorization_code' && !this.refreshToken) return false;
    this.usableUntil = 0;
    await this.obtain();
    return true;
  }

  /** One token request at a time: concurrent callers share it. */
  private obtain(): Promise<void> {
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(): Promise<void> {
    const fields: Record<string, string> = {};
    if (this.auth.kind === 'oauth_client_credentials') {
      fields.grant_type = 'client_credentials';
      if (this.auth.scope) fields.scope = this.auth.scope;
      if (this.auth.audience) fields.audience = this.auth.audience;
    } else {
      if (!this.refreshToken) {
        throw new VendorError('auth', 'the access token expired and there is no refresh token: authorize the app again', { vendor: VENDOR });
      }
      fields.grant_type = 'refresh_token';
      fields.refresh_token = this.refreshToken;
    }
    const headers: Record<string, string> = {};
    if (this.auth.clientAuth === 'basic' && this.clientSecret !== undefined) {
      headers.authorization = basicHeader(encodeURIComponent(this.clientId), encodeURIComponent(this.clientSecret));
    } else {
      fields.client_id = this.clientId;
      if (this.clientSecret !== undefined) fields.client_secret = this.clientSecret;
    }
    let body: URLSearchParams | string;
    if (this.auth.bodyFormat === 'json') {
      body = JSON.stringify(fields);
      headers['content-type'] = 'application/json';
    } else {
      body = new URLSearchParams(fields);
    }
    const url = this.deps.resolveUrl(this.auth.tokenUrl);
    const started = this.now();
    const res = await this.deps.policy.request({ method: 'POST', url, headers, body }, (raw) => tokenEndpointError(raw));
    const parsed = tokenResponseSchema.safeParse(res.body);
    if (!parsed.success) {
      throw new VendorError('bad_response', `the token endpoint ${new URL(url).pathname} answered without an access_token`, { vendor: VENDOR, status: res.status });
    }
    await this.accept(parsed.data, started);
  }

  private async accept(token: TokenResponse, started: number): Promise<void> {
    this.accessToken = token.access_token;
    if (token.refresh_token) this.refreshToken = token.refresh_token;
    let expiresAt: number | undefined;
    if (token.expires_in !== undefined && token.expires_in > 0) {
      const ttl = token.expires_in * 1000;
      expiresAt = started + ttl;
      this.usableUntil = expiresAt - Math.min(30_000, ttl / 10);
    } else {
      this.usableUntil = Number.POSITIVE_INFINITY;
    }
    if (this.auth.kind === 'oauth_authorization_code' && this.deps.onTokens) {
      const stored: Record<string, string> = { accessToken: this.accessToken };
      if (this.refreshToken) stored.refreshToken = this.refreshToken;
      if (expiresAt !== undefined) stored.accessTokenExpiresAt = new Date(expiresAt).toISOString();
      try {
        await this.deps.onTokens(stored);
      } catch (err) {
        this.deps.onTokensFailed?.(err);
      }
    }
  }
}

/** RFC 6749 errors: a refused client or grant is an auth problem whatever the status (400 or 401). */
function tokenEndpointError(raw: RawResponse): VendorError {
  const parsed = tokenErrorSchema.safeParse(raw.body);
  if (parsed.success && ['invalid_client', 'invalid_grant', 'unauthorized_client'].includes(parsed.data.error)) {
    const hint = parsed.data.error === 'invalid_grant' ? ' (the refresh token is no longer valid: authorize the app again)' : '';
    return new VendorError('auth', `the token endpoint refused the request: ${parsed.data.error}${hint}`, { vendor: VENDOR, status: raw.status, code: parsed.data.error });
  }
  if (parsed.success && parsed.data.error === 'invalid_scope') {
    return new VendorError('permission', 'the token endpoint refused the requested scope', { vendor: VENDOR, status: raw.status, code: 'invalid_scope' });
  }
  const err = errorFromStatus(raw, VENDOR);
  return new VendorError(err.kind, `token endpoint: ${err.message}`, err.details);
}
