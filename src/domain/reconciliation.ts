// Reconciliation maths: purchased entitlements against seat usage, per software model, into a compliance
// position, the cost of unused seats, realized savings and upcoming renewals.
//
// Definitions (what an IT asset manager reads on the report):
// - purchased   = sum of the model's entitlement quantities.
// - assigned    = seats currently held (active accounts holding the licence).
// - active      = assigned seats used within the inactivity threshold; inactive = assigned − active.
// - unassigned  = max(0, purchased − assigned): bought, nobody holds them.
// - position    = over_licensed (purchased > assigned, surplus = the difference), under_licensed (assigned >
//                 purchased, shortfall = the difference), compliant (equal); free models without entitlements
//                 are 'free' (no licence is needed, so no position).
// - annualUnitCost = quantity-weighted mean of the entitlements' unit costs, each annualized (monthly × 12).
//                 null when the model has no entitlement, when one of them has no cost, or when they mix
//                 currencies: "unknown" must not read as "nothing to save".
// - unusedSeats = max(0, purchased − active) = inactive + unassigned when not under-licensed. The licences one
//                 could stop paying for if inactive seats were reclaimed and the purchase right-sized to the
//                 active users. When under-licensed, reclaiming an inactive seat first cures the shortfall
//                 (cost avoided, not money saved), so only inactive seats beyond the shortfall count.
// - potentialAnnualSavings = unusedSeats × annualUnitCost ("annualized cost of unused seats").
// - shortfallAnnualCost = shortfall × annualUnitCost: what buying the missing licences would cost per year.
// - realizedAnnualSavings = Σ over seats reclaimed (and not restored) of their annual unit cost: the cost
//                 recorded at reclaim time when given, else the model's current annualUnitCost.
// - renewals    = entitlements whose renewal date falls within the next renewalWindowDays (90 by default).
// Free models cost nothing: every amount is 0, never null.

const DAY_MS = 86_400_000;

export type EntitlementPeriod = 'monthly' | 'annual';

export interface SoftwareModel {
  id: string;
  name: string;
  isFree: boolean;
}

export interface Entitlement {
  id: string;
  modelId: string;
  quantity: number;
  /** Price of one seat for one period; null when unknown. */
  unitCost: number | null;
  currency: string;
  period: EntitlementPeriod;
  renewalDate: Date | null;
}

export interface ModelUsage {
  modelId: string;
  assigned: number;
  /** Of the assigned seats, those used within the threshold. */
  active: number;
}

export interface ReclaimedSeatCost {
  modelId: string;
  /** Annual cost of the seat when it was reclaimed; omitted/null = use the model's current cost. */
  annualUnitCost?: number | null;
}

export interface ReconciliationInput {
  models: readonly SoftwareModel[];
  entitlements: readonly Entitlement[];
  usage: readonly ModelUsage[];
  reclaimed: readonly ReclaimedSeatCost[];
  now: Date;
  renewalWindowDays?: number;
}

export type CompliancePosition =
  | { kind: 'over_licensed'; surplus: number }
  | { kind: 'under_licensed'; shortfall: number }
  | { kind: 'compliant' }
  | { kind: 'free' };

export interface Renewal {
  entitlementId: string;
  modelId: string;
  modelName: string;
  renewalDate: Date;
  daysUntil: number;
  quantity: number;
  /** quantity × annualized unit cost of this entitlement; null when its cost is unknown. */
  annualCost: number | null;
  currency: string;
}

export interface ModelReconciliation {
  modelId: string;
  modelName: string;
  isFree: boolean;
  /** null when the model has no entitlement (a free one reports null too unless it has entitlements). */
  currency: string | null;
  purchased: number;
  assigned: number;
  active: number;
  inactive: number;
  unassigned: number;
  position: CompliancePosition;
  annualUnitCost: number | null;
  unusedSeats: number;
  potentialAnnualSavings: number | null;
  shortfallAnnualCost: number | null;
  reclaimedSeats: number;
  realizedAnnualSavings: number | null;
  renewals: Renewal[];
  warnings: string[];
}

export interface CurrencyTotals {
  currency: string;
  potentialAnnualSavings: number;
  realizedAnnualSavings: number;
  shortfallAnnualCost: number;
}

export interface ReconciliationReport {
  models: ModelReconciliation[];
  /** Sums of the known amounts per currency (amounts never mix currencies). */
  totals: CurrencyTotals[];
  /** Models whose cost is unknown, so they are missing from the totals. */
  modelsWithUnknownCost: string[];
  /** Every renewal within the window, soonest first. */
  renewals: Renewal[];
  warnings: string[];
}

export const annualize = (unitCost: number, period: EntitlementPeriod): number =>
  period === 'monthly' ? unitCost * 12 : unitCost;

/** Money rounded to cents for display; the maths keeps full precision until here. */
const cents = (x: number): number => Math.round(x * 100) / 100;
const times = (seats: number, unit: number | null): number | null => (unit === null ? null : cents(seats * unit));

interface Pricing {
  annualUnitCost: number | null;
  currency: string | null;
  warnings: string[];
}

function priceModel(model: SoftwareModel, entitlements: readonly Entitlement[]): Pricing {
  const currencies = [...new Set(entitlements.map((e) => e.currency))];
  const currency = currencies.length === 1 ? currencies[0]! : null;
  if (model.isFree) return { annualUnitCost: 0, currency, warnings: [] };
  if (entitlements.length === 0) return { annualUnitCost: null, currency: null, warnings: [] };
  if (currencies.length > 1) {
    return { annualUnitCost: null, currency: null, warnings: [`Entitlements mix currencies (${currencies.join(', ')})`] };
  }
  if (entitlements.some((e) => e.unitCost === null)) {
    return { annualUnitCost: null, currency, warnings: ['An entitlement has no unit cost'] };
  }
  const quantity = entitlements.reduce((n, e) => n + e.quantity, 0);
  const annualTotal = entitlements.reduce((sum, e) => sum + e.quantity * annualize(e.unitCost!, e.period), 0);
  if (quantity > 0) return { annualUnitCost: annualTotal / quantity, currency, warnings: [] };
  // Only zero-quantity entitlements: no weight, so take the plain mean of their prices.
  const mean = entitlements.reduce((sum, e) => sum + annualize(e.unitCost!, e.period), 0) / entitlements.length;
  return { annualUnitCost: mean, currency, warnings: [] };
}

function positionOf(model: SoftwareModel, hasEntitlements: boolean, purchased: number, assigned: number): CompliancePosition {
  if (model.isFree && !hasEntitlements) return { kind: 'free' };
  if (purchased > assigned) return { kind: 'over_licensed', surplus: purchased - assigned };
  if (assigned > purchased) return { kind: 'under_licensed', shortfall: assigned - purchased };
  return { kind: 'compliant' };
}

export function reconcile(input: ReconciliationInput): ReconciliationReport {
  const windowDays = input.renewalWindowDays ?? 90;
  const nowMs = input.now.getTime();
  const modelIds = new Set(input.models.map((m) => m.id));
  const warnings: string[] = [];

  const entitlementsByModel = groupBy(input.entitlements, (e) => e.modelId);
  const usageByModel = new Map(input.usage.map((u) => [u.modelId, u]));
  const reclaimedByModel = groupBy(input.reclaimed, (r) => r.modelId);
  for (const id of new Set([...entitlementsByModel.keys(), ...usageByModel.keys(), ...reclaimedByModel.keys()])) {
    if (!modelIds.has(id)) warnings.push(`Data for unknown model ${id} was ignored`);
  }

  const models = input.models.map((model): ModelReconciliation => {
    const entitlements = entitlementsByModel.get(model.id) ?? [];
    const usage = usageByModel.get(model.id);
    const assigned = usage?.assigned ?? 0;
    const active = Math.min(usage?.active ?? 0, assigned);
    const purchased = entitlements.reduce((n, e) => n + e.quantity, 0);
    const pricing = priceModel(model, entitlements);
    const unit = pricing.annualUnitCost;
    const position = positionOf(model, entitlements.length > 0, purchased, assigned);
    const shortfall = position.kind === 'under_licensed' ? position.shortfall : 0;
    const unusedSeats = position.kind === 'free' ? 0 : Math.max(0, purchased - active);

    const reclaimed = reclaimedByModel.get(model.id) ?? [];
    const reclaimedCosts = reclaimed.map((r) => (model.isFree ? 0 : (r.annualUnitCost ?? unit)));
    const realized = reclaimedCosts.some((c) => c === null)
      ? null
      : cents(reclaimedCosts.reduce<number>((sum, c) => sum + c!, 0));

    const renewals = entitlements
      .filter((e): e is Entitlement & { renewalDate: Date } => e.renewalDate !== null)
      .map((e) => ({ e, daysUntil: Math.ceil((e.renewalDate.getTime() - nowMs) / DAY_MS) }))
      .filter(({ e, daysUntil }) => e.renewalDate.getTime() >= nowMs && daysUntil <= windowDays)
      .map(
        ({ e, daysUntil }): Renewal => ({
          entitlementId: e.id,
          modelId: model.id,
          modelName: model.name,
          renewalDate: e.renewalDate,
          daysUntil,
          quantity: e.quantity,
          annualCost: model.isFree ? 0 : e.unitCost === null ? null : cents(e.quantity * annualize(e.unitCost, e.period)),
          currency: e.currency,
        }),
      )
      .sort((a, b) => a.renewalDate.getTime() - b.renewalDate.getTime());

    return {
      modelId: model.id,
      modelName: model.name,
      isFree: model.isFree,
      currency: pricing.currency,
      purchased,
      assigned,
      active,
      inactive: assigned - active,
      unassigned: Math.max(0, purchased - assigned),
      position,
      annualUnitCost: unit === null ? null : cents(unit),
      unusedSeats,
      potentialAnnualSavings: times(unusedSeats, unit),
      shortfallAnnualCost: times(shortfall, unit),
      reclaimedSeats: reclaimed.length,
      realizedAnnualSavings: realized,
      renewals,
      warnings: pricing.warnings,
    };
  });

  return {
    models,
    totals: totalsByCurrency(models),
    modelsWithUnknownCost: models
      .filter((m) => m.potentialAnnualSavings === null || m.realizedAnnualSavings === null)
      .map((m) => m.modelId),
    renewals: models.flatMap((m) => m.renewals).sort((a, b) => a.renewalDate.getTime() - b.renewalDate.getTime()),
    warnings,
  };
}

function totalsByCurrency(models: readonly ModelReconciliation[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const m of models) {
    // Free models without entitlements have no currency and add nothing.
    if (m.currency === null) continue;
    const t = totals.get(m.currency) ?? {
      currency: m.currency,
      potentialAnnualSavings: 0,
      realizedAnnualSavings: 0,
      shortfallAnnualCost: 0,
    };
    t.potentialAnnualSavings = cents(t.potentialAnnualSavings + (m.potentialAnnualSavings ?? 0));
    t.realizedAnnualSavings = cents(t.realizedAnnualSavings + (m.realizedAnnualSavings ?? 0));
    t.shortfallAnnualCost = cents(t.shortfallAnnualCost + (m.shortfallAnnualCost ?? 0));
    totals.set(m.currency, t);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
