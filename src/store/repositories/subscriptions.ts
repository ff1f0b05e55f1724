import { and, asc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import type { SeatFlags } from '../../domain/vendor.js';
import type { Db } from '../database.js';
import { subscriptions, type Subscription, type SubscriptionStatus } from '../schema.js';
import { isUuid } from './ids.js';

/** What a sync knows about a seat; a VendorSeat is one. */
export interface SeatUpsert {
  userId: string;
  email: string | null;
  name: string | null;
  licenseType: string;
  active: boolean;
  flags: SeatFlags;
  restoreData?: Record<string, unknown>;
  lastActivityAt?: Date | null;
}

export interface SeatUpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ActivityUpdate {
  userId: string;
  lastActivityAt: Date;
}

export interface SubscriptionListOptions {
  status?: SubscriptionStatus;
  modelId?: string;
  /** Keyset paging: rows with an id after this one. */
  afterId?: string;
  limit?: number;
}

const textArray = (values: (string | null)[]) => sql`${sql.param(values)}::text[]`;

export class SubscriptionRepository {
  constructor(private readonly db: Db) {}

  /**
   * Upserts one page of seats in a single statement. Each seat's model is looked up by license type (ensure the
   * models first). Every seat seen gets last_seen_at = seenAt — markMissingRemoved() depends on it — but only a
   * change in email, name, license type, model, active, flags, restore data, a later activity date, or a return
   * from removed counts as updated. A removed seat seen again becomes active; a reclaimed one only when the vendor
   * reports it active and it was inactive or held another license type (the seat was granted again).
   * Last activity only moves forward.
   */
  async bulkUpsertSeats(profileId: string, seats: readonly SeatUpsert[], seenAt: Date): Promise<SeatUpsertCounts> {
    if (seats.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
    // A user twice in one page would make ON CONFLICT touch a row twice (an error): the last one wins.
    const unique = [...new Map(seats.map((s) => [s.userId, s])).values()];
    const seen = seenAt.toISOString();
    const result = await this.db.execute<{ inserted: number; updated: number; unchanged: number }>(sql`
      WITH input AS (
        SELECT * FROM unnest(
          ${textArray(unique.map((s) => s.userId))},
          ${textArray(unique.map((s) => s.email))},
          ${textArray(unique.map((s) => s.name))},
          ${textArray(unique.map((s) => s.licenseType))},
          ${textArray(unique.map((s) => (s.active ? 'true' : 'false')))}::boolean[],
          ${textArray(unique.map((s) => JSON.stringify(s.flags ?? {})))}::jsonb[],
          ${textArray(unique.map((s) => (s.restoreData ? JSON.stringify(s.restoreData) : null)))}::jsonb[],
          ${textArray(unique.map((s) => s.lastActivityAt?.toISOString() ?? null))}::timestamptz[]
        ) AS i(vendor_user_id, email, name, license_type, active, flags, restore_data, last_activity_at)
      ),
      incoming AS (
        SELECT i.*, m.id AS model_id,
          COALESCE(s.id IS NOT NULL AND (
               s.model_id IS DISTINCT FROM m.id
            OR s.email IS DISTINCT FROM i.email
            OR s.name IS DISTINCT FROM i.name
            OR s.license_type <> i.license_type
            OR s.active <> i.active
            OR s.flags <> i.flags
            OR (i.restore_data IS NOT NULL AND s.restore_data IS DISTINCT FROM i.restore_data)
            OR GREATEST(s.last_activity_at, i.last_activity_at) IS DISTINCT FROM s.last_activity_at
            OR s.status = 'removed'
            OR (s.status = 'reclaimed' AND i.active AND (NOT s.active OR s.license_type <> i.license_type))
          ), false) AS changed
        FROM input i
        LEFT JOIN software_models m ON m.profile_id = ${profileId} AND m.license_type = i.license_type
        -- LATERAL keeps this an index probe per seat: a plain join may hash the whole profile on every page
        -- (stale statistics on PGlite, which has no autovacuum), making a sync quadratic in its size.
        LEFT JOIN LATERAL (
          SELECT * FROM subscriptions
          WHERE profile_id = ${profileId} AND vendor_user_id = i.vendor_user_id
          LIMIT 1 -- also stops the planner from flattening it back into that join
        ) s ON true
      ),
      upserted AS (
        INSERT INTO subscriptions AS s (
          profile_id, model_id, vendor_user_id, email, name, license_type, active, flags, restore_data,
          status, first_seen_at, last_seen_at, last_activity_at
        )
        SELECT ${profileId}::uuid, model_id, vendor_user_id, email, name, license_type, active, flags, restore_data,
               'active', ${seen}::timestamptz, ${seen}::timestamptz, last_activity_at
        FROM incoming
        ON CONFLICT (profile_id, vendor_user_id) DO UPDATE SET
          model_id = excluded.model_id,
          email = excluded.email,
          name = excluded.name,
          license_type = excluded.license_type,
          active = excluded.active,
          flags = excluded.flags,
          restore_data = COALESCE(excluded.restore_data, s.restore_data),
          last_seen_at = GREATEST(s.last_seen_at, excluded.last_seen_at),
          last_activity_at = GREATEST(s.last_activity_at, excluded.last_activity_at),
          status = CASE
            WHEN s.status = 'removed' THEN 'active'
            WHEN s.status = 'reclaimed' AND excluded.active AND (NOT s.active OR s.license_type <> excluded.license_type)
              THEN 'active'
            ELSE s.status END,
          removed_at = CASE WHEN s.status = 'removed' THEN NULL ELSE s.removed_at END
        RETURNING s.vendor_user_id, (s.xmax = 0) AS inserted
      )
      SELECT
        count(*) FILTER (WHERE u.inserted)::int AS inserted,
        count(*) FILTER (WHERE NOT u.inserted AND c.changed)::int AS updated,
        count(*) FILTER (WHERE NOT u.inserted AND NOT c.changed)::int AS unchanged
      FROM upserted u JOIN incoming c ON c.vendor_user_id = u.vendor_user_id
    `);
    const row = result.rows[0];
    return { inserted: row?.inserted ?? 0, updated: row?.updated ?? 0, unchanged: row?.unchanged ?? 0 };
  }

  /**
   * After a COMPLETE download only: active seats whose last_seen_at is before `seenBefore` (the sync's start)
   * were not in the vendor's list and are marked removed. Returns how many.
   */
  async markMissingRemoved(profileId: string, seenBefore: Date, at: Date = new Date()): Promise<number> {
    const rows = await this.db
      .update(subscriptions)
      .set({ status: 'removed', removedAt: at })
      .where(
        and(
          eq(subscriptions.profileId, profileId),
          eq(subscriptions.status, 'active'),
          lt(subscriptions.lastSeenAt, seenBefore),
        ),
      )
      .returning({ id: subscriptions.id });
    return rows.length;
  }

  /** Moves last_activity_at forward (never back) for the users given; returns how many seats changed. */
  async updateActivity(profileId: string, activity: readonly ActivityUpdate[]): Promise<number> {
    if (activity.length === 0) return 0;
    const latest = new Map<string, Date>();
    for (const a of activity) {
      const prev = latest.get(a.userId);
      if (!prev || a.lastActivityAt > prev) latest.set(a.userId, a.lastActivityAt);
    }
    // A plain join: the planner may hash the profile's seats for each page, which measured fine (100k users in
    // ~2 s) once statistics are current. PGlite has no autovacuum: call Database.vacuum() after a large download.
    const result = await this.db.execute<{ changed: number }>(sql`
      WITH changed AS (
        UPDATE subscriptions AS s SET last_activity_at = a.at
        FROM unnest(
          ${textArray([...latest.keys()])},
          ${textArray([...latest.values()].map((d) => d.toISOString()))}::timestamptz[]
        ) AS a(vendor_user_id, at)
        WHERE s.profile_id = ${profileId}
          AND s.vendor_user_id = a.vendor_user_id
          AND (s.last_activity_at IS NULL OR s.last_activity_at < a.at)
        RETURNING 1
      )
      SELECT count(*)::int AS changed FROM changed
    `);
    return result.rows[0]?.changed ?? 0;
  }

  async get(id: string): Promise<Subscription | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(subscriptions).where(eq(subscriptions.id, id));
    return row ?? null;
  }

  async getByVendorUserId(profileId: string, vendorUserId: string): Promise<Subscription | null> {
    const [row] = await this.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.profileId, profileId), eq(subscriptions.vendorUserId, vendorUserId)));
    return row ?? null;
  }

  /** A page of a profile's seats in id order; pass the last id as `afterId` for the next page. */
  async list(profileId: string, opts: SubscriptionListOptions = {}): Promise<Subscription[]> {
    const conditions: SQL[] = [eq(subscriptions.profileId, profileId)];
    if (opts.status) conditions.push(eq(subscriptions.status, opts.status));
    if (opts.modelId) conditions.push(eq(subscriptions.modelId, opts.modelId));
    if (opts.afterId) conditions.push(gt(subscriptions.id, opts.afterId));
    return this.db
      .select()
      .from(subscriptions)
      .where(and(...conditions))
      .orderBy(asc(subscriptions.id))
      .limit(opts.limit ?? 1000);
  }

  async countByStatus(profileId: string): Promise<Record<SubscriptionStatus, number>> {
    const rows = await this.db
      .select({ status: subscriptions.status, count: sql<number>`count(*)::int` })
      .from(subscriptions)
      .where(eq(subscriptions.profileId, profileId))
      .groupBy(subscriptions.status);
    const counts: Record<SubscriptionStatus, number> = { active: 0, removed: 0, reclaimed: 0 };
    for (const r of rows) counts[r.status] = r.count;
    return counts;
  }

  /** Active seats held per model (null = no model), for the share-per-run guard and reconciliation. */
  async countActiveByModel(profileId: string): Promise<{ modelId: string | null; count: number }[]> {
    return this.db
      .select({ modelId: subscriptions.modelId, count: sql<number>`count(*)::int` })
      .from(subscriptions)
      .where(and(eq(subscriptions.profileId, profileId), eq(subscriptions.status, 'active'), eq(subscriptions.active, true)))
      .groupBy(subscriptions.modelId);
  }

  /** Lifecycle changes made by reclamation (reclaimed) and restore (active). */
  async setStatus(id: string, status: SubscriptionStatus, patch: { restoreData?: Record<string, unknown> | null; active?: boolean } = {}): Promise<Subscription | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db
      .update(subscriptions)
      .set({ status, ...patch, ...(status === 'removed' ? {} : { removedAt: null }) })
      .where(eq(subscriptions.id, id))
      .returning();
    return row ?? null;
  }
}
