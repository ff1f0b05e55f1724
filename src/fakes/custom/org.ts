// The fake custom app's users: an array paged by index plus an id index, so 100k users page cheaply.
import { seededRandom } from '../demo-random.js';

export interface FakeCustomUser {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  /** owner | admin | member | viewer (viewer = free). */
  role: string;
  status: 'active' | 'deactivated';
  lastLoginAt: Date | null;
}

export type NewFakeUser = Partial<Omit<FakeCustomUser, 'email'>> & { email: string };

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Isla', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Nikhil', 'Olga', 'Pablo', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST = ['Adams', 'Berg', 'Costa', 'Diaz', 'Eriksen', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Quist', 'Rossi', 'Singh', 'Tanaka', 'Ueda', 'Varga', 'Weber', 'Xu', 'Young', 'Zhang'];

export class FakeCustomOrg {
  readonly users: FakeCustomUser[] = [];
  private readonly byId = new Map<string, number>();
  /** The user the fake's credentials belong to (answered by GET /me). */
  integrationUserId = 'u_integration';
  accountName = 'Demo Co';
  private nextId = 1;

  addUser(input: NewFakeUser): FakeCustomUser {
    const id = input.id ?? `u_${String(this.nextId++).padStart(6, '0')}`;
    const [given, family] = input.email.split('@')[0]!.split('.');
    const user: FakeCustomUser = {
      id,
      email: input.email,
      givenName: input.givenName ?? cap(given ?? 'User'),
      familyName: input.familyName ?? cap(family ?? id),
      role: input.role ?? 'member',
      status: input.status ?? 'active',
      lastLoginAt: input.lastLoginAt === undefined ? null : input.lastLoginAt,
    };
    this.byId.set(id, this.users.length);
    this.users.push(user);
    return user;
  }

  getUser(id: string): FakeCustomUser | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.users[i];
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  clear(): void {
    this.users.length = 0;
    this.byId.clear();
    this.nextId = 1;
  }

  /**
   * A believable company: one owner, a few admins, mostly members, some free viewers; ~5% deactivated;
   * last logins spread over the last year (most recent, a long stale tail) and ~8% never.
   */
  seedDemo(n: number, opts: { domain?: string; seed?: number; now?: Date } = {}): FakeCustomUser[] {
    const rand = seededRandom(opts.seed ?? 42);
    const domain = opts.domain ?? 'demo-company.example';
    const now = (opts.now ?? new Date()).getTime();
    const added: FakeCustomUser[] = [];
    const used = new Set<string>();
    for (let k = 0; k < n; k++) {
      const given = FIRST[Math.floor(rand() * FIRST.length)]!;
      const family = LAST[Math.floor(rand() * LAST.length)]!;
      let local = `${given}.${family}`.toLowerCase();
      if (used.has(local)) local = `${local}${k}`;
      used.add(local);
      const r = rand();
      const role = k === 0 ? 'owner' : r < 0.04 ? 'admin' : r < 0.82 ? 'member' : 'viewer';
      const status = k > 0 && rand() < 0.05 ? 'deactivated' : 'active';
      const a = rand();
      const daysAgo = a < 0.08 ? null : a < 0.6 ? rand() * 30 : a < 0.85 ? 30 + rand() * 90 : 120 + rand() * 245;
      added.push(
        this.addUser({
          email: `${local}@${domain}`,
          givenName: given,
          familyName: family,
          role,
          status,
          lastLoginAt: daysAgo === null ? null : new Date(Math.round(now - daysAgo * 86_400_000)),
        }),
      );
    }
    return added;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The app's own JSON for a user: every last-activity format side by side so definitions can pick one. */
export function userJson(u: FakeCustomUser): Record<string, unknown> {
  const ms = u.lastLoginAt?.getTime() ?? null;
  return {
    id: u.id,
    email: u.email,
    emails: [
      { value: `${u.email.split('@')[0]}@alias.${u.email.split('@')[1]}`, primary: false },
      { value: u.email, primary: true },
    ],
    profile: { first_name: u.givenName, last_name: u.familyName, display_name: `${u.givenName} ${u.familyName}` },
    role: u.role,
    status: u.status,
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    last_seen_s: ms === null ? null : Math.floor(ms / 1000),
    last_seen_ms: ms,
    last_login_date: u.lastLoginAt?.toISOString().slice(0, 10) ?? null,
  };
}

export const SCIM_ACTIVITY_SCHEMA = 'urn:example:params:scim:schemas:extension:activity:2.0:User';

export function scimUserJson(u: FakeCustomUser): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', SCIM_ACTIVITY_SCHEMA],
    id: u.id,
    userName: u.email,
    name: { givenName: u.givenName, familyName: u.familyName, formatted: `${u.givenName} ${u.familyName}` },
    emails: [{ value: u.email, primary: true, type: 'work' }],
    active: u.status === 'active',
    roles: [{ value: u.role, primary: true }],
    [SCIM_ACTIVITY_SCHEMA]: { lastLoginAt: u.lastLoginAt?.toISOString() ?? null },
    meta: { resourceType: 'User' },
  };
}
