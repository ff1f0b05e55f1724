// What App Home, `/license status` and `/license report` show, from ReportService.overview(): per profile its
// state, last sync, seats and annual spend per app, candidates waiting, and the savings so far. Amounts are
// shown in the first currency the report has (reports never mix currencies; others are left out here).
import type { Vendor } from '../domain/vendor.js';
import type { Services } from '../services/index.js';
import type { ProfileStatus } from '../services/types.js';

export interface ModelOverview {
  name: string;
  seats: number;
  /** Per seat and year; null when unknown. */
  unitCost: number | null;
  currency: string;
}

export interface ProfileOverview {
  id: string;
  displayName: string;
  vendor: Vendor;
  status: ProfileStatus;
  validated: boolean;
  lastSyncAt: Date | null;
  lastSyncStatus: string | null;
  seats: number;
  pendingCandidates: number;
  models: ModelOverview[];
  /** Annual spend of the profile's models with a known cost. */
  cost: number;
  /** Annual cost of the unused seats. */
  potentialSavings: number;
}

export interface Overview {
  profiles: ProfileOverview[];
  pendingCandidates: number;
  potentialSavings: number;
  /** Annual cost of the seats reclaimed so far. */
  savingsSoFar: number;
  reclaimedSeats: number;
  currency: string;
}

export async function loadOverview(services: Services): Promise<Overview> {
  const [report, profiles] = await Promise.all([services.reports.overview(), services.profiles.list()]);
  const validated = new Map(profiles.map((p) => [p.id, p.validatedAt !== null]));
  const currency = report.totals[0]?.currency ?? report.spend[0]?.currency ?? 'USD';
  const inCurrency = <T extends { currency: string }>(xs: T[]) => xs.filter((x) => x.currency === currency);
  return {
    profiles: report.profiles.map((s) => ({
      id: s.profile.id,
      displayName: s.profile.displayName,
      vendor: s.profile.vendor,
      status: s.profile.status,
      validated: validated.get(s.profile.id) ?? false,
      lastSyncAt: s.profile.lastSyncAt,
      lastSyncStatus: s.lastSync?.error ? `${s.lastSync.status}: ${s.lastSync.error}` : (s.profile.lastSyncStatus ?? s.lastSync?.status ?? null),
      seats: s.seats.held,
      pendingCandidates: s.candidates.awaitingDecision,
      models: s.models.filter((m) => !m.isFree).map((m) => ({ name: m.modelName, seats: m.assigned, unitCost: m.annualUnitCost, currency: m.currency ?? currency })),
      cost: inCurrency(s.spend).reduce((n, x) => n + x.annualSpend, 0),
      potentialSavings: inCurrency(s.totals).reduce((n, x) => n + x.potentialAnnualSavings, 0),
    })),
    pendingCandidates: report.pendingCandidates,
    potentialSavings: inCurrency(report.totals).reduce((n, x) => n + x.potentialAnnualSavings, 0),
    savingsSoFar: inCurrency(report.totals).reduce((n, x) => n + x.realizedAnnualSavings, 0),
    reclaimedSeats: report.profiles.reduce((n, s) => n + s.candidates.reclaimed, 0),
    currency,
  };
}
