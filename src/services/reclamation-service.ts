// What happens to removal candidates: approvers' and holders' decisions, the grace period, the reclaim executor
// and restore. Every state change goes through the candidate state machine as a compare-and-set in the
// database, so a double click, a retried job or a second replica changes a candidate at most once; every
// decision lands in the audit log with its actor.
import { allowedFrom, targetOf, transitionCandidate, type CandidateEvent, type CandidateState } from '../domain/candidate-state.js';
import { describeError } from '../domain/errors.js';
import { VENDOR_LABELS, type SeatRef } from '../domain/vendor.js';
import { JOBS } from '../jobs/names.js';
import {
  createRepositories,
  type CandidatePatch,
  type ExclusionRule,
  type IntegrationProfile,
  type RemovalCandidate,
  type Repositories,
} from '../store/index.js';
import { listCandidateViews, type CandidateView, type CandidateViewFilter } from './candidate-views.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';
import type { Services } from './index.js';
import { ReclaimExecutor, safely, type ExecuteOptions, type ExecutionItem, type ExecutionResult } from './reclaim-executor.js';

export const GRACE_ACTOR = 'system:grace-period';
export const NOTIFIER_ACTOR = 'system:notifier';

const DAY_MS = 86_400_000;
const DEFAULT_GRACE_DAYS = 7;
/** How long a restored seat is kept out of new proposals, so it is not taken back the next morning. */
export const RESTORE_EXCLUSION_DAYS = 90;
const MAX_REASON = 500;

/** States an approver may still decide on (Approve / Exclude buttons). */
export const DECIDABLE_STATES: readonly CandidateState[] = allowedFrom('approve');

export interface ApproveResult {
  candidate: RemovalCandidate;
  /** The executor was asked to run now (the profile's Reclaim switch is on). */
  reclaimScheduled: boolean;
}

export interface ApproveAllResult {
  approved: string[];
  /** Candidates not approved, each with the machine's reason (already decided, another profile...). */
  refused: Array<{ id: string; reason: string }>;
  reclaimScheduled: boolean;
}

export interface ExcludeResult {
  candidate: RemovalCandidate;
  /** The subscription user exclusion that keeps the seat from being proposed again. */
  exclusion: ExclusionRule;
}

export interface HolderDm {
  /** The Slack user it was sent to. */
  userId: string;
  channel: string;
  ts: string;
}

export interface GraceExpiryResult {
  /** Back to the approvers (pending). */
  toApprovers: string[];
  /** Approved by their rule's auto-approve. */
  autoApproved: string[];
}

export interface NotifiedRefs {
  /** The Slack user the DM was sent to: the only one whose answer counts. */
  dmUserId: string;
  dmChannel: string;
  dmTs: string;
  /** End of the grace period; default: now + the rule's grace days. */
  graceUntil?: Date;
}

export class ReclamationService {
  private readonly executor: ReclaimExecutor;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly services: () => Services,
  ) {
    this.executor = new ReclaimExecutor(ctx, services);
  }

  private get repos(): Repositories {
    return this.ctx.repos;
  }

  async get(candidateId: string): Promise<RemovalCandidate> {
    const row = await this.repos.candidates.get(candidateId);
    if (!row) throw notFound('The removal candidate');
    return row;
  }

  /** Candidates with their seat holder and license, oldest first. */
  async list(filter: CandidateViewFilter = {}): Promise<CandidateView[]> {
    return listCandidateViews(this.ctx.database.db, filter);
  }

  /** How many candidates are in each state, of one profile or of all (true totals, whatever a list shows). */
  async countByState(profileId?: string): Promise<Partial<Record<CandidateState, number>>> {
    return this.repos.candidates.countByState(profileId);
  }

  async view(candidateId: string): Promise<CandidateView> {
    const [row] = await listCandidateViews(this.ctx.database.db, { ids: [candidateId] });
    if (!row) throw notFound('The removal candidate');
    return row;
  }

  /** The holder DM sent for a candidate (whom, and which message), or null: none sent, or no such candidate. */
  async holderDm(candidateId: string): Promise<HolderDm | null> {
    const row = await this.repos.candidates.get(candidateId);
    if (!row?.dmUserId || !row.dmChannel || !row.dmTs) return null;
    return { userId: row.dmUserId, channel: row.dmChannel, ts: row.dmTs };
  }

  async approve(candidateId: string, actor: string): Promise<ApproveResult> {
    const now = this.ctx.now();
    const candidate = await this.decide(candidateId, actor, { type: 'approve' }, { decidedBy: actor, decidedAt: now }, 'candidate.approved');
    await this.changed([candidateId]);
    return { candidate, reclaimScheduled: await this.scheduleReclaim([candidate.profileId]) };
  }

  /** Approves the profile's undecided candidates, or only `ids` of them. Each one is its own compare-and-set. */
  async approveAll(profileId: string, actor: string, ids?: readonly string[]): Promise<ApproveAllResult> {
    const profile = await this.repos.profiles.get(profileId);
    if (!profile) throw notFound('The integration profile');
    const now = this.ctx.now();
    const approved: string[] = [];
    const refused: Array<{ id: string; reason: string }> = [];
    const targets = ids
      ? await this.candidatesOf(ids)
      : await this.repos.candidates.list({ profileId, states: DECIDABLE_STATES, limit: 100_000 });
    if (ids) {
      const found = new Set(targets.map((c) => c.id));
      for (const id of ids) if (!found.has(id)) refused.push({ id, reason: 'The removal candidate was not found' });
    }
    await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      for (const candidate of targets) {
        if (candidate.profileId !== profileId) {
          refused.push({ id: candidate.id, reason: `It belongs to another profile than "${profile.displayName}"` });
          continue;
        }
        const row = await repos.candidates.transition(candidate.id, allowedFrom('approve'), targetOf({ type: 'approve' }), { decidedBy: actor, decidedAt: now });
        if (!row) {
          const check = transitionCandidate(candidate.state, { type: 'approve' });
          refused.push({ id: candidate.id, reason: check.ok ? 'Someone else decided meanwhile' : check.reason });
          continue;
        }
        approved.push(row.id);
        await repos.audit.append({
          actor,
          action: 'candidate.approved',
          targetType: 'candidate',
          targetId: row.id,
          profileId,
          details: { from: candidate.state, bulk: true },
        });
      }
    });
    await this.changed(approved);
    return { approved, refused, reclaimScheduled: approved.length > 0 && (await this.scheduleReclaim([profileId])) };
  }

  /**
   * An approver keeps the seat: the candidate is closed and a subscription user exclusion stops the seat from
   * being proposed again (until `expiresAt` when given).
   */
  async exclude(candidateId: string, actor: string, reason: string, opts: { expiresAt?: Date | null } = {}): Promise<ExcludeResult> {
    const why = checkReason(reason, 'reason');
    const now = this.ctx.now();
    if (opts.expiresAt && opts.expiresAt.getTime() <= now.getTime()) {
      throw new ServiceError('invalid', 'The exclusion must end in the future', [{ path: 'expiresAt', message: 'Pick a date in the future' }]);
    }
    let exclusion: ExclusionRule | undefined;
    const candidate = await this.decide(
      candidateId,
      actor,
      { type: 'exclude' },
      { decidedBy: actor, decidedAt: now, nextAttemptAt: null },
      'candidate.excluded',
      { reason: why, expiresAt: opts.expiresAt?.toISOString() ?? null },
      async (repos, row) => {
        exclusion = await this.excludeSeat(repos, row, actor, why, opts.expiresAt ?? null);
      },
    );
    await this.changed([candidateId]);
    return { candidate, exclusion: exclusion! };
  }

  /** The holder was sent a DM (keep it / release it): the grace period starts. */
  async markNotified(candidateId: string, refs: NotifiedRefs): Promise<RemovalCandidate> {
    const now = this.ctx.now();
    const current = await this.get(candidateId);
    const graceUntil = refs.graceUntil ?? new Date(now.getTime() + (await this.graceDaysOf(current)) * DAY_MS);
    const candidate = await this.decide(
      candidateId,
      NOTIFIER_ACTOR,
      { type: 'notify_user' },
      { notifiedAt: now, graceUntil, dmUserId: refs.dmUserId, dmChannel: refs.dmChannel, dmTs: refs.dmTs },
      'candidate.holder_notified',
      // A record of who was asked; the candidate row is what a later click is checked against.
      { graceUntil: graceUntil.toISOString(), dmUserId: refs.dmUserId, dmChannel: refs.dmChannel, dmTs: refs.dmTs },
    );
    await this.changed([candidateId]);
    return candidate;
  }

  /**
   * The holder keeps the seat: closed as kept, plus a time-limited exclusion with the holder's reason. The Slack
   * layer checks that `actorUserId` is the holder the DM went to.
   */
  async userKeeps(candidateId: string, actorUserId: string, reason: string, days: number): Promise<ExcludeResult> {
    const why = checkReason(reason, 'reason');
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      throw new ServiceError('invalid', 'Keep the seat for 1 to 365 days', [{ path: 'days', message: 'Enter a whole number of days between 1 and 365' }]);
    }
    const now = this.ctx.now();
    const expiresAt = new Date(now.getTime() + days * DAY_MS);
    let exclusion: ExclusionRule | undefined;
    const candidate = await this.decide(
      candidateId,
      actorUserId,
      { type: 'user_keeps' },
      { decidedBy: actorUserId, decidedAt: now },
      'candidate.kept_by_holder',
      { reason: why, days, expiresAt: expiresAt.toISOString() },
      async (repos, row) => {
        exclusion = await this.excludeSeat(repos, row, actorUserId, `Kept by the seat holder: ${why}`, expiresAt);
      },
    );
    await this.changed([candidateId]);
    return { candidate, exclusion: exclusion! };
  }

  /** The holder gives the seat up: released, and approved at once. */
  async userReleases(candidateId: string, actor: string): Promise<ApproveResult> {
    const now = this.ctx.now();
    const candidate = await this.decide(
      candidateId,
      actor,
      { type: 'user_releases' },
      { decidedBy: actor, decidedAt: now },
      'candidate.released_by_holder',
      {},
      async (repos, row) => {
        const approved = await repos.candidates.transition(row.id, allowedFrom('approve'), targetOf({ type: 'approve' }), { decidedBy: actor, decidedAt: now });
        if (!approved) throw new Error('The released candidate could not be approved');
        await repos.audit.append({ actor, action: 'candidate.approved', targetType: 'candidate', targetId: row.id, profileId: row.profileId, details: { from: 'released', byHolder: true } });
        return approved;
      },
    );
    await this.changed([candidateId]);
    return { candidate, reclaimScheduled: await this.scheduleReclaim([candidate.profileId]) };
  }

  /** Holders who did not answer in time: back to the approvers, or approved when their rule auto-approves. */
  async expireGrace(now: Date = this.ctx.now()): Promise<GraceExpiryResult> {
    const result: GraceExpiryResult = { toApprovers: [], autoApproved: [] };
    const rules = new Map<string, Promise<boolean>>();
    const autoApproves = (ruleId: string | null): Promise<boolean> => {
      if (!ruleId) return Promise.resolve(false);
      let p = rules.get(ruleId);
      if (!p) {
        p = this.repos.reclamationRules.get(ruleId).then((r) => r?.autoApprove === true);
        rules.set(ruleId, p);
      }
      return p;
    };
    const profiles = new Set<string>();
    for (let round = 0; round < 1000; round++) {
      const due = await this.repos.candidates.listGraceExpired(now, 200);
      for (const c of due) {
        const autoApprove = await autoApproves(c.ruleId);
        const event: CandidateEvent = { type: 'grace_expired', autoApprove };
        const moved = await this.ctx.database.db.transaction(async (tx) => {
          const repos = createRepositories(tx);
          const patch: CandidatePatch = autoApprove ? { decidedBy: GRACE_ACTOR, decidedAt: now } : {};
          const row = await repos.candidates.transition(c.id, allowedFrom(event.type), targetOf(event), patch);
          if (!row) return false;
          await repos.audit.append({
            actor: GRACE_ACTOR,
            action: autoApprove ? 'candidate.auto_approved' : 'candidate.grace_expired',
            targetType: 'candidate',
            targetId: c.id,
            profileId: c.profileId,
            details: { graceUntil: c.graceUntil?.toISOString() ?? null, to: row.state },
          });
          return true;
        });
        if (!moved) continue;
        if (autoApprove) {
          result.autoApproved.push(c.id);
          profiles.add(c.profileId);
        } else result.toApprovers.push(c.id);
      }
      if (due.length < 200) break;
    }
    if (result.toApprovers.length > 0) await safely(this.ctx, () => this.services().notifier.graceExpired(result.toApprovers));
    await this.changed([...result.toApprovers, ...result.autoApproved]);
    if (result.autoApproved.length > 0) await this.scheduleReclaim([...profiles]);
    return result;
  }

  /** Gives a reclaimed seat back through the vendor, with what was saved at reclaim time. */
  async restore(candidateId: string, actor: string, opts: { excludeDays?: number } = {}): Promise<RemovalCandidate> {
    const candidate = await this.get(candidateId);
    const check = transitionCandidate(candidate.state, { type: 'restore' });
    if (!check.ok) throw new ServiceError('refused', check.reason);
    const [profile, subscription] = await Promise.all([this.repos.profiles.get(candidate.profileId), this.repos.subscriptions.get(candidate.subscriptionId)]);
    if (!profile || !subscription) throw notFound('The seat of this candidate');
    const connector = await this.services().profiles.connectorFor(profile);
    if (!connector.restore) {
      throw new ServiceError('refused', `The ${VENDOR_LABELS[profile.vendor]} connection of "${profile.displayName}" cannot restore seats: give the license back at the vendor`);
    }
    const restoreData = candidate.restoreData ?? subscription.restoreData;
    const seat: SeatRef = {
      userId: subscription.vendorUserId,
      email: subscription.email,
      licenseType: subscription.licenseType,
      ...(restoreData ? { restoreData } : {}),
    };
    try {
      await connector.restore(seat);
    } catch (err) {
      await this.repos.audit.append({
        actor,
        action: 'candidate.restore_failed',
        targetType: 'candidate',
        targetId: candidateId,
        profileId: candidate.profileId,
        details: { error: describeError(err) },
      });
      throw err;
    }
    const now = this.ctx.now();
    const days = opts.excludeDays ?? RESTORE_EXCLUSION_DAYS;
    const restored = await this.decide(
      candidateId,
      actor,
      { type: 'restore' },
      { restoredAt: now, lastError: null },
      'candidate.restored',
      { vendorUserId: subscription.vendorUserId },
      async (repos, row) => {
        await repos.subscriptions.setStatus(subscription.id, 'active', { active: true });
        if (days > 0) await this.excludeSeat(repos, row, actor, `Restored by ${actor}`, new Date(now.getTime() + days * DAY_MS));
      },
    );
    await this.changed([candidateId]);
    return restored;
  }

  /** Runs the reclaim executor once (the job, the CLI). */
  async executeApproved(opts: ExecuteOptions = {}): Promise<ExecutionResult> {
    return this.executor.run(opts);
  }

  /** A person retries a failed reclamation now (also one that gave up or needed a fixed connection). */
  async retry(candidateId: string, actor: string): Promise<ExecutionItem> {
    const candidate = await this.get(candidateId);
    const check = transitionCandidate(candidate.state, { type: 'retry' });
    if (!check.ok) throw new ServiceError('refused', check.reason);
    const profile = await this.profileOf(candidate);
    if (!profile.reclaim) throw new ServiceError('refused', reclaimOffMessage(profile));
    await this.repos.audit.append({ actor, action: 'candidate.retry_requested', targetType: 'candidate', targetId: candidateId, profileId: profile.id });
    return this.executor.retryNow(candidate, actor);
  }

  /**
   * One state change through the machine: refuses with the machine's reason, applies the compare-and-set and
   * the audit entry (and `alsoDo`) in one transaction, and reports a lost race with the reason of the state
   * that won it.
   */
  private async decide(
    candidateId: string,
    actor: string,
    event: CandidateEvent,
    patch: CandidatePatch,
    action: string,
    details: Record<string, unknown> = {},
    alsoDo?: (repos: Repositories, row: RemovalCandidate) => Promise<RemovalCandidate | void>,
  ): Promise<RemovalCandidate> {
    const current = await this.get(candidateId);
    const check = transitionCandidate(current.state, event);
    if (!check.ok) throw new ServiceError('refused', check.reason);
    const row = await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const updated = await repos.candidates.transition(candidateId, allowedFrom(event.type), targetOf(event), patch);
      if (!updated) return null;
      await repos.audit.append({
        actor,
        action,
        targetType: 'candidate',
        targetId: candidateId,
        profileId: updated.profileId,
        details: { from: current.state, to: updated.state, ...details },
      });
      return (await alsoDo?.(repos, updated)) ?? updated;
    });
    if (row) return row;
    const now = await this.repos.candidates.get(candidateId);
    const again = now ? transitionCandidate(now.state, event) : null;
    throw new ServiceError('refused', again && !again.ok ? again.reason : 'Someone else changed this candidate meanwhile; look again');
  }

  private async excludeSeat(repos: Repositories, candidate: RemovalCandidate, actor: string, reason: string, expiresAt: Date | null): Promise<ExclusionRule> {
    const subscription = await repos.subscriptions.get(candidate.subscriptionId);
    if (!subscription) throw notFound('The seat of this candidate');
    const rule = await repos.exclusionRules.create({
      profileId: candidate.profileId,
      kind: 'user',
      vendorUserId: subscription.vendorUserId,
      emailPattern: null,
      licenseType: null,
      reason,
      expiresAt,
      createdBy: actor,
    });
    await repos.audit.append({
      actor,
      action: 'exclusion.created',
      targetType: 'exclusion',
      targetId: rule.id,
      profileId: candidate.profileId,
      details: { kind: 'user', vendorUserId: subscription.vendorUserId, email: subscription.email, reason, expiresAt: expiresAt?.toISOString() ?? null, candidateId: candidate.id },
    });
    return rule;
  }

  private async candidatesOf(ids: readonly string[]): Promise<RemovalCandidate[]> {
    const rows = await Promise.all([...new Set(ids)].map((id) => this.repos.candidates.get(id)));
    return rows.filter((r): r is RemovalCandidate => r !== null);
  }

  private async profileOf(candidate: RemovalCandidate): Promise<IntegrationProfile> {
    const profile = await this.repos.profiles.get(candidate.profileId);
    if (!profile) throw notFound('The integration profile');
    return profile;
  }

  private async graceDaysOf(candidate: RemovalCandidate): Promise<number> {
    if (!candidate.ruleId) return DEFAULT_GRACE_DAYS;
    return (await this.repos.reclamationRules.get(candidate.ruleId))?.graceDays ?? DEFAULT_GRACE_DAYS;
  }

  /** Asks for an executor run now when one of the profiles has its Reclaim switch on. */
  private async scheduleReclaim(profileIds: readonly string[]): Promise<boolean> {
    const profiles = await Promise.all(profileIds.map((id) => this.repos.profiles.get(id)));
    if (!profiles.some((p) => p?.reclaim && p.status === 'published')) return false;
    try {
      await this.ctx.scheduler.now(JOBS.reclaim, {});
      return true;
    } catch (err) {
      // The decision stands; the recurring executor picks it up on its next round.
      this.ctx.logger.warn({ err: describeError(err) }, 'could not queue the reclaim executor');
      return false;
    }
  }

  private async changed(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await safely(this.ctx, () => this.services().notifier.candidatesChanged([...ids]));
  }
}

function checkReason(reason: string, path: string): string {
  const why = (reason ?? '').trim();
  if (why === '') throw new ServiceError('invalid', 'Give a reason', [{ path, message: 'Say why, in a few words' }]);
  if (why.length > MAX_REASON) throw new ServiceError('invalid', `Keep the reason under ${MAX_REASON} characters`, [{ path, message: `At most ${MAX_REASON} characters` }]);
  return why;
}

export function reclaimOffMessage(profile: IntegrationProfile): string {
  return `Reclaim is switched off for "${profile.displayName}": candidates are listed but nothing is sent to ${VENDOR_LABELS[profile.vendor]}. Turn Reclaim on in the profile to reclaim seats.`;
}

export type { CandidateView, CandidateViewFilter, ExecuteOptions, ExecutionItem, ExecutionResult };
