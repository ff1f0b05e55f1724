// The reclaim executor: sends approved reclamations to the vendor, at most once per candidate.
//
// Each candidate is claimed by a compare-and-set (approved → reclaiming, failed → reclaiming) before the vendor
// call, so a second executor — a concurrent job run, another replica, the CLI — loses the claim and skips it.
// A process that dies between the vendor call and the database write leaves the candidate in `reclaiming`;
// once its lease has run out another run takes it over (again by a compare-and-set on the lease) and calls the
// vendor again, which is safe because every connector's reclaim is idempotent (already free = changed:false).
import { and, asc, eq, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import { allowedFrom, targetOf, type CandidateEvent } from '../domain/candidate-state.js';
import { describeError, VendorError } from '../domain/errors.js';
import { compileRules, type RuleEvaluator } from '../domain/rules.js';
import type { Connector, ReclaimOutcome, SeatRef } from '../domain/vendor.js';
import { JOBS, jobDisplayName } from '../jobs/names.js';
import {
  createRepositories,
  integrationProfiles,
  removalCandidates,
  subscriptions,
  type IntegrationProfile,
  type RemovalCandidate,
  type Subscription,
} from '../store/index.js';
import type { ServiceContext } from './context.js';
import type { Services } from './index.js';
import { toRuleExclusions, toRuleSeat } from './rule-inputs.js';

export const RECLAIM_ACTOR = 'system:reclaim';

/** Automatic tries per candidate (the first included); after that it stays failed until someone retries it. */
export const MAX_RECLAIM_ATTEMPTS = 5;
/** A candidate left `reclaiming` this long was abandoned by a process that stopped mid-way. */
export const RECLAIM_LEASE_MS = 15 * 60_000;
const RETRY_BASE_MS = 60_000;
const DAY_MS = 86_400_000;
const RETRY_MAX_MS = 60 * 60_000;

export interface ExecuteOptions {
  /** Most candidates handled in this run (default 200). */
  limit?: number;
  /** Only this profile's candidates. */
  profileId?: string;
  /** Vendor calls in flight at once (default 4; each connector also has its own rate limit). */
  concurrency?: number;
  /** Lease of a `reclaiming` claim (default RECLAIM_LEASE_MS). */
  leaseMs?: number;
  /** Who started the run, for the job run record. */
  triggeredBy?: string;
}

export type ExecutionOutcome =
  /** The vendor changed the seat. */
  | 'reclaimed'
  /** The vendor said the seat was already free: recorded as reclaimed. */
  | 'already_free'
  /** The vendor call failed; see detail and retryAt. */
  | 'failed'
  /** Another executor claimed it first. */
  | 'skipped'
  /** Closed without a vendor call: a guard applies now (excluded user, owner, used again, gone). */
  | 'excluded';

export interface ExecutionItem {
  candidateId: string;
  profileId: string;
  /** Email or name of the seat holder. */
  user: string;
  outcome: ExecutionOutcome;
  detail?: string;
  /** For failed: when it is tried again (null: not automatically). */
  retryAt?: Date | null;
}

export interface ExecutionResult {
  picked: number;
  reclaimed: number;
  alreadyFree: number;
  failed: number;
  skipped: number;
  excluded: number;
  /** Approved candidates waiting on profiles whose Reclaim switch is off (nothing is sent for them). */
  waitingForReclaimSwitch: number;
  items: ExecutionItem[];
}

type Due = { candidate: RemovalCandidate; subscription: Subscription; profile: IntegrationProfile };
type ClaimKind = 'approved' | 'failed' | 'abandoned';

function claimKindOf(c: RemovalCandidate): ClaimKind {
  if (c.state === 'approved') return 'approved';
  if (c.state === 'failed') return 'failed';
  return 'abandoned';
}

function userLabel(s: Subscription): string {
  return s.email ?? s.name ?? s.vendorUserId;
}

/** Errors worth trying again by themselves; credentials, permissions and bad requests need a person. */
function isRetryable(err: unknown): boolean {
  if (!(err instanceof VendorError)) return true;
  return err.retryable || err.kind === 'bad_response';
}

function whatToFix(err: VendorError): string {
  switch (err.kind) {
    case 'auth':
      return 'not retried automatically: reconnect the profile with valid credentials, then retry';
    case 'permission':
      return 'not retried automatically: give the connected account the permission to change users, then retry';
    case 'config':
      return 'not retried automatically: fix the profile, then retry';
    default:
      return 'not retried automatically: check the seat at the vendor, then retry or exclude it';
  }
}

export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

export class ReclaimExecutor {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly services: () => Services,
  ) {}

  async run(opts: ExecuteOptions = {}): Promise<ExecutionResult> {
    const now = this.ctx.now();
    const due = await this.findDue(now, opts);
    const result: ExecutionResult = {
      picked: due.length,
      reclaimed: 0,
      alreadyFree: 0,
      failed: 0,
      skipped: 0,
      excluded: 0,
      waitingForReclaimSwitch: await this.countWaitingForSwitch(opts.profileId),
      items: [],
    };
    if (due.length === 0) return result;

    const runId = await this.ctx.repos.jobRuns.start({ jobName: JOBS.reclaim, kind: 'reclaim', triggeredBy: opts.triggeredBy ?? null });
    const connectors = new Map<string, Promise<Connector>>();
    const guards = new Map<string, Promise<RuleEvaluator>>();
    const blocked = new Map<string, string>();
    let crashed: unknown;
    try {
      await runPool(due, opts.concurrency ?? 4, async (item) => {
        const done = await this.handle(item, now, connectors, guards, opts.leaseMs ?? RECLAIM_LEASE_MS);
        result.items.push(done);
        if (done.outcome === 'reclaimed') result.reclaimed++;
        else if (done.outcome === 'already_free') result.alreadyFree++;
        else if (done.outcome === 'failed') {
          result.failed++;
          if (done.retryAt === null && done.detail) blocked.set(item.profile.id, done.detail);
        } else if (done.outcome === 'skipped') result.skipped++;
        else result.excluded++;
      });
    } catch (err) {
      crashed = err;
      throw err;
    } finally {
      const status = crashed === undefined ? 'succeeded' : 'failed';
      await this.ctx.repos.jobRuns.finish(runId, status, executionCounts(result), crashed === undefined ? null : describeError(crashed));
    }

    const changed = result.items.filter((i) => i.outcome !== 'skipped').map((i) => i.candidateId);
    const services = this.services();
    await safely(this.ctx, () => services.notifier.candidatesChanged(changed));
    for (const [profileId, message] of blocked) {
      await safely(this.ctx, () => services.notifier.jobFailed(profileId, jobDisplayName(JOBS.reclaim), message));
    }
    return result;
  }

  /** One failed candidate, now, on a person's request (the Retry button). */
  async retryNow(candidate: RemovalCandidate, actor: string): Promise<ExecutionItem> {
    const repos = this.ctx.repos;
    const [subscription, profile] = await Promise.all([repos.subscriptions.get(candidate.subscriptionId), repos.profiles.get(candidate.profileId)]);
    if (!subscription || !profile) throw new Error('The candidate lost its seat or profile');
    const item = await this.handle({ candidate, subscription, profile }, this.ctx.now(), new Map(), new Map(), RECLAIM_LEASE_MS, actor);
    if (item.outcome !== 'skipped') await safely(this.ctx, () => this.services().notifier.candidatesChanged([item.candidateId]));
    return item;
  }

  /**
   * Approved candidates, failed ones whose retry time has come, and abandoned claims — only on published
   * profiles whose Reclaim switch is on.
   */
  private async findDue(now: Date, opts: ExecuteOptions): Promise<Due[]> {
    const leaseCutoff = new Date(Date.now() - (opts.leaseMs ?? RECLAIM_LEASE_MS));
    const c = removalCandidates;
    const rows = await this.ctx.database.db
      .select({ candidate: c, subscription: subscriptions, profile: integrationProfiles })
      .from(c)
      .innerJoin(integrationProfiles, eq(integrationProfiles.id, c.profileId))
      .innerJoin(subscriptions, eq(subscriptions.id, c.subscriptionId))
      .where(
        and(
          eq(integrationProfiles.reclaim, true),
          eq(integrationProfiles.status, 'published'),
          opts.profileId ? eq(c.profileId, opts.profileId) : undefined,
          or(
            eq(c.state, 'approved'),
            and(eq(c.state, 'failed'), isNotNull(c.nextAttemptAt), lte(c.nextAttemptAt, now)),
            and(eq(c.state, 'reclaiming'), lt(c.updatedAt, leaseCutoff)),
          ),
        ),
      )
      .orderBy(asc(c.decidedAt), asc(c.id))
      .limit(opts.limit ?? 200);
    return rows;
  }

  private async countWaitingForSwitch(profileId: string | undefined): Promise<number> {
    const [row] = await this.ctx.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(removalCandidates)
      .innerJoin(integrationProfiles, eq(integrationProfiles.id, removalCandidates.profileId))
      .where(
        and(
          eq(removalCandidates.state, 'approved'),
          eq(integrationProfiles.reclaim, false),
          profileId ? eq(removalCandidates.profileId, profileId) : undefined,
        ),
      );
    return row?.n ?? 0;
  }

  private async handle(
    { candidate, subscription, profile }: Due,
    now: Date,
    connectors: Map<string, Promise<Connector>>,
    guards: Map<string, Promise<RuleEvaluator>>,
    leaseMs: number,
    actor = RECLAIM_ACTOR,
  ): Promise<ExecutionItem> {
    const base = { candidateId: candidate.id, profileId: profile.id, user: userLabel(subscription) };
    const kind = claimKindOf(candidate);

    // Guards are checked before the claim: a candidate can still be excluded then, not once it is reclaiming.
    if (kind !== 'abandoned') {
      const why = await this.guardAgainst(candidate, subscription, profile, guards, now);
      if (why) {
        const closed = await this.closeAsExcluded(candidate, why, now, actor);
        return closed ? { ...base, outcome: 'excluded', detail: why } : { ...base, outcome: 'skipped' };
      }
    }

    const claimed = await this.claim(candidate, kind, leaseMs);
    if (!claimed) return { ...base, outcome: 'skipped' };
    if (kind === 'abandoned' && claimed.reclaimAttempts > MAX_RECLAIM_ATTEMPTS) {
      return this.recordFailure(claimed, base, new Error('The reclamation was interrupted too often'), now, actor, true);
    }

    const seat: SeatRef = {
      userId: subscription.vendorUserId,
      email: subscription.email,
      licenseType: subscription.licenseType,
      ...(subscription.restoreData ? { restoreData: subscription.restoreData } : {}),
    };
    let outcome: ReclaimOutcome;
    try {
      let connector = connectors.get(profile.id);
      if (!connector) {
        connector = this.services().profiles.connectorFor(profile);
        connectors.set(profile.id, connector);
      }
      outcome = await (await connector).reclaim(seat);
    } catch (err) {
      return this.recordFailure(claimed, base, err, now, actor);
    }
    return this.recordSuccess(claimed, subscription, base, outcome, now, actor);
  }

  /** Why the seat must not be reclaimed now, or null. */
  private async guardAgainst(
    candidate: RemovalCandidate,
    subscription: Subscription,
    profile: IntegrationProfile,
    guards: Map<string, Promise<RuleEvaluator>>,
    now: Date,
  ): Promise<string | null> {
    if (subscription.status === 'removed' || !subscription.active) return 'The seat is no longer held at the vendor';
    if (subscription.status === 'reclaimed') return 'The seat was already reclaimed';
    const usedAt = subscription.lastActivityAt;
    if (usedAt && usedAt.getTime() > (candidate.lastActivityAt ?? candidate.createdAt).getTime()) {
      // Newer activity that still leaves the seat stale (late activity data) does not stop the reclamation.
      const threshold = (candidate.ruleId ? (await this.ctx.repos.reclamationRules.get(candidate.ruleId))?.inactivityDays : undefined) ?? profile.defaultInactivityDays;
      if (Math.floor((now.getTime() - usedAt.getTime()) / DAY_MS) <= threshold) {
        return `Used again on ${usedAt.toISOString().slice(0, 10)} after it was proposed`;
      }
    }
    let evaluator = guards.get(profile.id);
    if (!evaluator) {
      evaluator = this.ctx.repos.exclusionRules.listActive(profile.id, now).then((rows) =>
        compileRules({
          rules: [],
          exclusions: toRuleExclusions(rows),
          integrationUserId: profile.integrationUserId,
        }),
      );
      guards.set(profile.id, evaluator);
    }
    const verdict = (await evaluator).evaluate(
      toRuleSeat(subscription),
      now,
    );
    if (verdict.candidate) return null;
    const blocking = ['integration_user', 'owner', 'bot', 'excluded_identifier', 'excluded_user'];
    return blocking.includes(verdict.why) ? verdict.detail : null;
  }

  private async closeAsExcluded(candidate: RemovalCandidate, why: string, now: Date, actor: string): Promise<boolean> {
    const event: CandidateEvent = { type: 'exclude' };
    return this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const row = await repos.candidates.transition(candidate.id, allowedFrom(event.type), targetOf(event), {
        decidedBy: actor,
        decidedAt: now,
        lastError: `Not reclaimed: ${why}`,
        nextAttemptAt: null,
      });
      if (!row) return false;
      await repos.audit.append({
        actor,
        action: 'candidate.excluded',
        targetType: 'candidate',
        targetId: candidate.id,
        profileId: candidate.profileId,
        details: { from: candidate.state, reason: why, automatic: true },
      });
      return true;
    });
  }

  private async claim(candidate: RemovalCandidate, kind: ClaimKind, leaseMs: number): Promise<RemovalCandidate | null> {
    const repos = this.ctx.repos;
    if (kind === 'approved') {
      return repos.candidates.transition(candidate.id, allowedFrom('start_reclaim'), targetOf({ type: 'start_reclaim' }), { nextAttemptAt: null }, { countAttempt: true });
    }
    if (kind === 'failed') {
      return repos.candidates.transition(candidate.id, allowedFrom('retry'), targetOf({ type: 'retry' }), { nextAttemptAt: null }, { countAttempt: true });
    }
    // Taking over an abandoned claim is a compare-and-set on the lease itself: the first to renew it wins.
    const c = removalCandidates;
    const [row] = await this.ctx.database.db
      .update(c)
      .set({ updatedAt: new Date(), version: sql`${c.version} + 1`, reclaimAttempts: sql`${c.reclaimAttempts} + 1` })
      .where(and(eq(c.id, candidate.id), eq(c.state, 'reclaiming'), lt(c.updatedAt, new Date(Date.now() - leaseMs))))
      .returning();
    return row ?? null;
  }

  private async recordSuccess(
    claimed: RemovalCandidate,
    subscription: Subscription,
    base: Omit<ExecutionItem, 'outcome'>,
    outcome: ReclaimOutcome,
    now: Date,
    actor: string,
  ): Promise<ExecutionItem> {
    const restoreData = outcome.restoreData ?? subscription.restoreData ?? null;
    const recorded = await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const row = await repos.candidates.transition(claimed.id, allowedFrom('reclaim_succeeded'), targetOf({ type: 'reclaim_succeeded' }), {
        reclaimedAt: now,
        restoreData,
        lastError: null,
        nextAttemptAt: null,
      });
      if (!row) return false;
      await repos.subscriptions.setStatus(subscription.id, 'reclaimed', outcome.restoreData ? { restoreData: outcome.restoreData } : {});
      await repos.audit.append({
        actor,
        action: 'candidate.reclaimed',
        targetType: 'candidate',
        targetId: claimed.id,
        profileId: claimed.profileId,
        details: { changed: outcome.changed, detail: outcome.detail ?? null, attempt: claimed.reclaimAttempts, vendorUserId: subscription.vendorUserId },
      });
      return true;
    });
    if (!recorded) return { ...base, outcome: 'skipped', detail: 'recorded by another run' };
    return { ...base, outcome: outcome.changed ? 'reclaimed' : 'already_free', ...(outcome.detail ? { detail: outcome.detail } : {}) };
  }

  private async recordFailure(
    claimed: RemovalCandidate,
    base: Omit<ExecutionItem, 'outcome'>,
    err: unknown,
    now: Date,
    actor: string,
    giveUp = false,
  ): Promise<ExecutionItem> {
    const message = describeError(err);
    const attempts = claimed.reclaimAttempts;
    let lastError: string;
    let retryAt: Date | null = null;
    if (err instanceof VendorError && !isRetryable(err)) {
      lastError = `${message} (${whatToFix(err)})`;
    } else if (giveUp || attempts >= MAX_RECLAIM_ATTEMPTS) {
      lastError = `${message} (gave up after ${attempts} attempts: retry or exclude it)`;
    } else {
      const hinted = err instanceof VendorError ? (err.details.retryAfterMs ?? 0) : 0;
      retryAt = new Date(now.getTime() + Math.max(retryDelayMs(attempts), hinted));
      lastError = message;
    }
    await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const row = await repos.candidates.transition(claimed.id, allowedFrom('reclaim_failed'), targetOf({ type: 'reclaim_failed' }), {
        lastError,
        nextAttemptAt: retryAt,
      });
      if (!row) return;
      await repos.audit.append({
        actor,
        action: 'candidate.reclaim_failed',
        targetType: 'candidate',
        targetId: claimed.id,
        profileId: claimed.profileId,
        details: { error: lastError, kind: err instanceof VendorError ? err.kind : 'unknown', attempt: attempts, retryAt: retryAt?.toISOString() ?? null },
      });
    });
    return { ...base, outcome: 'failed', detail: lastError, retryAt };
  }
}

/** An executor run's counts, as its job run records them and its log line says. */
export function executionCounts(r: ExecutionResult): Record<string, number> {
  return { picked: r.picked, reclaimed: r.reclaimed, alreadyFree: r.alreadyFree, failed: r.failed, skipped: r.skipped, excluded: r.excluded };
}

/** Notifications are best effort: a Slack hiccup must not undo or fail a reclamation that happened. */
export async function safely(ctx: ServiceContext, notify: () => Promise<void>): Promise<void> {
  try {
    await notify();
  } catch (err) {
    ctx.logger.warn({ err: describeError(err) }, 'notifying about candidates failed');
  }
}
