// Contract tests: the Salesforce connector through real jsforce over real HTTP against the fake org.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSalesforceConnector, salesforceConnectionSchema } from '../../src/connectors/salesforce/index.js';
import type { ConnectorOptions } from '../../src/connectors/types.js';
import { describeError, VendorError } from '../../src/domain/errors.js';
import type { VendorSeat } from '../../src/domain/vendor.js';
import { startFakeSalesforce, type FakeSalesforce } from '../../src/fakes/salesforce/index.js';

let fake: FakeSalesforce;

beforeEach(async () => {
  fake = await startFakeSalesforce();
});
afterEach(async () => {
  await fake.close();
});

function options(over: Partial<ConnectorOptions> & { secret?: string; authKind?: string; refreshToken?: string } = {}): ConnectorOptions {
  const secrets: Record<string, string> = { clientSecret: over.secret ?? fake.clientSecret };
  if (over.refreshToken) secrets.refreshToken = over.refreshToken;
  return {
    connection: {
      vendor: 'salesforce',
      baseUrl: fake.url,
      authKind: over.authKind ?? 'oauth_client_credentials',
      params: { clientId: fake.clientId },
      secrets,
    },
    http: { baseDelayMs: 5, maxDelayMs: 20, ...over.http },
    settings: over.settings,
    onTokens: over.onTokens,
  };
}

async function collect(it: AsyncIterable<VendorSeat[]>): Promise<VendorSeat[][]> {
  const pages: VendorSeat[][] = [];
  for await (const page of it) pages.push(page);
  return pages;
}

async function caught(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    return err as VendorError;
  }
  throw new Error('expected a VendorError, the call succeeded');
}

const dataCalls = (path: string, method = 'GET') => fake.calls.filter((c) => c.method === method && c.path.includes(path));

describe('connection schema', () => {
  it('accepts both grants and refuses incomplete or wrong input with readable reasons', () => {
    const base = { baseUrl: 'https://acme.my.salesforce.com', params: { clientId: 'k' }, secrets: { clientSecret: 's' } };
    expect(salesforceConnectionSchema.safeParse({ ...base, authKind: 'oauth_client_credentials' }).success).toBe(true);
    const noRefresh = salesforceConnectionSchema.safeParse({ ...base, authKind: 'oauth_authorization_code' });
    expect(noRefresh.success).toBe(false);
    expect(noRefresh.error?.issues[0]?.path).toEqual(['secrets', 'refreshToken']);
    const lightning = salesforceConnectionSchema.safeParse({ ...base, baseUrl: 'https://acme.lightning.force.com', authKind: 'oauth_client_credentials' });
    expect(lightning.error?.issues[0]?.message).toMatch(/My Domain/);
    const err = (() => {
      try {
        createSalesforceConnector({ connection: { vendor: 'salesforce', baseUrl: 'x', authKind: 'password', params: {}, secrets: { clientSecret: 'very-secret-1' } } });
      } catch (e) {
        return e as VendorError;
      }
    })();
    expect(err?.kind).toBe('config');
    expect(err?.message).toMatch(/authKind/);
    expect(err?.message).not.toContain('very-secret-1');
  });

  it('refuses licence keys that are not LicenseDefinitionKeys', () => {
    expect(() => createSalesforceConnector(options({ settings: { licenseKeys: ["SFDC') OR Id != ('"] } }))).toThrow(/LicenseDefinitionKey/);
  });
});

describe('validate', () => {
  it('passes with client credentials and names the integration user', async () => {
    const report = await createSalesforceConnector(options()).validate();
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['credentials', true],
      ['api_access', true],
      ['view_setup', true],
      ['integration_user', true],
    ]);
    expect(report.ok).toBe(true);
    expect(report.integrationUserId).toBe(fake.org.integrationUser.Id);
    expect(report.account).toBe(`${fake.org.integrationUser.Username} on ${new URL(fake.url).host}`);
    expect(report.checks[1]?.detail).toMatch(/of 100,000 daily API requests left/);
    expect(fake.tokenRequests).toEqual({ client_credentials: 1 });
    expect(dataCalls('/limits')[0]?.path).toBe('/services/data/v62.0/limits');
  });

  it('uses the refresh token for the authorization code grant and hands new tokens to onTokens', async () => {
    const stored: Record<string, string>[] = [];
    const report = await createSalesforceConnector(
      options({ authKind: 'oauth_authorization_code', refreshToken: fake.issueRefreshToken(), onTokens: (s) => void stored.push(s) }),
    ).validate();
    expect(report.ok).toBe(true);
    expect(fake.tokenRequests).toEqual({ refresh_token: 1 });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.accessToken).toMatch(/^00D/);
  });

  it('reports a wrong consumer secret without echoing it', async () => {
    const report = await createSalesforceConnector(options({ secret: 'wrong-secret-abc123' })).validate();
    expect(report.ok).toBe(false);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ name: 'credentials', ok: false });
    expect(report.checks[0]?.detail).toMatch(/invalid_client.*consumer secret/);
    expect(JSON.stringify(report)).not.toContain('wrong-secret-abc123');
  });

  it('retries a token endpoint 5xx and reports an HTML page as bad_response', async () => {
    const onToken = (_r: unknown, url: URL) => url.pathname === '/services/oauth2/token';
    fake.faults.add({ match: onToken, status: 503, body: 'maintenance', contentType: 'text/plain' });
    expect((await createSalesforceConnector(options()).validate()).ok).toBe(true);
    expect(fake.tokenRequests).toEqual({ client_credentials: 1 });
    expect(fake.calls.filter((c) => c.path === '/services/oauth2/token')).toHaveLength(2);

    fake.faults.add({ match: onToken, status: 404, body: '<html><body>Page not found</body></html>', contentType: 'text/html' });
    const report = await createSalesforceConnector(options()).validate();
    expect(report.checks[0]?.detail).toMatch(/bad_response|could not read/);
    expect(report.checks[0]?.detail).toMatch(/HTML page: check the instance/);
  });

  it('reports a client credentials flow without a run-as user', async () => {
    fake.clientCredentialsEnabled = false;
    const report = await createSalesforceConnector(options()).validate();
    expect(report.checks[0]?.detail).toMatch(/invalid_grant \(no client credentials user enabled\)/);
  });

  it('reports a revoked refresh token', async () => {
    const token = fake.issueRefreshToken();
    fake.revokeRefreshTokens();
    const report = await createSalesforceConnector(options({ authKind: 'oauth_authorization_code', refreshToken: token })).validate();
    expect(report.ok).toBe(false);
    expect(report.checks[0]?.detail).toMatch(/invalid_grant.*reconnect/);
    expect(JSON.stringify(report)).not.toContain(token);
  });

  it('reports a user without API access', async () => {
    fake.org.setPermissions(fake.org.integrationUser.Id, { apiEnabled: false });
    const report = await createSalesforceConnector(options()).validate();
    expect(report.ok).toBe(false);
    const api = report.checks.find((c) => c.name === 'api_access');
    expect(api?.detail).toMatch(/API_CURRENTLY_DISABLED.*API Enabled/);
  });

  it('reports a user without View Setup and Configuration', async () => {
    fake.org.setPermissions(fake.org.integrationUser.Id, { viewSetup: false });
    const report = await createSalesforceConnector(options()).validate();
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => c.name === 'view_setup');
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/View Setup and Configuration/);
    expect(report.checks.find((c) => c.name === 'integration_user')?.ok).toBe(true);
  });
});

describe('subscriptions', () => {
  it('downloads every human seat exactly once across pages, with licence, state and last login', async () => {
    fake.batchSize = 3;
    const { org } = fake;
    org.addUserLicense('PID_DigitalAgent_X', 'Agentforce', 5);
    org.addProfile('Agent Profile', 'PID_DigitalAgent_X');
    const login = new Date('2024-01-31T12:34:56.000Z');
    const alice = org.addUser({ firstName: 'Alice', lastName: 'Ng', licenseKey: 'SFDC', lastLoginAt: login });
    const bob = org.addUser({ firstName: 'Bob', lastName: 'Ray', licenseKey: 'AUL', lastLoginAt: null });
    const carol = org.addUser({ firstName: 'Carol', lastName: 'Fox', licenseKey: 'SFDC', isActive: false, lastLoginAt: new Date('2023-05-01T08:00:00.000Z') });
    const dan = org.addUser({ firstName: 'Dan', lastName: 'Sy', profileName: 'System Administrator' });
    const skipped = [
      org.addUser({ lastName: 'Chatter', licenseKey: 'CSN_User' }),
      org.addUser({ lastName: 'Portal', licenseKey: 'PID_Customer_Community' }),
      org.addUser({ lastName: 'Guest', licenseKey: 'PID_Guest_User' }),
      org.addUser({ lastName: 'Api', licenseKey: 'SFDC_INTEGRATION_USER' }),
      org.addUser({ lastName: 'Agent', licenseKey: 'PID_DigitalAgent_X' }),
      org.addUser({ lastName: 'Blank', licenseKey: 'SFDC', userType: '' }),
    ].map((u) => u.Id);

    const pages = await collect(createSalesforceConnector(options()).subscriptions());
    const seats = pages.flat();
    const ids = seats.map((s) => s.userId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([fake.org.integrationUser.Id, alice.Id, bob.Id, carol.Id, dan.Id].sort());
    for (const id of skipped) expect(ids).not.toContain(id);
    expect(dataCalls('/query/').length).toBeGreaterThanOrEqual(3);

    const byId = new Map(seats.map((s) => [s.userId, s]));
    expect(byId.get(alice.Id)).toEqual({
      userId: alice.Id,
      email: alice.Email,
      name: 'Alice Ng',
      licenseType: 'SFDC',
      licenseName: 'Salesforce',
      active: true,
      lastActivityAt: login,
      flags: {},
    });
    expect(byId.get(bob.Id)).toMatchObject({ licenseType: 'AUL', licenseName: 'Salesforce Platform', lastActivityAt: null });
    expect(byId.get(carol.Id)).toMatchObject({ active: false, lastActivityAt: new Date('2023-05-01T08:00:00.000Z') });
    expect(byId.get(dan.Id)?.flags).toEqual({ admin: true });
    expect(byId.get(fake.org.integrationUser.Id)?.flags).toEqual({ integrationUser: true, admin: true });
  });

  it('marks Chatter Free seats free', async () => {
    const chatter = fake.org.addUser({ lastName: 'Free', licenseKey: 'CSN_User', userType: 'Standard' });
    const seats = (await collect(createSalesforceConnector(options()).subscriptions())).flat();
    expect(seats.find((s) => s.userId === chatter.Id)).toMatchObject({ licenseType: 'CSN_User', licenseName: 'Chatter Free', flags: { free: true } });
  });

  it('keeps to the configured licence keys', async () => {
    fake.org.addUser({ lastName: 'Platform', licenseKey: 'AUL' });
    const sfdc = fake.org.addUser({ lastName: 'Sales', licenseKey: 'SFDC' });
    const seats = (await collect(createSalesforceConnector(options({ settings: { licenseKeys: ['SFDC'] } })).subscriptions())).flat();
    expect(seats.map((s) => s.licenseType)).toEqual(['SFDC', 'SFDC']);
    expect(seats.map((s) => s.userId)).toContain(sfdc.Id);
    expect(dataCalls('/query')[0]?.query.q).toContain("WHERE Profile.UserLicense.LicenseDefinitionKey IN ('SFDC') ORDER BY Id");
  });

  it('downloads a seeded demo company of 5,000 users in 2,000-record batches', async () => {
    fake.seedDemo(5000);
    const pages = await collect(createSalesforceConnector(options()).subscriptions());
    const seats = pages.flat();
    expect(new Set(seats.map((s) => s.userId)).size).toBe(seats.length);
    expect(dataCalls('/query').length).toBe(3);
    const types = new Set(seats.map((s) => s.licenseType));
    expect(types).toEqual(new Set(['SFDC', 'AUL']));
    expect(seats.some((s) => s.lastActivityAt === null)).toBe(true);
    expect(seats.some((s) => !s.active)).toBe(true);
    expect(seats.length).toBeGreaterThan(3500);
  });

  it('stops a repeating nextRecordsUrl with bad_response', async () => {
    fake.batchSize = 2;
    for (let i = 0; i < 5; i++) fake.org.addUser({ lastName: `U${i}` });
    fake.repeatCursor = true;
    const err = await caught(collect(createSalesforceConnector(options()).subscriptions()));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/already returned/);
  });
});

describe('consumption', () => {
  it('reports user, permission-set and package licences, leaving out site licences', async () => {
    fake.org.addUser({ lastName: 'A', licenseKey: 'SFDC' });
    fake.org.addUser({ lastName: 'B', licenseKey: 'SFDC', isActive: false });
    const cpq = fake.org.addPackageLicense('SBQQ', 10);
    fake.org.addPackageLicense('dsfs', -1);
    fake.org.assignPackageLicense(fake.org.integrationUser.Id, cpq.Id);
    fake.org.addPermissionSetLicense('SalesforceCPQ_CPQStandardPerm', 'Salesforce CPQ License', 20, 7);
    const counts = await createSalesforceConnector(options()).consumption!();
    expect(counts.find((c) => c.licenseType === 'SFDC')).toEqual({ licenseType: 'SFDC', licenseName: 'Salesforce', kind: 'user', used: 2, total: 100, status: 'Active' });
    expect(counts.find((c) => c.kind === 'permission_set')).toEqual({ licenseType: 'SalesforceCPQ_CPQStandardPerm', licenseName: 'Salesforce CPQ License', kind: 'permission_set', used: 7, total: 20, status: 'Active' });
    expect(counts.filter((c) => c.kind === 'package')).toEqual([{ licenseType: 'SBQQ', licenseName: 'SBQQ', kind: 'package', used: 1, total: 10, status: 'Active' }]);
  });

  it('fails with permission when UserLicense is not readable', async () => {
    fake.org.setPermissions(fake.org.integrationUser.Id, { viewSetup: false });
    const err = await caught(createSalesforceConnector(options()).consumption!());
    expect(err.kind).toBe('permission');
    expect(err.message).toMatch(/View Setup and Configuration/);
  });
});

describe('reclaim and restore', () => {
  it('deactivates the user and removes package licences; a second reclaim changes nothing; restore reactivates', async () => {
    const cpq = fake.org.addPackageLicense('SBQQ', 10);
    const user = fake.org.addUser({ firstName: 'Eve', lastName: 'Lin', licenseKey: 'SFDC', username: 'eve@acme-demo.example' });
    fake.org.assignPackageLicense(user.Id, cpq.Id);
    const connector = createSalesforceConnector(options());
    const ref = { userId: user.Id, email: user.Email, licenseType: 'SFDC' };

    const first = await connector.reclaim(ref);
    expect(first.changed).toBe(true);
    expect(first.restoreData).toEqual({ packageLicenseIds: [cpq.Id] });
    expect(first.detail).toMatch(/Deactivated eve@acme-demo.example.*SBQQ.*does not reassign/);
    expect(fake.org.getUser(user.Id)?.IsActive).toBe(false);
    expect(fake.org.packageLicensesOf(user.Id)).toEqual([]);
    expect(dataCalls(`/sobjects/User/${user.Id}`, 'PATCH')).toHaveLength(1);
    expect(JSON.parse(dataCalls(`/sobjects/User/${user.Id}`, 'PATCH')[0]!.body)).toEqual({ IsActive: false });

    const second = await connector.reclaim({ ...ref, restoreData: first.restoreData });
    expect(second.changed).toBe(false);
    expect(dataCalls('/sobjects/User/', 'PATCH')).toHaveLength(1);
    expect(dataCalls('/sobjects/UserPackageLicense/', 'DELETE')).toHaveLength(1);

    await connector.restore!({ ...ref, restoreData: first.restoreData });
    expect(fake.org.getUser(user.Id)?.IsActive).toBe(true);
    await connector.restore!({ ...ref, restoreData: first.restoreData });
    expect(dataCalls('/sobjects/User/', 'PATCH')).toHaveLength(2);
  });

  it('finishes removing package licences of a user that is already inactive', async () => {
    const cpq = fake.org.addPackageLicense('SBQQ', 10);
    const user = fake.org.addUser({ lastName: 'Half', licenseKey: 'SFDC', isActive: false });
    fake.org.assignPackageLicense(user.Id, cpq.Id);
    const outcome = await createSalesforceConnector(options()).reclaim({ userId: user.Id, email: null, licenseType: 'SFDC' });
    expect(outcome.changed).toBe(true);
    expect(dataCalls('/sobjects/User/', 'PATCH')).toHaveLength(0);
    expect(fake.org.packageLicensesOf(user.Id)).toEqual([]);
  });

  it('explains a user Salesforce will not deactivate and leaves it untouched', async () => {
    const cpq = fake.org.addPackageLicense('SBQQ', 10);
    const user = fake.org.addUser({ lastName: 'Workflow', licenseKey: 'SFDC', username: 'wf@acme-demo.example' });
    fake.org.assignPackageLicense(user.Id, cpq.Id);
    fake.org.cannotDeactivate.set(user.Id, 'You cannot deactivate a user who is the default workflow user.');
    const err = await caught(createSalesforceConnector(options()).reclaim({ userId: user.Id, email: null, licenseType: 'SFDC' }));
    expect(err.kind).toBe('invalid_request');
    expect(err.message).toBe('Salesforce would not deactivate wf@acme-demo.example: PATCH /sobjects/User/' + user.Id + ': FIELD_INTEGRITY_EXCEPTION: You cannot deactivate a user who is the default workflow user.');
    expect(fake.org.getUser(user.Id)?.IsActive).toBe(true);
    expect(fake.org.packageLicensesOf(user.Id)).toHaveLength(1);
  });

  it('refuses to restore when no licence is free', async () => {
    const lic = fake.org.userLicense('AUL');
    lic.TotalLicenses = 1;
    fake.org.addUser({ lastName: 'Holder', licenseKey: 'AUL' });
    const user = fake.org.addUser({ lastName: 'Gone', licenseKey: 'AUL', isActive: false });
    const err = await caught(createSalesforceConnector(options()).restore!({ userId: user.Id, email: null, licenseType: 'AUL' }));
    expect(err.kind).toBe('invalid_request');
    expect(err.message).toMatch(/would not reactivate .*LICENSE_LIMIT_EXCEEDED/);
  });

  it('reports an unknown user as not_found and a malformed id as invalid_request', async () => {
    const connector = createSalesforceConnector(options());
    expect((await caught(connector.reclaim({ userId: '005000000000ZZZAAA', email: null, licenseType: 'SFDC' }))).kind).toBe('not_found');
    const bad = await caught(connector.reclaim({ userId: "005' OR Id != '", email: null, licenseType: 'SFDC' }));
    expect(bad.kind).toBe('invalid_request');
    expect(dataCalls('/query').length).toBe(1);
  });

  it('fails at once with permission when the integration user cannot manage users', async () => {
    const user = fake.org.addUser({ lastName: 'Kept', licenseKey: 'SFDC' });
    fake.org.setPermissions(fake.org.integrationUser.Id, { manageUsers: false });
    const err = await caught(createSalesforceConnector(options()).reclaim({ userId: user.Id, email: null, licenseType: 'SFDC' }));
    expect(err.kind).toBe('permission');
    expect(err.message).toMatch(/INSUFFICIENT_ACCESS_OR_READONLY/);
    expect(dataCalls('/sobjects/User/', 'PATCH')).toHaveLength(1);
  });
});

describe('HTTP behaviour', () => {
  const onQuery = (req: { method?: string }, url: URL) => req.method === 'GET' && url.pathname.endsWith('/query');

  it('honours Retry-After on 429 and then succeeds', async () => {
    fake.org.addUser({ lastName: 'Once' });
    fake.faults.add({ match: onQuery, status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify([{ message: 'slow down', errorCode: 'REQUEST_LIMIT_EXCEEDED_BURST' }]) });
    // A virtual clock: the policy's waits are recorded instead of slept.
    const waits: number[] = [];
    let clock = 0;
    const http = { now: () => clock, sleep: async (ms: number) => void ((clock += ms), waits.push(ms)) };
    const seats = (await collect(createSalesforceConnector(options({ http })).subscriptions())).flat();
    expect(seats).toHaveLength(2);
    expect(dataCalls('/query')).toHaveLength(2);
    expect(waits).toEqual([1000]);
  });

  it('retries 5xx with backoff and succeeds; jsforce does not retry on its own', async () => {
    fake.faults.add({ match: onQuery, status: 503, body: JSON.stringify([{ message: 'down for maintenance', errorCode: 'SERVER_UNAVAILABLE' }]), times: 2 });
    const seats = (await collect(createSalesforceConnector(options()).subscriptions())).flat();
    expect(seats).toHaveLength(1);
    expect(dataCalls('/query')).toHaveLength(3);

    fake.faults.add({ match: onQuery, status: 500, body: '<html><body>Error</body></html>', contentType: 'text/html', times: Infinity });
    const err = await caught(collect(createSalesforceConnector(options({ http: { maxAttempts: 2 } })).subscriptions()));
    expect(err.kind).toBe('vendor_down');
    expect(err.message).toMatch(/HTTP 500 with an HTML page/);
    expect(dataCalls('/query')).toHaveLength(5);
  });

  it('times out a slow answer and retries it', async () => {
    fake.faults.add({ match: onQuery, delayMs: 400, delayOnly: false, status: 200, body: '{}' });
    const seats = (await collect(createSalesforceConnector(options({ http: { timeoutMs: 150 } })).subscriptions())).flat();
    expect(seats).toHaveLength(1);
  });

  it('refreshes an expired session on 401 and hands the new token to onTokens', async () => {
    const stored: Record<string, string>[] = [];
    const connector = createSalesforceConnector(options({ onTokens: (s) => void stored.push(s) }));
    await connector.consumption!();
    fake.expireAccessTokens();
    await connector.consumption!();
    expect(fake.tokenRequests).toEqual({ client_credentials: 2 });
    expect(stored).toHaveLength(2);
    expect(stored[1]?.accessToken).not.toBe(stored[0]?.accessToken);
    expect(fake.calls.filter((c) => c.path.endsWith('/query')).length).toBe(7);
  });

  it('fails at once with auth when the session expired and the credentials no longer work', async () => {
    const connector = createSalesforceConnector(options());
    await connector.consumption!();
    fake.expireAccessTokens();
    fake.clientSecret = 'rotated';
    const err = await caught(connector.consumption!());
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/invalid_client/);
    expect(fake.tokenRequests).toEqual({ client_credentials: 2 });
  });

  it('fails with auth when a fresh token is refused too, without looping', async () => {
    const connector = createSalesforceConnector(options());
    fake.faults.add({ match: onQuery, status: 401, body: JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]), times: Infinity });
    const err = await caught(connector.consumption!());
    expect(err.kind).toBe('auth');
    expect(dataCalls('/query')).toHaveLength(2);
    expect(fake.tokenRequests).toEqual({ client_credentials: 2 });
  });

  it('fails at once with permission on 403', async () => {
    fake.faults.add({ match: onQuery, status: 403, body: JSON.stringify([{ message: 'insufficient access rights on cross-reference id', errorCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' }]) });
    const err = await caught(createSalesforceConnector(options()).consumption!());
    expect(err.kind).toBe('permission');
    expect(dataCalls('/query')).toHaveLength(1);
  });

  it('maps malformed JSON and HTML pages to bad_response', async () => {
    fake.faults.add({ match: onQuery, status: 200, body: '{"totalSize": 1, "done": tr' });
    const err = await caught(createSalesforceConnector(options()).consumption!());
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/GET \/query: the body is not JSON/);

    fake.faults.add({ match: onQuery, status: 400, body: '<!DOCTYPE html><html>Login</html>', contentType: 'text/html; charset=UTF-8' });
    const html = await caught(createSalesforceConnector(options()).consumption!());
    expect(html.kind).toBe('bad_response');
    expect(html.message).toMatch(/HTML page instead of JSON/);
  });

  it('maps SOQL errors to invalid_request', async () => {
    fake.faults.add({ match: onQuery, status: 400, body: JSON.stringify([{ message: "No such column 'Foo' on entity 'User'", errorCode: 'INVALID_FIELD' }]) });
    const err = await caught(createSalesforceConnector(options()).consumption!());
    expect(err.kind).toBe('invalid_request');
    expect(err.message).toMatch(/INVALID_FIELD: No such column 'Foo'/);
  });

  it('fails the 24-hour allocation as rate_limited without retrying, and exposes API usage', async () => {
    const connector = createSalesforceConnector(options());
    fake.setDailyAllocation(1000, { used: 990, refuseAbove: 1500, extra: 'api-bursts=3/50' });
    await connector.consumption!();
    expect(connector.apiUsage()).toMatchObject({ used: 993, limit: 1000, bursts: { used: 3, limit: 50 } });

    fake.setDailyAllocation(1000, { used: 1200, refuseAbove: 1200 });
    const before = fake.calls.length;
    const err = await caught(connector.consumption!());
    expect(err.kind).toBe('rate_limited');
    expect(err.details.code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(err.details.retryAfterMs).toBe(3_600_000);
    expect(err.message).toMatch(/24-hour API request allocation is used up \(api-usage 1201\/1000\).*not retried/);
    expect(fake.calls.length - before).toBe(1);
    expect(connector.apiUsage()).toMatchObject({ used: 1201, limit: 1000 });
  });

  it('reports an unreachable org as vendor_down after the policy attempts', async () => {
    const url = fake.url;
    await fake.close();
    const opts = options({ http: { maxAttempts: 2 } });
    opts.connection.baseUrl = url;
    const err = await caught(createSalesforceConnector(opts).consumption!());
    expect(err.kind).toBe('vendor_down');
    expect(err.message).toMatch(/could not reach Salesforce: ECONNREFUSED/);
    fake = await startFakeSalesforce();
  });

  it('never puts secrets in error messages', async () => {
    const secret = 'Sup3r-Secret-Value-987';
    const refresh = fake.issueRefreshToken();
    const messages: string[] = [];
    const record = async (p: Promise<unknown>) => {
      const err = await caught(p);
      messages.push(err.message, describeError(err));
    };
    fake.faults.add({ status: 500, body: JSON.stringify({ error: 'boom' }), match: (_r, url) => url.pathname.endsWith('/token') });
    const down = createSalesforceConnector(options({ secret, http: { maxAttempts: 1 } })).consumption!();
    expect((await caught(down)).kind).toBe('vendor_down');
    await record(down);
    await record(createSalesforceConnector(options({ secret })).consumption!());
    fake.revokeRefreshTokens();
    await record(createSalesforceConnector(options({ authKind: 'oauth_authorization_code', refreshToken: refresh, secret: fake.clientSecret })).consumption!());
    const ok = createSalesforceConnector(options());
    await ok.consumption!();
    fake.expireAccessTokens();
    fake.clientSecret = secret + '-new';
    await record(ok.consumption!());
    expect(messages.length).toBe(8);
    for (const m of messages) {
      expect(m).not.toContain(secret);
      expect(m).not.toContain(refresh);
      expect(m).not.toMatch(/00D000000000001AAA!/);
    }
  });
});

describe('fake Salesforce', () => {
  async function soql(q: string): Promise<{ status: number; body: unknown }> {
    const token = fake.issueAccessToken();
    const res = await fetch(`${fake.url}/services/data/v62.0/query?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }

  it('answers SOQL it does not understand with Salesforce errors', async () => {
    expect(await soql('SELECT Id FROM Account')).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_TYPE' }] });
    expect(await soql('SELECT Foo FROM User')).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_FIELD' }] });
    expect(await soql("SELECT Id FROM User WHERE Id = 'a' OR Id = 'b'")).toMatchObject({ status: 400, body: [{ errorCode: 'MALFORMED_QUERY' }] });
    expect(await soql('SELECT COUNT() FROM User')).toMatchObject({ status: 400, body: [{ errorCode: 'MALFORMED_QUERY' }] });
  });

  it('returns records with attributes, nested relationships and Salesforce date-times', async () => {
    const { body } = await soql(`SELECT Id, LastLoginDate, Profile.UserLicense.LicenseDefinitionKey FROM User WHERE Id = '${fake.org.integrationUser.Id}'`);
    const rec = (body as { records: Record<string, unknown>[] }).records[0]!;
    expect(rec.attributes).toEqual({ type: 'User', url: `/services/data/v62.0/sobjects/User/${fake.org.integrationUser.Id}` });
    expect(rec.LastLoginDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(rec.Profile).toMatchObject({ attributes: { type: 'Profile' }, UserLicense: { attributes: { type: 'UserLicense' }, LicenseDefinitionKey: 'SFDC' } });
  });

  it('answers an unknown session with 401 INVALID_SESSION_ID and the usage header', async () => {
    const res = await fetch(`${fake.url}/services/data/v62.0/limits`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });
});
