// The Salesforce connector: validate through /limits and a UserLicense read, seats from User with the
// profile's user licence and LastLoginDate, consumption from the licence objects, reclaim by deactivation.
import { z } from 'zod';
import { describeError, VendorError } from '../../domain/errors.js';
import type { Connector, LicenseCount, ReclaimOutcome, SeatRef, ValidationCheck, ValidationReport, VendorSeat } from '../../domain/vendor.js';
import type { ConnectorOptions } from '../types.js';
import { SalesforceClient, type ApiUsage, type SalesforceIdentity } from './client.js';
import { reclaimSalesforceSeat, restoreSalesforceSeat } from './reclaim.js';
import { skipReason, toVendorSeat, USER_SEAT_FIELDS } from './seats.js';
import { limitsSchema, packageLicenseRecordSchema, permissionSetLicenseRecordSchema, userLicenseRecordSchema, userSeatRecordSchema, userStateRecordSchema } from './wire.js';

export { SALESFORCE_HTTP_DEFAULTS, type ApiUsage } from './client.js';

export const DEFAULT_SALESFORCE_API_VERSION = '62.0';

/** What a Salesforce connection needs; the Slack modal validates with it. */
export const salesforceConnectionSchema = z
  .object({
    baseUrl: z
      .string()
      .url('the Salesforce instance or My Domain URL, e.g. https://acme.my.salesforce.com')
      .refine((u) => !/\.lightning\.force\.com/i.test(u), 'use the My Domain URL (…my.salesforce.com), not the Lightning URL (…lightning.force.com)'),
    authKind: z.enum(['oauth_authorization_code', 'oauth_client_credentials']),
    params: z.object({
      clientId: z.string().min(1, 'the consumer key of the connected app / external client app'),
      apiVersion: z
        .string()
        .regex(/^\d{2,3}\.0$/, 'an API version like 62.0')
        .optional(),
    }),
    secrets: z.object({
      clientSecret: z.string().min(1, 'the consumer secret'),
      refreshToken: z.string().min(1).optional(),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.authKind === 'oauth_authorization_code' && !c.secrets.refreshToken) {
      ctx.addIssue({ code: 'custom', path: ['secrets', 'refreshToken'], message: 'the authorization code grant needs the refresh token from the OAuth install' });
    }
  });
export type SalesforceConnection = z.infer<typeof salesforceConnectionSchema>;

/** Profile settings the connector reads. */
export const salesforceSettingsSchema = z.object({
  /** Only users whose profile's user licence has one of these LicenseDefinitionKeys (e.g. SFDC, AUL). */
  licenseKeys: z.array(z.string().regex(/^[A-Za-z0-9_]+$/, 'a LicenseDefinitionKey such as SFDC')).min(1).optional(),
});

export interface SalesforceConnector extends Connector {
  /** The last Sforce-Limit-Info the org sent (api-usage, and api-bursts when present). */
  apiUsage(): ApiUsage | undefined;
}

function configError(what: string, error: z.ZodError): VendorError {
  const issues = error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
  return new VendorError('config', `Salesforce ${what} is invalid: ${issues}`, { vendor: 'salesforce' });
}

export function createSalesforceConnector(opts: ConnectorOptions): SalesforceConnector {
  const conn = salesforceConnectionSchema.safeParse(opts.connection);
  if (!conn.success) throw configError('connection', conn.error);
  const settings = salesforceSettingsSchema.safeParse(opts.settings ?? {});
  if (!settings.success) throw configError('settings', settings.error);
  const { baseUrl, authKind, params, secrets } = conn.data;
  const instance = baseUrl.replace(/\/+$/, '');
  const client = new SalesforceClient({
    baseUrl: instance,
    apiVersion: params.apiVersion ?? DEFAULT_SALESFORCE_API_VERSION,
    authKind,
    clientId: params.clientId,
    clientSecret: secrets.clientSecret,
    refreshToken: secrets.refreshToken,
    http: opts.http,
    onTokens: opts.onTokens,
    logger: opts.logger,
  });
  const licenseKeys = settings.data.licenseKeys;
  const host = new URL(instance).host;

  async function validate(): Promise<ValidationReport> {
    const checks: ValidationCheck[] = [];
    const fail = (name: string, err: unknown, hint = '') => checks.push({ name, ok: false, detail: `${describeError(err)}${hint}` });
    let identity: SalesforceIdentity;
    try {
      identity = await client.authenticate();
      checks.push({ name: 'credentials', ok: true, detail: `${authKind === 'oauth_client_credentials' ? 'client credentials' : 'refresh token'} accepted` });
    } catch (err) {
      fail('credentials', err);
      return { ok: false, checks };
    }
    try {
      const limits = await client.get('/limits', limitsSchema);
      const daily = limits.DailyApiRequests;
      checks.push({ name: 'api_access', ok: true, detail: `${daily.Remaining.toLocaleString('en-US')} of ${daily.Max.toLocaleString('en-US')} daily API requests left` });
    } catch (err) {
      fail('api_access', err, err instanceof VendorError && err.kind === 'permission' ? ' (the integration user needs "API Enabled")' : '');
      return { ok: false, checks, integrationUserId: identity.userId };
    }
    try {
      await client.queryAll('SELECT Id, LicenseDefinitionKey FROM UserLicense LIMIT 1', userLicenseRecordSchema.pick({ Id: true, LicenseDefinitionKey: true }), 'licence read');
      checks.push({ name: 'view_setup', ok: true, detail: 'user licences are readable (View Setup and Configuration)' });
    } catch (err) {
      fail('view_setup', err, ' (reading UserLicense needs the "View Setup and Configuration" permission)');
    }
    let account: string | undefined;
    try {
      const [me] = await client.queryAll(`SELECT Id, Username, IsActive FROM User WHERE Id = '${identity.userId}'`, userStateRecordSchema, 'integration user');
      account = `${me?.Username ?? identity.userId} on ${host}`;
      checks.push({ name: 'integration_user', ok: true, detail: `signed in as ${me?.Username ?? identity.userId}` });
    } catch (err) {
      fail('integration_user', err);
    }
    return { ok: checks.every((c) => c.ok), checks, account, integrationUserId: identity.userId };
  }

  async function* subscriptions(): AsyncIterable<VendorSeat[]> {
    const where = licenseKeys ? ` WHERE Profile.UserLicense.LicenseDefinitionKey IN (${licenseKeys.map((k) => `'${k}'`).join(', ')})` : '';
    const soql = `SELECT ${USER_SEAT_FIELDS.join(', ')} FROM User${where} ORDER BY Id`;
    const skipped = new Map<string, number>();
    for await (const records of client.query(soql, userSeatRecordSchema, 'user download')) {
      const seats: VendorSeat[] = [];
      for (const rec of records) {
        const reason = skipReason(rec);
        if (reason) skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
        else seats.push(toVendorSeat(rec, client.signedInUserId));
      }
      if (seats.length > 0) yield seats;
    }
    if (skipped.size > 0) opts.logger?.info({ skipped: Object.fromEntries(skipped) }, 'salesforce: users that hold no human seat were skipped');
  }

  async function consumption(): Promise<LicenseCount[]> {
    const counts: LicenseCount[] = [];
    let userLicenses;
    try {
      userLicenses = await client.queryAll(
        'SELECT Id, Name, MasterLabel, LicenseDefinitionKey, Status, TotalLicenses, UsedLicenses FROM UserLicense',
        userLicenseRecordSchema,
        'user licences',
      );
    } catch (err) {
      if (err instanceof VendorError && err.details.code === 'INVALID_TYPE') {
        throw new VendorError('permission', 'UserLicense is not readable: the integration user needs the "View Setup and Configuration" permission', { ...err.details, cause: err });
      }
      throw err;
    }
    for (const l of userLicenses) {
      counts.push({ licenseType: l.LicenseDefinitionKey, licenseName: l.MasterLabel ?? l.Name, kind: 'user', used: l.UsedLicenses, total: l.TotalLicenses, status: l.Status ?? undefined });
    }
    const optional = async <T>(soql: string, schema: z.ZodType<T>, what: string): Promise<T[]> => {
      try {
        return await client.queryAll(soql, schema, what);
      } catch (err) {
        // INVALID_TYPE: the object is not in this org's edition or not visible to the user.
        if (err instanceof VendorError && err.details.code === 'INVALID_TYPE') {
          opts.logger?.info({ what }, `salesforce: ${what} not available in this org, skipped`);
          return [];
        }
        throw err;
      }
    };
    const psls = await optional(
      'SELECT Id, MasterLabel, DeveloperName, PermissionSetLicenseKey, Status, TotalLicenses, UsedLicenses FROM PermissionSetLicense',
      permissionSetLicenseRecordSchema,
      'permission set licences',
    );
    for (const p of psls) {
      counts.push({ licenseType: p.PermissionSetLicenseKey ?? p.DeveloperName ?? p.Id, licenseName: p.MasterLabel, kind: 'permission_set', used: p.UsedLicenses, total: p.TotalLicenses, status: p.Status ?? undefined });
    }
    const packages = await optional('SELECT Id, NamespacePrefix, Status, AllowedLicenses, UsedLicenses FROM PackageLicense', packageLicenseRecordSchema, 'package licences');
    for (const p of packages) {
      // AllowedLicenses -1 is a site licence: every user has the package, there is no seat to count.
      if (p.AllowedLicenses < 0) continue;
      const ns = p.NamespacePrefix ?? p.Id;
      counts.push({ licenseType: ns, licenseName: ns, kind: 'package', used: p.UsedLicenses, total: p.AllowedLicenses, status: p.Status ?? undefined });
    }
    return counts;
  }

  return {
    vendor: 'salesforce',
    validate,
    subscriptions,
    consumption,
    reclaim: (seat: SeatRef): Promise<ReclaimOutcome> => reclaimSalesforceSeat(client, seat),
    restore: (seat: SeatRef) => restoreSalesforceSeat(client, seat, opts.logger),
    apiUsage: () => client.lastApiUsage,
  };
}
