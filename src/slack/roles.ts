// Who may do what: admins (create, edit, validate, publish, sync, edit rules) and approvers (approve, exclude),
// from configured Slack user ids or user groups. Admins are approvers too. Refusals are audited.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';

export type Role = 'admin' | 'approver';

export interface RolesOptions {
  adminIds: readonly string[];
  approverIds: readonly string[];
  /** Slack user group ids (S0123…) whose members hold the role. */
  adminGroup?: string | undefined;
  approverGroup?: string | undefined;
  client: WebClient;
  services: Services;
  logger: Logger;
  /** How long a user group's members are cached (default 60 s). */
  groupTtlMs?: number;
  now?: () => number;
}

export type RoleCheck = { ok: true } | { ok: false; message: string };

const ROLE_WORDS: Record<Role, string> = { admin: 'an admin of the license bot', approver: 'an approver (or admin) of the license bot' };

export class Roles {
  private readonly groups = new Map<string, { at: number; members: Set<string> }>();

  constructor(private readonly opts: RolesOptions) {}

  /** True when no admin is configured at all: the bot then refuses every admin action and says how to fix it. */
  get unconfigured(): boolean {
    return this.opts.adminIds.length === 0 && !this.opts.adminGroup;
  }

  async has(userId: string, role: Role): Promise<boolean> {
    if (this.opts.adminIds.includes(userId)) return true;
    if (this.opts.adminGroup && (await this.groupMembers(this.opts.adminGroup)).has(userId)) return true;
    if (role === 'admin') return false;
    if (this.opts.approverIds.includes(userId)) return true;
    return Boolean(this.opts.approverGroup && (await this.groupMembers(this.opts.approverGroup)).has(userId));
  }

  /**
   * Checks a role for an action; a refusal is written to the audit log (action `refused`, with what was
   * attempted) and comes back as a polite sentence for the user.
   */
  async check(userId: string, role: Role, attempted: string, target: { type: string; id?: string | null; profileId?: string | null } = { type: 'command' }): Promise<RoleCheck> {
    if (await this.has(userId, role)) return { ok: true };
    await this.opts.services.audit.record({
      actor: userId,
      action: 'refused',
      targetType: target.type,
      targetId: target.id ?? null,
      profileId: target.profileId ?? null,
      details: { attempted, requiredRole: role },
    });
    this.opts.logger.info({ userId, attempted, role }, 'refused: missing role');
    const fix = this.unconfigured ? ' No admins are configured yet: set SLACK_ADMIN_IDS or SLACK_ADMIN_GROUP.' : ' Ask an admin if you need it.';
    return { ok: false, message: `Sorry, only ${ROLE_WORDS[role]} can ${attempted}.${fix}` };
  }

  private async groupMembers(group: string): Promise<Set<string>> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.groups.get(group);
    if (hit && now - hit.at < (this.opts.groupTtlMs ?? 60_000)) return hit.members;
    try {
      const res = await this.opts.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      this.groups.set(group, { at: now, members });
      return members;
    } catch (err) {
      // A failed lookup grants nothing; the stale list (if any) is better than locking admins out.
      this.opts.logger.warn({ err, group }, 'could not read user group members');
      return hit?.members ?? new Set();
    }
  }
}
