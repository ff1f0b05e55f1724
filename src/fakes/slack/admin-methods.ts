// The Web API methods the Grid connector uses: auth.test, admin.users.*, admin.teams.list,
// admin.analytics.getFile, team.accessLogs, users.list and oauth.v2.access (token rotation).
import { gzipSync } from 'node:zlib';
import { toUtcDay, type FakeSlackUser, type FakeSlackOrg } from './org.js';
import { RawReply, slackError, type SlackMethodCall, type SlackMethodDef } from './server.js';

const encodeCursor = (kind: string, ...parts: number[]) => Buffer.from(`${kind}:${parts.join(':')}`).toString('base64');

/** The numbers inside a cursor of this kind; undefined when it is not one of ours. */
function decodeCursor(kind: string, cursor: string | undefined): number[] | undefined | 'invalid' {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const [k, ...parts] = text.split(':');
  const nums = parts.map(Number);
  if (k !== kind || nums.length === 0 || nums.some((n) => !Number.isInteger(n) || n < 0)) return 'invalid';
  return nums;
}

function nextCursor(call: SlackMethodCall, next: string): string {
  // A paging loop on request: hand back the cursor the client just sent.
  return call.fake.repeatCursor.has(call.method) && call.args.cursor ? call.args.cursor : next;
}

const clampLimit = (raw: string | undefined, dflt: number, max: number) => Math.min(max, Math.max(1, Number(raw ?? dflt) || dflt));

export function adminUser(u: FakeSlackUser) {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    full_name: u.fullName,
    is_admin: u.isAdmin,
    is_owner: u.isOwner,
    is_primary_owner: u.isPrimaryOwner,
    is_restricted: u.isRestricted,
    is_ultra_restricted: u.isUltraRestricted,
    is_bot: u.isBot,
    is_active: u.active,
    date_created: u.createdTs,
    ...(u.deactivatedTs ? { deactivated_ts: u.deactivatedTs } : {}),
    workspaces: u.workspaces,
    roles: [],
    has_2fa: false,
    has_sso: true,
  };
}

export function usersListMember(org: FakeSlackOrg, u: FakeSlackUser, teamId: string) {
  return {
    id: u.id,
    team_id: teamId,
    name: u.username,
    real_name: u.fullName,
    deleted: !u.active,
    is_bot: u.isBot,
    is_app_user: false,
    is_admin: u.isAdmin,
    is_owner: u.isOwner,
    is_primary_owner: u.isPrimaryOwner,
    is_restricted: u.isRestricted,
    is_ultra_restricted: u.isUltraRestricted,
    profile: { email: u.email, real_name: u.fullName, display_name: u.username },
    enterprise_user: { id: u.id, enterprise_id: org.enterpriseId, enterprise_name: org.name, is_admin: u.isAdmin, is_owner: u.isOwner, is_primary_owner: u.isPrimaryOwner, teams: u.workspaces },
  };
}

function requireGrid(call: SlackMethodCall) {
  return call.identity?.enterprise === false ? slackError('feature_not_enabled') : undefined;
}

const authTest: SlackMethodDef = {
  handle(call) {
    const { fake, identity } = call;
    const org = fake.org;
    const user = org.user(identity!.userId);
    const grid = identity!.enterprise;
    return {
      ok: true,
      url: `https://${grid ? org.domain : (org.workspaces[0]?.domain ?? 'workspace') + '.slack.example'}/`,
      team: grid ? org.name : org.workspaces[0]?.name,
      user: user?.username ?? identity!.userId,
      team_id: identity!.teamId ?? (grid ? org.enterpriseId : org.workspaces[0]?.id),
      user_id: identity!.userId,
      ...(grid ? { enterprise_id: org.enterpriseId, is_enterprise_install: true } : { is_enterprise_install: false }),
      ...(identity!.botId ? { bot_id: identity!.botId } : {}),
    };
  },
};

const adminUsersList: SlackMethodDef = {
  scope: 'admin.users:read',
  handle(call) {
    const refused = requireGrid(call);
    if (refused) return refused;
    const { org } = call.fake;
    const team = call.args.team_id;
    if (team && !org.workspaces.some((w) => w.id === team)) return slackError('team_not_found');
    const limit = clampLimit(call.args.limit, 100, 1000);
    const wantActive = call.args.is_active !== 'false';
    const cur = decodeCursor('users', call.args.cursor);
    if (cur === 'invalid') return slackError('invalid_cursor');
    let i = cur?.[0] ?? 0;
    const users: ReturnType<typeof adminUser>[] = [];
    for (; i < org.users.length && users.length < limit; i++) {
      const u = org.users[i]!;
      if (u.active === wantActive && (!team || u.workspaces.includes(team))) users.push(adminUser(u));
    }
    const next = i < org.users.length ? encodeCursor('users', i) : '';
    return { ok: true, users, response_metadata: { next_cursor: nextCursor(call, next) } };
  },
};

const adminTeamsList: SlackMethodDef = {
  scope: 'admin.teams:read',
  handle(call) {
    const refused = requireGrid(call);
    if (refused) return refused;
    const { workspaces } = call.fake.org;
    const limit = clampLimit(call.args.limit, 100, 100);
    const cur = decodeCursor('teams', call.args.cursor);
    if (cur === 'invalid') return slackError('invalid_cursor');
    const start = cur?.[0] ?? 0;
    const teams = workspaces.slice(start, start + limit).map((w) => ({ id: w.id, name: w.name, domain: w.domain, discoverability: 'open' }));
    const next = start + limit < workspaces.length ? encodeCursor('teams', start + limit) : '';
    return { ok: true, teams, response_metadata: { next_cursor: nextCursor(call, next) } };
  },
};

/** Built files per org and day, reused while the org is unchanged (a 100k-member file takes ~1.5 s to build). */
const fileCache = new WeakMap<FakeSlackOrg, Map<string, { version: number; gz: Buffer }>>();

const analyticsGetFile: SlackMethodDef = {
  scope: 'admin.analytics:read',
  handle(call) {
    const refused = requireGrid(call);
    if (refused) return refused;
    const { org } = call.fake;
    if (org.analytics.unavailable) return slackError(org.analytics.unavailable);
    if (call.args.type !== 'member') return slackError('invalid_type');
    const date = call.args.date ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) return slackError('invalid_date');
    const today = toUtcDay(new Date());
    if (date >= today || org.analytics.notYetAvailable.has(date)) return slackError('file_not_yet_available');
    const firstDay = org.analytics.firstDay ?? toUtcDay(new Date(Date.now() - 395 * 86_400_000));
    if (date < firstDay) return slackError('data_not_available');
    const cached = fileCache.get(org)?.get(date);
    if (cached && cached.version === org.version) return new RawReply(200, cached.gz, 'application/gzip');
    const dayEnd = Date.parse(`${date}T23:59:59Z`) / 1000;
    const lines: string[] = [];
    for (const u of org.users) {
      if (u.isBot || u.id === 'USLACKBOT' || u.createdTs > dayEnd) continue;
      if (!u.active && u.deactivatedTs !== null && u.deactivatedTs < dayEnd - 86_399) continue;
      const active = u.activeDays.has(date);
      lines.push(
        JSON.stringify({
          enterprise_id: org.enterpriseId,
          team_id: u.workspaces[0],
          date,
          user_id: u.id,
          email_address: u.email,
          is_guest: u.isRestricted || u.isUltraRestricted,
          is_billable_seat: !u.isUltraRestricted,
          is_active: active,
          is_active_ios: false,
          is_active_android: false,
          is_active_desktop: active,
          messages_posted_count: active ? 3 : 0,
          channel_messages_posted_count: active ? 2 : 0,
          reactions_added_count: 0,
          files_added_count: 0,
          total_calls_count: 0,
          search_count: active ? 1 : 0,
          date_claimed: u.createdTs,
        }),
      );
    }
    const gz = gzipSync(lines.join('\n'));
    let byDate = fileCache.get(org);
    if (!byDate || byDate.size > 40) fileCache.set(org, (byDate = new Map()));
    byDate.set(date, { version: org.version, gz });
    return new RawReply(200, gz, 'application/gzip');
  },
};

interface LoginRow {
  user_id: string;
  username: string;
  date_first: number;
  date_last: number;
  count: number;
  ip: string;
  user_agent: string;
  isp: string;
  country: string;
  region: string;
}

const loginCache = new WeakMap<FakeSlackOrg, Map<string, { version: number; rows: LoginRow[] }>>();

/** Access-log rows of one workspace, newest date_last first: desktop on the last active day, iOS on the one before. */
function loginRows(org: FakeSlackOrg, team: string): LoginRow[] {
  let byTeam = loginCache.get(org);
  if (!byTeam) loginCache.set(org, (byTeam = new Map()));
  const hit = byTeam.get(team);
  if (hit && hit.version === org.version) return hit.rows;
  const rows: LoginRow[] = [];
  for (const u of org.users) {
    if (!u.workspaces.includes(team) || u.activeDays.size === 0) continue;
    const days = [...u.activeDays].sort().reverse();
    const row = (day: string, hour: number, agent: string, ip: string): LoginRow => {
      const t = Date.parse(`${day}T00:00:00Z`) / 1000 + hour * 3600;
      return { user_id: u.id, username: u.username, date_first: t - 3600, date_last: t, count: 3, ip, user_agent: agent, isp: 'Demo ISP', country: 'US', region: 'CA' };
    };
    rows.push(row(days[0]!, 15, 'Slack_SSB/4.41 (Mac OS X)', '203.0.113.10'));
    if (days[1]) rows.push(row(days[1], 9, 'com.tinyspeck.chatlyio/24.10 (iPhone; iOS 17)', '198.51.100.7'));
  }
  rows.sort((a, b) => b.date_last - a.date_last);
  byTeam.set(team, { version: org.version, rows });
  return rows;
}

const teamAccessLogs: SlackMethodDef = {
  scope: 'admin',
  handle(call) {
    const { org } = call.fake;
    const team = call.args.team_id ?? (call.identity?.enterprise ? undefined : org.workspaces[0]?.id);
    if (!team) return slackError('invalid_arguments');
    if (!org.workspaces.some((w) => w.id === team)) return slackError('team_not_found');
    const limit = Number(call.args.limit ?? 100) || 100;
    if (limit > 1000) return slackError('over_pagination_limit');
    const cur = decodeCursor('logins', call.args.cursor);
    if (cur === 'invalid') return slackError('invalid_cursor');
    const page = (cur?.[1] ?? 0) + 1;
    if (page > 100) return slackError('over_pagination_limit');
    const rows = loginRows(org, team);
    let start = cur?.[0];
    if (start === undefined) {
      const before = call.args.before ? Number(call.args.before) : Number.POSITIVE_INFINITY;
      start = firstAtOrBefore(rows, before);
    }
    const logins = rows.slice(start, start + limit);
    const next = start + limit < rows.length ? encodeCursor('logins', start + limit, page) : '';
    return {
      ok: true,
      logins,
      paging: { count: limit, total: rows.length, page, pages: Math.ceil(rows.length / limit) },
      response_metadata: { next_cursor: nextCursor(call, next) },
    };
  },
};

/** Binary search in rows sorted by date_last descending. */
function firstAtOrBefore(rows: LoginRow[], before: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.date_last > before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const adminUsersRemove: SlackMethodDef = {
  scope: 'admin.users:write',
  handle(call) {
    const refused = requireGrid(call);
    if (refused) return refused;
    const { org } = call.fake;
    const user = call.args.user_id ? org.user(call.args.user_id) : undefined;
    if (!call.args.team_id || !call.args.user_id) return slackError('invalid_arguments');
    if (!user) return slackError('user_not_found');
    if (user.isPrimaryOwner) return slackError('cannot_modify_primary_owner');
    const i = user.workspaces.indexOf(call.args.team_id);
    if (i < 0) return slackError('failed_to_remove_user_from_workspace');
    user.workspaces.splice(i, 1);
    user.changes++;
    org.version++;
    return { ok: true };
  },
};

const usersList: SlackMethodDef = {
  scope: 'users:read',
  handle(call) {
    const { org } = call.fake;
    const team = call.args.team_id ?? org.workspaces[0]!.id;
    const limit = clampLimit(call.args.limit, 1000, 1000);
    const cur = decodeCursor('members', call.args.cursor);
    if (cur === 'invalid') return slackError('invalid_cursor');
    let i = cur?.[0] ?? 0;
    const members: ReturnType<typeof usersListMember>[] = [];
    for (; i < org.users.length && members.length < limit; i++) {
      const u = org.users[i]!;
      if (u.workspaces.includes(team)) members.push(usersListMember(org, u, team));
    }
    const next = i < org.users.length ? encodeCursor('members', i) : '';
    return { ok: true, members, cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: nextCursor(call, next) } };
  },
};

const oauthV2Access: SlackMethodDef = {
  auth: 'none',
  handle(call) {
    const { fake, args } = call;
    let clientId = args.client_id;
    let clientSecret = args.client_secret;
    const basic = call.req.headers.authorization;
    if (basic?.startsWith('Basic ')) [clientId, clientSecret] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    if (clientId !== fake.oauthApp.clientId) return slackError('invalid_client_id');
    if (clientSecret !== fake.oauthApp.clientSecret) return slackError('bad_client_secret');
    if (args.grant_type !== 'refresh_token') return slackError('invalid_grant_type');
    const renews = args.refresh_token ? fake.refreshTokens.get(args.refresh_token) : undefined;
    if (!renews || !fake.tokens.has(renews)) return slackError('invalid_refresh_token');
    fake.refreshTokens.delete(args.refresh_token!);
    const { accessToken, refreshToken, identity } = fake.rotate(renews);
    return {
      ok: true,
      app_id: 'A0FAKEAPP1',
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'user',
      expires_in: 43_200,
      scope: identity.scopes === 'all' ? 'admin,admin.users:read,admin.users:write,admin.analytics:read,admin.teams:read' : identity.scopes.join(','),
      enterprise: { id: fake.org.enterpriseId, name: fake.org.name },
      is_enterprise_install: identity.enterprise,
    };
  },
};

export const GRID_ADMIN_METHODS: Record<string, SlackMethodDef> = {
  'auth.test': authTest,
  'admin.users.list': adminUsersList,
  'admin.teams.list': adminTeamsList,
  'admin.analytics.getFile': analyticsGetFile,
  'team.accessLogs': teamAccessLogs,
  'admin.users.remove': adminUsersRemove,
  'users.list': usersList,
  'oauth.v2.access': oauthV2Access,
};
