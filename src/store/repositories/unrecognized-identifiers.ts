import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { unrecognizedIdentifiers, type UnrecognizedIdentifier } from '../schema.js';

export interface IdentifierSighting {
  identifier: string;
  seatCount: number;
}

export class UnrecognizedIdentifierRepository {
  constructor(private readonly db: Db) {}

  /** Upserts each identifier with its current seat count; first_seen_at is kept. */
  async recordMany(profileId: string, sightings: readonly IdentifierSighting[], seenAt: Date = new Date()): Promise<void> {
    if (sightings.length === 0) return;
    const unique = new Map(sightings.map((s) => [s.identifier, s]));
    await this.db
      .insert(unrecognizedIdentifiers)
      .values(
        [...unique.values()].map((s) => ({
          profileId,
          identifier: s.identifier,
          seatCount: s.seatCount,
          firstSeenAt: seenAt,
          lastSeenAt: seenAt,
        })),
      )
      .onConflictDoUpdate({
        target: [unrecognizedIdentifiers.profileId, unrecognizedIdentifiers.identifier],
        set: { seatCount: sql`excluded.seat_count`, lastSeenAt: sql`excluded.last_seen_at` },
      });
  }

  async list(profileId: string): Promise<UnrecognizedIdentifier[]> {
    return this.db
      .select()
      .from(unrecognizedIdentifiers)
      .where(eq(unrecognizedIdentifiers.profileId, profileId))
      .orderBy(desc(unrecognizedIdentifiers.seatCount));
  }

  /** Once an identifier maps to a model it is no longer unrecognized. */
  async deleteMany(profileId: string, identifiers: readonly string[]): Promise<number> {
    if (identifiers.length === 0) return 0;
    const rows = await this.db
      .delete(unrecognizedIdentifiers)
      .where(
        and(eq(unrecognizedIdentifiers.profileId, profileId), inArray(unrecognizedIdentifiers.identifier, [...identifiers])),
      )
      .returning({ id: unrecognizedIdentifiers.id });
    return rows.length;
  }
}
