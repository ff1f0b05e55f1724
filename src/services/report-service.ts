// Reconciliation (the License Workbench's compliance position per software model) and the summaries App Home
// shows: seats and cost per app, candidates waiting, savings so far, the last sync. Shapes are plain data the
// Slack layer and the CLI render as they are.
import { reconcile, type CompliancePosition, type CurrencyTotals, type ModelReconciliation, type Renewal } from '../domain/reconciliation.js';
import { describeError } from '../domain/errors.js';
import { VENDOR_LABELS, type Vendor } from '../domain/vendor.js';
import { JOBS } from '../jobs/names.js';
import type { CandidateState } from '../domain/candidate-state.js';
import type { IntegrationProfile, JobRun } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { toDomainEntitlement } from './entitlement-service.js';
import { notFound } from './errors.js';
import {
  loadCandidateCounts,
  loadEntitlements,
  loadLastSyncs,
  loadModels,
  loadReclaimedCounts,
  loadSeatCounts,
  loadUsage,
} from './report-queries.js';

const SETTINGS_KEY = 'reconciliation.last';

export interface ReconcileOptions {
  /** Only this profile's models. */
  profileId?: string;
  now?: Date;
  /** Renewals within this many days (default 90). */
  renewalWindowDays?: number;
}

export interface ReportModel extends ModelReconciliation {
  profileId: string;
  profileName: string;
  vendor: Vendor;
  licenseType: string;
  /** Days without activity after which a seat counts as inactive (the model's reclamation rule or the profile default). */
  thresholdDays: number;
  activityTracked: boolean;
  /** Seats never used (counted inactive once older than the threshold). */
  neverActive: number;
  /** purchased × annual unit cost: what the model costs per year; null when the cost is unknown. */
  annualSpend: number | null;
}

export interface SpendTotal {
  currency: string;
  annualSpend: number;
}

export interface ReconciliationResult {
  generatedAt: Date;
  renewalWindowDays: number;
  models: ReportModel[];
  /** Potential, realized savings and shortfall cost per currency (known amounts only). */
  totals: CurrencyTotals[];
  spend: SpendTotal[];
  /** Names of models whose cost is unknown (no entitlement, mixed currencies): missing from the totals. */
  modelsWithUnknownCost: string[];
  renewals: Array<Renewal & { profileName: string }>;
  counts: { models: number; overLicensed: number; underLicensed: number; compliant: number; free: number; assigned: number; inactive: number };
  warnings: string[];
}

export interface CandidateCounts {
  /** pending + awaiting_user + released: an approver can act. */
  awaitingDecision: number;
  awaitingHolder: number;
  approved: number;
  reclaiming: number;
  failed: number;
  reclaimed: number;
  byState: Partial<Record<CandidateState, number>>;
}

export interface LastSync {
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  counts: Record<string, number>;
  error: string | null;
  triggeredBy: string | null;
}

export interface ProfileSummary {
  profile: {
    id: string;
    displayName: string;
    vendor: Vendor;
    vendorLabel: string;
    status: IntegrationProfile['status'];
    reclaim: boolean;
    downloadActivity: boolean;
    lastSyncAt: Date | null;
    lastSyncStatus: string | null;
  };
  seats: { held: number; removed: number; reclaimed: number };
  models: ReportModel[];
  candidates: CandidateCounts;
  totals: CurrencyTotals[];
  spend: SpendTotal[];
  lastSync: LastSync | null;
}

export interface Overview {
  generatedAt: Date;
  profiles: ProfileSummary[];
  totals: CurrencyTotals[];
  spend: SpendTotal[];
  pendingCandidates: number;
  failedCandidates: number;
  renewals: ReconciliationResult['renewals'];
}

export class ReportService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Reconciliation on demand: per software model, purchased against assigned and active seats, and the money. */
  async reconcile(opts: ReconcileOptions = {}): Promise<ReconciliationResult> {
    const now = opts.now ?? this.ctx.now();
    const windowDays = opts.renewalWindowDays ?? 90;
    const db = this.ctx.database.db;
    const [models, entitlementRows, usage, reclaimed] = await Promise.all([
      loadModels(db, opts.profileId),
      loadEntitlements(db, opts.profileId),
      loadUsage(db, now, opts.profileId),
      loadReclaimedCounts(db, opts.profileId),
    ]);
    const usageByModel = new Map(usage.map((u) => [u.modelId, u]));
    const report = reconcile({
      models: models.map((m) => ({ id: m.id, name: m.name, isFree: m.isFree })),
      entitlements: entitlementRows.map(toDomainEntitlement),
      usage: usage.map((u) => ({ modelId: u.modelId, assigned: u.assigned, active: u.activityTracked ? u.active : u.assigned })),
      reclaimed: [...reclaimed].flatMap(([modelId, n]) => Array.from({ length: n }, () => ({ modelId }))),
      now,
      renewalWindowDays: windowDays,
    });
    const modelById = new Map(models.map((m) => [m.id, m]));
    const reportModels: ReportModel[] = report.models.map((r) => {
      const m = modelById.get(r.modelId)!;
      const u = usageByModel.get(r.modelId);
      const tracked = u?.activityTracked ?? true;
      return {
        ...r,
        profileId: m.profileId,
        profileName: m.profileName,
        vendor: m.vendor,
        licenseType: m.licenseType,
        thresholdDays: u?.thresholdDays ?? 60,
        activityTracked: tracked,
        neverActive: u?.neverActive ?? 0,
        annualSpend: r.annualUnitCost === null ? null : cents(r.purchased * r.annualUnitCost),
        warnings: tracked ? r.warnings : [...r.warnings, 'Activity is not downloaded for this profile: every seat counts as active'],
      };
    });
    return {
      generatedAt: now,
      renewalWindowDays: windowDays,
      models: reportModels,
      totals: report.totals,
      spend: spendOf(reportModels),
      modelsWithUnknownCost: report.modelsWithUnknownCost.map((id) => modelById.get(id)?.name ?? id),
      renewals: report.renewals.map((r) => ({ ...r, profileName: modelById.get(r.modelId)?.profileName ?? '' })),
      counts: countPositions(reportModels),
      warnings: report.warnings,
    };
  }

  /**
   * The daily reconciliation job: reconciles, keeps the result for App Home and records a job run. Returns the
   * result; a failure is recorded on the run and thrown.
   */
  async runReconciliation(triggeredBy = 'scheduler'): Promise<ReconciliationResult> {
    const runId = await this.ctx.repos.jobRuns.start({ jobName: JOBS.reconcile, kind: 'reconcile', triggeredBy });
    try {
      const result = await this.reconcile();
      await this.ctx.repos.settings.set(SETTINGS_KEY, result);
      await this.ctx.repos.jobRuns.finish(runId, 'succeeded', { ...result.counts, renewals: result.renewals.length });
      return result;
    } catch (err) {
      await this.ctx.repos.jobRuns.finish(runId, 'failed', {}, describeError(err));
      throw err;
    }
  }

  /** The result the last reconciliation job kept (dates as ISO strings), or null before the first run. */
  async lastReconciliation(): Promise<unknown> {
    return (await this.ctx.repos.settings.get(SETTINGS_KEY)) ?? null;
  }

  async profileSummary(profileId: string): Promise<ProfileSummary> {
    const profile = await this.ctx.repos.profiles.get(profileId);
    if (!profile) throw notFound('The integration profile');
    const report = await this.reconcile({ profileId });
    const [summary] = await this.summaries([profile], report);
    return summary!;
  }

  /** Everything App Home shows: one summary per profile and the totals. */
  async overview(): Promise<Overview> {
    const profiles = await this.ctx.repos.profiles.list();
    const report = await this.reconcile();
    const summaries = await this.summaries(profiles, report);
    return {
      generatedAt: report.generatedAt,
      profiles: summaries,
      totals: report.totals,
      spend: report.spend,
      pendingCandidates: summaries.reduce((n, s) => n + s.candidates.awaitingDecision, 0),
      failedCandidates: summaries.reduce((n, s) => n + s.candidates.failed, 0),
      renewals: report.renewals,
    };
  }

  private async summaries(profiles: IntegrationProfile[], report: ReconciliationResult): Promise<ProfileSummary[]> {
    const db = this.ctx.database.db;
    const ids = profiles.map((p) => p.id);
    const [candidates, seats, syncs] = await Promise.all([loadCandidateCounts(db, ids), loadSeatCounts(db, ids), loadLastSyncs(db, ids)]);
    return profiles.map((p) => {
      const models = report.models.filter((m) => m.profileId === p.id);
      return {
        profile: {
          id: p.id,
          displayName: p.displayName,
          vendor: p.vendor,
          vendorLabel: VENDOR_LABELS[p.vendor],
          status: p.status,
          reclaim: p.reclaim,
          downloadActivity: p.downloadActivity,
          lastSyncAt: p.lastSyncAt,
          lastSyncStatus: p.lastSyncStatus,
        },
        seats: seats.get(p.id) ?? { held: 0, removed: 0, reclaimed: 0 },
        models,
        candidates: candidateCounts(candidates.get(p.id) ?? {}),
        totals: totalsOf(models),
        spend: spendOf(models),
        lastSync: lastSyncOf(syncs.get(p.id)),
      };
    });
  }
}

const cents = (x: number): number => Math.round(x * 100) / 100;

function candidateCounts(byState: Partial<Record<CandidateState, number>>): CandidateCounts {
  const n = (s: CandidateState) => byState[s] ?? 0;
  return {
    awaitingDecision: n('pending') + n('awaiting_user') + n('released'),
    awaitingHolder: n('awaiting_user'),
    approved: n('approved'),
    reclaiming: n('reclaiming'),
    failed: n('failed'),
    reclaimed: n('reclaimed'),
    byState,
  };
}

function lastSyncOf(run: JobRun | undefined): LastSync | null {
  if (!run) return null;
  return { status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, counts: run.counts, error: run.error, triggeredBy: run.triggeredBy };
}

function totalsOf(models: readonly ReportModel[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const m of models) {
    if (m.currency === null) continue;
    const t = totals.get(m.currency) ?? { currency: m.currency, potentialAnnualSavings: 0, realizedAnnualSavings: 0, shortfallAnnualCost: 0 };
    t.potentialAnnualSavings = cents(t.potentialAnnualSavings + (m.potentialAnnualSavings ?? 0));
    t.realizedAnnualSavings = cents(t.realizedAnnualSavings + (m.realizedAnnualSavings ?? 0));
    t.shortfallAnnualCost = cents(t.shortfallAnnualCost + (m.shortfallAnnualCost ?? 0));
    totals.set(m.currency, t);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

function spendOf(models: readonly ReportModel[]): SpendTotal[] {
  const spend = new Map<string, number>();
  for (const m of models) {
    if (m.currency === null || m.annualSpend === null) continue;
    spend.set(m.currency, cents((spend.get(m.currency) ?? 0) + m.annualSpend));
  }
  return [...spend].map(([currency, annualSpend]) => ({ currency, annualSpend })).sort((a, b) => a.currency.localeCompare(b.currency));
}

function countPositions(models: readonly ReportModel[]): ReconciliationResult['counts'] {
  const is = (kind: CompliancePosition['kind']) => models.filter((m) => m.position.kind === kind).length;
  return {
    models: models.length,
    overLicensed: is('over_licensed'),
    underLicensed: is('under_licensed'),
    compliant: is('compliant'),
    free: is('free'),
    assigned: models.reduce((n, m) => n + m.assigned, 0),
    inactive: models.reduce((n, m) => n + m.inactive, 0),
  };
}
