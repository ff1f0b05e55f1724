// Last activity per Slack user: daily member analytics files first, workspace access logs when the org
// cannot use analytics.
import { VendorError } from '../../domain/errors.js';
import type { VendorActivity } from '../../domain/vendor.js';
import { PageGuard } from '../http.js';
import type { SlackGridClient } from './client.js';
import { VENDOR, slackCodeOf } from './errors.js';
import { accessLogsSchema, adminTeamsListSchema } from './wire.js';

const DAY_MS = 86_400_000;
/** Slack keeps member analytics for a rolling 13 months. */
const ANALYTICS_MONTHS = 13;
/** Days with no file yet (the newest) or no file at all are skipped, not failures. */
const SKIP_DAY = new Set(['file_not_yet_available', 'file_not_found']);
/** Analytics cannot be used by this org or token: read access logs instead. */
export const ANALYTICS_UNAVAILABLE = new Set([
  'member_analytics_disabled',
  'feature_not_available',
  'feature_not_enabled',
  'org_level_email_display_disabled',
  'not_an_admin',
  'missing_scope',
  'not_allowed_token_type',
  'no_permission',
]);
/** Slack's access-log paging stops after 100 pages; walk further back with `before`. */
const ACCESS_LOG_PAGE_CAP = 100;
const YIELD_CHUNK = 1000;

export function utcDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function analyticsUnavailable(err: unknown): boolean {
  const code = slackCodeOf(err);
  return code !== undefined && ANALYTICS_UNAVAILABLE.has(code);
}

/**
 * Scans member files from yesterday back to `since` (at most 13 months). Files go newest first, so the
 * first active day found for a user is their last. The scan stops early once every user seen in any file
 * has a date: older files can only hold older days for them.
 */
export async function* analyticsActivity(client: SlackGridClient, since: Date, now: number): AsyncGenerator<VendorActivity[]> {
  const oldestKept = new Date(now);
  oldestKept.setUTCMonth(oldestKept.getUTCMonth() - ANALYTICS_MONTHS);
  const stopAt = utcDay(Math.max(since.getTime(), oldestKept.getTime()));
  const seen = new Set<string>();
  const found = new Set<string>();
  let filesRead = 0;
  for (let t = now - DAY_MS; utcDay(t) >= stopAt; t -= DAY_MS) {
    const date = utcDay(t);
    let file;
    try {
      file = await client.memberFile(date);
    } catch (err) {
      const code = slackCodeOf(err);
      if (code && SKIP_DAY.has(code)) continue;
      if (code === 'data_not_available') break;
      if (filesRead === 0 && analyticsUnavailable(err)) throw new AnalyticsUnavailable(err as VendorError);
      throw err;
    }
    filesRead++;
    const at = new Date(`${date}T00:00:00.000Z`);
    const page: VendorActivity[] = [];
    for (const line of file) {
      seen.add(line.user_id);
      if (line.is_active && !found.has(line.user_id)) {
        found.add(line.user_id);
        page.push({ userId: line.user_id, lastActivityAt: at });
      }
    }
    if (page.length > 0) yield page;
    if (found.size === seen.size && seen.size > 0) break;
  }
}

/** Thrown before any analytics data was read, so the caller can switch to access logs cleanly. */
export class AnalyticsUnavailable extends Error {
  constructor(override readonly cause: VendorError) {
    super(cause.message);
  }
}

export async function workspaceIds(client: SlackGridClient, teamId: string | undefined, pageSize: number): Promise<string[]> {
  if (teamId) return [teamId];
  const ids: string[] = [];
  const guard = new PageGuard(VENDOR, 'admin.teams.list');
  let cursor = '';
  for (;;) {
    const res = await client.call('admin.teams.list', { limit: Math.min(pageSize, 100), cursor }, adminTeamsListSchema);
    ids.push(...res.teams.map((t) => t.id));
    cursor = res.response_metadata?.next_cursor ?? '';
    if (!cursor) return ids;
    guard.next(cursor);
  }
}

/**
 * Last login per user from `team.accessLogs` of each workspace: max(date_last) over the user's rows.
 * Rows come newest first, so a workspace is read until its rows are older than `since`.
 */
export async function* accessLogActivity(
  client: SlackGridClient,
  opts: { since: Date; teamId?: string; pageSize: number },
): AsyncGenerator<VendorActivity[]> {
  const sinceSec = Math.floor(opts.since.getTime() / 1000);
  const last = new Map<string, number>();
  for (const team of await workspaceIds(client, opts.teamId, opts.pageSize)) {
    await readWorkspaceLogs(client, team, sinceSec, Math.min(opts.pageSize, 1000), last);
  }
  let page: VendorActivity[] = [];
  for (const [userId, sec] of last) {
    page.push({ userId, lastActivityAt: new Date(sec * 1000) });
    if (page.length >= YIELD_CHUNK) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

async function readWorkspaceLogs(client: SlackGridClient, team: string, sinceSec: number, limit: number, last: Map<string, number>): Promise<void> {
  let before: number | undefined;
  for (;;) {
    const guard = new PageGuard(VENDOR, `team.accessLogs ${team}`, ACCESS_LOG_PAGE_CAP);
    let cursor = '';
    let oldest = Number.POSITIVE_INFINITY;
    let pages = 0;
    let windowFull = false;
    for (;;) {
      let res;
      try {
        res = await client.call('team.accessLogs', { team_id: team, limit, cursor, before }, accessLogsSchema);
      } catch (err) {
        if (slackCodeOf(err) === 'over_pagination_limit' && pages > 0) {
          windowFull = true;
          break;
        }
        throw err;
      }
      pages++;
      let reachedSince = false;
      for (const row of res.logins) {
        if (row.date_last < sinceSec) {
          reachedSince = true;
          continue;
        }
        oldest = Math.min(oldest, row.date_last);
        if ((last.get(row.user_id) ?? 0) < row.date_last) last.set(row.user_id, row.date_last);
      }
      if (reachedSince) return;
      cursor = res.response_metadata?.next_cursor ?? '';
      if (!cursor) return;
      if (pages >= ACCESS_LOG_PAGE_CAP) {
        windowFull = true;
        break;
      }
      guard.next(cursor);
    }
    if (!windowFull || !Number.isFinite(oldest)) return;
    // Rows at exactly `oldest` may be read twice (before is inclusive); max() makes that harmless.
    const next = before !== undefined && oldest >= before ? before - 1 : oldest;
    if (before !== undefined && next >= before) {
      throw new VendorError('bad_response', `team.accessLogs ${team}: paging by date did not move back in time`, { vendor: VENDOR });
    }
    before = next;
  }
}
