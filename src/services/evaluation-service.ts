// Turns a profile's stale seats into removal candidates: loads seats, reclamation rules and exclusions, runs the
// domain's selectCandidates (guards, exclusions, rules, per-run cap), creates the candidates and closes open ones
// that are no longer stale. Models over the per-run cap are held (no candidates created) until an admin confirms.
import { allowedFrom, OPEN_STATES, targetOf } from '../domain/candidate-state.js';
import { describeError } from '../domain/errors.js';
import {
  compileRules,
  selectCandidates,
  type ModelShare,
  type RuleSeat,
} from '../domain/rules.js';
import { JOBS } from '../jobs/names.js';
import type { CandidateInput, IntegrationProfile, RemovalCandidate, Subscription } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';
import type { CandidateNotifier } from './notifier.js';
import { hasActivitySubflow } from './profile-service.js';
import { toRuleExclusions, toRuleReclamation, toRuleSeat } from './rule-inputs.js';

const DAY_MS = 86_400_000;
const SEAT_PAGE = 5_000;
const INSERT_CHUNK = 1_000;
/** Larger than any profile's open candidates: the repository pages by limit only. */
const ALL = 10_000_000;
/** Who closes candidates that are no longer stale. */
export const EVALUATION_ACTOR = 'system:evaluation';
/** Candidates an evaluation may close: nobody has decided on them yet. */
const CLOSABLE_STATES = ['pending', 'awaiting_user'] as const;

export interface EvaluationTrigger {
  /** 'scheduler', 'cli', or the Slack user id of whoever asked. */
  actor: string;
}

export interface EvaluateOptions {
  /** Models whose held batch an admin confirmed: the per-run cap does not apply to them in this run. */
  confirmModelIds?: readonly string[];
}

/** A model whose new candidates exceeded the per-run cap and were not created. */
export interface HeldModel {
  modelId: string;
  modelName: string;
  /** Candidates the rules selected this run. */
  candidates: number;
  /** Seats of the model currently held. */
  heldSeats: number;
  /** Most candidates allowed without confirmation. */
  limit: number;
}

/** What is waiting for an admin's confirmation (the latest evaluation's held models). */
export interface HeldBatch {
  profileId: string;
  runId: string;
  at: string;
  models: HeldModel[];
}

export interface EvaluationResult {
  runId: string;
  status: 'succeeded' | 'failed';
  error?: string;
  /** Active seats evaluated. */
  seats: number;
  created: number;
  createdIds: string[];
  /** Candidates not created because their model is over the per-run cap. */
  held: number;
  heldModels: HeldModel[];
  /** Open candidates closed because their seat is no longer stale (used again, excluded, gone). */
  closed: number;
  closedIds: string[];
  /** Seats that did not become candidates, by why (NotCandidateWhy values, plus `unrecognized_license`). */
  skipped: Record<string, number>;
  seconds: number;
}

export interface EvaluationDeps {
  notifier: CandidateNotifier;
}

const heldKey = (profileId: string) => `evaluation.held.${profileId}`;

export class EvaluationService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: () => EvaluationDeps,
  ) {}

  private get repos() {
    return this.ctx.repos;
  }

  /**
   * Evaluates every held seat of the profile. Never throws for a failure while evaluating: the result (and the
   * job run) says `failed` with the cause, and the admins are told. Throws ServiceError for an unknown profile.
   */
  async evaluate(profileId: string, trigger: EvaluationTrigger, opts: EvaluateOptions = {}): Promise<EvaluationResult> {
    const profile = await this.repos.profiles.get(profileId);
    if (!profile) throw notFound('The integration profile');
    const started = performance.now();
    const runId = await this.repos.jobRuns.start({ jobName: JOBS.evaluate, kind: 'evaluate', profileId, triggeredBy: trigger.actor, startedAt: this.ctx.now() });
    const result: EvaluationResult = { runId, status: 'succeeded', seats: 0, created: 0, createdIds: [], held: 0, heldModels: [], closed: 0, closedIds: [], skipped: {}, seconds: 0 };
    try {
      await this.run(profile, trigger, opts, result);
      result.seconds = secondsSince(started);
      await this.repos.jobRuns.finish(runId, 'succeeded', countsOf(result));
    } catch (err) {
      result.status = 'failed';
      result.error = describeError(err);
      result.seconds = secondsSince(started);
      await this.repos.jobRuns.finish(runId, 'failed', countsOf(result), result.error);
      this.ctx.logger.warn({ profileId, err: result.error }, 'evaluation failed');
      await this.tell((n) => n.jobFailed(profileId, `Evaluate ${profile.displayName} Reclamation Rules`, result.error!));
      return result;
    }
    if (result.createdIds.length > 0) await this.tell((n) => n.candidatesCreated(profileId, result.createdIds));
    if (result.closedIds.length > 0) await this.tell((n) => n.candidatesChanged(result.closedIds));
    return result;
  }

  /** The models held by the latest evaluation, waiting for confirmation; null when nothing is held. */
  async heldBatch(profileId: string): Promise<HeldBatch | null> {
    return (await this.repos.settings.get<HeldBatch>(heldKey(profileId))) ?? null;
  }

  /**
   * An admin confirms the held batch (all its models, or the ones named): the evaluation runs again with the
   * cap lifted for those models, so their candidates are created as the rules see them now.
   */
  async confirmHeld(profileId: string, actor: string, modelIds?: readonly string[]): Promise<EvaluationResult> {
    const batch = await this.heldBatch(profileId);
    if (!batch || batch.models.length === 0) throw new ServiceError('refused', 'No candidates are waiting for confirmation on this profile');
    const heldIds = new Set(batch.models.map((m) => m.modelId));
    const confirm = modelIds ? [...new Set(modelIds)] : [...heldIds];
    const unknown = confirm.filter((id) => !heldIds.has(id));
    if (unknown.length > 0) throw new ServiceError('invalid', 'Some of those models have nothing held', [{ path: 'modelIds', message: 'Choose models from the held batch' }]);
    await this.repos.audit.append({
      actor,
      action: 'candidates.held_confirmed',
      targetType: 'profile',
      targetId: profileId,
      profileId,
      details: { runId: batch.runId, models: batch.models.filter((m) => confirm.includes(m.modelId)) },
    });
    return this.evaluate(profileId, { actor }, { confirmModelIds: confirm });
  }

  private async run(profile: IntegrationProfile, trigger: EvaluationTrigger, opts: EvaluateOptions, result: EvaluationResult): Promise<void> {
    const now = this.ctx.now();
    const profileId = profile.id;
    const [models, rules, exclusions, open, decided] = await Promise.all([
      this.repos.models.list(profileId),
      this.repos.reclamationRules.listByProfile(profileId, { activeOnly: true }),
      this.repos.exclusionRules.listActive(profileId, now),
      this.repos.candidates.list({ profileId, states: OPEN_STATES, limit: ALL }),
      this.repos.candidates.list({ profileId, states: ['kept', 'excluded'], limit: ALL }),
    ]);
    const seats = await this.loadSeats(profileId, result);
    result.seats = seats.length + (result.skipped.unrecognized_license ?? 0);

    // A holder's "keep" or an approver's "exclude" stands for one threshold period before the seat is proposed again.
    const decidedSince = now.getTime() - profile.defaultInactivityDays * DAY_MS;
    const skip = new Set(open.map((c) => c.subscriptionId));
    for (const c of decided) {
      if (c.decidedBy?.startsWith('system:')) continue;
      if ((c.decidedAt ?? c.updatedAt).getTime() > decidedSince) skip.add(c.subscriptionId);
    }
    const ruleContext = {
      rules: rules.map(toRuleReclamation),
      exclusions: toRuleExclusions(exclusions),
      integrationUserId: profile.integrationUserId,
      freeModelIds: models.filter((m) => m.isFree).map((m) => m.id),
      activityTracked: profile.downloadActivity || !hasActivitySubflow(profile.vendor),
      activityWindowStart: profile.downloadActivity && hasActivitySubflow(profile.vendor) ? profile.analyzeFrom : null,
    };
    const selection = selectCandidates(seats, { ...ruleContext, skipSubscriptionIds: skip }, { now, maxShare: profile.maxReclaimShare });
    for (const [why, n] of Object.entries(selection.skipped)) result.skipped[why] = (result.skipped[why] ?? 0) + n;

    const confirmed = new Set(opts.confirmModelIds ?? []);
    const modelById = new Map(models.map((m) => [m.id, m]));
    result.heldModels = selection.models
      .filter((s): s is ModelShare & { modelId: string } => s.needsConfirmation && s.modelId !== null && !confirmed.has(s.modelId))
      .map((s) => ({ modelId: s.modelId, modelName: modelById.get(s.modelId)?.name ?? s.modelId, candidates: s.candidates, heldSeats: s.heldSeats, limit: s.limit }));
    const heldModelIds = new Set(result.heldModels.map((m) => m.modelId));

    const inputs: CandidateInput[] = [];
    for (const c of selection.candidates) {
      if (c.needsConfirmation && c.seat.modelId !== null && heldModelIds.has(c.seat.modelId)) {
        result.held++;
        continue;
      }
      inputs.push({
        profileId,
        subscriptionId: c.seat.subscriptionId,
        modelId: c.seat.modelId,
        ruleId: c.verdict.ruleId,
        state: 'pending',
        reason: c.verdict.reason,
        lastActivityAt: c.verdict.lastActivityAt,
        inactiveDays: c.verdict.inactiveDays,
      });
    }
    for (let i = 0; i < inputs.length; i += INSERT_CHUNK) {
      const created = await this.repos.candidates.createMany(inputs.slice(i, i + INSERT_CHUNK));
      result.createdIds.push(...created.map((c) => c.id));
    }
    result.created = result.createdIds.length;

    await this.closeNoLongerStale(profile, open, seats, compileRules(ruleContext), now, result);

    if (result.heldModels.length > 0) {
      const batch: HeldBatch = { profileId, runId: result.runId, at: now.toISOString(), models: result.heldModels };
      await this.repos.settings.set(heldKey(profileId), batch);
    } else {
      await this.repos.settings.delete(heldKey(profileId));
    }
    if (result.created > 0 || result.held > 0) {
      await this.repos.audit.append({
        actor: trigger.actor,
        action: 'candidates.created',
        targetType: 'profile',
        targetId: profileId,
        profileId,
        details: { runId: result.runId, created: result.created, held: result.held, heldModels: result.heldModels, confirmedModels: [...confirmed] },
      });
    }
  }

  /** Active seats in id order; seats with no software model (unrecognized license types) are never candidates. */
  private async loadSeats(profileId: string, result: EvaluationResult): Promise<RuleSeat[]> {
    const seats: RuleSeat[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page: Subscription[] = await this.repos.subscriptions.list(profileId, { status: 'active', limit: SEAT_PAGE, ...(afterId ? { afterId } : {}) });
      for (const s of page) {
        if (s.modelId === null) {
          result.skipped.unrecognized_license = (result.skipped.unrecognized_license ?? 0) + 1;
          continue;
        }
        seats.push(toRuleSeat(s));
      }
      if (page.length < SEAT_PAGE) return seats;
      afterId = page.at(-1)!.id;
    }
  }

  /**
   * Open candidates nobody has decided on yet (pending, awaiting the holder) whose seat is gone or no longer
   * qualifies (used again, now excluded, rule removed or raised) are closed with the candidate machine's
   * `exclude` event, so an approver never approves a seat that is in use.
   */
  private async closeNoLongerStale(
    profile: IntegrationProfile,
    open: RemovalCandidate[],
    seats: RuleSeat[],
    evaluator: ReturnType<typeof compileRules>,
    now: Date,
    result: EvaluationResult,
  ): Promise<void> {
    const closable = open.filter((c) => (CLOSABLE_STATES as readonly string[]).includes(c.state));
    if (closable.length === 0) return;
    const seatById = new Map(seats.map((s) => [s.subscriptionId, s]));
    const from = allowedFrom('exclude').filter((s) => (CLOSABLE_STATES as readonly string[]).includes(s));
    for (const c of closable) {
      const seat = seatById.get(c.subscriptionId);
      let why: string;
      let detail: string;
      if (!seat) {
        why = 'seat_gone';
        detail = 'The seat is no longer held at the vendor';
      } else {
        const verdict = evaluator.evaluate(seat, now);
        if (verdict.candidate) continue;
        why = verdict.why;
        detail = verdict.detail;
      }
      const closed = await this.repos.candidates.transition(c.id, from, targetOf({ type: 'exclude' }), { decidedBy: EVALUATION_ACTOR, decidedAt: now });
      if (!closed) continue; // someone decided meanwhile
      result.closedIds.push(c.id);
      await this.repos.audit.append({
        actor: EVALUATION_ACTOR,
        action: 'candidate.closed_not_stale',
        targetType: 'removal_candidate',
        targetId: c.id,
        profileId: profile.id,
        details: { why, detail, from: c.state },
      });
    }
    result.closed = result.closedIds.length;
  }

  private async tell(call: (n: CandidateNotifier) => Promise<void>): Promise<void> {
    try {
      await call(this.deps().notifier);
    } catch (err) {
      this.ctx.logger.warn({ err: describeError(err) }, 'notifier failed');
    }
  }
}

function countsOf(r: EvaluationResult): Record<string, number> {
  const counts: Record<string, number> = { seats: r.seats, created: r.created, held: r.held, closed: r.closed, seconds: r.seconds };
  for (const [why, n] of Object.entries(r.skipped)) counts[`skipped_${why}`] = n;
  return counts;
}

function secondsSince(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}
