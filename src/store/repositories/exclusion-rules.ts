import { and, asc, eq, gt, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import { exclusionRules, type ExclusionRule, type NewExclusionRule } from '../schema.js';
import { isUuid } from './ids.js';

type Managed = 'id' | 'createdAt' | 'updatedAt';
export type ExclusionRuleInput = Omit<NewExclusionRule, Managed>;
export type ExclusionRulePatch = Partial<Omit<NewExclusionRule, Managed | 'createdBy'>>;

export class ExclusionRuleRepository {
  constructor(private readonly db: Db) {}

  async create(input: ExclusionRuleInput): Promise<ExclusionRule> {
    const [row] = await this.db.insert(exclusionRules).values(input).returning();
    return row!;
  }

  async get(id: string): Promise<ExclusionRule | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(exclusionRules).where(eq(exclusionRules.id, id));
    return row ?? null;
  }

  /** `profileId` undefined: all rules; null: only the global ones; an id: that profile's plus the global ones. */
  async list(opts: { profileId?: string | null } = {}): Promise<ExclusionRule[]> {
    let where: SQL | undefined;
    if (opts.profileId === null) where = isNull(exclusionRules.profileId);
    else if (opts.profileId !== undefined) {
      where = or(eq(exclusionRules.profileId, opts.profileId), isNull(exclusionRules.profileId));
    }
    return this.db.select().from(exclusionRules).where(where).orderBy(asc(exclusionRules.createdAt), asc(exclusionRules.id));
  }

  /** The rules that apply to a profile at `at`: its own and the global ones, not yet expired. */
  async listActive(profileId: string, at: Date = new Date()): Promise<ExclusionRule[]> {
    return this.db
      .select()
      .from(exclusionRules)
      .where(
        and(
          or(eq(exclusionRules.profileId, profileId), isNull(exclusionRules.profileId)),
          or(isNull(exclusionRules.expiresAt), gt(exclusionRules.expiresAt, at)),
        ),
      )
      .orderBy(asc(exclusionRules.createdAt), asc(exclusionRules.id));
  }

  async update(id: string, patch: ExclusionRulePatch): Promise<ExclusionRule | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.update(exclusionRules).set(patch).where(eq(exclusionRules.id, id)).returning();
    return row ?? null;
  }

  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.db.delete(exclusionRules).where(eq(exclusionRules.id, id)).returning({ id: exclusionRules.id });
    return rows.length > 0;
  }

  async deleteExpired(at: Date = new Date()): Promise<number> {
    const rows = await this.db
      .delete(exclusionRules)
      .where(lte(exclusionRules.expiresAt, at))
      .returning({ id: exclusionRules.id });
    return rows.length;
  }
}
