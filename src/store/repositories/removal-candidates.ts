import { and, asc, eq, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import {
  OPEN_CANDIDATE_STATES,
  removalCandidates,
  type CandidateState,
  type NewRemovalCandidate,
  type RemovalCandidate,
} from '../schema.js';
import { isUuid } from './ids.js';

type Managed = 'id' | 'version' | 'createdAt' | 'updatedAt';
export type CandidateInput = Omit<NewRemovalCandidate, Managed | 'state'> & { state?: CandidateState };
/** Fields a transition may set besides the state. */
export type CandidatePatch = Partial<Omit<NewRemovalCandidate, Managed | 'state' | 'profileId' | 'subscriptionId'>>;

export interface TransitionOptions {
  /** Adds one to reclaim_attempts in the same statement (an executor picking the candidate up). */
  countAttempt?: boolean;
}

export class RemovalCandidateRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts candidates, silently skipping seats that already have an open one (the partial unique index),
   * including duplicates within `inputs`. Returns the rows actually created.
   */
  async createMany(inputs: readonly CandidateInput[]): Promise<RemovalCandidate[]> {
    if (inputs.length === 0) return [];
    return this.db
      .insert(removalCandidates)
      .values(inputs.map((c) => ({ ...c, state: c.state ?? 'pending' })))
      .onConflictDoNothing()
      .returning();
  }

  async get(id: string): Promise<RemovalCandidate | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(removalCandidates).where(eq(removalCandidates.id, id));
    return row ?? null;
  }

  /**
   * Compare-and-set: moves the candidate to `to` only if it is still in one of `from`, in one statement.
   * Returns the updated row, or null when it was not in those states (someone else acted first) or does not exist.
   * A move into an open state while the seat has another open candidate throws a unique violation.
   */
  async transition(
    id: string,
    from: readonly CandidateState[],
    to: CandidateState,
    patch: CandidatePatch = {},
    opts: TransitionOptions = {},
  ): Promise<RemovalCandidate | null> {
    if (from.length === 0 || !isUuid(id)) return null;
    const [row] = await this.db
      .update(removalCandidates)
      .set({
        ...patch,
        state: to,
        version: sql`${removalCandidates.version} + 1`,
        ...(opts.countAttempt ? { reclaimAttempts: sql`${removalCandidates.reclaimAttempts} + 1` } : {}),
      })
      .where(and(eq(removalCandidates.id, id), inArray(removalCandidates.state, [...from])))
      .returning();
    return row ?? null;
  }

  /** Non-state fields such as the Slack message references; no state check. */
  async patch(id: string, patch: CandidatePatch): Promise<RemovalCandidate | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db
      .update(removalCandidates)
      .set({ ...patch, version: sql`${removalCandidates.version} + 1` })
      .where(eq(removalCandidates.id, id))
      .returning();
    return row ?? null;
  }

  async list(opts: { profileId?: string; states?: readonly CandidateState[]; limit?: number } = {}): Promise<RemovalCandidate[]> {
    const conditions: SQL[] = [];
    if (opts.profileId) conditions.push(eq(removalCandidates.profileId, opts.profileId));
    if (opts.states) {
      if (opts.states.length === 0) return [];
      conditions.push(inArray(removalCandidates.state, [...opts.states]));
    }
    return this.db
      .select()
      .from(removalCandidates)
      .where(and(...conditions))
      .orderBy(asc(removalCandidates.createdAt), asc(removalCandidates.id))
      .limit(opts.limit ?? 1000);
  }

  async listByProfile(profileId: string, states?: readonly CandidateState[]): Promise<RemovalCandidate[]> {
    return this.list({ profileId, ...(states ? { states } : {}) });
  }

  /** The seat's open candidate, if any. */
  async findOpenForSubscription(subscriptionId: string): Promise<RemovalCandidate | null> {
    const [row] = await this.db
      .select()
      .from(removalCandidates)
      .where(
        and(eq(removalCandidates.subscriptionId, subscriptionId), inArray(removalCandidates.state, [...OPEN_CANDIDATE_STATES])),
      );
    return row ?? null;
  }

  /** Failed reclaims whose retry time has come. */
  async listDueRetries(now: Date = new Date(), limit = 100): Promise<RemovalCandidate[]> {
    return this.db
      .select()
      .from(removalCandidates)
      .where(and(eq(removalCandidates.state, 'failed'), lte(removalCandidates.nextAttemptAt, now)))
      .orderBy(asc(removalCandidates.nextAttemptAt))
      .limit(limit);
  }

  /** Holders who were asked and did not answer within the grace period. */
  async listGraceExpired(now: Date = new Date(), limit = 100): Promise<RemovalCandidate[]> {
    return this.db
      .select()
      .from(removalCandidates)
      .where(and(eq(removalCandidates.state, 'awaiting_user'), lte(removalCandidates.graceUntil, now)))
      .orderBy(asc(removalCandidates.graceUntil))
      .limit(limit);
  }

  /** Candidates per state, of one profile or (no profile) of all. */
  async countByState(profileId?: string): Promise<Partial<Record<CandidateState, number>>> {
    const rows = await this.db
      .select({ state: removalCandidates.state, count: sql<number>`count(*)::int` })
      .from(removalCandidates)
      .where(profileId === undefined ? undefined : eq(removalCandidates.profileId, profileId))
      .groupBy(removalCandidates.state);
    return Object.fromEntries(rows.map((r) => [r.state, r.count]));
  }
}
