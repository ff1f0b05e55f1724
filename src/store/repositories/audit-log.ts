import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import { auditLog, type AuditEntry } from '../schema.js';

export interface AuditInput {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  profileId?: string | null;
  details?: Record<string, unknown>;
  at?: Date;
}

export class AuditLogRepository {
  constructor(private readonly db: Db) {}

  async append(entry: AuditInput): Promise<AuditEntry> {
    const [row] = await this.db
      .insert(auditLog)
      .values({
        actor: entry.actor,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId ?? null,
        profileId: entry.profileId ?? null,
        details: entry.details ?? {},
        ...(entry.at ? { at: entry.at } : {}),
      })
      .returning();
    return row!;
  }

  /** Newest first. */
  async listRecent(
    opts: { limit?: number; profileId?: string; targetType?: string; targetId?: string } = {},
  ): Promise<AuditEntry[]> {
    const conditions: SQL[] = [];
    if (opts.profileId) conditions.push(eq(auditLog.profileId, opts.profileId));
    if (opts.targetType) conditions.push(eq(auditLog.targetType, opts.targetType));
    if (opts.targetId) conditions.push(eq(auditLog.targetId, opts.targetId));
    return this.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(opts.limit ?? 50);
  }
}
