// Vendor OAuth (authorization code) on the bot's HTTP server: /oauth/<vendor>/start redirects to the vendor's
// authorize page with a signed, expiring state naming the profile and the admin; /oauth/<vendor>/callback
// exchanges the code and stores the tokens encrypted through ProfileService. The admin is told by DM.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionInput } from '../connectors/types.js';
import { parseCustomDefinition } from '../connectors/custom/definition.js';
import type { Vendor } from '../domain/vendor.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { sendHtml, type Route } from './server.js';

export const OAUTH_VENDORS = ['salesforce', 'zendesk', 'custom'] as const satisfies readonly Vendor[];
export type OAuthVendor = (typeof OAUTH_VENDORS)[number];

export interface OAuthState {
  profileId: string;
  adminUserId: string;
  vendor: OAuthVendor;
  /** Seconds since the epoch. */
  expiresAt: number;
  nonce: string;
}

export interface OAuthOutcome {
  ok: boolean;
  adminUserId: string;
  profileId: string;
  profileName?: string;
  /** Readable; never contains a token or a secret. */
  message: string;
}

export interface OAuthDeps {
  services: Services;
  logger: Logger;
  /** Base of the redirect URIs, e.g. https://bot.acme.com (PUBLIC_URL; else the server's own URL once listening). */
  publicUrl: () => string;
  /** HMAC key for state (derive it from the encryption key: secrets.deriveKey('oauth-state')). */
  stateKey: Buffer;
  /** Tells the admin how it went (a DM in the product). */
  notify(outcome: OAuthOutcome): Promise<void>;
  stateTtlMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const DEFAULT_TTL_MS = 15 * 60_000;
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signOAuthState(key: Buffer, s: Omit<OAuthState, 'nonce' | 'expiresAt'>, ttlMs = DEFAULT_TTL_MS, now = Date.now()): string {
  const state: OAuthState = { ...s, expiresAt: Math.floor((now + ttlMs) / 1000), nonce: randomBytes(9).toString('base64url') };
  const payload = b64url(JSON.stringify([state.profileId, state.adminUserId, state.vendor, state.expiresAt, state.nonce]));
  return `${payload}.${b64url(createHmac('sha256', key).update(payload).digest())}`;
}

/** The state when its signature is right and it has not expired; null otherwise. */
export function verifyOAuthState(key: Buffer, token: string, now = Date.now()): OAuthState | null {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  const expected = createHmac('sha256', key).update(payload).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [profileId, adminUserId, vendor, expiresAt, nonce] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, OAuthVendor, number, string];
    if (!(OAUTH_VENDORS as readonly string[]).includes(vendor) || typeof expiresAt !== 'number') return null;
    if (expiresAt * 1000 < now) return null;
    return { profileId, adminUserId, vendor, expiresAt, nonce };
  } catch {
    return null;
  }
}

export function isOAuthVendor(v: string): v is OAuthVendor {
  return (OAUTH_VENDORS as readonly string[]).includes(v);
}

/** The link an admin clicks in Slack to connect a profile. */
export function oauthStartUrl(deps: Pick<OAuthDeps, 'publicUrl' | 'stateKey' | 'stateTtlMs' | 'now'>, vendor: OAuthVendor, profileId: string, adminUserId: string): string {
  const state = signOAuthState(deps.stateKey, { profileId, adminUserId, vendor }, deps.stateTtlMs, deps.now?.());
  return `${trimSlash(deps.publicUrl())}/oauth/${vendor}/start?profile=${encodeURIComponent(profileId)}&state=${encodeURIComponent(state)}`;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');
const redirectUri = (deps: OAuthDeps, vendor: OAuthVendor) => `${trimSlash(deps.publicUrl())}/oauth/${vendor}/callback`;

interface VendorOAuth {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  scope?: string;
  /** How the token request carries the client and its body. */
  tokenRequest: 'form' | 'json' | 'form-basic';
  /** Token response → connection secrets. */
  secretsFrom(body: Record<string, unknown>): Record<string, string>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function tokenSecrets(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const access = str(body.access_token);
  const refresh = str(body.refresh_token);
  if (access) out.accessToken = access;
  if (refresh) out.refreshToken = refresh;
  return out;
}

function resolveAgainst(base: string, pathOrUrl: string): string {
  return /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : `${trimSlash(base)}${pathOrUrl}`;
}

function vendorOAuth(vendor: OAuthVendor, c: ConnectionInput): VendorOAuth | string {
  const base = trimSlash(c.baseUrl);
  if (vendor === 'salesforce') {
    if (!c.params.clientId) return 'the profile has no consumer key';
    return { authorizeUrl: `${base}/services/oauth2/authorize`, tokenUrl: `${base}/services/oauth2/token`, clientId: c.params.clientId, clientSecret: c.secrets.clientSecret, scope: 'api refresh_token', tokenRequest: 'form', secretsFrom: tokenSecrets };
  }
  if (vendor === 'zendesk') {
    if (!c.params.clientId) return 'the profile has no OAuth client id';
    return { authorizeUrl: `${base}/oauth/authorizations/new`, tokenUrl: `${base}/oauth/tokens`, clientId: c.params.clientId, clientSecret: c.secrets.clientSecret, scope: 'read write', tokenRequest: 'json', secretsFrom: tokenSecrets };
  }
  const parsed = parseCustomDefinition(c.params.definition ?? '');
  if (!parsed.ok) return 'the app definition is invalid';
  const auth = parsed.definition.auth;
  if (auth.kind !== 'oauth_authorization_code') return `the app definition uses ${auth.kind}, not the authorization code grant`;
  if (!auth.authorizeUrl) return 'the app definition has no auth.authorizeUrl';
  const appBase = c.baseUrl || parsed.definition.baseUrl || '';
  const clientId = c.params.clientId ?? auth.clientId;
  if (!clientId) return 'the profile has no OAuth client id';
  return {
    authorizeUrl: resolveAgainst(appBase, auth.authorizeUrl),
    tokenUrl: resolveAgainst(appBase, auth.tokenUrl),
    clientId,
    clientSecret: c.secrets.clientSecret,
    ...(auth.scopes?.length ? { scope: auth.scopes.join(' ') } : {}),
    tokenRequest: auth.clientAuth === 'basic' ? 'form-basic' : 'form',
    secretsFrom: tokenSecrets,
  };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
  sendHtml(res, status, `<!doctype html><meta charset="utf-8"><title>${escHtml(title)}</title><h1>${escHtml(title)}</h1><p>${escHtml(text)}</p>`);
}

export function oauthRoutes(deps: OAuthDeps): Route[] {
  const used = new Map<string, number>();
  const now = () => (deps.now ?? Date.now)();
  const doFetch = deps.fetch ?? fetch;

  async function loadClient(state: OAuthState): Promise<{ oauth: VendorOAuth; profileName: string } | string> {
    let profile;
    try {
      profile = await deps.services.profiles.get(state.profileId);
    } catch {
      return 'the profile no longer exists';
    }
    if (profile.vendor !== state.vendor) return 'the link does not match the profile';
    const client = await deps.services.profiles.oauthClient(profile.id);
    if (!client) return 'the profile has no OAuth client yet: edit it and enter the client id and secret';
    const oauth = vendorOAuth(state.vendor, client);
    return typeof oauth === 'string' ? oauth : { oauth, profileName: profile.displayName };
  }

  const start = (vendor: OAuthVendor): Route => ({
    method: 'GET',
    path: `/oauth/${vendor}/start`,
    async handle(_req: IncomingMessage, res: ServerResponse, url: URL) {
      const state = verifyOAuthState(deps.stateKey, url.searchParams.get('state') ?? '', now());
      if (!state || state.vendor !== vendor || state.profileId !== url.searchParams.get('profile')) {
        page(res, 400, 'This link is not valid', 'It expired or was altered. Ask the bot for a new one (edit the profile in Slack).');
        return;
      }
      const loaded = await loadClient(state);
      if (typeof loaded === 'string') {
        page(res, 400, 'Cannot connect', `Cannot connect: ${loaded}.`);
        return;
      }
      const authorize = new URL(loaded.oauth.authorizeUrl);
      authorize.searchParams.set('response_type', 'code');
      authorize.searchParams.set('client_id', loaded.oauth.clientId);
      authorize.searchParams.set('redirect_uri', redirectUri(deps, vendor));
      authorize.searchParams.set('state', url.searchParams.get('state')!);
      if (loaded.oauth.scope) authorize.searchParams.set('scope', loaded.oauth.scope);
      res.writeHead(302, { location: authorize.toString(), 'cache-control': 'no-store' });
      res.end();
    },
  });

  const callback = (vendor: OAuthVendor): Route => ({
    method: 'GET',
    path: `/oauth/${vendor}/callback`,
    async handle(_req: IncomingMessage, res: ServerResponse, url: URL) {
      const rawState = url.searchParams.get('state') ?? '';
      const state = verifyOAuthState(deps.stateKey, rawState, now());
      if (!state || state.vendor !== vendor) {
        page(res, 400, 'This link is not valid', 'It expired or was altered. Start the connection again from Slack.');
        return;
      }
      for (const [nonce, exp] of used) if (exp * 1000 < now()) used.delete(nonce);
      if (used.has(state.nonce)) {
        page(res, 400, 'Already used', 'This connection attempt was already completed. Start again from Slack if needed.');
        return;
      }
      used.set(state.nonce, state.expiresAt);
      const fail = async (message: string, profileName?: string) => {
        deps.logger.warn({ profileId: state.profileId, vendor }, `OAuth connection failed: ${message}`);
        await deps.notify({ ok: false, adminUserId: state.adminUserId, profileId: state.profileId, ...(profileName ? { profileName } : {}), message });
        page(res, 400, 'Not connected', `The connection failed: ${message}. The bot sent you the details in Slack.`);
      };
      const denied = url.searchParams.get('error');
      if (denied) return fail(`the vendor answered "${denied.slice(0, 100)}" (access was not granted)`);
      const code = url.searchParams.get('code');
      if (!code) return fail('the vendor sent no authorization code');
      const loaded = await loadClient(state);
      if (typeof loaded === 'string') return fail(loaded);
      let tokens: Record<string, string>;
      try {
        tokens = await exchangeCode(doFetch, loaded.oauth, code, redirectUri(deps, vendor));
      } catch (err) {
        return fail(err instanceof Error ? err.message : 'the token exchange failed', loaded.profileName);
      }
      try {
        await deps.services.profiles.storeOAuthTokens(state.adminUserId, state.profileId, tokens);
      } catch (err) {
        return fail(err instanceof Error ? err.message : 'the tokens could not be stored', loaded.profileName);
      }
      deps.logger.info({ profileId: state.profileId, vendor, admin: state.adminUserId }, 'OAuth connection stored');
      await deps.notify({ ok: true, adminUserId: state.adminUserId, profileId: state.profileId, profileName: loaded.profileName, message: 'connected' });
      page(res, 200, 'Connected', `"${loaded.profileName}" is connected. Back in Slack, validate the profile.`);
    },
  });

  return OAUTH_VENDORS.flatMap((v) => [start(v), callback(v)]);
}

/** POSTs the code to the vendor's token endpoint; errors name the HTTP status and the OAuth error code only. */
async function exchangeCode(doFetch: typeof fetch, o: VendorOAuth, code: string, redirect: string): Promise<Record<string, string>> {
  const fields: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: redirect };
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string;
  if (o.tokenRequest === 'json') {
    body = JSON.stringify({ ...fields, client_id: o.clientId, ...(o.clientSecret ? { client_secret: o.clientSecret } : {}), ...(o.scope ? { scope: o.scope } : {}) });
    headers['content-type'] = 'application/json';
  } else {
    const form = new URLSearchParams(fields);
    if (o.tokenRequest === 'form-basic') headers.authorization = `Basic ${Buffer.from(`${o.clientId}:${o.clientSecret ?? ''}`).toString('base64')}`;
    else {
      form.set('client_id', o.clientId);
      if (o.clientSecret) form.set('client_secret', o.clientSecret);
    }
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  let res: Response;
  try {
    res = await doFetch(o.tokenUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  } catch {
    throw new Error(`the token endpoint ${new URL(o.tokenUrl).host} could not be reached`);
  }
  const parsed = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || parsed.ok === false) {
    const code = str(parsed.error) ?? `HTTP ${res.status}`;
    throw new Error(`the token endpoint refused the code (${code.slice(0, 60)})`);
  }
  const secrets = o.secretsFrom(parsed);
  if (!secrets.accessToken && !secrets.refreshToken) throw new Error('the token endpoint returned no token');
  return secrets;
}
