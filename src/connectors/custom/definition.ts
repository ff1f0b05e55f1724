// The declarative definition of a custom REST app (VENDORS.md §4): zod schema and a parser that reports
// every bad field by its dotted path. Secrets are never part of a definition: it names the auth kind and
// the connection's secrets hold the values.
import { z } from 'zod';
import { compilePath } from './paths.js';
import { ACTIVITY_FORMATS } from './dates.js';
import { jsonErrorOffset, lineAndColumn } from './json-position.js';

/** Placeholders a reclaim/restore template may use. */
export const TEMPLATE_PLACEHOLDERS = ['id', 'email', 'licenseType', 'licenseValue'] as const;

const isHttpUrl = (s: string) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

const fieldPath = z.string().superRefine((p, ctx) => {
  const r = compilePath(p);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: `not a field path (${r})` });
});
const requiredFieldPath = fieldPath.refine((p) => p.trim() !== '', 'must not be empty');

const templateText = (what: string) =>
  z.string().superRefine((s, ctx) => {
    for (const m of s.matchAll(/\{([^{}]*)\}/g)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}} in ${what}; use ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
      }
    }
  });
const requestPath = templateText('the path').refine((p) => p.startsWith('/'), 'must start with "/" (it is appended to the base URL)');
const urlOrPath = z.string().refine((s) => s.startsWith('/') || isHttpUrl(s), 'must be an http(s) URL or a path starting with "/"');
const paramName = z.string().min(1, 'must not be empty');
const query = z.record(z.string(), z.string());
const statusCode = z.number().int().min(100).max(599);
const pageSize = z.number().int().min(1).max(10_000);
const jsonValue: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid HTTP header name');

export const AUTH_KINDS = ['basic', 'bearer', 'api_key_header', 'oauth_client_credentials', 'oauth_authorization_code'] as const;
export type CustomAuthKind = (typeof AUTH_KINDS)[number];

const oauthClientFields = {
  tokenUrl: urlOrPath,
  /** Non-secret; may instead come from the connection's params.clientId. */
  clientId: z.string().min(1).optional(),
  /** How the client authenticates at the token endpoint. */
  clientAuth: z.enum(['basic', 'body']).default('basic'),
  /** Token request body: form (RFC 6749) or JSON (e.g. Zendesk). */
  bodyFormat: z.enum(['form', 'json']).default('form'),
};

const authSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('basic'),
      /** Non-secret user name (often the admin email); may instead come from params.username. */
      username: z.string().optional(),
      /** Where the API key goes: as the password (user name = admin email) or as the user name (empty password). */
      apiKeyAs: z.enum(['password', 'username']).default('password'),
    })
    .strict(),
  z.object({ kind: z.literal('bearer'), prefix: z.string().default('Bearer') }).strict(),
  z.object({ kind: z.literal('api_key_header'), header: headerName, prefix: z.string().optional() }).strict(),
  z
    .object({
      kind: z.literal('oauth_client_credentials'),
      ...oauthClientFields,
      scope: z.string().optional(),
      audience: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('oauth_authorization_code'),
      ...oauthClientFields,
      clientAuth: z.enum(['basic', 'body']).default('body'),
      authorizeUrl: urlOrPath.optional(),
      redirectUri: z.string().optional(),
      scopes: z.array(z.string()).optional(),
      pkce: z.boolean().optional(),
    })
    .strict(),
]);

const paginationSchema = z.discriminatedUnion('style', [
  z.object({ style: z.literal('none') }).strict(),
  z
    .object({
      style: z.literal('offset'),
      limitParam: paramName.default('limit'),
      offsetParam: paramName.default('offset'),
      pageSize: pageSize.default(100),
      /** Where the response says how many records exist; without it a short page ends the list. */
      totalPath: requiredFieldPath.optional(),
    })
    .strict(),
  z
    .object({
      style: z.literal('page'),
      pageParam: paramName.default('page'),
      sizeParam: paramName.default('per_page'),
      pageSize: pageSize.default(100),
      startAt: z.union([z.literal(0), z.literal(1)]).default(1),
      totalPagesPath: requiredFieldPath.optional(),
    })
    .strict(),
  z
    .object({
      style: z.literal('cursor'),
      /** Query parameter that carries the cursor in the next request. */
      cursorParam: paramName,
      /** Where the response holds the next cursor (empty or missing = last page). */
      cursorPath: requiredFieldPath,
      hasMorePath: requiredFieldPath.optional(),
      sizeParam: paramName.optional(),
      pageSize: pageSize.optional(),
    })
    .strict(),
  z
    .object({
      style: z.literal('next_url'),
      nextUrlPath: requiredFieldPath,
      hasMorePath: requiredFieldPath.optional(),
      sizeParam: paramName.optional(),
      pageSize: pageSize.optional(),
    })
    .strict(),
  z.object({ style: z.literal('link_header'), sizeParam: paramName.optional(), pageSize: pageSize.optional() }).strict(),
  z
    .object({
      style: z.literal('scim'),
      startIndexParam: paramName.default('startIndex'),
      countParam: paramName.default('count'),
      pageSize: pageSize.default(100),
      totalResultsPath: requiredFieldPath.default('totalResults'),
    })
    .strict(),
]);
export type CustomPagination = z.output<typeof paginationSchema>;

const methodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const readMethod = z.enum(['GET', 'POST']).default('GET');

const flagRule = z.object({ path: requiredFieldPath, values: z.array(scalar).min(1) }).strict();

const usersSchema = z
  .object({
    method: readMethod,
    path: requestPath,
    query: query.optional(),
    body: jsonValue.optional(),
    /** Where the records array is in a page; absent = the body is the array (SCIM: "Resources"). */
    recordsPath: fieldPath.optional(),
    idPath: requiredFieldPath,
    emailPath: requiredFieldPath.optional(),
    /** One path, or several joined with a space (given + family name). */
    namePath: z.union([requiredFieldPath, z.array(requiredFieldPath).min(1)]).optional(),
    licenseTypePath: requiredFieldPath.optional(),
    /** A constant license type for every user (apps with one paid tier). */
    licenseType: z.string().min(1).optional(),
    /** Value at licenseTypePath → license type; null = not a paid seat (viewer, end-user). */
    licenseTypeMap: z.record(z.string(), z.union([z.string().min(1), z.null()])).optional(),
    /** For values missing from licenseTypeMap; default: the value itself. */
    licenseTypeDefault: z.union([z.string().min(1), z.null()]).optional(),
    /** Human names of license types. */
    licenseNames: z.record(z.string(), z.string()).optional(),
    statusPath: requiredFieldPath.optional(),
    /** Values at statusPath that mean the account is active; anything else is inactive. */
    activeValues: z.array(scalar).min(1).optional(),
    lastActivityPath: requiredFieldPath.optional(),
    lastActivityFormat: z.enum(ACTIVITY_FORMATS).default('iso8601'),
    flags: z.partialRecord(z.enum(['owner', 'primaryOwner', 'admin', 'bot', 'guest', 'suspended', 'free']), flagRule).optional(),
    pagination: paginationSchema,
  })
  .strict();

const activitySchema = z
  .object({
    method: readMethod,
    path: requestPath,
    query: query.optional(),
    body: jsonValue.optional(),
    /** Query parameter that limits the answer to activity since a date. */
    since: z.object({ param: paramName, format: z.enum(ACTIVITY_FORMATS).default('iso8601') }).strict().optional(),
    recordsPath: fieldPath.optional(),
    userIdPath: requiredFieldPath,
    lastActivityPath: requiredFieldPath,
    lastActivityFormat: z.enum(ACTIVITY_FORMATS).default('iso8601'),
    pagination: paginationSchema.default({ style: 'none' }),
  })
  .strict();

const templateSchema = z
  .object({
    method: methodSchema.exclude(['GET']),
    path: requestPath,
    query: query.optional(),
    /** JSON body; strings may hold placeholders ({id}, {email}, {licenseType}, {licenseValue}). */
    body: jsonValue.optional(),
    /** Default: any 2xx. */
    successStatuses: z.array(statusCode).min(1).optional(),
    /** Statuses that mean "already done" (e.g. 404 after a delete, 409 already inactive): success, changed=false. */
    alreadyDoneStatuses: z.array(statusCode).optional(),
    /** Read the user first (GET path) and skip the write when users.statusPath already says done. */
    precheck: z.object({ path: requestPath, recordPath: fieldPath.optional() }).strict().optional(),
  })
  .strict();
export type CustomTemplate = z.output<typeof templateSchema>;

const rateLimitSchema = z
  .object({
    maxConcurrency: z.number().int().min(1).max(64).optional(),
    requestsPerMinute: z.number().positive().optional(),
    burst: z.number().int().min(1).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    baseDelayMs: z.number().int().min(0).optional(),
    maxDelayMs: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().min(100).optional(),
    honorRetryAfter: z.boolean().default(true),
    maxRetryAfterSeconds: z.number().positive().optional(),
    /** Extra statuses the app uses to say "slow down" (some answer 403 or 420). */
    rateLimitStatuses: z.array(statusCode).optional(),
  })
  .strict();

export const customDefinitionSchema = z
  .object({
    name: z.string().optional(),
    /** Default base URL; the connection's base URL wins when set. */
    baseUrl: z.string().refine(isHttpUrl, 'must be an http(s) URL').optional(),
    auth: authSchema,
    validate: z
      .object({
        method: readMethod,
        path: requestPath,
        query: query.optional(),
        expectStatus: z.union([statusCode, z.array(statusCode).min(1)]).default(200),
        /** Where the answer names the connected account (shown to the admin). */
        accountPath: requiredFieldPath.optional(),
        /** Where the answer holds the integration user's id (never reclaimed). */
        userIdPath: requiredFieldPath.optional(),
      })
      .strict()
      .optional(),
    users: usersSchema,
    activity: activitySchema.optional(),
    reclaim: templateSchema,
    restore: templateSchema.optional(),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict()
  .superRefine(crossFieldChecks, { when: () => true });

export type CustomDefinition = z.output<typeof customDefinitionSchema>;
export type CustomAuth = CustomDefinition['auth'];
export type CustomUsers = CustomDefinition['users'];
export type CustomActivity = NonNullable<CustomDefinition['activity']>;

/** Rules across fields; runs on raw input too, so it must not trust shapes. */
function crossFieldChecks(raw: unknown, ctx: z.RefinementCtx): void {
  const def = obj(raw);
  const users = obj(def?.users);
  if (users) {
    const hasPath = typeof users.licenseTypePath === 'string';
    const hasConst = users.licenseType !== undefined;
    if (hasPath && hasConst) ctx.addIssue({ code: 'custom', path: ['users', 'licenseType'], message: 'give either licenseTypePath or a constant licenseType, not both' });
    if (!hasPath && !hasConst) ctx.addIssue({ code: 'custom', path: ['users', 'licenseTypePath'], message: 'required: a path to the license type (or a constant licenseType)' });
    if (users.licenseTypeMap !== undefined && !hasPath) ctx.addIssue({ code: 'custom', path: ['users', 'licenseTypeMap'], message: 'needs licenseTypePath (the value it maps)' });
    if (users.statusPath !== undefined && users.activeValues === undefined) ctx.addIssue({ code: 'custom', path: ['users', 'activeValues'], message: 'required with statusPath: the values that mean active' });
    if (users.activeValues !== undefined && users.statusPath === undefined) ctx.addIssue({ code: 'custom', path: ['users', 'statusPath'], message: 'required with activeValues' });
  }
  for (const name of ['reclaim', 'restore'] as const) {
    const t = obj(def?.[name]);
    if (t?.precheck !== undefined && users && users.statusPath === undefined) {
      ctx.addIssue({ code: 'custom', path: [name, 'precheck'], message: 'needs users.statusPath and users.activeValues to tell whether it is already done' });
    }
  }
  const auth = obj(def?.auth);
  if (auth?.kind === 'basic' && auth.apiKeyAs === 'password' && auth.username === '') {
    ctx.addIssue({ code: 'custom', path: ['auth', 'username'], message: 'must not be empty (or leave it out and set the connection user name)' });
  }
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export interface DefinitionError {
  /** Dotted path of the bad field ("users.pagination.cursorParam"); "" for the whole document. */
  path: string;
  message: string;
}

export type ParsedDefinition = { ok: true; definition: CustomDefinition } | { ok: false; errors: DefinitionError[] };

/** Parses a definition from JSON text or an object; every problem comes back with its field path. */
export function parseCustomDefinition(input: string | unknown): ParsedDefinition {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      const offset = jsonErrorOffset(input);
      const where = offset >= 0 ? (({ line, column }) => ` at line ${line}, column ${column} (position ${offset})`)(lineAndColumn(input, offset)) : '';
      const reason = err instanceof Error ? err.message.split('\n')[0]!.replace(/, ".*$/, '') : String(err);
      return { ok: false, errors: [{ path: '', message: `malformed JSON${where}: ${reason}` }] };
    }
  }
  if (raw !== null && typeof raw === 'object') raw = structuredClone(raw);
  const result = customDefinitionSchema.safeParse(raw);
  if (result.success) {
    const definition = result.data;
    // A SCIM ListResponse always holds its records in Resources.
    if (definition.users.pagination.style === 'scim') definition.users.recordsPath ??= 'Resources';
    return { ok: true, definition };
  }
  const errors: DefinitionError[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const base = issue.path.map(String);
    const entries: DefinitionError[] =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => ({ path: [...base, k].join('.'), message: 'unknown field' }))
        : [{ path: base.join('.'), message: issue.message }];
    for (const e of entries) {
      const key = `${e.path}\u0000${e.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        errors.push(e);
      }
    }
  }
  return { ok: false, errors };
}

/** One line per problem, for a config error or a Slack message. */
export function describeDefinitionErrors(errors: DefinitionError[]): string {
  return errors.map((e) => `${e.path || '(definition)'}: ${e.message}`).join('; ');
}
