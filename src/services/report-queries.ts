// Set-based reads behind reconciliation and the App Home summaries: one GROUP BY per figure, whatever the number
// of seats, so 100k seats cost a scan or two, never a row-by-row loop in the process.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { JOBS } from '../jobs/names.js';
import type { Vendor } from '../domain/vendor.js';
import type { Db, JobRun } from '../store/index.js';
import { entitlements, integrationProfiles, jobRuns, removalCandidates, softwareModels } from '../store/index.js';
import type { CandidateState } from '../domain/candidate-state.js';

export interface ModelRow {
  id: string;
  profileId: string;
  profileName: string;
  vendor: Vendor;
  licenseType: string;
  name: string;
  isFree: boolean;
}

export interface UsageRow {
  modelId: string;
  /** Inactivity threshold that decides "active" (the model's rule, else the profile-wide rule, else the profile default). */
  thresholdDays: number;
  /** The profile has an activity source (Download activity on, or Salesforce's login dates). */
  activityTracked: boolean;
  assigned: number;
  active: number;
  neverActive: number;
}

export async function loadModels(db: Db, profileId?: string): Promise<ModelRow[]> {
  return db
    .select({
      id: softwareModels.id,
      profileId: softwareModels.profileId,
      profileName: integrationProfiles.displayName,
      vendor: integrationProfiles.vendor,
      licenseType: softwareModels.licenseType,
      name: softwareModels.name,
      isFree: softwareModels.isFree,
    })
    .from(softwareModels)
    .innerJoin(integrationProfiles, eq(integrationProfiles.id, softwareModels.profileId))
    .where(profileId ? eq(softwareModels.profileId, profileId) : undefined)
    .orderBy(asc(integrationProfiles.displayNameKey), asc(softwareModels.name));
}

export async function loadEntitlements(db: Db, profileId?: string) {
  const rows = await db
    .select({ e: entitlements })
    .from(entitlements)
    .innerJoin(softwareModels, eq(softwareModels.id, entitlements.modelId))
    .where(profileId ? eq(softwareModels.profileId, profileId) : undefined)
    .orderBy(asc(entitlements.createdAt), asc(entitlements.id));
  return rows.map((r) => r.e);
}

/**
 * Held seats per model and how many were used within the model's threshold. "Active" follows the rules engine:
 * a seat is active while floor((now − last activity) / 1 day) ≤ threshold, counting from first seen when it was
 * never used (a seat granted yesterday is not idle yet), or from the start of the activity analysis when that is
 * earlier (no activity found since then).
 */
export async function loadUsage(db: Db, now: Date, profileId?: string): Promise<UsageRow[]> {
  const result = await db.execute<{ model_id: string; days: number; tracked: boolean; assigned: number; active: number; never_active: number }>(sql`
    WITH thresholds AS (
      SELECT m.id AS model_id,
        COALESCE(
          (SELECT max(r.inactivity_days) FROM reclamation_rules r WHERE r.model_id = m.id AND r.active),
          (SELECT max(r.inactivity_days) FROM reclamation_rules r WHERE r.profile_id = m.profile_id AND r.model_id IS NULL AND r.active),
          p.default_inactivity_days
        )::int AS days,
        (p.download_activity OR p.vendor = 'salesforce') AS tracked,
        CASE WHEN p.download_activity AND p.vendor <> 'salesforce' THEN p.analyze_from END AS window_start
      FROM software_models m JOIN integration_profiles p ON p.id = m.profile_id
      ${profileId ? sql`WHERE m.profile_id = ${profileId}` : sql``}
    )
    SELECT t.model_id, t.days, t.tracked,
      count(s.id)::int AS assigned,
      count(s.id) FILTER (
        WHERE COALESCE(s.last_activity_at, LEAST(s.first_seen_at, t.window_start)) > ${now.toISOString()}::timestamptz - (t.days + 1) * interval '1 day'
      )::int AS active,
      count(s.id) FILTER (WHERE s.last_activity_at IS NULL)::int AS never_active
    FROM thresholds t
    LEFT JOIN subscriptions s ON s.model_id = t.model_id AND s.status = 'active' AND s.active
    GROUP BY t.model_id, t.days, t.tracked
  `);
  return result.rows.map((r) => ({
    modelId: r.model_id,
    thresholdDays: Number(r.days),
    activityTracked: r.tracked === true || (r.tracked as unknown) === 't',
    assigned: Number(r.assigned),
    active: Number(r.active),
    neverActive: Number(r.never_active),
  }));
}

/** Seats reclaimed and still free (not restored, not granted again at the vendor), per model. */
export async function loadReclaimedCounts(db: Db, profileId?: string): Promise<Map<string, number>> {
  const result = await db.execute<{ model_id: string; n: number }>(sql`
    SELECT c.model_id, count(*)::int AS n
    FROM removal_candidates c JOIN subscriptions s ON s.id = c.subscription_id
    WHERE c.state = 'reclaimed' AND s.status = 'reclaimed' AND c.model_id IS NOT NULL
      ${profileId ? sql`AND c.profile_id = ${profileId}` : sql``}
    GROUP BY c.model_id
  `);
  return new Map(result.rows.map((r) => [r.model_id, Number(r.n)]));
}

export async function loadCandidateCounts(db: Db, profileIds: readonly string[]): Promise<Map<string, Partial<Record<CandidateState, number>>>> {
  const out = new Map<string, Partial<Record<CandidateState, number>>>();
  if (profileIds.length === 0) return out;
  const rows = await db
    .select({ profileId: removalCandidates.profileId, state: removalCandidates.state, n: sql<number>`count(*)::int` })
    .from(removalCandidates)
    .where(inArray(removalCandidates.profileId, [...profileIds]))
    .groupBy(removalCandidates.profileId, removalCandidates.state);
  for (const r of rows) {
    const counts = out.get(r.profileId) ?? {};
    counts[r.state] = Number(r.n);
    out.set(r.profileId, counts);
  }
  return out;
}

export async function loadSeatCounts(db: Db, profileIds: readonly string[]): Promise<Map<string, { held: number; removed: number; reclaimed: number }>> {
  const out = new Map<string, { held: number; removed: number; reclaimed: number }>();
  if (profileIds.length === 0) return out;
  const result = await db.execute<{ profile_id: string; held: number; removed: number; reclaimed: number }>(sql`
    SELECT profile_id,
      count(*) FILTER (WHERE status = 'active' AND active)::int AS held,
      count(*) FILTER (WHERE status = 'removed')::int AS removed,
      count(*) FILTER (WHERE status = 'reclaimed')::int AS reclaimed
    FROM subscriptions
    WHERE profile_id IN (${sql.join(profileIds.map((id) => sql`${id}::uuid`), sql`, `)})
    GROUP BY profile_id
  `);
  for (const r of result.rows) out.set(r.profile_id, { held: Number(r.held), removed: Number(r.removed), reclaimed: Number(r.reclaimed) });
  return out;
}

/** The latest subscription download of each profile. */
export async function loadLastSyncs(db: Db, profileIds: readonly string[]): Promise<Map<string, JobRun>> {
  const out = new Map<string, JobRun>();
  if (profileIds.length === 0) return out;
  const rows = await db
    .selectDistinctOn([jobRuns.profileId])
    .from(jobRuns)
    .where(and(eq(jobRuns.jobName, JOBS.subscriptions), inArray(jobRuns.profileId, [...profileIds])))
    .orderBy(jobRuns.profileId, sql`${jobRuns.startedAt} DESC`);
  for (const r of rows) if (r.profileId) out.set(r.profileId, r);
  return out;
}
