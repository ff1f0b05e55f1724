// The custom REST app connector: everything it does is driven by the JSON definition in
// connection.params.definition (see definition.ts); secrets come from connection.secrets.
import { z } from 'zod';
import { describeError, VendorError } from '../../domain/errors.js';
import type { Connector, ReclaimOutcome, SeatRef, ValidationCheck, ValidationReport, VendorActivity, VendorSeat } from '../../domain/vendor.js';
import type { ConnectorOptions } from '../types.js';
import { CustomClient, VENDOR } from './client.js';
import { formatActivityDate } from './dates.js';
import { AUTH_KINDS, describeDefinitionErrors, parseCustomDefinition, type CustomAuthKind, type CustomDefinition, type CustomTemplate } from './definition.js';
import { pageRecords, type ListEndpoint } from './paging.js';
import { readPath } from './paths.js';
import { readActivity, readUserId, recordToSeat, sameValue } from './records.js';
import { fillBody, fillPath, templateValues } from './templates.js';

export { customDefinitionSchema, parseCustomDefinition, AUTH_KINDS } from './definition.js';
export type { CustomDefinition, DefinitionError, ParsedDefinition } from './definition.js';

/** Secrets each auth kind needs (any of the alternatives listed in one entry). */
export const REQUIRED_SECRETS: Record<CustomAuthKind, string[][]> = {
  basic: [['apiKey', 'password']],
  bearer: [['token', 'accessToken']],
  api_key_header: [['apiKey']],
  oauth_client_credentials: [['clientSecret']],
  oauth_authorization_code: [['accessToken', 'refreshToken']],
};

/**
 * What the Slack modal collects for a custom profile. params.definition is the JSON definition; its
 * problems are reported under params.definition.<field path>.
 */
export const customConnectionSchema = z
  .object({
    baseUrl: z.string(),
    /** "custom" = as the definition says (what the registry offers); a specific kind must match the definition. */
    authKind: z.enum(['custom', ...AUTH_KINDS]),
    params: z.object({ definition: z.string().min(1, 'paste the app definition (JSON)'), username: z.string().optional(), clientId: z.string().optional() }).catchall(z.string()),
    secrets: z.record(z.string(), z.string()),
  })
  .superRefine((conn, ctx) => {
    const parsed = parseCustomDefinition(conn.params.definition);
    if (!parsed.ok) {
      for (const e of parsed.errors) ctx.addIssue({ code: 'custom', path: ['params', 'definition', ...(e.path ? e.path.split('.') : [])], message: e.message });
      return;
    }
    const def = parsed.definition;
    if (conn.authKind !== 'custom' && def.auth.kind !== conn.authKind) {
      ctx.addIssue({ code: 'custom', path: ['authKind'], message: `the definition uses ${def.auth.kind}` });
    }
    if (!conn.baseUrl.trim() && !def.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required (the definition has no baseUrl)' });
    for (const alternatives of REQUIRED_SECRETS[def.auth.kind]) {
      if (!alternatives.some((k) => conn.secrets[k])) ctx.addIssue({ code: 'custom', path: ['secrets', alternatives[0]!], message: 'required' });
    }
    const auth = def.auth;
    if (auth.kind === 'basic' && auth.apiKeyAs === 'password' && !auth.username && !conn.params.username) {
      ctx.addIssue({ code: 'custom', path: ['params', 'username'], message: 'required: the admin user name or email' });
    }
    if ((auth.kind === 'oauth_client_credentials' || auth.kind === 'oauth_authorization_code') && !auth.clientId && !conn.params.clientId) {
      ctx.addIssue({ code: 'custom', path: ['params', 'clientId'], message: 'required' });
    }
  });
export type CustomConnectionInput = z.input<typeof customConnectionSchema>;

/** Reads and checks the definition; a bad one is a config error that names every bad field. */
export function definitionFromConnection(opts: ConnectorOptions): CustomDefinition {
  const parsed = parseCustomDefinition(opts.connection.params.definition ?? '');
  if (!parsed.ok) {
    throw new VendorError('config', `the custom app definition is invalid: ${describeDefinitionErrors(parsed.errors)}`, { vendor: VENDOR });
  }
  const kind = opts.connection.authKind;
  if (kind && kind !== 'custom' && kind !== parsed.definition.auth.kind) {
    throw new VendorError('config', `authKind is ${kind} but the definition uses ${parsed.definition.auth.kind}`, { vendor: VENDOR });
  }
  return parsed.definition;
}

export function createCustomConnector(opts: ConnectorOptions): Connector {
  const definition = definitionFromConnection(opts);
  return new CustomConnector(definition, new CustomClient(definition, opts));
}

class CustomConnector implements Connector {
  readonly vendor = 'custom' as const;
  readonly activity?: (since: Date) => AsyncIterable<VendorActivity[]>;
  readonly restore?: (seat: SeatRef) => Promise<void>;

  constructor(
    private readonly def: CustomDefinition,
    private readonly client: CustomClient,
  ) {
    if (def.activity || def.users.lastActivityPath) this.activity = (since) => this.activitySince(since);
    if (def.restore) {
      const template = def.restore;
      this.restore = async (seat) => {
        await this.runTemplate(template, seat, 'restore');
      };
    }
  }

  private usersEndpoint(): ListEndpoint {
    const u = this.def.users;
    return { method: u.method, path: u.path, query: u.query, body: u.body, recordsPath: u.recordsPath, pagination: u.pagination, what: 'users' };
  }

  private activityEndpoint(since: Date): ListEndpoint | undefined {
    const a = this.def.activity;
    if (!a) return undefined;
    const query = { ...a.query, ...(a.since ? { [a.since.param]: formatActivityDate(since, a.since.format) } : {}) };
    return { method: a.method, path: a.path, query, body: a.body, recordsPath: a.recordsPath, pagination: a.pagination, what: 'activity' };
  }

  async validate(): Promise<ValidationReport> {
    const checks: ValidationCheck[] = [];
    const report: ValidationReport = { ok: false, checks };
    const attempt = async (name: string, run: () => Promise<string | undefined>): Promise<boolean> => {
      try {
        const detail = await run();
        checks.push(detail ? { name, ok: true, detail } : { name, ok: true });
        return true;
      } catch (err) {
        checks.push({ name, ok: false, detail: this.explain(err) });
        return false;
      }
    };
    const v = this.def.validate;
    if (v) {
      const expected = Array.isArray(v.expectStatus) ? v.expectStatus : [v.expectStatus];
      const passed = await attempt('connection', async () => {
        const res = await this.client.send({ method: v.method, path: v.path, query: v.query, okStatuses: expected });
        const account = v.accountPath ? readPath(res.body, v.accountPath) : undefined;
        const userId = v.userIdPath ? readPath(res.body, v.userIdPath) : undefined;
        if (account !== undefined && account !== null) report.account = String(account);
        if (userId !== undefined && userId !== null) report.integrationUserId = String(userId);
        return `${v.method} ${v.path} answered ${res.status}`;
      });
      if (!passed) return report;
    }
    const usersOk = await attempt('read users', async () => {
      for await (const page of pageRecords(this.client, this.usersEndpoint(), { firstPageOnly: 1 })) {
        const first = page.records[0];
        const seat = recordToSeat(first, this.def.users);
        return seat ? `first user ${seat.userId} has license type ${seat.licenseType}` : 'the first user holds no paid seat';
      }
      return 'the app has no users';
    });
    let activityOk = true;
    const endpoint = this.activityEndpoint(new Date(Date.now() - 86_400_000));
    if (usersOk && endpoint) {
      const a = this.def.activity!;
      activityOk = await attempt('read activity', async () => {
        for await (const page of pageRecords(this.client, endpoint, { firstPageOnly: 1 })) {
          const first = page.records[0];
          const userId = readUserId(first, a.userIdPath, 'activity.userIdPath');
          readActivity(first, a.lastActivityPath, a.lastActivityFormat, 'activity.lastActivityPath', userId);
        }
        return undefined;
      });
    }
    report.ok = usersOk && activityOk;
    return report;
  }

  /** A readable reason, with a hint at which setting to check. */
  private explain(err: unknown): string {
    const text = describeError(err);
    if (!(err instanceof VendorError)) return text;
    const kind = this.def.auth.kind;
    if (err.kind === 'auth') {
      const which = kind === 'oauth_client_credentials' ? 'the client id and secret' : kind === 'oauth_authorization_code' ? 'the authorization (authorize the app again)' : kind === 'basic' ? 'the user name and API key' : kind === 'bearer' ? 'the token' : 'the API key';
      return `${text} (check ${which})`;
    }
    if (err.kind === 'permission') return `${text} (the credentials need scopes to read users, read activity and modify users)`;
    if (err.kind === 'not_found') return `${text} (check the base URL and the paths in the definition)`;
    return text;
  }

  async *subscriptions(): AsyncIterable<VendorSeat[]> {
    for await (const page of pageRecords(this.client, this.usersEndpoint())) {
      const seats: VendorSeat[] = [];
      for (const record of page.records) {
        const seat = recordToSeat(record, this.def.users);
        if (seat) seats.push(seat);
      }
      if (seats.length > 0) yield seats;
    }
  }

  private async *activitySince(since: Date): AsyncIterable<VendorActivity[]> {
    const endpoint = this.activityEndpoint(since);
    const a = this.def.activity;
    const u = this.def.users;
    const source = endpoint && a ? { endpoint, idPath: a.userIdPath, datePath: a.lastActivityPath, format: a.lastActivityFormat, where: 'activity' } : { endpoint: this.usersEndpoint(), idPath: u.idPath, datePath: u.lastActivityPath!, format: u.lastActivityFormat, where: 'users' };
    for await (const page of pageRecords(this.client, source.endpoint)) {
      const out: VendorActivity[] = [];
      for (const record of page.records) {
        const userId = readUserId(record, source.idPath, `${source.where}.${source.where === 'users' ? 'idPath' : 'userIdPath'}`);
        const at = readActivity(record, source.datePath, source.format, `${source.where}.lastActivityPath`, userId);
        if (at && at >= since) out.push({ userId, lastActivityAt: at });
      }
      if (out.length > 0) yield out;
    }
  }

  async reclaim(seat: SeatRef): Promise<ReclaimOutcome> {
    const changed = await this.runTemplate(this.def.reclaim, seat, 'reclaim');
    const outcome: ReclaimOutcome = { changed };
    if (seat.restoreData) outcome.restoreData = seat.restoreData;
    if (!changed) outcome.detail = 'already reclaimed at the vendor';
    return outcome;
  }

  /** Runs a reclaim/restore template; false when the vendor says it was already done. */
  private async runTemplate(template: CustomTemplate, seat: SeatRef, what: 'reclaim' | 'restore'): Promise<boolean> {
    const values = templateValues(seat);
    if (template.precheck) {
      const done = await this.alreadyDone(template.precheck, values, what);
      if (done) return false;
    }
    const alreadyDone = template.alreadyDoneStatuses ?? [];
    const success = template.successStatuses ?? Array.from({ length: 100 }, (_, i) => 200 + i);
    const body = template.body === undefined ? undefined : fillBody(template.body, values, { licenseValue: seat.restoreData?.licenseValue });
    const res = await this.client.send({ method: template.method, path: fillPath(template.path, values), query: template.query, body, okStatuses: [...success, ...alreadyDone] });
    return !(alreadyDone.includes(res.status) && !success.includes(res.status));
  }

  private async alreadyDone(precheck: NonNullable<CustomTemplate['precheck']>, values: Record<string, string>, what: 'reclaim' | 'restore'): Promise<boolean> {
    const res = await this.client.send({ method: 'GET', path: fillPath(precheck.path, values), okStatuses: Array.from({ length: 100 }, (_, i) => 200 + i).concat(404) });
    if (res.status === 404) {
      if (what === 'reclaim') return true;
      throw new VendorError('not_found', `user ${values.id} no longer exists at the vendor`, { vendor: VENDOR, status: 404 });
    }
    const record = precheck.recordPath ? readPath(res.body, precheck.recordPath) : res.body;
    const u = this.def.users;
    const status = readPath(record, u.statusPath!);
    const active = (u.activeValues ?? []).some((v) => sameValue(status, v));
    return what === 'reclaim' ? !active : active;
  }
}
