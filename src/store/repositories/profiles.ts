import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import { isUniqueViolation, ProfileNameTakenError } from '../errors.js';
import {
  integrationProfiles,
  type IntegrationProfile,
  type NewIntegrationProfile,
  type ProfileStatus,
} from '../schema.js';
import type { Vendor } from '../../domain/vendor.js';
import { isUuid } from './ids.js';

const NAME_CONSTRAINT = 'integration_profiles_display_name_key_unique';

type Managed = 'id' | 'displayNameKey' | 'version' | 'createdAt' | 'updatedAt';
export type ProfileInput = Omit<NewIntegrationProfile, Managed>;
export type ProfilePatch = Partial<Omit<NewIntegrationProfile, Managed | 'vendor' | 'createdBy'>>;

/** The key that makes display names unique whatever their case or surrounding spaces. */
export function displayNameKey(displayName: string): string {
  return displayName.trim().toLowerCase();
}

export class ProfileRepository {
  constructor(private readonly db: Db) {}

  /** @throws ProfileNameTakenError */
  async create(input: ProfileInput): Promise<IntegrationProfile> {
    const displayName = input.displayName.trim();
    try {
      const [row] = await this.db
        .insert(integrationProfiles)
        .values({ ...input, displayName, displayNameKey: displayNameKey(displayName) })
        .returning();
      return row!;
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ProfileNameTakenError(displayName);
      throw err;
    }
  }

  async get(id: string): Promise<IntegrationProfile | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(integrationProfiles).where(eq(integrationProfiles.id, id));
    return row ?? null;
  }

  async findByName(displayName: string): Promise<IntegrationProfile | null> {
    const [row] = await this.db
      .select()
      .from(integrationProfiles)
      .where(eq(integrationProfiles.displayNameKey, displayNameKey(displayName)));
    return row ?? null;
  }

  async list(filter: { status?: ProfileStatus; vendor?: Vendor } = {}): Promise<IntegrationProfile[]> {
    const conditions: SQL[] = [];
    if (filter.status) conditions.push(eq(integrationProfiles.status, filter.status));
    if (filter.vendor) conditions.push(eq(integrationProfiles.vendor, filter.vendor));
    return this.db
      .select()
      .from(integrationProfiles)
      .where(and(...conditions))
      .orderBy(asc(integrationProfiles.displayNameKey));
  }

  /**
   * Applies the patch only if the row still has `expectedVersion` (someone else's edit wins otherwise),
   * and bumps the version. Returns null when the profile is gone or was changed meanwhile.
   * @throws ProfileNameTakenError
   */
  async update(id: string, expectedVersion: number, patch: ProfilePatch): Promise<IntegrationProfile | null> {
    if (!isUuid(id)) return null;
    const values: Partial<NewIntegrationProfile> = { ...patch };
    if (patch.displayName !== undefined) {
      values.displayName = patch.displayName.trim();
      values.displayNameKey = displayNameKey(patch.displayName);
    }
    try {
      const [row] = await this.db
        .update(integrationProfiles)
        .set({ ...values, version: sql`${integrationProfiles.version} + 1` })
        .where(and(eq(integrationProfiles.id, id), eq(integrationProfiles.version, expectedVersion)))
        .returning();
      return row ?? null;
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ProfileNameTakenError(values.displayName ?? '');
      throw err;
    }
  }

  /** Records a sync's outcome without bumping the version, so an admin's open edit form stays valid. */
  async recordSync(id: string, status: string, at: Date = new Date()): Promise<void> {
    await this.db
      .update(integrationProfiles)
      .set({ lastSyncAt: at, lastSyncStatus: status })
      .where(eq(integrationProfiles.id, id));
  }

  /** Deletes the profile and, by cascade, its connection, models, seats, rules and candidates. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.db
      .delete(integrationProfiles)
      .where(eq(integrationProfiles.id, id))
      .returning({ id: integrationProfiles.id });
    return rows.length > 0;
  }
}
