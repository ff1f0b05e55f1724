// The in-memory Grid org behind the fake Slack: workspaces, members, their active days.
export interface FakeSlackWorkspace {
  id: string;
  name: string;
  domain: string;
}

export interface FakeSlackUser {
  id: string;
  username: string;
  fullName: string;
  email: string;
  isAdmin: boolean;
  isOwner: boolean;
  isPrimaryOwner: boolean;
  /** Multi-channel guest when true and not ultra-restricted. */
  isRestricted: boolean;
  /** Single-channel guest. */
  isUltraRestricted: boolean;
  isBot: boolean;
  active: boolean;
  deactivatedTs: number | null;
  createdTs: number;
  workspaces: string[];
  /** UTC days (YYYY-MM-DD) on which the member was active. */
  activeDays: Set<string>;
  /** State changes made through the API (deactivate, reactivate), so tests can tell a no-op from a change. */
  changes: number;
}

export type NewFakeSlackUser = Partial<Omit<FakeSlackUser, 'activeDays' | 'changes'>> & { activeDays?: Iterable<string | Date> };

export function toUtcDay(d: string | Date): string {
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

export class FakeSlackOrg {
  enterpriseId = 'E0DEMOGRID';
  name = 'Demo Grid';
  domain = 'demo-grid.example';
  readonly workspaces: FakeSlackWorkspace[] = [
    { id: 'T0DEMO0001', name: 'Demo HQ', domain: 'demo-hq' },
    { id: 'T0DEMO0002', name: 'Demo Sales', domain: 'demo-sales' },
  ];
  /** Kept in insertion order: cursors are indexes into this array. */
  readonly users: FakeSlackUser[] = [];
  private readonly byId = new Map<string, FakeSlackUser>();
  private nextId = 1;
  /** Bumped on every change, so derived views (access logs) can be cached. */
  version = 0;

  /** Analytics behaviour: an org-level error code for every file, days without a file yet, the first day with data. */
  readonly analytics: { unavailable?: string; notYetAvailable: Set<string>; firstDay?: string } = { notYetAvailable: new Set() };

  addUser(u: NewFakeSlackUser = {}): FakeSlackUser {
    const n = this.nextId++;
    const id = u.id ?? `W0${n.toString(36).toUpperCase().padStart(7, '0')}`;
    if (this.byId.has(id)) throw new Error(`fake Slack: user ${id} exists`);
    const username = u.username ?? `user${n}`;
    const user: FakeSlackUser = {
      id,
      username,
      fullName: u.fullName ?? `User ${n}`,
      email: u.email ?? `${username}@${this.domain}`,
      isAdmin: u.isAdmin ?? false,
      isOwner: u.isOwner ?? false,
      isPrimaryOwner: u.isPrimaryOwner ?? false,
      isRestricted: u.isRestricted ?? false,
      isUltraRestricted: u.isUltraRestricted ?? false,
      isBot: u.isBot ?? false,
      active: u.active ?? true,
      deactivatedTs: u.deactivatedTs ?? (u.active === false ? Math.floor(Date.now() / 1000) - 86_400 : null),
      createdTs: u.createdTs ?? Math.floor(Date.now() / 1000) - 400 * 86_400,
      workspaces: u.workspaces ?? [this.workspaces[0]!.id],
      activeDays: new Set([...(u.activeDays ?? [])].map(toUtcDay)),
      changes: 0,
    };
    this.users.push(user);
    this.byId.set(id, user);
    this.version++;
    return user;
  }

  user(id: string): FakeSlackUser | undefined {
    return this.byId.get(id);
  }

  mustUser(id: string): FakeSlackUser {
    const u = this.byId.get(id);
    if (!u) throw new Error(`fake Slack: no user ${id}`);
    return u;
  }

  setActiveDays(id: string, days: Iterable<string | Date>): void {
    this.mustUser(id).activeDays = new Set([...days].map(toUtcDay));
    this.version++;
  }

  /** Deactivates (or reactivates) an account as SCIM does; returns false when nothing changed. */
  setActive(id: string, active: boolean): boolean {
    const u = this.mustUser(id);
    if (u.active === active) return false;
    u.active = active;
    u.deactivatedTs = active ? null : Math.floor(Date.now() / 1000);
    u.changes++;
    this.version++;
    return true;
  }

  lastActiveDay(u: FakeSlackUser): string | undefined {
    let last: string | undefined;
    for (const d of u.activeDays) if (!last || d > last) last = d;
    return last;
  }
}
