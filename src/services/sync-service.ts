// Downloads from the vendors: subscriptions (who holds which seat), activity (last activity per seat) and
// consumption (Salesforce used/total per license type). Each download is one job run (the seeds' scheduled job
// result) with its counts or its readable error. A download that fails part-way removes nothing.
import { describeError } from '../domain/errors.js';
import type { Connector, LicenseCount, VendorSeat } from '../domain/vendor.js';
import { JOBS, jobDisplayName, profileRunData, type JobName } from '../jobs/names.js';
import { createRepositories, waitForAdvisoryLock, type IntegrationProfile, type JobRun, type ModelSpec } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';
import type { EvaluationResult, EvaluationService } from './evaluation-service.js';
import type { CandidateNotifier } from './notifier.js';
import { hasActivitySubflow, hasConsumptionSubflow, type ProfileService } from './profile-service.js';
import { defaultRuleFor } from './rules-service.js';

const DAY_MS = 86_400_000;
/** The seeds' default start of the activity analysis. */
export const DEFAULT_ANALYZE_DAYS = 60;
/** PGlite has no autovacuum: past this many seats a download refreshes the planner's statistics. */
export const VACUUM_AFTER_SEATS = 5_000;
/** What unrecognized_identifiers records for seats whose vendor gave no license type. */
export const BLANK_LICENSE_IDENTIFIER = '(no license type)';
const SYNC_ACTOR = 'system:sync';
const MAX_LICENSE_TYPE = 100;
const HEARTBEAT_EVERY_MS = 15_000;

export interface SyncTrigger {
  /** 'scheduler', 'cli', or the Slack user id of whoever asked. */
  actor: string;
  /** Keeps a long job's lock alive (the scheduler's touch); called between pages. */
  heartbeat?: () => Promise<void>;
}

export interface SubscriptionSyncOptions {
  /** After a complete download: refresh activity (when the profile downloads it) and evaluate. Default true. */
  followUp?: boolean;
}

export interface SubscriptionCounts {
  new: number;
  updated: number;
  removed: number;
  unchanged: number;
  /** Seats received from the vendor. */
  seats: number;
  pages: number;
  /** Seats whose license type could not be placed in a software model. */
  unrecognized: number;
  modelsCreated: number;
  rulesCreated: number;
  seconds: number;
}

export interface SubscriptionSyncResult {
  runId: string;
  status: 'succeeded' | 'failed';
  /** The readable cause (describeError) when failed. */
  error?: string;
  counts: SubscriptionCounts;
  /** The activity refresh that followed, when the profile downloads activity. */
  activity?: ActivityResult;
  /** The evaluation that followed a complete download (and a successful activity refresh). */
  evaluation?: EvaluationResult;
}

export interface ActivityResult {
  runId: string;
  status: 'succeeded' | 'failed';
  error?: string;
  /** Activity was read from this moment on. */
  since: Date;
  /** records: activity entries received; updated: seats whose last activity moved forward. */
  counts: { records: number; updated: number; pages: number; seconds: number };
  evaluation?: EvaluationResult;
}

export interface ConsumptionResult {
  runId: string;
  status: 'succeeded' | 'failed';
  error?: string;
  snapshots: LicenseCount[];
  counts: { licenseTypes: number; seconds: number };
}

/** A download someone asked for: queued as the profile's job (it runs on whichever replica picks it up). */
export interface SyncRequest {
  /** The scheduler's id of the queued run. */
  jobId: string;
  profile: IntegrationProfile;
  /** What people call the job: "Download <profile> Subscriptions". */
  label: string;
  /** No run that started before this moment can be this request's run. */
  requestedAt: Date;
}

/** A finished or running job run with the name people know it by. */
export type LabelledJobRun = JobRun & { label: string };

export interface ScheduledJob {
  jobName: string;
  label: string;
  nextRunAt: Date | null;
  repeatInterval: string | null;
  failReason: string | null;
}

export interface JobHistory {
  profile: IntegrationProfile;
  /** Newest first. */
  runs: LabelledJobRun[];
  /** The profile's rows in the scheduler: its recurring jobs and any queued one-off runs. */
  scheduled: ScheduledJob[];
}

/** Job runs may be written by another replica whose clock is a little behind this one. */
const CLOCK_SKEW_MS = 1000;

export interface SyncDeps {
  profiles: ProfileService;
  evaluation: EvaluationService;
  notifier: CandidateNotifier;
}

export class SyncService {
  /** How long a download waits for another download of the same profile to finish. */
  downloadWaitMs = 30 * 60_000;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: () => SyncDeps,
  ) {}

  private get repos() {
    return this.ctx.repos;
  }

  /**
   * The subscription download job ("Download <name> Subscriptions"). Vendor and store failures end as a failed
   * run in the result (never thrown); an unknown or draft profile is a ServiceError before any run starts.
   */
  async syncSubscriptions(profileId: string, trigger: SyncTrigger, opts: SubscriptionSyncOptions = {}): Promise<SubscriptionSyncResult> {
    const profile = await this.publishedProfile(profileId, 'download its subscriptions');
    return this.exclusively(profile, () => this.downloadSubscriptions(profile, trigger, opts));
  }

  /**
   * One download of a profile at a time, whoever starts it (the scheduler on any replica, /license sync, the
   * CLI): two would race on "seen in this download" and could mark each other's seats gone. A second one waits
   * for the first to finish, then downloads afresh; past DOWNLOAD_WAIT_MS it gives up.
   */
  private async exclusively<T>(profile: IntegrationProfile, work: () => Promise<T>): Promise<T> {
    const release = await waitForAdvisoryLock(this.ctx.database, `download:${profile.id}`, { waitMs: this.downloadWaitMs });
    if (!release) throw new ServiceError('conflict', `A download of "${profile.displayName}" is still running; try again when it has finished`);
    try {
      return await work();
    } finally {
      await release();
    }
  }

  private async downloadSubscriptions(profile: IntegrationProfile, trigger: SyncTrigger, opts: SubscriptionSyncOptions): Promise<SubscriptionSyncResult> {
    const profileId = profile.id;
    const startedAt = this.ctx.now();
    const started = performance.now();
    const runId = await this.startRun(JOBS.subscriptions, 'subscriptions', profile, trigger, startedAt);
    const counts: SubscriptionCounts = { new: 0, updated: 0, removed: 0, unchanged: 0, seats: 0, pages: 0, unrecognized: 0, modelsCreated: 0, rulesCreated: 0, seconds: 0 };
    let connector: Connector;
    try {
      connector = await this.deps().profiles.connectorFor(profile);
      await this.download(profile, connector, startedAt, counts, trigger);
      // Only a complete download may say a seat is gone.
      counts.removed = await this.repos.subscriptions.markMissingRemoved(profileId, startedAt, this.ctx.now());
      if (this.ctx.database.kind === 'pglite' && counts.seats > VACUUM_AFTER_SEATS) await this.ctx.database.vacuum();
    } catch (err) {
      counts.seconds = secondsSince(started);
      const error = await this.failRun(runId, JOBS.subscriptions, profile, counts, err);
      return { runId, status: 'failed', error, counts };
    }
    counts.seconds = secondsSince(started);
    await this.repos.jobRuns.finish(runId, 'succeeded', { ...counts });
    await this.repos.profiles.recordSync(profileId, 'succeeded', this.ctx.now());
    this.ctx.logger.info({ profileId, ...counts }, 'subscriptions downloaded');

    const result: SubscriptionSyncResult = { runId, status: 'succeeded', counts };
    if (opts.followUp === false) return result;
    if (profile.downloadActivity && hasActivitySubflow(profile.vendor) && connector.activity) {
      // The same connector: Zendesk serves activity from the download it just made.
      result.activity = await this.runActivity(profile, connector, trigger, { evaluate: false });
      // Stale activity would make people who work every day look idle: no evaluation on a failed refresh.
      if (result.activity.status === 'failed') return result;
    }
    result.evaluation = await this.deps().evaluation.evaluate(profileId, trigger);
    return result;
  }

  /** The activity job ("Refresh <name> Activity"), followed by an evaluation when it succeeds. */
  async refreshActivity(profileId: string, trigger: SyncTrigger, opts: { evaluate?: boolean } = {}): Promise<ActivityResult> {
    const profile = await this.publishedProfile(profileId, 'refresh its activity');
    if (!hasActivitySubflow(profile.vendor)) {
      throw new ServiceError('refused', `"${profile.displayName}" takes activity from its subscription download`);
    }
    if (!profile.downloadActivity) throw new ServiceError('refused', `Download activity is off for "${profile.displayName}"`);
    return this.exclusively(profile, async () => {
      let connector: Connector | undefined;
      let connectError: unknown;
      try {
        connector = await this.deps().profiles.connectorFor(profile);
      } catch (err) {
        connectError = err;
      }
      return this.runActivity(profile, connector, trigger, { evaluate: opts.evaluate ?? true, connectError });
    });
  }

  /** The consumption job ("Download <name> Consumption"): one snapshot per license type, kept over time. */
  async syncConsumption(profileId: string, trigger: SyncTrigger): Promise<ConsumptionResult> {
    const profile = await this.publishedProfile(profileId, 'download its consumption');
    if (!hasConsumptionSubflow(profile.vendor)) throw new ServiceError('refused', `"${profile.displayName}" reports no consumption`);
    const takenAt = this.ctx.now();
    const started = performance.now();
    const runId = await this.startRun(JOBS.consumption, 'consumption', profile, trigger, takenAt);
    const counts = { licenseTypes: 0, seconds: 0 };
    let snapshots: LicenseCount[];
    try {
      const connector = await this.deps().profiles.connectorFor(profile);
      if (!connector.consumption) throw new ServiceError('refused', `The ${profile.vendor} connector reports no consumption`);
      snapshots = await connector.consumption();
      counts.licenseTypes = await this.repos.consumption.insertMany(profile.id, snapshots, takenAt);
    } catch (err) {
      counts.seconds = secondsSince(started);
      const error = await this.failRun(runId, JOBS.consumption, profile, counts, err);
      return { runId, status: 'failed', error, snapshots: [], counts };
    }
    counts.seconds = secondsSince(started);
    await this.repos.jobRuns.finish(runId, 'succeeded', counts);
    return { runId, status: 'succeeded', snapshots, counts };
  }

  /**
   * Queues a subscription download now ("Sync now", `/license sync`), with `actor` as its trigger; refused for
   * a draft. The download itself, its follow-ups and its report happen in the job.
   */
  async requestSync(profileId: string, actor: string): Promise<SyncRequest> {
    const profile = await this.publishedProfile(profileId, 'sync it');
    const requestedAt = new Date(this.ctx.now().getTime() - CLOCK_SKEW_MS);
    const jobId = await this.ctx.scheduler.now(JOBS.subscriptions, profileRunData(profile.id, { actor }));
    await this.repos.audit.append({ actor, action: 'sync.requested', targetType: 'profile', targetId: profile.id, profileId: profile.id, details: { jobId } });
    return { jobId, profile, label: jobDisplayName(JOBS.subscriptions, profile.displayName), requestedAt };
  }

  /** The subscription download `request` asked for, once it has started (finished or not); null before. */
  async requestedRun(request: Pick<SyncRequest, 'profile' | 'requestedAt'>, actor: string): Promise<LabelledJobRun | null> {
    const runs = await this.repos.jobRuns.listByProfile(request.profile.id, { kind: 'subscriptions', limit: 10 });
    const run = runs.find((r) => r.jobName === JOBS.subscriptions && r.triggeredBy === actor && r.startedAt >= request.requestedAt);
    return run ? { ...run, label: jobDisplayName(run.jobName, request.profile.displayName) } : null;
  }

  /** The profile's recent job runs and what the scheduler holds for it (`/license jobs`). */
  async jobHistory(profileId: string, opts: { limit?: number } = {}): Promise<JobHistory> {
    const profile = await this.repos.profiles.get(profileId);
    if (!profile) throw notFound('The integration profile');
    const [runs, scheduled] = await Promise.all([this.repos.jobRuns.listByProfile(profile.id, { limit: opts.limit ?? 20 }), this.ctx.scheduler.listJobs({ profileId: profile.id })]);
    return {
      profile,
      runs: runs.map((r) => ({ ...r, label: jobDisplayName(r.jobName, profile.displayName) })),
      scheduled: scheduled.map((j) => ({ jobName: j.name, label: jobDisplayName(j.name, profile.displayName), nextRunAt: j.nextRunAt, repeatInterval: j.repeatInterval, failReason: j.failReason })),
    };
  }

  /**
   * From `analyze_from` (default 60 days back) on the first run; afterwards from the last successful run
   * minus a day, so a late vendor report is still picked up. Never from before `analyze_from`.
   */
  async activitySince(profile: IntegrationProfile): Promise<Date> {
    const start = profile.analyzeFrom ?? new Date(this.ctx.now().getTime() - DEFAULT_ANALYZE_DAYS * DAY_MS);
    const runs = await this.repos.jobRuns.listByProfile(profile.id, { kind: 'activity', limit: 50 });
    const last = runs.find((r) => r.status === 'succeeded');
    if (!last) return start;
    const incremental = new Date(last.startedAt.getTime() - DAY_MS);
    return incremental > start ? incremental : start;
  }

  private async download(profile: IntegrationProfile, connector: Connector, seenAt: Date, counts: SubscriptionCounts, trigger: SyncTrigger): Promise<void> {
    const knownTypes = new Set((await this.repos.models.list(profile.id)).map((m) => m.licenseType));
    const unrecognized = new Map<string, number>();
    let lastBeat = performance.now();
    for await (const page of connector.subscriptions()) {
      counts.pages++;
      counts.seats += page.length;
      const fresh = new Map<string, ModelSpec>();
      for (const seat of page) {
        const type = seat.licenseType.trim();
        const unplaceable = unrecognizedIdentifier(type);
        if (unplaceable !== null) {
          unrecognized.set(unplaceable, (unrecognized.get(unplaceable) ?? 0) + 1);
          counts.unrecognized++;
          continue;
        }
        if (knownTypes.has(type)) continue;
        const spec = fresh.get(type);
        if (!spec) fresh.set(type, { licenseType: type, name: seat.licenseName?.trim() || type, isFree: seat.flags.free === true });
        else if (seat.flags.free !== true) spec.isFree = false;
      }
      if (fresh.size > 0) {
        const made = await this.createModels(profile, [...fresh.values()]);
        counts.modelsCreated += made.models;
        counts.rulesCreated += made.rules;
        for (const type of fresh.keys()) knownTypes.add(type);
      }
      const upserted = await this.repos.subscriptions.bulkUpsertSeats(profile.id, page.map(normalizeSeat), seenAt);
      counts.new += upserted.inserted;
      counts.updated += upserted.updated;
      counts.unchanged += upserted.unchanged;
      if (trigger.heartbeat && performance.now() - lastBeat > HEARTBEAT_EVERY_MS) {
        lastBeat = performance.now();
        await trigger.heartbeat();
      }
    }
    if (unrecognized.size > 0) {
      await this.repos.unrecognizedIdentifiers.recordMany(
        profile.id,
        [...unrecognized].map(([identifier, seatCount]) => ({ identifier, seatCount })),
        seenAt,
      );
    }
  }

  /**
   * A software model per new license type, and its default reclamation rule (the profile's default threshold;
   * none for free models), in one transaction so a crash cannot leave a model that never gets its rule.
   */
  private async createModels(profile: IntegrationProfile, specs: ModelSpec[]): Promise<{ models: number; rules: number }> {
    return this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const before = new Set((await repos.models.list(profile.id)).map((m) => m.licenseType));
      const created = (await repos.models.ensureMany(profile.id, specs)).filter((m) => !before.has(m.licenseType));
      if (created.length === 0) return { models: 0, rules: 0 };
      const ruled = new Set((await repos.reclamationRules.listByProfile(profile.id)).map((r) => r.modelId));
      const rules = [];
      for (const model of created) {
        if (model.isFree || ruled.has(model.id)) continue;
        rules.push(await repos.reclamationRules.create(defaultRuleFor(profile, model)));
      }
      await repos.audit.append({
        actor: SYNC_ACTOR,
        action: 'software_models.created',
        targetType: 'profile',
        targetId: profile.id,
        profileId: profile.id,
        details: {
          models: created.map((m) => ({ id: m.id, licenseType: m.licenseType, name: m.name, isFree: m.isFree })),
          rules: rules.map((r) => ({ id: r.id, name: r.name, modelId: r.modelId, inactivityDays: r.inactivityDays })),
        },
      });
      return { models: created.length, rules: rules.length };
    });
  }

  private async runActivity(
    profile: IntegrationProfile,
    connector: Connector | undefined,
    trigger: SyncTrigger,
    opts: { evaluate: boolean; connectError?: unknown },
  ): Promise<ActivityResult> {
    const since = await this.activitySince(profile);
    const started = performance.now();
    const runId = await this.startRun(JOBS.activity, 'activity', profile, trigger, this.ctx.now());
    const counts = { records: 0, updated: 0, pages: 0, seconds: 0 };
    let lastBeat = performance.now();
    try {
      if (opts.connectError !== undefined) throw opts.connectError;
      if (!connector?.activity) throw new ServiceError('refused', `The ${profile.vendor} connector reports no activity`);
      for await (const page of connector.activity(since)) {
        counts.pages++;
        counts.records += page.length;
        counts.updated += await this.repos.subscriptions.updateActivity(profile.id, page);
        if (trigger.heartbeat && performance.now() - lastBeat > HEARTBEAT_EVERY_MS) {
          lastBeat = performance.now();
          await trigger.heartbeat();
        }
      }
    } catch (err) {
      counts.seconds = secondsSince(started);
      const error = await this.failRun(runId, JOBS.activity, profile, counts, err);
      return { runId, status: 'failed', error, since, counts };
    }
    counts.seconds = secondsSince(started);
    await this.repos.jobRuns.finish(runId, 'succeeded', counts);
    const result: ActivityResult = { runId, status: 'succeeded', since, counts };
    if (opts.evaluate) result.evaluation = await this.deps().evaluation.evaluate(profile.id, trigger);
    return result;
  }

  private async publishedProfile(profileId: string, what: string): Promise<IntegrationProfile> {
    const profile = await this.repos.profiles.get(profileId);
    if (!profile) throw notFound('The integration profile');
    if (profile.status !== 'published') {
      throw new ServiceError('refused', `"${profile.displayName}" is a draft: validate and publish it before you ${what}`);
    }
    return profile;
  }

  private startRun(jobName: JobName, kind: string, profile: IntegrationProfile, trigger: SyncTrigger, startedAt: Date): Promise<string> {
    return this.repos.jobRuns.start({ jobName, kind, profileId: profile.id, triggeredBy: trigger.actor, startedAt });
  }

  /** Records the failure on the run and the profile and tells the admins; returns the readable cause. */
  private async failRun(runId: string, jobName: JobName, profile: IntegrationProfile, counts: object, err: unknown): Promise<string> {
    const error = describeError(err);
    await this.repos.jobRuns.finish(runId, 'failed', { ...(counts as Record<string, number>) }, error);
    if (jobName === JOBS.subscriptions) await this.repos.profiles.recordSync(profile.id, 'failed', this.ctx.now());
    const label = jobDisplayName(jobName, profile.displayName);
    this.ctx.logger.warn({ profileId: profile.id, job: jobName, err: error }, `${label} failed`);
    try {
      await this.deps().notifier.jobFailed(profile.id, label, error);
    } catch (notifyErr) {
      this.ctx.logger.warn({ err: describeError(notifyErr) }, 'notifier failed');
    }
    return error;
  }
}

/**
 * The identifier to record when a license type cannot be placed in a software model, else null: no type at all,
 * a structured value a custom definition pointed at by mistake (JSON object or array), or something too long to
 * be a license name. Such seats are still stored (so removals stay exact) but belong to no model and are never
 * proposed for reclamation.
 */
export function unrecognizedIdentifier(licenseType: string): string | null {
  const type = licenseType.trim();
  if (type === '') return BLANK_LICENSE_IDENTIFIER;
  if (type.startsWith('{') || type.startsWith('[') || type.length > MAX_LICENSE_TYPE) return type.slice(0, MAX_LICENSE_TYPE);
  return null;
}

/** The license type as stored: trimmed, so " agent" and "agent" are one model. */
function normalizeSeat(seat: VendorSeat): VendorSeat {
  const licenseType = seat.licenseType.trim();
  return licenseType === seat.licenseType ? seat : { ...seat, licenseType };
}

function secondsSince(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}
