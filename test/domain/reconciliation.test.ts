import { describe, expect, it } from 'vitest';
import {
  annualize,
  reconcile,
  type Entitlement,
  type ReconciliationInput,
  type SoftwareModel,
} from '../../src/domain/reconciliation.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-26T12:00:00Z');
const inDays = (n: number) => new Date(NOW.getTime() + n * DAY);

const models: SoftwareModel[] = [
  { id: 'zd', name: 'Zendesk Agent', isFree: false },
  { id: 'sf', name: 'Salesforce', isFree: false },
  { id: 'jira', name: 'Jira', isFree: false },
  { id: 'tableau', name: 'Tableau', isFree: false },
  { id: 'chatter', name: 'Chatter Free', isFree: true },
  { id: 'mixed', name: 'Mixed currencies', isFree: false },
  { id: 'nocost', name: 'No cost entered', isFree: false },
  { id: 'notion', name: 'Notion', isFree: false },
];

const ent = (id: string, over: Partial<Entitlement> & Pick<Entitlement, 'modelId' | 'quantity'>): Entitlement => ({
  id,
  unitCost: 0,
  currency: 'USD',
  period: 'annual',
  renewalDate: null,
  ...over,
});

const input: ReconciliationInput = {
  now: NOW,
  models,
  entitlements: [
    ent('e1', { modelId: 'zd', quantity: 50, unitCost: 55, period: 'monthly', renewalDate: inDays(30) }),
    ent('e2', { modelId: 'zd', quantity: 10, unitCost: 600, period: 'annual', renewalDate: inDays(200) }),
    ent('e3', { modelId: 'sf', quantity: 100, unitCost: 150, period: 'monthly', renewalDate: inDays(90) }),
    ent('e4', { modelId: 'jira', quantity: 5, unitCost: 10, currency: 'EUR', renewalDate: inDays(91) }),
    ent('e9', { modelId: 'jira', quantity: 0, unitCost: 10, currency: 'EUR', renewalDate: inDays(-1) }),
    ent('e5', { modelId: 'mixed', quantity: 1, unitCost: 10, period: 'monthly' }),
    ent('e6', { modelId: 'mixed', quantity: 1, unitCost: 10, currency: 'EUR', period: 'monthly' }),
    ent('e7', { modelId: 'nocost', quantity: 3, unitCost: null }),
    ent('e10', { modelId: 'notion', quantity: 3, unitCost: 9.99, period: 'monthly' }),
  ],
  usage: [
    { modelId: 'zd', assigned: 52, active: 40 },
    { modelId: 'sf', assigned: 120, active: 90 },
    { modelId: 'jira', assigned: 5, active: 5 },
    { modelId: 'tableau', assigned: 7, active: 2 },
    { modelId: 'chatter', assigned: 300, active: 10 },
    { modelId: 'notion', assigned: 2, active: 1 },
    { modelId: 'ghost', assigned: 1, active: 0 },
  ],
  reclaimed: [
    { modelId: 'zd' },
    { modelId: 'zd' },
    { modelId: 'zd', annualUnitCost: null },
    { modelId: 'sf', annualUnitCost: 1500 },
    { modelId: 'sf', annualUnitCost: 1500 },
    { modelId: 'tableau' },
    { modelId: 'chatter' },
  ],
};

const report = reconcile(input);
const model = (id: string) => {
  const m = report.models.find((x) => x.modelId === id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
};

describe('reconcile: per model', () => {
  it('over-licensed, several entitlements: quantities summed, monthly and annual prices weighted', () => {
    // purchased 50 + 10 = 60; annual unit = (50 × 55 × 12 + 10 × 600) / 60 = (33000 + 6000) / 60 = 650
    // inactive 52 − 40 = 12; unassigned 60 − 52 = 8; unused = 60 − 40 = 20 → 20 × 650 = 13000
    // realized: 3 reclaimed at the current 650 = 1950
    expect(model('zd')).toMatchObject({
      currency: 'USD',
      purchased: 60,
      assigned: 52,
      active: 40,
      inactive: 12,
      unassigned: 8,
      position: { kind: 'over_licensed', surplus: 8 },
      annualUnitCost: 650,
      unusedSeats: 20,
      potentialAnnualSavings: 13000,
      shortfallAnnualCost: 0,
      reclaimedSeats: 3,
      realizedAnnualSavings: 1950,
      warnings: [],
    });
  });

  it('under-licensed: only inactive seats beyond the shortfall are savings; the shortfall is priced', () => {
    // 100 purchased, 120 assigned, 90 active: shortfall 20; reclaiming 30 inactive seats cures the shortfall and
    // frees 10 licences: unused = 100 − 90 = 10 → 10 × 1800 = 18000; shortfall 20 × 1800 = 36000
    // realized uses the cost recorded at reclaim time: 2 × 1500 = 3000
    expect(model('sf')).toMatchObject({
      purchased: 100,
      inactive: 30,
      unassigned: 0,
      position: { kind: 'under_licensed', shortfall: 20 },
      annualUnitCost: 1800,
      unusedSeats: 10,
      potentialAnnualSavings: 18000,
      shortfallAnnualCost: 36000,
      realizedAnnualSavings: 3000,
    });
  });

  it('compliant; a zero-quantity entitlement adds no weight to the price', () => {
    expect(model('jira')).toMatchObject({
      currency: 'EUR',
      purchased: 5,
      position: { kind: 'compliant' },
      annualUnitCost: 10,
      unusedSeats: 0,
      potentialAnnualSavings: 0,
      realizedAnnualSavings: 0,
    });
  });

  it('no entitlement: purchased 0, under-licensed, and every amount unknown (null, not 0)', () => {
    expect(model('tableau')).toMatchObject({
      currency: null,
      purchased: 0,
      assigned: 7,
      inactive: 5,
      position: { kind: 'under_licensed', shortfall: 7 },
      annualUnitCost: null,
      potentialAnnualSavings: null,
      shortfallAnnualCost: null,
      reclaimedSeats: 1,
      realizedAnnualSavings: null,
    });
  });

  it('free models cost nothing and need no licence', () => {
    expect(model('chatter')).toMatchObject({
      position: { kind: 'free' },
      annualUnitCost: 0,
      unusedSeats: 0,
      potentialAnnualSavings: 0,
      shortfallAnnualCost: 0,
      realizedAnnualSavings: 0,
    });
  });

  it('mixed currencies or a missing unit cost make the cost unknown, with a warning', () => {
    expect(model('mixed')).toMatchObject({
      purchased: 2,
      annualUnitCost: null,
      potentialAnnualSavings: null,
      warnings: ['Entitlements mix currencies (USD, EUR)'],
    });
    expect(model('nocost')).toMatchObject({
      purchased: 3,
      annualUnitCost: null,
      potentialAnnualSavings: null,
      warnings: ['An entitlement has no unit cost'],
    });
  });

  it('rounds money to cents only at the end (9.99 a month = 119.88 a year)', () => {
    expect(model('notion')).toMatchObject({ annualUnitCost: 119.88, unusedSeats: 2, potentialAnnualSavings: 239.76 });
  });
});

describe('reconcile: renewals and totals', () => {
  it('lists renewals in the next 90 days (inclusive), soonest first, never past ones', () => {
    expect(report.renewals.map((r) => [r.entitlementId, r.daysUntil, r.annualCost])).toEqual([
      ['e1', 30, 33000],
      ['e3', 90, 180000],
    ]);
    expect(model('zd').renewals.map((r) => r.entitlementId)).toEqual(['e1']);
    expect(model('jira').renewals).toEqual([]);
    expect(reconcile({ ...input, renewalWindowDays: 91 }).renewals.map((r) => r.entitlementId)).toEqual(['e1', 'e3', 'e4']);
  });

  it('totals known amounts per currency and names the models whose cost is unknown', () => {
    expect(report.totals).toEqual([
      { currency: 'EUR', potentialAnnualSavings: 0, realizedAnnualSavings: 0, shortfallAnnualCost: 0 },
      // 13000 + 18000 + 239.76; 1950 + 3000; 36000
      { currency: 'USD', potentialAnnualSavings: 31239.76, realizedAnnualSavings: 4950, shortfallAnnualCost: 36000 },
    ]);
    expect(report.modelsWithUnknownCost).toEqual(['tableau', 'mixed', 'nocost']);
  });

  it('warns about data for models it was not given', () => {
    expect(report.warnings).toEqual(['Data for unknown model ghost was ignored']);
  });

  it('a model with no usage and no entitlement is compliant at zero', () => {
    const r = reconcile({ now: NOW, models: [{ id: 'x', name: 'X', isFree: false }], entitlements: [], usage: [], reclaimed: [] });
    expect(r.models[0]).toMatchObject({ purchased: 0, assigned: 0, position: { kind: 'compliant' }, potentialAnnualSavings: null });
  });
});

describe('annualize', () => {
  it('multiplies monthly prices by 12 and keeps annual ones', () => {
    expect(annualize(55, 'monthly')).toBe(660);
    expect(annualize(600, 'annual')).toBe(600);
  });
});
