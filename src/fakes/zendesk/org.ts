// The fake Zendesk account: users kept sorted by id for index-based paging, agent roles, role changes.

export type FakeZendeskRole = 'end-user' | 'agent' | 'admin';

export interface FakeZendeskUser {
  id: number;
  name: string;
  email: string;
  role: FakeZendeskRole;
  /** 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin; null for end-users. */
  role_type: number | null;
  custom_role_id: number | null;
  /** false = deleted (soft). */
  active: boolean;
  suspended: boolean;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  restricted_agent: boolean;
  chat_only: boolean;
}

export interface FakeCustomRole {
  id: number;
  name: string;
  description: string;
  role_type: number;
  created_at: string;
  updated_at: string;
}

export interface NewFakeUser {
  name?: string;
  email: string;
  role?: FakeZendeskRole;
  /** Shortcut for an agent on the Light agent role. */
  lightAgent?: boolean;
  customRoleId?: number;
  active?: boolean;
  suspended?: boolean;
  lastLoginAt?: Date | string | null;
  createdAt?: Date | string;
}

/** A 422 as Zendesk words it: `{error:'RecordInvalid', description, details}`. */
export class RecordInvalid extends Error {
  constructor(readonly details: Record<string, Array<{ description: string; error: string }>>) {
    super('Record validation errors');
  }
}

const ROLE_TYPE_ADMIN = 4;
const ROLES: readonly FakeZendeskRole[] = ['end-user', 'agent', 'admin'];

function iso(d: Date | string): string {
  return (typeof d === 'string' ? new Date(d) : d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class FakeZendeskOrg {
  /** Sorted by id (ids only grow), so a page starts with a binary search instead of a scan. */
  private readonly sorted: FakeZendeskUser[] = [];
  private readonly byId = new Map<number, FakeZendeskUser>();
  private readonly byEmail = new Map<string, FakeZendeskUser>();
  private nextUserId = 10_000_000_001;
  readonly customRoles: FakeCustomRole[];

  constructor(private readonly now: () => Date = () => new Date()) {
    const created = iso('2020-01-15T09:00:00Z');
    const role = (id: number, name: string, role_type: number, description: string): FakeCustomRole => ({ id, name, description, role_type, created_at: created, updated_at: created });
    this.customRoles = [
      role(360_000_001, 'Staff', 0, 'Can edit tickets within their groups'),
      role(360_000_002, 'Team lead', 0, 'Can manage all tickets and moderate the help center'),
      role(360_000_003, 'Advisor', 0, 'Can set up workflows but cannot edit tickets'),
      role(360_000_004, 'Light agent', 1, 'Can view and add private comments to tickets'),
      role(360_000_005, 'Contributor', 3, 'Can answer chats and calls'),
    ];
  }

  get staffRole(): FakeCustomRole {
    return this.customRoles[0]!;
  }

  get lightAgentRole(): FakeCustomRole {
    return this.customRoles.find((r) => r.role_type === 1)!;
  }

  get size(): number {
    return this.sorted.length;
  }

  user(id: number): FakeZendeskUser | undefined {
    return this.byId.get(id);
  }

  userByEmail(email: string): FakeZendeskUser | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  /** Every user in id order (read-only view). */
  users(): readonly FakeZendeskUser[] {
    return this.sorted;
  }

  addUser(input: NewFakeUser): FakeZendeskUser {
    const email = input.email.toLowerCase();
    if (this.byEmail.has(email)) throw new Error(`fake Zendesk: a user with email ${email} exists`);
    const role: FakeZendeskRole = input.lightAgent ? 'agent' : (input.role ?? 'end-user');
    const created = iso(input.createdAt ?? this.now());
    const user: FakeZendeskUser = {
      id: this.nextUserId++,
      name: input.name ?? email.split('@')[0]!,
      email,
      role,
      role_type: null,
      custom_role_id: null,
      active: input.active ?? true,
      suspended: input.suspended ?? false,
      last_login_at: input.lastLoginAt == null ? null : iso(input.lastLoginAt),
      created_at: created,
      updated_at: created,
      restricted_agent: false,
      chat_only: false,
    };
    this.applyRole(user, role, input.lightAgent ? this.lightAgentRole.id : input.customRoleId);
    this.sorted.push(user);
    this.byId.set(user.id, user);
    this.byEmail.set(email, user);
    return user;
  }

  /** Soft delete, as DELETE /users/{id} does: the user stays listed with active=false and keeps its role. */
  deleteUser(id: number): void {
    const user = this.byId.get(id);
    if (user) user.active = false;
  }

  /** PUT /users/{id} semantics for the fields the connector changes. Throws RecordInvalid like a 422. */
  updateUser(id: number, patch: Record<string, unknown>): FakeZendeskUser | undefined {
    const user = this.byId.get(id);
    if (!user) return undefined;
    const role = patch.role;
    const customRoleId = patch.custom_role_id;
    if (role !== undefined && (typeof role !== 'string' || !ROLES.includes(role as FakeZendeskRole))) {
      throw new RecordInvalid({ role: [{ description: 'Role: is not valid', error: 'InvalidValue' }] });
    }
    if (customRoleId !== undefined && customRoleId !== null && !this.customRoles.some((r) => r.id === customRoleId)) {
      throw new RecordInvalid({ custom_role_id: [{ description: 'Custom role: is invalid', error: 'InvalidValue' }] });
    }
    if (role !== undefined || customRoleId !== undefined) {
      const nextRole = (role as FakeZendeskRole | undefined) ?? (typeof customRoleId === 'number' ? 'agent' : user.role);
      this.applyRole(user, nextRole, typeof customRoleId === 'number' ? customRoleId : nextRole === user.role ? (user.custom_role_id ?? undefined) : undefined);
    }
    if (typeof patch.suspended === 'boolean') user.suspended = patch.suspended;
    if (typeof patch.name === 'string') user.name = patch.name;
    user.updated_at = iso(this.now());
    return user;
  }

  private applyRole(user: FakeZendeskUser, role: FakeZendeskRole, customRoleId: number | undefined): void {
    user.role = role;
    if (role === 'end-user') {
      user.role_type = null;
      user.custom_role_id = null;
    } else if (role === 'admin') {
      user.role_type = ROLE_TYPE_ADMIN;
      user.custom_role_id = null;
    } else {
      const agentRole = this.customRoles.find((r) => r.id === customRoleId) ?? this.staffRole;
      user.custom_role_id = agentRole.id;
      user.role_type = agentRole.role_type;
    }
  }

  /** Index of the first user with id > afterId. */
  private indexAfter(afterId: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Up to `size` users after `afterId` whose role is in `roles` (all when empty), and whether more follow.
   * Scans forward from a binary search: cost follows the page, not the account.
   */
  pageAfter(afterId: number, size: number, roles: ReadonlySet<string>): { users: FakeZendeskUser[]; hasMore: boolean } {
    const users: FakeZendeskUser[] = [];
    for (let i = this.indexAfter(afterId); i < this.sorted.length; i++) {
      const u = this.sorted[i]!;
      if (roles.size > 0 && !roles.has(u.role)) continue;
      if (users.length === size) return { users, hasMore: true };
      users.push(u);
    }
    return { users, hasMore: false };
  }

  /** Offset paging (no page[size]): skips `offset` matches then takes `size`. */
  pageAt(offset: number, size: number, roles: ReadonlySet<string>): { users: FakeZendeskUser[]; hasMore: boolean; count: number } {
    const users: FakeZendeskUser[] = [];
    let seen = 0;
    for (const u of this.sorted) {
      if (roles.size > 0 && !roles.has(u.role)) continue;
      if (seen >= offset && users.length < size) users.push(u);
      seen++;
    }
    return { users, hasMore: seen > offset + users.length, count: seen };
  }
}
