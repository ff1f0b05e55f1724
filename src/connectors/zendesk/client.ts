// The Zendesk client: node-zendesk for auth headers, paths and single-record calls, every call under the
// connector's HttpPolicy, and every answer's status checked (node-zendesk returns a 429 as data).
import { AsyncLocalStorage } from 'node:async_hooks';
// node-zendesk is a bundled CommonJS module whose named exports Node's ESM loader cannot see.
import zendesk, { type ZendeskClient as SdkClient } from 'node-zendesk';
import type { z } from 'zod';
import { VendorError } from '../../domain/errors.js';
import { PageGuard, type HttpPolicy } from '../http.js';
import type { SdkCredentials, ZendeskAuth } from './auth.js';
import { VENDOR, isInvalidToken, zendeskError, zendeskTransportError } from './errors.js';
import {
  customRoleSchema,
  meUserSchema,
  usersPageSchema,
  zendeskUserSchema,
  type UsersPage,
  type ZendeskCustomRole,
  type ZendeskMe,
  type ZendeskUser,
} from './wire.js';

/** What node-zendesk resolves with, from its typed methods and from `_rawRequest`. */
interface SdkAnswer {
  response: { status: number; headers: { get(name: string): string | null } };
  result: unknown;
}

/** Per-call state the transport shares with the request path: abort signal in, status and error body out. */
interface CallContext {
  signal: AbortSignal;
  status?: number;
  retryAfter?: string | null;
  errorText?: string;
}

const callContext = new AsyncLocalStorage<CallContext>();

/**
 * node-zendesk's transport hook, on Node's fetch: passes the policy's abort signal and keeps the status,
 * Retry-After and the body of a failed answer (node-zendesk drops non-JSON bodies such as the 429 text).
 */
async function transport(uri: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
  const ctx = callContext.getStore();
  const res = await fetch(uri, { method: init.method, headers: init.headers, body: init.body, signal: ctx?.signal });
  if (!ctx) return res;
  ctx.status = res.status;
  ctx.retryAfter = res.headers.get('retry-after');
  if (res.ok) return res;
  const text = await res.text();
  ctx.errorText = text;
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** node-zendesk's own adapter shape, over a fetch Response. */
function adaptResponse(res: Response) {
  return { json: () => res.json() as Promise<unknown>, status: res.status, headers: { get: (name: string) => res.headers.get(name) }, statusText: res.statusText };
}

function errorBody(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export const USERS_PAGE_SIZE = 100;

export class ZendeskApiClient {
  /** `{baseUrl}/api/v2`, node-zendesk's endpointUri. */
  readonly apiBase: string;
  private sdkCache: { token: string; sdk: SdkClient } | undefined;

  constructor(
    baseUrl: string,
    private readonly policy: HttpPolicy,
    private readonly auth: ZendeskAuth,
  ) {
    this.apiBase = `${baseUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '')}/api/v2`;
  }

  private sdk(creds: SdkCredentials): SdkClient {
    if (this.sdkCache?.token !== creds.token) {
      const sdk = zendesk.createClient({
        endpointUri: this.apiBase,
        username: creds.username,
        token: creds.token,
        oauth: creds.oauth,
        throwOriginalException: true,
        transportConfig: { transportFn: transport, responseAdapter: adaptResponse },
      });
      this.sdkCache = { token: creds.token, sdk };
    }
    return this.sdkCache.sdk;
  }

  /**
   * The one request path: policy (rate limit, retries, timeout), status check, schema check, and one
   * token renewal on an OAuth 401 invalid_token.
   */
  private async call<S extends z.ZodType>(what: string, op: (sdk: SdkClient) => Promise<unknown>, schema: S): Promise<z.infer<S>> {
    const attempt = async (creds: SdkCredentials) => this.policy.run((signal) => this.once(what, op, schema, creds, signal), (e) => zendeskTransportError(e, what));
    const creds = await this.auth.credentials();
    try {
      return await attempt(creds);
    } catch (err) {
      if (!(err instanceof VendorError) || !isInvalidToken(err) || !(await this.auth.renew(creds))) throw err;
      return attempt(await this.auth.credentials());
    }
  }

  private async once<S extends z.ZodType>(what: string, op: (sdk: SdkClient) => Promise<unknown>, schema: S, creds: SdkCredentials, signal: AbortSignal): Promise<z.infer<S>> {
    const ctx: CallContext = { signal };
    let answer: SdkAnswer;
    try {
      answer = (await callContext.run(ctx, () => op(this.sdk(creds)))) as SdkAnswer;
    } catch (err) {
      // throwOriginalException: node-zendesk rethrows 4xx/5xx from its table; the transport kept the details.
      if (ctx.status !== undefined && (ctx.status < 200 || ctx.status >= 300)) {
        throw zendeskError({ status: ctx.status, body: errorBody(ctx.errorText), retryAfter: ctx.retryAfter }, what);
      }
      throw zendeskTransportError(err, what, ctx.status);
    }
    const status = answer.response.status;
    // A response carrying Retry-After (429, some 503s) comes back as data, not as an exception.
    if (status < 200 || status >= 300 || answer.result instanceof Error) {
      throw zendeskError({ status, body: errorBody(ctx.errorText), retryAfter: answer.response.headers.get('retry-after') }, what);
    }
    const parsed = schema.safeParse(answer.result);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : '';
      throw new VendorError('bad_response', `${what}: unexpected answer from Zendesk${where}`, { vendor: VENDOR, status });
    }
    return parsed.data;
  }

  /** The signed-in user; anonymous callers get `id: null` (checked by validate). */
  me(): Promise<ZendeskMe> {
    return this.call('read the signed-in user', (sdk) => sdk.users.me(), meUserSchema);
  }

  showUser(id: number): Promise<ZendeskUser> {
    return this.call(`read user ${id}`, (sdk) => sdk.users.show(id), zendeskUserSchema);
  }

  updateUser(id: number, user: Record<string, unknown>): Promise<ZendeskUser> {
    return this.call(`update user ${id}`, (sdk) => sdk.users.update(id, { user }), zendeskUserSchema);
  }

  /** Custom agent roles. node-zendesk's `list()` pages with requestAll, which swallows a 429: one plain GET instead. */
  customRoles(): Promise<ZendeskCustomRole[]> {
    return this.call('list custom roles', (sdk) => sdk.customagentroles.request('GET', 'custom_roles'), customRoleSchema.array());
  }

  /**
   * One cursor page of users.json. Built by hand: node-zendesk serialises `role[]` as `role=agent,admin`,
   * forces page[size]=100 and unwraps the body, dropping `meta`.
   */
  usersPage(query: URLSearchParams): Promise<UsersPage> {
    const url = `${this.apiBase}/users.json?${query.toString()}`;
    return this.call('list users', (sdk) => sdk.users._rawRequest('GET', url), usersPageSchema);
  }

  /** Every agent and admin, one page at a time; stops on `meta.has_more` false, never on `links.next`. */
  async *seatHolderPages(pageSize = USERS_PAGE_SIZE): AsyncGenerator<ZendeskUser[]> {
    const guard = new PageGuard(VENDOR, 'listing Zendesk agents');
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams([
        ['role[]', 'agent'],
        ['role[]', 'admin'],
        ['page[size]', String(pageSize)],
      ]);
      if (after !== undefined) {
        guard.next(after);
        query.set('page[after]', after);
      }
      const page = await this.usersPage(query);
      yield page.users;
      if (!page.meta.has_more) return;
      if (!page.meta.after_cursor) throw new VendorError('bad_response', 'listing Zendesk agents: has_more is true but no after_cursor was sent', { vendor: VENDOR });
      after = page.meta.after_cursor;
    }
  }
}
