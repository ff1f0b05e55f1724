// Fake Salesforce for tests, benchmarks and the sandbox: the OAuth token endpoint, the REST query API
// with nextRecordsUrl paging, sobject updates and deletes, /limits, JSON-array errors, Sforce-Limit-Info
// on every data response and the 24-hour request allocation answered with 403 REQUEST_LIMIT_EXCEEDED.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector, sendJson, startHttpServer } from '../http-server.js';
import { seedDemoOrg, type DemoOptions } from './demo.js';
import { FakeSalesforceOrg, type SfRecord, type SfUser } from './org.js';
import { parseSoql, SoqlError } from './soql.js';

export { FakeSalesforceOrg, formatSfDateTime } from './org.js';
export type { NewUser, SfUser, UserPermissions } from './org.js';

export interface FakeSalesforceCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request body; secrets in token requests are replaced by "[redacted]". */
  body: string;
}

export interface DailyAllocation {
  limit: number;
  used: number;
  /** Requests are refused once `used` passes this (Salesforce may let usage run past the limit). */
  refuseAbove: number;
  /** Extra entries for Sforce-Limit-Info, e.g. "api-bursts=3/100". */
  extra?: string;
}

export interface FakeSalesforce {
  url: string;
  org: FakeSalesforceOrg;
  calls: FakeSalesforceCall[];
  faults: FaultInjector;
  clientId: string;
  clientSecret: string;
  clientCredentialsEnabled: boolean;
  /** Records per query batch (Salesforce: up to 2,000). */
  batchSize: number;
  /** Every continuation names the same locator/offset: a paging loop for the client to catch. */
  repeatCursor: boolean;
  allocation: DailyAllocation;
  /** Turns the 24-hour allocation on: past `refuseAbove` (default = limit) every data call gets 403. */
  setDailyAllocation(limit: number, opts?: { used?: number; refuseAbove?: number; extra?: string }): void;
  issueRefreshToken(userId?: string): string;
  issueAccessToken(userId?: string): string;
  issueAuthorizationCode(userId?: string): string;
  /** Every access token issued so far now answers 401 INVALID_SESSION_ID. */
  expireAccessTokens(): void;
  revokeRefreshTokens(): void;
  /** Token requests answered so far, by grant type. */
  tokenRequests: Record<string, number>;
  seedDemo(n: number, opts?: DemoOptions): SfUser[];
  close(): Promise<void>;
}

const SESSION_EXPIRED = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
const SETUP_OBJECTS = new Set(['userlicense', 'permissionsetlicense', 'packagelicense', 'userpackagelicense']);
const MAX_OPEN_CURSORS = 200;

interface Cursor {
  rows: SfRecord[];
  render: (rec: SfRecord) => Record<string, unknown>;
}

export async function startFakeSalesforce(opts: { port?: number; domain?: string } = {}): Promise<FakeSalesforce> {
  const org = new FakeSalesforceOrg(opts.domain);
  const accessTokens = new Map<string, string>();
  const refreshTokens = new Map<string, string>();
  const authCodes = new Map<string, string>();
  const cursors = new Map<string, Cursor>();
  let cursorCount = 0;

  const newToken = (userId: string) => {
    const token = `${org.organizationId}!${randomBytes(24).toString('base64url')}`;
    accessTokens.set(token, userId);
    return token;
  };

  const fake: FakeSalesforce = {
    url: '',
    org,
    calls: [],
    faults: new FaultInjector(),
    clientId: 'fake-consumer-key',
    clientSecret: 'fake-consumer-secret',
    clientCredentialsEnabled: true,
    batchSize: 2000,
    repeatCursor: false,
    allocation: { limit: 100_000, used: 0, refuseAbove: Number.POSITIVE_INFINITY },
    tokenRequests: {},
    setDailyAllocation(limit, o = {}) {
      fake.allocation = { limit, used: o.used ?? 0, refuseAbove: o.refuseAbove ?? limit, extra: o.extra };
    },
    issueRefreshToken(userId = org.integrationUser.Id) {
      const token = `5Aep${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(token, userId);
      return token;
    },
    issueAccessToken: (userId = org.integrationUser.Id) => newToken(userId),
    issueAuthorizationCode(userId = org.integrationUser.Id) {
      const code = `aPrx${randomBytes(16).toString('base64url')}`;
      authCodes.set(code, userId);
      return code;
    },
    expireAccessTokens: () => accessTokens.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    seedDemo: (n, o) => seedDemoOrg(org, n, o),
    close: async () => {},
  };

  function tokenResponse(userId: string, withRefresh: boolean): Record<string, unknown> {
    const issuedAt = String(Date.now());
    const id = `${fake.url}/id/${org.organizationId}/${userId}`;
    const body: Record<string, unknown> = {
      access_token: newToken(userId),
      instance_url: fake.url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: createHmac('sha256', fake.clientSecret).update(id + issuedAt).digest('base64'),
      scope: withRefresh ? 'refresh_token api' : 'api',
    };
    if (withRefresh) body.refresh_token = fake.issueRefreshToken(userId);
    return body;
  }

  function handleToken(res: ServerResponse, body: string): void {
    const form = new URLSearchParams(body);
    const grant = form.get('grant_type') ?? '';
    fake.tokenRequests[grant] = (fake.tokenRequests[grant] ?? 0) + 1;
    const oauthError = (error: string, description: string) => sendJson(res, 400, { error, error_description: description });
    if (form.get('client_id') !== fake.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    const secret = form.get('client_secret');
    if (grant === 'client_credentials') {
      if (secret !== fake.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
      if (!fake.clientCredentialsEnabled) return oauthError('invalid_grant', 'no client credentials user enabled');
      return sendJson(res, 200, tokenResponse(org.integrationUser.Id, false));
    }
    if (secret !== null && secret !== fake.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
    if (grant === 'refresh_token') {
      const userId = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!userId) return oauthError('invalid_grant', 'expired access/refresh token');
      const { refresh_token: _unused, ...rest } = tokenResponse(userId, false);
      return sendJson(res, 200, rest);
    }
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      const userId = authCodes.get(code);
      if (!userId) return oauthError('invalid_grant', 'invalid authorization code');
      authCodes.delete(code);
      return sendJson(res, 200, tokenResponse(userId, true));
    }
    return oauthError('unsupported_grant_type', 'grant type not supported');
  }

  function limitHeader(): Record<string, string> {
    const a = fake.allocation;
    return { 'sforce-limit-info': `api-usage=${a.used}/${a.limit}${a.extra ? `; ${a.extra}` : ''}` };
  }

  function handleQuery(res: ServerResponse, version: string, soql: string, callerId: string, headers: Record<string, string>): void {
    let result;
    try {
      const q = parseSoql(soql);
      if (SETUP_OBJECTS.has(q.object.toLowerCase()) && !org.permissions.get(callerId)?.viewSetup) {
        // An object the user may not see looks, to SOQL, like an object that does not exist.
        throw new SoqlError('INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
      }
      result = org.select(q);
    } catch (err) {
      if (err instanceof SoqlError) return sendJson(res, 400, [{ message: err.message, errorCode: err.errorCode }], headers);
      throw err;
    }
    const { def, rows, paths } = result;
    const cursor: Cursor = { rows, render: (rec) => org.serialize(def, rec, paths, version) };
    if (rows.length <= fake.batchSize) {
      return sendJson(res, 200, { totalSize: rows.length, done: true, records: rows.map(cursor.render) }, headers);
    }
    const locator = `01g${String(++cursorCount).padStart(12, '0')}AAA`;
    cursors.set(locator, cursor);
    if (cursors.size > MAX_OPEN_CURSORS) cursors.delete(cursors.keys().next().value!);
    sendPage(res, version, locator, cursor, 0, headers);
  }

  function sendPage(res: ServerResponse, version: string, locator: string, cursor: Cursor, offset: number, headers: Record<string, string>): void {
    const end = Math.min(cursor.rows.length, offset + fake.batchSize);
    const records = cursor.rows.slice(offset, end).map(cursor.render);
    const done = end >= cursor.rows.length && !fake.repeatCursor;
    const nextOffset = fake.repeatCursor ? fake.batchSize : end;
    const body: Record<string, unknown> = { totalSize: cursor.rows.length, done, records };
    if (!done) body.nextRecordsUrl = `/services/data/v${version}/query/${locator}-${nextOffset}`;
    sendJson(res, 200, body, headers);
  }

  function handleUserPatch(res: ServerResponse, id: string, body: string, callerId: string, headers: Record<string, string>): void {
    const user = org.getUser(id);
    if (!user) return sendJson(res, 404, NOT_FOUND, headers);
    if (!org.permissions.get(callerId)?.manageUsers) {
      return sendJson(res, 400, [{ message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY', fields: [] }], headers);
    }
    let patch: Record<string, unknown>;
    try {
      patch = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, [{ message: 'The request body is not valid JSON', errorCode: 'JSON_PARSER_ERROR' }], headers);
    }
    const unsupported = Object.keys(patch).filter((k) => k !== 'IsActive');
    if (unsupported.length > 0 || typeof patch.IsActive !== 'boolean') {
      return sendJson(res, 400, [{ message: `The fake Salesforce updates only IsActive (boolean); got: ${Object.keys(patch).join(', ')}`, errorCode: 'INVALID_FIELD' }], headers);
    }
    if (patch.IsActive === false && user.IsActive) {
      const reason = org.cannotDeactivate.get(id) ?? (id === callerId ? 'You cannot deactivate your own user.' : undefined);
      if (reason) return sendJson(res, 400, [{ message: reason, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['IsActive'] }], headers);
    }
    if (patch.IsActive === true && !user.IsActive) {
      const license = org.licenseOfProfile(user.ProfileId);
      if (license && (org.usedUserLicenses().get(license.Id) ?? 0) >= license.TotalLicenses) {
        return sendJson(res, 400, [{ message: `License Limit Exceeded: no ${license.Name} licences available`, errorCode: 'LICENSE_LIMIT_EXCEEDED', fields: [] }], headers);
      }
    }
    user.IsActive = patch.IsActive;
    res.writeHead(204, headers);
    res.end();
  }

  function handlePackageLicenseDelete(res: ServerResponse, id: string, callerId: string, headers: Record<string, string>): void {
    if (!org.permissions.get(callerId)?.manageUsers) {
      return sendJson(res, 400, [{ message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY', fields: [] }], headers);
    }
    if (!org.userPackageLicenses.delete(id)) return sendJson(res, 404, NOT_FOUND, headers);
    res.writeHead(204, headers);
    res.end();
  }

  function handleData(req: IncomingMessage, res: ServerResponse, url: URL, body: string, version: string, rest: string): void {
    const auth = req.headers.authorization ?? '';
    const callerId = auth.startsWith('Bearer ') ? accessTokens.get(auth.slice(7)) : undefined;
    if (!callerId) return sendJson(res, 401, SESSION_EXPIRED, limitHeader());
    const a = fake.allocation;
    a.used++;
    const headers = limitHeader();
    if (a.used > a.refuseAbove) {
      return sendJson(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], headers);
    }
    if (!org.permissions.get(callerId)?.apiEnabled) {
      return sendJson(res, 403, [{ message: 'API is disabled for this User', errorCode: 'API_CURRENTLY_DISABLED' }], headers);
    }
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '/limits') {
      return sendJson(res, 200, { DailyApiRequests: { Max: a.limit, Remaining: Math.max(0, a.limit - a.used) }, DataStorageMB: { Max: 5, Remaining: 5 } }, headers);
    }
    if (method === 'GET' && rest === '/query') {
      const q = url.searchParams.get('q');
      if (!q) return sendJson(res, 400, [{ message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' }], headers);
      return handleQuery(res, version, q, callerId, headers);
    }
    if (method === 'GET' && (m = /^\/query\/([A-Za-z0-9]+)-(\d+)$/.exec(rest))) {
      const cursor = cursors.get(m[1]!);
      if (!cursor) return sendJson(res, 400, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }], headers);
      return sendPage(res, version, m[1]!, cursor, Number(m[2]), headers);
    }
    if (method === 'PATCH' && (m = /^\/sobjects\/User\/([A-Za-z0-9]{15,18})$/.exec(rest))) {
      return handleUserPatch(res, m[1]!, body, callerId, headers);
    }
    if (method === 'DELETE' && (m = /^\/sobjects\/UserPackageLicense\/([A-Za-z0-9]{15,18})$/.exec(rest))) {
      return handlePackageLicenseDelete(res, m[1]!, callerId, headers);
    }
    sendJson(res, 404, NOT_FOUND, headers);
  }

  const server = await startHttpServer(async (req, res, body, url) => {
    const secretFree = url.pathname === '/services/oauth2/token' ? redactForm(body) : body;
    fake.calls.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body: secretFree });
    if (await fake.faults.apply(req, res, url, body)) return;
    if (req.method === 'POST' && url.pathname === '/services/oauth2/token') return handleToken(res, body);
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(url.pathname);
    if (m) return handleData(req, res, url, body, m[1]!, m[2] ?? '');
    sendJson(res, 404, NOT_FOUND);
  }, opts.port);
  fake.url = server.url;
  fake.close = () => server.close();
  return fake;
}

function redactForm(body: string): string {
  const form = new URLSearchParams(body);
  for (const key of ['client_secret', 'refresh_token', 'code', 'code_verifier']) if (form.has(key)) form.set(key, '[redacted]');
  return form.toString();
}
