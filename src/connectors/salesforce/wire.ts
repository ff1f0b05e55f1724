// Zod schemas of the Salesforce REST wire types we read; every response is checked here.
import { z } from 'zod';

/** Salesforce dateTime, e.g. 2024-01-31T12:34:56.000+0000 (offset without colon). */
export const sfDateTime = z.string().transform((s, ctx) => {
  const t = Date.parse(s);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: `not a date-time: ${s.slice(0, 40)}` });
    return z.NEVER;
  }
  return new Date(t);
});

export function queryPageSchema<T extends z.ZodType>(record: T) {
  return z.object({
    totalSize: z.number(),
    done: z.boolean(),
    nextRecordsUrl: z.string().optional(),
    records: z.array(record),
  });
}

export const userSeatRecordSchema = z.object({
  Id: z.string(),
  Name: z.string().nullish(),
  Email: z.string().nullish(),
  Username: z.string(),
  IsActive: z.boolean(),
  UserType: z.string().nullish(),
  LastLoginDate: sfDateTime.nullish(),
  CreatedDate: sfDateTime.nullish(),
  Profile: z
    .object({
      Name: z.string().nullish(),
      UserLicense: z.object({ LicenseDefinitionKey: z.string().nullish(), Name: z.string().nullish() }).nullish(),
    })
    .nullish(),
});
export type UserSeatRecord = z.infer<typeof userSeatRecordSchema>;

export const userStateRecordSchema = z.object({
  Id: z.string(),
  Username: z.string(),
  IsActive: z.boolean(),
});
export type UserStateRecord = z.infer<typeof userStateRecordSchema>;

export const userLicenseRecordSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  MasterLabel: z.string().nullish(),
  LicenseDefinitionKey: z.string(),
  Status: z.string().nullish(),
  TotalLicenses: z.number(),
  UsedLicenses: z.number(),
});

export const permissionSetLicenseRecordSchema = z.object({
  Id: z.string(),
  MasterLabel: z.string(),
  DeveloperName: z.string().nullish(),
  PermissionSetLicenseKey: z.string().nullish(),
  Status: z.string().nullish(),
  TotalLicenses: z.number(),
  UsedLicenses: z.number(),
});

export const packageLicenseRecordSchema = z.object({
  Id: z.string(),
  NamespacePrefix: z.string().nullish(),
  Status: z.string().nullish(),
  /** -1 for a site licence (the whole org). */
  AllowedLicenses: z.number(),
  UsedLicenses: z.number(),
});

export const userPackageLicenseRecordSchema = z.object({
  Id: z.string(),
  PackageLicenseId: z.string(),
  PackageLicense: z.object({ NamespacePrefix: z.string().nullish() }).nullish(),
});
export type UserPackageLicenseRecord = z.infer<typeof userPackageLicenseRecordSchema>;

export const limitsSchema = z.object({
  DailyApiRequests: z.object({ Max: z.number(), Remaining: z.number() }),
});

/** The OAuth token endpoint's answer (authorization code, refresh token and client credentials grants). */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  instance_url: z.string().url(),
  /** Identity URL …/id/{orgId}/{userId}. */
  id: z.string().regex(/\/id\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/, 'identity URL ending /id/{orgId}/{userId}'),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** One entry of Salesforce's JSON-array error body. */
export const apiErrorSchema = z.object({
  message: z.string(),
  errorCode: z.string(),
  fields: z.array(z.string()).optional(),
});
export const apiErrorsSchema = z.array(apiErrorSchema).min(1);
export type ApiError = z.infer<typeof apiErrorSchema>;

export const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
