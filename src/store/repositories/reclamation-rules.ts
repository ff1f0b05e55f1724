import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import { reclamationRules, type NewReclamationRule, type ReclamationRule } from '../schema.js';
import { isUuid } from './ids.js';

type Managed = 'id' | 'createdAt' | 'updatedAt';
export type ReclamationRuleInput = Omit<NewReclamationRule, Managed>;
export type ReclamationRulePatch = Partial<Omit<NewReclamationRule, Managed | 'profileId' | 'createdBy'>>;

export class ReclamationRuleRepository {
  constructor(private readonly db: Db) {}

  async create(input: ReclamationRuleInput): Promise<ReclamationRule> {
    const [row] = await this.db.insert(reclamationRules).values(input).returning();
    return row!;
  }

  async get(id: string): Promise<ReclamationRule | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(reclamationRules).where(eq(reclamationRules.id, id));
    return row ?? null;
  }

  async listByProfile(profileId: string, opts: { activeOnly?: boolean } = {}): Promise<ReclamationRule[]> {
    const conditions: SQL[] = [eq(reclamationRules.profileId, profileId)];
    if (opts.activeOnly) conditions.push(eq(reclamationRules.active, true));
    return this.db
      .select()
      .from(reclamationRules)
      .where(and(...conditions))
      .orderBy(asc(reclamationRules.createdAt), asc(reclamationRules.id));
  }

  async update(id: string, patch: ReclamationRulePatch): Promise<ReclamationRule | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.update(reclamationRules).set(patch).where(eq(reclamationRules.id, id)).returning();
    return row ?? null;
  }

  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.db
      .delete(reclamationRules)
      .where(eq(reclamationRules.id, id))
      .returning({ id: reclamationRules.id });
    return rows.length > 0;
  }
}
