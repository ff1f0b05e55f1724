import { and, asc, desc, eq, lt } from 'drizzle-orm';
import type { LicenseCount } from '../../domain/vendor.js';
import type { Db } from '../database.js';
import { consumptionSnapshots, type ConsumptionSnapshot } from '../schema.js';

export class ConsumptionSnapshotRepository {
  constructor(private readonly db: Db) {}

  async insertMany(profileId: string, counts: readonly LicenseCount[], takenAt: Date = new Date()): Promise<number> {
    if (counts.length === 0) return 0;
    const rows = await this.db
      .insert(consumptionSnapshots)
      .values(
        counts.map((c) => ({
          profileId,
          licenseType: c.licenseType,
          licenseName: c.licenseName,
          kind: c.kind,
          used: c.used,
          total: c.total,
          status: c.status ?? null,
          takenAt,
        })),
      )
      .returning({ id: consumptionSnapshots.id });
    return rows.length;
  }

  /** The newest snapshot of each (kind, license type) of the profile. */
  async latest(profileId: string): Promise<ConsumptionSnapshot[]> {
    return this.db
      .selectDistinctOn([consumptionSnapshots.kind, consumptionSnapshots.licenseType])
      .from(consumptionSnapshots)
      .where(eq(consumptionSnapshots.profileId, profileId))
      .orderBy(asc(consumptionSnapshots.kind), asc(consumptionSnapshots.licenseType), desc(consumptionSnapshots.takenAt));
  }

  /** Newest first. */
  async history(profileId: string, licenseType: string, limit = 90): Promise<ConsumptionSnapshot[]> {
    return this.db
      .select()
      .from(consumptionSnapshots)
      .where(and(eq(consumptionSnapshots.profileId, profileId), eq(consumptionSnapshots.licenseType, licenseType)))
      .orderBy(desc(consumptionSnapshots.takenAt))
      .limit(limit);
  }

  async deleteOlderThan(before: Date): Promise<number> {
    const rows = await this.db
      .delete(consumptionSnapshots)
      .where(lt(consumptionSnapshots.takenAt, before))
      .returning({ id: consumptionSnapshots.id });
    return rows.length;
  }
}
