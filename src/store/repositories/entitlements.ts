import { asc, eq } from 'drizzle-orm';
import type { Db } from '../database.js';
import { entitlements, softwareModels, type Entitlement, type NewEntitlement } from '../schema.js';
import { isUuid } from './ids.js';

type Managed = 'id' | 'createdAt' | 'updatedAt';
export type EntitlementInput = Omit<NewEntitlement, Managed>;
export type EntitlementPatch = Partial<Omit<NewEntitlement, Managed | 'modelId'>>;

export class EntitlementRepository {
  constructor(private readonly db: Db) {}

  async create(input: EntitlementInput): Promise<Entitlement> {
    const [row] = await this.db.insert(entitlements).values(input).returning();
    return row!;
  }

  async get(id: string): Promise<Entitlement | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(entitlements).where(eq(entitlements.id, id));
    return row ?? null;
  }

  async listByModel(modelId: string): Promise<Entitlement[]> {
    return this.db
      .select()
      .from(entitlements)
      .where(eq(entitlements.modelId, modelId))
      .orderBy(asc(entitlements.createdAt), asc(entitlements.id));
  }

  /** Every entitlement of the profile's models. */
  async listByProfile(profileId: string): Promise<Entitlement[]> {
    const rows = await this.db
      .select({ entitlement: entitlements })
      .from(entitlements)
      .innerJoin(softwareModels, eq(softwareModels.id, entitlements.modelId))
      .where(eq(softwareModels.profileId, profileId))
      .orderBy(asc(softwareModels.name), asc(entitlements.createdAt));
    return rows.map((r) => r.entitlement);
  }

  async update(id: string, patch: EntitlementPatch): Promise<Entitlement | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.update(entitlements).set(patch).where(eq(entitlements.id, id)).returning();
    return row ?? null;
  }

  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.db.delete(entitlements).where(eq(entitlements.id, id)).returning({ id: entitlements.id });
    return rows.length > 0;
  }
}
