import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../database.js';
import { softwareModels, type NewSoftwareModel, type SoftwareModel } from '../schema.js';
import { isUuid } from './ids.js';

export interface ModelSpec {
  licenseType: string;
  name: string;
  isFree?: boolean;
}

export type ModelPatch = Partial<Pick<NewSoftwareModel, 'name' | 'isFree' | 'unitCost' | 'currency'>>;

export class ModelRepository {
  constructor(private readonly db: Db) {}

  /** The profile's model for a license type, created on first sight. An existing model keeps its name and cost. */
  async ensure(profileId: string, licenseType: string, name: string): Promise<SoftwareModel> {
    const [row] = await this.ensureMany(profileId, [{ licenseType, name }]);
    return row!;
  }

  /** ensure() for many license types in two statements; returns the models in no particular order. */
  async ensureMany(profileId: string, specs: readonly ModelSpec[]): Promise<SoftwareModel[]> {
    if (specs.length === 0) return [];
    const unique = new Map(specs.map((s) => [s.licenseType, s]));
    await this.db
      .insert(softwareModels)
      .values(
        [...unique.values()].map((s) => ({
          profileId,
          licenseType: s.licenseType,
          name: s.name,
          isFree: s.isFree ?? false,
        })),
      )
      .onConflictDoNothing({ target: [softwareModels.profileId, softwareModels.licenseType] });
    return this.db
      .select()
      .from(softwareModels)
      .where(and(eq(softwareModels.profileId, profileId), inArray(softwareModels.licenseType, [...unique.keys()])));
  }

  async get(id: string): Promise<SoftwareModel | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(softwareModels).where(eq(softwareModels.id, id));
    return row ?? null;
  }

  async list(profileId: string): Promise<SoftwareModel[]> {
    return this.db
      .select()
      .from(softwareModels)
      .where(eq(softwareModels.profileId, profileId))
      .orderBy(asc(softwareModels.name));
  }

  async update(id: string, patch: ModelPatch): Promise<SoftwareModel | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.update(softwareModels).set(patch).where(eq(softwareModels.id, id)).returning();
    return row ?? null;
  }
}
