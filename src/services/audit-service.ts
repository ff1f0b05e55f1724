// The audit log as callers see it: record who did (or was refused) what, and read the latest entries.
// Services write their own decisions inside their transactions; this is for what happens outside them
// (refusals at the Slack door, for instance).
import type { AuditInput } from '../store/index.js';
import type { ServiceContext } from './context.js';
import type { AuditEntry } from './types.js';

export type AuditRecord = Omit<AuditInput, 'at'>;

export interface AuditQuery {
  limit?: number;
  profileId?: string;
  targetType?: string;
  targetId?: string;
}

const MAX_LIMIT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AuditService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Appends one entry. The profile_id column is a uuid: a malformed profile reference (from a tampered button
   * value, say) is kept in the details instead of failing the write.
   */
  async record(entry: AuditRecord): Promise<AuditEntry> {
    const profileId = entry.profileId ?? null;
    if (profileId === null || UUID.test(profileId)) return this.ctx.repos.audit.append({ ...entry, profileId });
    return this.ctx.repos.audit.append({ ...entry, profileId: null, details: { ...entry.details, profileRef: profileId.slice(0, 100) } });
  }

  /** Newest first. */
  async recent(query: AuditQuery = {}): Promise<AuditEntry[]> {
    if (query.profileId !== undefined && !UUID.test(query.profileId)) return [];
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), MAX_LIMIT);
    return this.ctx.repos.audit.listRecent({ ...query, limit });
  }
}
