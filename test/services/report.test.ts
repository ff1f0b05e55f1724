// Reconciliation over a seeded case whose every figure is worked out by hand below, on a real database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/services/index.js';
import type { SeatUpsert, SoftwareModel } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let t: TestContext;
let services: Services;
let profileId: string;
let models: Record<string, SoftwareModel>;

beforeAll(async () => {
  t = await createTestContext({ now: () => NOW });
  services = createServices(t.ctx);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

function seat(id: string, licenseType: string, lastActivityAt: Date | null): SeatUpsert {
  return { userId: id, email: `${id}@acme.test`, name: id, licenseType, active: true, flags: {}, lastActivityAt };
}

/**
 * Profile "Acme Zendesk", default threshold 60 days; rules: agent model 30 days, all-models 90 days.
 *
 * agent (threshold 30): 10 held seats — active at 1, 5, 10, 20, 29 days and 30 days + 1 hour (floor 30 ≤ 30),
 *   inactive at 31, 45, 100 days and never used (first seen 200 days ago) → assigned 10, active 6, inactive 4;
 *   plus 2 reclaimed seats (not held) and 1 removed seat (not held).
 *   Entitlements: 12 × 50 USD monthly (600/yr) renewing 2026-07-01 (in 30 days: ceil(29.5));
 *                 3 × 660 USD annual renewing 2026-10-01 (122 days: outside the 90-day window).
 *   purchased 15; annual unit cost (12×600 + 3×660)/15 = 9180/15 = 612; over-licensed by 15 − 10 = 5;
 *   unused seats 15 − 6 = 9 → potential 9 × 612 = 5,508 USD; realized 2 × 612 = 1,224 USD; spend 15 × 612 = 9,180.
 * admin (threshold 90, from the all-models rule): 4 held — active at 10 and 89 days + 1 hour, inactive at
 *   91 days and never used (first seen 95 days ago) → active 2, inactive 2.
 *   Entitlement: 3 × 1,000 EUR annual renewing 2026-06-11 (10 days: ceil(9.5)).
 *   under-licensed by 1; unused max(0, 3 − 2) = 1 → potential 1,000 EUR; shortfall 1 × 1,000 = 1,000 EUR.
 * light_agent: 2 held, marked free → position free, every amount 0.
 * contributor: 1 held, no entitlement → under-licensed by 1, cost unknown (missing from the totals).
 */
async function seed(): Promise<void> {
  const repos = t.ctx.repos;
  const profile = await repos.profiles.create({
    vendor: 'zendesk',
    displayName: 'Acme Zendesk',
    status: 'published',
    downloadActivity: true,
    defaultInactivityDays: 60,
    createdBy: 'test',
  });
  profileId = profile.id;
  const created = await repos.models.ensureMany(profileId, [
    { licenseType: 'agent', name: 'Zendesk agent' },
    { licenseType: 'admin', name: 'Zendesk admin' },
    { licenseType: 'light_agent', name: 'Zendesk light agent' },
    { licenseType: 'contributor', name: 'Zendesk contributor' },
  ]);
  models = Object.fromEntries(created.map((m) => [m.licenseType, m]));
  await repos.reclamationRules.create({ profileId, modelId: models.agent!.id, name: 'Agents 30 days', inactivityDays: 30, createdBy: 'test' });
  await repos.reclamationRules.create({ profileId, modelId: null, name: 'All 90 days', inactivityDays: 90, createdBy: 'test' });
  // An inactive rule with a shorter threshold must not count.
  await repos.reclamationRules.create({ profileId, modelId: models.admin!.id, name: 'Off', inactivityDays: 5, active: false, createdBy: 'test' });

  await repos.subscriptions.bulkUpsertSeats(
    profileId,
    [
      ...[1, 5, 10, 20, 29].map((d, i) => seat(`ag-on-${i}`, 'agent', ago(d * DAY))),
      seat('ag-edge', 'agent', ago(30 * DAY + HOUR)),
      ...[31, 45, 100].map((d, i) => seat(`ag-off-${i}`, 'agent', ago(d * DAY))),
      seat('ag-rec-0', 'agent', ago(120 * DAY)),
      seat('ag-rec-1', 'agent', ago(150 * DAY)),
      seat('ag-gone', 'agent', ago(2 * DAY)),
      seat('ad-on-0', 'admin', ago(10 * DAY)),
      seat('ad-on-1', 'admin', ago(89 * DAY + HOUR)),
      seat('ad-off', 'admin', ago(91 * DAY)),
      seat('la-0', 'light_agent', ago(300 * DAY)),
      seat('la-1', 'light_agent', null),
      seat('co-0', 'contributor', ago(3 * DAY)),
    ],
    ago(400 * DAY),
  );
  await repos.subscriptions.bulkUpsertSeats(profileId, [seat('ag-never', 'agent', null)], ago(200 * DAY));
  await repos.subscriptions.bulkUpsertSeats(profileId, [seat('ad-never', 'admin', null)], ago(95 * DAY));

  for (const id of ['ag-rec-0', 'ag-rec-1']) {
    const s = (await repos.subscriptions.getByVendorUserId(profileId, id))!;
    await repos.subscriptions.setStatus(s.id, 'reclaimed');
    await repos.candidates.createMany([{ profileId, subscriptionId: s.id, modelId: s.modelId, state: 'reclaimed', reason: 'test' }]);
  }
  // A reclaimed then restored seat saves nothing.
  const restored = (await repos.subscriptions.getByVendorUserId(profileId, 'ag-off-2'))!;
  await repos.candidates.createMany([{ profileId, subscriptionId: restored.id, modelId: restored.modelId, state: 'restored', reason: 'test' }]);
  const open = (await repos.subscriptions.getByVendorUserId(profileId, 'ag-off-0'))!;
  await repos.candidates.createMany([{ profileId, subscriptionId: open.id, modelId: open.modelId, state: 'pending', reason: 'test' }]);
  const gone = (await repos.subscriptions.getByVendorUserId(profileId, 'ag-gone'))!;
  await repos.subscriptions.setStatus(gone.id, 'removed');

  const ent = services.entitlements;
  await ent.create('U_ADMIN', { modelId: models.agent!.id, quantity: 12, unitCost: 50, currency: 'usd', period: 'monthly', startDate: '2025-07-01', renewalDate: '2026-07-01' });
  await ent.create('U_ADMIN', { modelId: models.agent!.id, quantity: '3', unitCost: '660.00', period: 'annual', renewalDate: '2026-10-01' });
  await ent.create('U_ADMIN', { modelId: models.admin!.id, quantity: 3, unitCost: 1000, currency: 'EUR', period: 'annual', renewalDate: '2026-06-11' });
  await ent.setModelFree('U_ADMIN', models.light_agent!.id, true);
}

beforeEach(async () => {
  await t.reset();
  await seed();
});

describe('reconciliation', () => {
  it('matches the hand-computed figures per model', async () => {
    const report = await services.reports.reconcile();
    const by = Object.fromEntries(report.models.map((m) => [m.licenseType, m]));

    expect(by.agent).toMatchObject({
      thresholdDays: 30,
      purchased: 15,
      assigned: 10,
      active: 6,
      inactive: 4,
      neverActive: 1,
      unassigned: 5,
      position: { kind: 'over_licensed', surplus: 5 },
      currency: 'USD',
      annualUnitCost: 612,
      unusedSeats: 9,
      potentialAnnualSavings: 5508,
      shortfallAnnualCost: 0,
      reclaimedSeats: 2,
      realizedAnnualSavings: 1224,
      annualSpend: 9180,
    });
    expect(by.agent!.renewals.map((r) => [r.daysUntil, r.quantity, r.annualCost])).toEqual([[30, 12, 7200]]);

    expect(by.admin).toMatchObject({
      thresholdDays: 90,
      purchased: 3,
      assigned: 4,
      active: 2,
      inactive: 2,
      position: { kind: 'under_licensed', shortfall: 1 },
      currency: 'EUR',
      annualUnitCost: 1000,
      unusedSeats: 1,
      potentialAnnualSavings: 1000,
      shortfallAnnualCost: 1000,
      reclaimedSeats: 0,
      realizedAnnualSavings: 0,
    });
    expect(by.light_agent).toMatchObject({ assigned: 2, position: { kind: 'free' }, potentialAnnualSavings: 0, realizedAnnualSavings: 0 });
    expect(by.contributor).toMatchObject({ assigned: 1, purchased: 0, position: { kind: 'under_licensed', shortfall: 1 }, annualUnitCost: null, potentialAnnualSavings: null });
  });

  it('totals per currency, unknown costs named, renewals in the next 90 days soonest first', async () => {
    const report = await services.reports.reconcile();
    expect(report.totals).toEqual([
      { currency: 'EUR', potentialAnnualSavings: 1000, realizedAnnualSavings: 0, shortfallAnnualCost: 1000 },
      { currency: 'USD', potentialAnnualSavings: 5508, realizedAnnualSavings: 1224, shortfallAnnualCost: 0 },
    ]);
    expect(report.spend).toEqual([
      { currency: 'EUR', annualSpend: 3000 },
      { currency: 'USD', annualSpend: 9180 },
    ]);
    expect(report.modelsWithUnknownCost).toEqual(['Zendesk contributor']);
    expect(report.renewals.map((r) => [r.modelName, r.daysUntil, r.annualCost, r.currency, r.profileName])).toEqual([
      ['Zendesk admin', 10, 3000, 'EUR', 'Acme Zendesk'],
      ['Zendesk agent', 30, 7200, 'USD', 'Acme Zendesk'],
    ]);
    expect(report.counts).toEqual({ models: 4, overLicensed: 1, underLicensed: 2, compliant: 0, free: 1, assigned: 17, inactive: 8 });
  });

  it('counts every seat active when the profile downloads no activity, and says so', async () => {
    await t.ctx.repos.profiles.update(profileId, 1, { downloadActivity: false });
    const report = await services.reports.reconcile({ profileId });
    const agent = report.models.find((m) => m.licenseType === 'agent')!;
    expect(agent).toMatchObject({ assigned: 10, active: 10, inactive: 0, unusedSeats: 5, potentialAnnualSavings: 3060, activityTracked: false });
    expect(agent.warnings).toContain('Activity is not downloaded for this profile: every seat counts as active');
  });

  it('a seat first seen today with no activity since the analysis start counts as idle since that start', async () => {
    await t.ctx.repos.subscriptions.bulkUpsertSeats(profileId, [seat('ag-new-never', 'agent', null)], NOW);
    const before = (await services.reports.reconcile({ profileId })).models.find((m) => m.licenseType === 'agent')!;
    expect(before).toMatchObject({ assigned: 11, active: 7, inactive: 4 });

    // Activity analysed from 45 days back (the agent threshold is 30): no activity found means idle for 45 days.
    await t.ctx.repos.profiles.update(profileId, 1, { analyzeFrom: ago(45 * DAY) });
    const after = (await services.reports.reconcile({ profileId })).models.find((m) => m.licenseType === 'agent')!;
    expect(after).toMatchObject({ assigned: 11, active: 6, inactive: 5 });
  });

  it('the daily job records a run and keeps the result for App Home', async () => {
    const result = await services.reports.runReconciliation('scheduler');
    const [run] = await t.ctx.repos.jobRuns.listRecent({ jobName: 'reconcile' });
    expect(run).toMatchObject({ status: 'succeeded', kind: 'reconcile', counts: { ...result.counts, renewals: 2 } });
    const kept = (await services.reports.lastReconciliation()) as { totals: unknown; models: unknown[] };
    expect(kept.totals).toEqual(result.totals);
    expect(kept.models).toHaveLength(4);
  });
});

describe('App Home summaries', () => {
  it('profile summary: seats, candidates, costs and the last sync', async () => {
    const runId = await t.ctx.repos.jobRuns.start({ jobName: 'profile:download-subscriptions', kind: 'subscriptions', profileId, triggeredBy: 'scheduler', startedAt: ago(HOUR) });
    await t.ctx.repos.jobRuns.finish(runId, 'succeeded', { new: 17, updated: 0, removed: 1, unchanged: 0 });
    const summary = await services.reports.profileSummary(profileId);
    expect(summary.profile).toMatchObject({ displayName: 'Acme Zendesk', vendorLabel: 'Zendesk', status: 'published', reclaim: true });
    expect(summary.seats).toEqual({ held: 17, removed: 1, reclaimed: 2 });
    expect(summary.candidates).toMatchObject({ awaitingDecision: 1, reclaimed: 2, approved: 0, failed: 0 });
    expect(summary.models).toHaveLength(4);
    expect(summary.spend).toEqual([
      { currency: 'EUR', annualSpend: 3000 },
      { currency: 'USD', annualSpend: 9180 },
    ]);
    expect(summary.lastSync).toMatchObject({ status: 'succeeded', counts: { new: 17, removed: 1 } });

    const overview = await services.reports.overview();
    expect(overview.profiles.map((p) => p.profile.id)).toEqual([profileId]);
    expect(overview.pendingCandidates).toBe(1);
    expect(overview.totals).toEqual(summary.totals);
  });
});
