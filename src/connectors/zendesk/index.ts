// The Zendesk connector: agents and admins are seats, activity is last_login_at, reclaim downgrades.
import { z } from 'zod';
import { VendorError, describeError } from '../../domain/errors.js';
import type { Connector, ReclaimOutcome, SeatRef, ValidationCheck, ValidationReport, VendorActivity, VendorSeat } from '../../domain/vendor.js';
import { HttpPolicy, type HttpPolicyOptions } from '../http.js';
import type { ConnectorOptions } from '../types.js';
import { createZendeskAuth } from './auth.js';
import { ZendeskApiClient } from './client.js';
import { VENDOR } from './errors.js';
import { findLightAgentRole, isLightAgent, lastActivityOf, restoreDataOf, toVendorSeat } from './seats.js';
import type { ZendeskUser } from './wire.js';


const nonEmpty = z.string().trim().min(1);

/** What the Slack modal validates: the keys of `connection.params` and `connection.secrets` this connector reads. */
export const zendeskConnectionSchema = z.discriminatedUnion('authKind', [
  z.object({
    vendor: z.literal('zendesk'),
    baseUrl: z.url({ message: 'Enter your Zendesk address, e.g. https://acme.zendesk.com' }),
    authKind: z.literal('api_token'),
    params: z.object({ email: z.email({ message: 'Enter the email of the agent the API token belongs to' }) }),
    secrets: z.object({ apiToken: nonEmpty }),
  }),
  z.object({
    vendor: z.literal('zendesk'),
    baseUrl: z.url({ message: 'Enter your Zendesk address, e.g. https://acme.zendesk.com' }),
    authKind: z.literal('oauth_client_credentials'),
    params: z.object({ clientId: nonEmpty, scope: z.string().optional() }),
    secrets: z.object({ clientSecret: nonEmpty }),
  }),
  z.object({
    vendor: z.literal('zendesk'),
    baseUrl: z.url({ message: 'Enter your Zendesk address, e.g. https://acme.zendesk.com' }),
    authKind: z.literal('oauth_authorization_code'),
    params: z.object({ clientId: z.string().optional() }),
    secrets: z.object({ accessToken: nonEmpty, refreshToken: z.string().optional(), clientSecret: z.string().optional() }),
  }),
]);
export type ZendeskConnection = z.infer<typeof zendeskConnectionSchema>;

/**
 * Zendesk's limit is account-wide per minute and depends on the plan (200 Team ... 2,500 Enterprise Plus /
 * High Volume add-on); 400 is Growth/Professional. Plans with less override it via ConnectorOptions.http.
 */
export const ZENDESK_DEFAULT_HTTP: Partial<HttpPolicyOptions> = {
  requestsPerMinute: 400,
  // The limit is a per-minute window: the whole minute's budget may go at once, then Retry-After paces the rest.
  burst: 400,
  maxConcurrency: 4,
  maxAttempts: 5,
  // Zendesk's Retry-After is at most the rest of the minute.
  maxRetryAfterMs: 65_000,
};

type ReclaimTarget = 'end-user' | 'light_agent';

function reclaimTargetOf(settings: Record<string, unknown> | undefined): ReclaimTarget {
  const v = settings?.reclaimTo;
  return v === 'light_agent' || v === 'light-agent' ? 'light_agent' : 'end-user';
}

function userIdOf(seat: SeatRef): number {
  const id = Number(seat.userId);
  if (!Number.isSafeInteger(id) || id <= 0) throw new VendorError('invalid_request', `"${seat.userId}" is not a Zendesk user id`, { vendor: VENDOR });
  return id;
}

class ZendeskConnector implements Connector {
  readonly vendor = 'zendesk' as const;
  private readonly api: ZendeskApiClient;
  private readonly host: string;
  private lightAgentRole: Promise<number | undefined> | undefined;
  /** last_login_at from the latest complete download, so activity() needs no second download. */
  private lastDownload: { activity: VendorActivity[] } | undefined;

  constructor(private readonly opts: ConnectorOptions) {
    const http = { ...ZENDESK_DEFAULT_HTTP, ...opts.http, vendor: VENDOR };
    const policy = new HttpPolicy(http);
    this.api = new ZendeskApiClient(opts.connection.baseUrl, policy, createZendeskAuth(opts, policy, http.now));
    this.host = new URL(opts.connection.baseUrl).host;
  }

  /** The light-agent role id, or undefined when the account has none (custom roles need Enterprise). */
  private lightAgentRoleId(): Promise<number | undefined> {
    this.lightAgentRole ??= this.api.customRoles().then(
      (roles) => findLightAgentRole(roles)?.id,
      (err: unknown) => {
        // Plans without custom roles refuse the endpoint: light agents are then known by role_type alone.
        if (err instanceof VendorError && (err.kind === 'permission' || err.kind === 'not_found')) return undefined;
        this.lightAgentRole = undefined;
        throw err;
      },
    );
    return this.lightAgentRole;
  }

  async validate(): Promise<ValidationReport> {
    const checks: ValidationCheck[] = [];
    const report = (extra: Partial<ValidationReport> = {}): ValidationReport => ({ ok: checks.every((c) => c.ok), checks, ...extra });

    let me;
    try {
      me = await this.api.me();
    } catch (err) {
      checks.push({ name: 'Credentials accepted', ok: false, detail: describeError(err) });
      return report();
    }
    if (me.id === null) {
      checks.push({ name: 'Credentials accepted', ok: false, detail: 'the credentials were not accepted: Zendesk answered as an anonymous user' });
      return report();
    }
    const who = me.email ?? me.name ?? `user ${me.id}`;
    checks.push({ name: 'Credentials accepted', ok: true, detail: `signed in as ${who}` });
    const extra = { account: `${who} on ${this.host}`, integrationUserId: String(me.id) };

    if (me.role !== 'agent' && me.role !== 'admin') {
      checks.push({ name: 'Agent or admin account', ok: false, detail: `${who} is an ${me.role}: listing users needs an agent or admin account` });
      return report(extra);
    }
    checks.push({ name: 'Agent or admin account', ok: true, detail: `${who} is an ${me.role}` });

    const reclaimOn = this.opts.settings?.reclaim === true || this.opts.settings?.reclaim === 'on';
    if (reclaimOn) {
      checks.push(
        me.role === 'admin'
          ? { name: 'Reclaim needs an admin', ok: true, detail: `${who} is an admin` }
          : { name: 'Reclaim needs an admin', ok: false, detail: `${who} is an agent: downgrading agents needs an admin account (or turn reclaim off)` },
      );
    }

    try {
      await this.api.usersPage(new URLSearchParams([['role[]', 'agent'], ['role[]', 'admin'], ['page[size]', '1']]));
      checks.push({ name: 'List agents', ok: true });
    } catch (err) {
      checks.push({ name: 'List agents', ok: false, detail: describeError(err) });
    }

    if (reclaimOn && reclaimTargetOf(this.opts.settings) === 'light_agent') {
      try {
        const id = await this.lightAgentRoleId();
        checks.push(id === undefined ? { name: 'Light agent role', ok: false, detail: 'no Light agent role in custom roles: reclaim to end-user instead' } : { name: 'Light agent role', ok: true, detail: `role ${id}` });
      } catch (err) {
        checks.push({ name: 'Light agent role', ok: false, detail: describeError(err) });
      }
    }
    return report(extra);
  }

  async *subscriptions(): AsyncIterable<VendorSeat[]> {
    const [lightAgentRoleId, me] = await Promise.all([this.lightAgentRoleId(), this.api.me()]);
    const integrationUserId = me.id ?? undefined;
    const activity: VendorActivity[] = [];
    for await (const users of this.api.seatHolderPages()) {
      const seats: VendorSeat[] = [];
      for (const user of users) {
        const seat = toVendorSeat(user, lightAgentRoleId, integrationUserId);
        if (!seat) continue;
        seats.push(seat);
        if (seat.lastActivityAt) activity.push({ userId: seat.userId, lastActivityAt: seat.lastActivityAt });
      }
      if (seats.length > 0) yield seats;
    }
    this.lastDownload = { activity };
  }

  /**
   * Zendesk's only activity signal is last_login_at on the user record, which subscriptions() already
   * sets. After a download the same data is served from memory; otherwise the agents are listed again.
   */
  async *activity(since: Date): AsyncIterable<VendorActivity[]> {
    const t = since.getTime();
    if (this.lastDownload) {
      const recent = this.lastDownload.activity.filter((a) => a.lastActivityAt.getTime() >= t);
      for (let i = 0; i < recent.length; i += 1000) yield recent.slice(i, i + 1000);
      return;
    }
    for await (const users of this.api.seatHolderPages()) {
      const page: VendorActivity[] = [];
      for (const user of users) {
        const at = lastActivityOf(user);
        if (at && at.getTime() >= t) page.push({ userId: String(user.id), lastActivityAt: at });
      }
      if (page.length > 0) yield page;
    }
  }

  async reclaim(seat: SeatRef): Promise<ReclaimOutcome> {
    const id = userIdOf(seat);
    const user = await this.readUserOrGone(id);
    if (!user || !user.active) return { changed: false, detail: 'the user no longer exists in Zendesk' };
    if (user.role === 'end-user') return { changed: false, detail: 'already an end-user' };
    const restoreData = restoreDataOf(user);

    if (reclaimTargetOf(this.opts.settings) === 'light_agent') {
      const lightId = await this.lightAgentRoleId();
      if (lightId === undefined) throw new VendorError('config', 'reclaim to light agent was chosen but Zendesk has no Light agent role', { vendor: VENDOR });
      if (isLightAgent(user, lightId)) return { changed: false, detail: 'already a light agent' };
      const patch = user.role === 'admin' ? { role: 'agent', custom_role_id: lightId } : { custom_role_id: lightId };
      await this.api.updateUser(id, patch);
      return { changed: true, restoreData, detail: `downgraded from ${user.role} to light agent` };
    }

    await this.api.updateUser(id, { role: 'end-user' });
    return { changed: true, restoreData, detail: `downgraded from ${user.role} to end-user` };
  }

  async restore(seat: SeatRef): Promise<void> {
    const id = userIdOf(seat);
    const previous = z.object({ role: z.enum(['agent', 'admin']), custom_role_id: z.number().int().nullish() }).safeParse(seat.restoreData);
    if (!previous.success) throw new VendorError('config', `no previous role recorded for Zendesk user ${id}: restore it by hand`, { vendor: VENDOR });
    const { role, custom_role_id } = previous.data;
    const user = await this.api.showUser(id);
    if (user.role === role && (role === 'admin' || custom_role_id == null || user.custom_role_id === custom_role_id)) return;
    const patch: Record<string, unknown> = { role };
    if (role === 'agent' && custom_role_id != null) patch.custom_role_id = custom_role_id;
    await this.api.updateUser(id, patch);
  }

  private async readUserOrGone(id: number): Promise<ZendeskUser | undefined> {
    try {
      return await this.api.showUser(id);
    } catch (err) {
      if (err instanceof VendorError && err.kind === 'not_found') return undefined;
      throw err;
    }
  }
}

export function createZendeskConnector(opts: ConnectorOptions): Connector {
  return new ZendeskConnector(opts);
}
