// The Slack Enterprise Grid connector: org-wide seats from admin.users.list, activity from member analytics
// (access logs as fallback), reclaim and restore through SCIM.
import { z } from 'zod';
import { VendorError, describeError } from '../../domain/errors.js';
import type { Connector, ReclaimOutcome, SeatRef, ValidationCheck, ValidationReport, VendorActivity, VendorSeat } from '../../domain/vendor.js';
import { HttpPolicy, PageGuard, type HttpPolicyOptions } from '../http.js';
import type { ConnectorOptions } from '../types.js';
import { AnalyticsUnavailable, accessLogActivity, analyticsActivity, analyticsUnavailable, utcDay, workspaceIds } from './activity.js';
import { SlackGridClient } from './client.js';
import { VENDOR, slackCodeOf } from './errors.js';
import { seatFromAdminUser } from './seats.js';
import { SCIM_PATCH_OP, accessLogsSchema, adminUsersListSchema, authTestSchema, scimListSchema, scimUserSchema, type AuthTest } from './wire.js';

export { SLACK_LICENSE_TYPES, licenseTypeOf, seatFromAdminUser } from './seats.js';

export const SLACK_API_URL = 'https://slack.com/api/';
export const SLACK_SCIM_URL = 'https://api.slack.com/scim/v2/';

/**
 * Default policy: admin.users.list is Tier 4 (100+/min); the Tier 2 methods (analytics, access logs, 20+/min)
 * are paced by Slack's own 429 + Retry-After, which the policy honours. SCIM reads allow 1000/min org-wide.
 */
export const SLACK_GRID_HTTP_DEFAULTS: HttpPolicyOptions = {
  vendor: VENDOR,
  maxConcurrency: 4,
  requestsPerMinute: 100,
  burst: 20,
  maxAttempts: 5,
  timeoutMs: 30_000,
};

/** Wait after `ok:false, error:"ratelimited"` on HTTP 200 when Slack sends no Retry-After (baton-slack uses 30 s). */
export const SLACK_RATELIMITED_DEFAULT_WAIT_MS = 30_000;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = (schema: z.ZodType<string>) => z.preprocess(blankToUndefined, schema.optional());

/** What the Slack Grid profile form accepts: authKind, params and secrets the connector reads. */
export const slackGridConnectionSchema = z
  .object({
    vendor: z.literal('slack_grid'),
    baseUrl: z.preprocess(blankToUndefined, z.url({ message: 'Enter the Slack API URL, e.g. https://slack.com/api/' }).default(SLACK_API_URL)),
    authKind: z.literal('oauth_user_token', { message: 'Slack Grid connects with an OAuth user token (oauth_user_token)' }),
    params: z.object({
      teamId: optionalText(z.string().regex(/^[TE][A-Z0-9]{2,}$/, { message: 'A workspace id looks like T0123ABCD' })),
      scimUrl: optionalText(z.url({ message: 'Enter the SCIM base URL, e.g. https://api.slack.com/scim/v2/' })),
      clientId: optionalText(z.string()),
    }),
    secrets: z.object({
      accessToken: z
        .string({ message: 'The org-wide user token is required' })
        .regex(/^xox(p-|e\.xoxp-)/, { message: 'Use the user token (xoxp-…) of the org-wide install, not a bot or app token' }),
      refreshToken: optionalText(z.string()),
      clientSecret: optionalText(z.string()),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.secrets.refreshToken && !(c.params.clientId && c.secrets.clientSecret)) {
      ctx.addIssue({ code: 'custom', path: ['params', 'clientId'], message: 'Token rotation needs the app client id and client secret' });
    }
  });
export type SlackGridConnection = z.infer<typeof slackGridConnectionSchema>;

interface Settings {
  downloadActivity: boolean;
  pageSize: number;
  accessLogPageSize: number;
  ratelimitedWaitMs: number;
}

function readSettings(s: Record<string, unknown> = {}): Settings {
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  return {
    downloadActivity: s.downloadActivity !== false,
    pageSize: num(s.pageSize, 100),
    accessLogPageSize: Math.min(1000, num(s.accessLogPageSize, 1000)),
    ratelimitedWaitMs: num(s.ratelimitedWaitMs, SLACK_RATELIMITED_DEFAULT_WAIT_MS),
  };
}

const NOT_GRID =
  'This token is not from an Enterprise Grid org-wide install (auth.test returned no enterprise_id). Install the app on the whole org as an Org Owner and use its user token.';

export class SlackGridConnector implements Connector {
  readonly vendor = 'slack_grid' as const;
  readonly policy: HttpPolicy;
  private readonly client: SlackGridClient;
  private readonly settings: Settings;
  private readonly teamId: string | undefined;
  private identity: AuthTest | undefined;

  constructor(opts: ConnectorOptions) {
    const parsed = slackGridConnectionSchema.safeParse(opts.connection);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VendorError('config', `${issue?.path.join('.') ?? 'connection'}: ${issue?.message ?? 'invalid'}`, { vendor: VENDOR });
    }
    const c = parsed.data;
    this.settings = readSettings(opts.settings);
    this.teamId = c.params.teamId;
    this.policy = new HttpPolicy({ ...SLACK_GRID_HTTP_DEFAULTS, ...opts.http, vendor: VENDOR });
    const refresh =
      c.secrets.refreshToken && c.params.clientId && c.secrets.clientSecret
        ? { refreshToken: c.secrets.refreshToken, clientId: c.params.clientId, clientSecret: c.secrets.clientSecret }
        : undefined;
    const secrets = opts.connection.secrets;
    this.client = new SlackGridClient({
      apiUrl: c.baseUrl,
      scimUrl: c.params.scimUrl ?? SLACK_SCIM_URL,
      accessToken: c.secrets.accessToken,
      refresh,
      policy: this.policy,
      ratelimitedWaitMs: this.settings.ratelimitedWaitMs,
      timeoutMs: opts.http?.timeoutMs ?? SLACK_GRID_HTTP_DEFAULTS.timeoutMs!,
      onTokens: opts.onTokens
        ? (t) => opts.onTokens!({ ...secrets, accessToken: t.accessToken, ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}) })
        : undefined,
    });
  }

  /** auth.test, refusing tokens that are not from a Grid org-wide install. */
  private async identify(): Promise<AuthTest> {
    if (this.identity) return this.identity;
    const who = await this.client.call('auth.test', {}, authTestSchema);
    if (!who.enterprise_id) throw new VendorError('config', NOT_GRID, { vendor: VENDOR, code: 'not_grid' });
    this.identity = who;
    return who;
  }

  async validate(): Promise<ValidationReport> {
    const checks: ValidationCheck[] = [];
    let who: AuthTest;
    try {
      who = await this.identify();
      checks.push({ name: 'Sign in (auth.test)', ok: true, detail: `${who.user ?? who.user_id} in enterprise ${who.enterprise_id}` });
    } catch (err) {
      checks.push({ name: 'Sign in (auth.test)', ok: false, detail: describeError(err) });
      return { ok: false, checks };
    }
    checks.push(
      await probe('Read users org-wide (admin.users.list)', async () => {
        await this.client.call('admin.users.list', { limit: 1, team_id: this.teamId }, adminUsersListSchema);
      }),
    );
    if (this.settings.downloadActivity) checks.push(await this.probeActivity());
    checks.push(
      await probe('Read users through SCIM (GET /Users)', async () => {
        const res = await this.client.scim('GET', 'Users?startIndex=1&count=1');
        scimListSchema.parse(res.body);
      }),
    );
    const host = who.url ? new URL(who.url).host : who.team;
    return {
      ok: checks.every((c) => c.ok),
      checks,
      account: `${who.user ?? who.user_id}${host ? ` on ${host}` : ''}`,
      integrationUserId: who.user_id,
    };
  }

  private async probeActivity(): Promise<ValidationCheck> {
    const name = 'Read activity (admin.analytics.getFile)';
    try {
      await this.client.memberFile(utcDay(Date.now() - 2 * 86_400_000));
      return { name, ok: true };
    } catch (err) {
      const code = slackCodeOf(err);
      if (code === 'file_not_yet_available' || code === 'file_not_found' || code === 'data_not_available') {
        return { name, ok: true, detail: `reachable (${code})` };
      }
      if (!analyticsUnavailable(err)) return { name, ok: false, detail: describeError(err) };
      const fallback = await probe('Read activity (team.accessLogs)', async () => {
        const [team] = await workspaceIds(this.client, this.teamId, 1);
        if (!team) throw new VendorError('config', 'the org has no workspace to read access logs from', { vendor: VENDOR });
        await this.client.call('team.accessLogs', { team_id: team, limit: 1 }, accessLogsSchema);
      });
      return { ...fallback, detail: `analytics unavailable (${code}); ${fallback.ok ? 'using access logs instead' : fallback.detail}` };
    }
  }

  async *subscriptions(): AsyncIterable<VendorSeat[]> {
    const who = await this.identify();
    // is_active defaults to true: a second pass with is_active=false lists the deactivated accounts.
    for (const isActive of [true, false]) {
      const guard = new PageGuard(VENDOR, `admin.users.list (is_active=${isActive})`);
      let cursor = '';
      for (;;) {
        const res = await this.client.call(
          'admin.users.list',
          { team_id: this.teamId, limit: this.settings.pageSize, is_active: isActive, cursor },
          adminUsersListSchema,
        );
        if (res.users.length > 0) {
          yield res.users.map((u) => seatFromAdminUser({ ...u, is_active: u.is_active ?? isActive }, who.user_id));
        }
        cursor = res.response_metadata?.next_cursor ?? '';
        if (!cursor) break;
        guard.next(cursor);
      }
    }
  }

  async *activity(since: Date): AsyncIterable<VendorActivity[]> {
    await this.identify();
    try {
      yield* analyticsActivity(this.client, since, Date.now());
    } catch (err) {
      if (!(err instanceof AnalyticsUnavailable)) throw err;
      yield* accessLogActivity(this.client, { since, teamId: this.teamId, pageSize: this.settings.accessLogPageSize });
    }
  }

  /** SCIM deactivation; a user already deactivated is a success without a second change. */
  async reclaim(seat: SeatRef): Promise<ReclaimOutcome> {
    const path = `Users/${encodeURIComponent(seat.userId)}`;
    const current = scimUserSchema.safeParse((await this.client.scim('GET', path)).body);
    if (!current.success) throw new VendorError('bad_response', `SCIM GET /Users/${seat.userId}: unexpected response`, { vendor: VENDOR });
    if (!current.data.active) return { changed: false, detail: 'already deactivated' };
    await this.client.scim('DELETE', path, undefined, [200, 204]);
    return { changed: true, detail: 'deactivated through SCIM' };
  }

  async restore(seat: SeatRef): Promise<void> {
    await this.client.scim('PATCH', `Users/${encodeURIComponent(seat.userId)}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    }, [200, 204]);
  }
}

async function probe(name: string, run: () => Promise<void>): Promise<ValidationCheck> {
  try {
    await run();
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, detail: describeError(err) };
  }
}

export function createSlackGridConnector(opts: ConnectorOptions): Connector {
  return new SlackGridConnector(opts);
}
