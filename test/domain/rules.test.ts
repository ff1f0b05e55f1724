import { describe, expect, it } from 'vitest';
import {
  compileRules,
  evaluateSeat,
  globToRegExp,
  selectCandidates,
  type ExclusionRule,
  type ReclamationRule,
  type RuleContext,
  type RuleSeat,
} from '../../src/domain/rules.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-26T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

const rule60: ReclamationRule = {
  id: 'r-all',
  name: 'Inactive 60 days',
  modelId: null,
  inactivityDays: 60,
  notifyUser: true,
  graceDays: 7,
  autoApprove: false,
  active: true,
};

let seq = 0;
function seat(over: Partial<RuleSeat> = {}): RuleSeat {
  seq++;
  return {
    subscriptionId: `sub-${seq}`,
    vendorUserId: `U${seq}`,
    email: `user${seq}@acme.com`,
    licenseType: 'full_member',
    modelId: 'm-slack',
    active: true,
    status: 'active',
    lastActivityAt: daysAgo(94),
    firstSeenAt: daysAgo(400),
    flags: {},
    ...over,
  };
}

const ctx = (over: Partial<RuleContext> = {}): RuleContext => ({ rules: [rule60], exclusions: [], ...over });
const why = (s: RuleSeat, c: RuleContext = ctx()) => {
  const v = evaluateSeat(s, c, NOW);
  return v.candidate ? 'candidate' : v.why;
};

describe('evaluateSeat: candidates', () => {
  it('explains an inactive seat with its last activity and the rule', () => {
    const verdict = evaluateSeat(seat({ lastActivityAt: daysAgo(94) }), ctx(), NOW);
    expect(verdict).toEqual({
      candidate: true,
      ruleId: 'r-all',
      rule: rule60,
      reason: 'No activity for 94 days (last active 2026-08-24); rule "Inactive 60 days"',
      inactiveDays: 94,
      lastActivityAt: daysAgo(94),
      neverActive: false,
    });
  });

  it('counts a seat never seen active from when it was first seen, and says so', () => {
    const verdict = evaluateSeat(seat({ lastActivityAt: null, firstSeenAt: daysAgo(94) }), ctx(), NOW);
    expect(verdict).toMatchObject({
      candidate: true,
      reason: 'Never signed in (first seen 2026-08-24, 94 days ago); rule "Inactive 60 days"',
      inactiveDays: 94,
      lastActivityAt: null,
      neverActive: true,
    });
    expect(why(seat({ lastActivityAt: null, firstSeenAt: daysAgo(10) }))).toBe('recently_active');
  });

  it('counts a seat with no activity in the analysis window as idle since the window opened', () => {
    const firstSeenToday = seat({ lastActivityAt: null, firstSeenAt: NOW });
    expect(why(firstSeenToday)).toBe('recently_active');
    const verdict = evaluateSeat(firstSeenToday, ctx({ activityWindowStart: daysAgo(90) }), NOW);
    expect(verdict).toMatchObject({
      candidate: true,
      inactiveDays: 90,
      reason: 'No activity since the analysis started 2026-08-28 (90 days); rule "Inactive 60 days"',
    });
    // A window shorter than the threshold proves nothing yet; a seat first seen before the window keeps its date.
    expect(why(firstSeenToday, ctx({ activityWindowStart: daysAgo(60) }))).toBe('recently_active');
    expect(evaluateSeat(seat({ lastActivityAt: null, firstSeenAt: daysAgo(120) }), ctx({ activityWindowStart: daysAgo(90) }), NOW)).toMatchObject({ inactiveDays: 120 });
    // Activity found inside the window wins.
    expect(why(seat({ lastActivityAt: daysAgo(5), firstSeenAt: NOW }), ctx({ activityWindowStart: daysAgo(90) }))).toBe('recently_active');
  });

  it('needs more than N whole days: exactly N is not enough, N+1 is', () => {
    expect(why(seat({ lastActivityAt: daysAgo(60) }))).toBe('recently_active');
    expect(why(seat({ lastActivityAt: new Date(NOW.getTime() - 61 * DAY + 1) }))).toBe('recently_active');
    expect(why(seat({ lastActivityAt: daysAgo(61) }))).toBe('candidate');
    expect(why(seat({ lastActivityAt: null, firstSeenAt: daysAgo(60) }))).toBe('recently_active');
    expect(why(seat({ lastActivityAt: null, firstSeenAt: daysAgo(61) }))).toBe('candidate');
  });

  it('describes a recently active seat', () => {
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(1) }), ctx(), NOW)).toEqual({
      candidate: false,
      why: 'recently_active',
      detail: 'Active 1 day ago; rule "Inactive 60 days" needs more than 60 days',
      ruleId: 'r-all',
    });
  });

  it('treats activity in the future (clock skew) as active today', () => {
    expect(evaluateSeat(seat({ lastActivityAt: new Date(NOW.getTime() + DAY) }), ctx(), NOW)).toMatchObject({
      why: 'recently_active',
      detail: expect.stringContaining('Active 0 days ago'),
    });
  });
});

describe('evaluateSeat: guards', () => {
  it('never proposes the integration user (by id or by flag)', () => {
    expect(why(seat({ vendorUserId: 'UBOT1' }), ctx({ integrationUserId: 'UBOT1' }))).toBe('integration_user');
    expect(why(seat({ flags: { integrationUser: true } }))).toBe('integration_user');
    expect(why(seat({ vendorUserId: 'UOTHER' }), ctx({ integrationUserId: 'UBOT1' }))).toBe('candidate');
  });

  it('never proposes owners or primary owners; admins are fair game', () => {
    expect(why(seat({ flags: { owner: true } }))).toBe('owner');
    expect(why(seat({ flags: { primaryOwner: true } }))).toBe('owner');
    expect(why(seat({ flags: { admin: true } }))).toBe('candidate');
  });

  it('never proposes bots', () => expect(why(seat({ flags: { bot: true } }))).toBe('bot'));

  it('skips deactivated accounts and subscriptions no longer held', () => {
    expect(why(seat({ active: false }))).toBe('inactive_account');
    expect(why(seat({ status: 'gone' }))).toBe('not_held');
  });

  it('skips free seats, by flag or by free model', () => {
    expect(why(seat({ flags: { free: true } }))).toBe('free_seat');
    expect(why(seat({ modelId: 'm-free' }), ctx({ freeModelIds: ['m-free'] }))).toBe('free_seat');
  });

  it('skips seats that already have an open candidate', () => {
    const s = seat();
    expect(why(s, ctx({ skipSubscriptionIds: new Set([s.subscriptionId]) }))).toBe('already_candidate');
  });

  it('proposes nothing without an active rule, or without activity data', () => {
    expect(why(seat(), ctx({ rules: [] }))).toBe('no_rule');
    expect(why(seat(), ctx({ rules: [{ ...rule60, active: false }] }))).toBe('no_rule');
    expect(why(seat(), ctx({ activityTracked: false }))).toBe('no_activity_data');
  });

  it('guards win over exclusions when both apply', () => {
    const ex: ExclusionRule = { kind: 'user', id: 'x', vendorUserId: 'UOWN', expiresAt: null };
    expect(why(seat({ vendorUserId: 'UOWN', flags: { owner: true } }), ctx({ exclusions: [ex] }))).toBe('owner');
  });
});

describe('evaluateSeat: exclusions', () => {
  const user = (over: Partial<Extract<ExclusionRule, { kind: 'user' }>>): ExclusionRule => ({
    kind: 'user',
    id: 'ex-user',
    expiresAt: null,
    ...over,
  });

  it('excludes a license type (identifier exclusion), exactly', () => {
    const ex: ExclusionRule = { kind: 'identifier', id: 'ex-id', licenseType: 'full_member', expiresAt: null };
    expect(evaluateSeat(seat(), ctx({ exclusions: [ex] }), NOW)).toMatchObject({
      candidate: false,
      why: 'excluded_identifier',
      exclusionId: 'ex-id',
    });
    expect(why(seat({ licenseType: 'Full_Member' }), ctx({ exclusions: [ex] }))).toBe('candidate');
  });

  it('excludes a user by vendor user id', () => {
    const c = ctx({ exclusions: [user({ vendorUserId: 'W123' })] });
    expect(evaluateSeat(seat({ vendorUserId: 'W123' }), c, NOW)).toMatchObject({ why: 'excluded_user', exclusionId: 'ex-user' });
    expect(why(seat({ vendorUserId: 'W124' }), c)).toBe('candidate');
  });

  it('matches email globs case-insensitively and anchored', () => {
    const c = ctx({ exclusions: [user({ emailPattern: '*@contractors.acme.com' })] });
    expect(why(seat({ email: 'bob@contractors.acme.com' }), c)).toBe('excluded_user');
    expect(why(seat({ email: 'Bob@Contractors.ACME.com' }), c)).toBe('excluded_user');
    expect(why(seat({ email: 'bob@acme.com' }), c)).toBe('candidate');
    expect(why(seat({ email: 'bob@x.contractors.acme.com' }), c)).toBe('candidate');
    expect(why(seat({ email: 'bob@contractors.acme.com.evil.io' }), c)).toBe('candidate');
    expect(why(seat({ email: null }), c)).toBe('candidate');
  });

  it('supports wildcards anywhere, ? for one character, and exact emails', () => {
    const c = ctx({
      exclusions: [
        user({ id: 'sub', emailPattern: '*@*.acme.com' }),
        user({ id: 'svc', emailPattern: 'svc-??@acme.com' }),
        user({ id: 'ceo', emailPattern: 'CEO@acme.com' }),
      ],
    });
    expect(evaluateSeat(seat({ email: 'a@eu.acme.com' }), c, NOW)).toMatchObject({ exclusionId: 'sub' });
    expect(evaluateSeat(seat({ email: 'svc-01@acme.com' }), c, NOW)).toMatchObject({ exclusionId: 'svc' });
    expect(why(seat({ email: 'svc-001@acme.com' }), c)).toBe('candidate');
    expect(evaluateSeat(seat({ email: 'ceo@ACME.com' }), c, NOW)).toMatchObject({ exclusionId: 'ceo' });
    expect(why(seat({ email: 'ceo2@acme.com' }), c)).toBe('candidate');
  });

  it('treats regex characters in a pattern literally', () => {
    const c = ctx({ exclusions: [user({ emailPattern: 'a+b@*.io' })] });
    expect(why(seat({ email: 'a+b@x.io' }), c)).toBe('excluded_user');
    expect(why(seat({ email: 'aab@x.io' }), c)).toBe('candidate');
    expect(globToRegExp('a.b(c)*').test('a.b(c)zz')).toBe(true);
    expect(globToRegExp('a.b(c)*').test('axb(c)')).toBe(false);
  });

  it('ignores expired exclusions (expired at the expiry instant)', () => {
    const at = (expiresAt: Date) => ctx({ exclusions: [user({ vendorUserId: 'W9', expiresAt })] });
    expect(why(seat({ vendorUserId: 'W9' }), at(new Date(NOW.getTime() + 1)))).toBe('excluded_user');
    expect(why(seat({ vendorUserId: 'W9' }), at(NOW))).toBe('candidate');
    const idEx: ExclusionRule = { kind: 'identifier', id: 'i', licenseType: 'full_member', expiresAt: daysAgo(1) };
    expect(why(seat(), ctx({ exclusions: [idEx] }))).toBe('candidate');
    const domainEx = user({ emailPattern: '*@acme.com', expiresAt: daysAgo(1) });
    expect(why(seat(), ctx({ exclusions: [domainEx] }))).toBe('candidate');
    const globEx = user({ emailPattern: 'user*@acme.com', expiresAt: daysAgo(1) });
    expect(why(seat(), ctx({ exclusions: [globEx] }))).toBe('candidate');
  });

  it('finds the live pattern among several for one domain, and across wildcard domains', () => {
    const c = ctx({
      exclusions: [
        user({ id: 'old', emailPattern: 'svc-*@acme.com', expiresAt: daysAgo(1) }),
        user({ id: 'live', emailPattern: 'svc-a*@acme.com' }),
        user({ id: 'wild', emailPattern: 'ops-*@*.acme.com' }),
      ],
    });
    expect(evaluateSeat(seat({ email: 'svc-ab@acme.com' }), c, NOW)).toMatchObject({ exclusionId: 'live' });
    expect(why(seat({ email: 'svc-bb@acme.com' }), c)).toBe('candidate');
    expect(evaluateSeat(seat({ email: 'OPS-1@eu.acme.com' }), c, NOW)).toMatchObject({ exclusionId: 'wild' });
    expect(why(seat({ email: 'ops-1@acme.com' }), c)).toBe('candidate');
  });

  it('a live exclusion still applies when an expired one for the same user exists', () => {
    const c = ctx({
      exclusions: [user({ id: 'old', vendorUserId: 'W9', expiresAt: daysAgo(1) }), user({ id: 'new', vendorUserId: 'W9' })],
    });
    expect(evaluateSeat(seat({ vendorUserId: 'W9' }), c, NOW)).toMatchObject({ exclusionId: 'new' });
  });
});

describe('evaluateSeat: which rule applies', () => {
  const modelRule: ReclamationRule = { ...rule60, id: 'r-slack', name: 'Slack 90 days', modelId: 'm-slack', inactivityDays: 90 };

  it('a rule for the model wins over the all-models rule', () => {
    const c = ctx({ rules: [rule60, modelRule] });
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(75) }), c, NOW)).toMatchObject({ why: 'recently_active', ruleId: 'r-slack' });
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(91) }), c, NOW)).toMatchObject({ candidate: true, ruleId: 'r-slack' });
    expect(evaluateSeat(seat({ modelId: 'm-zendesk', lastActivityAt: daysAgo(75) }), c, NOW)).toMatchObject({
      candidate: true,
      ruleId: 'r-all',
    });
    // Order of the rules does not matter.
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(75) }), ctx({ rules: [modelRule, rule60] }), NOW)).toMatchObject({
      ruleId: 'r-slack',
    });
  });

  it('an inactive model rule falls back to the all-models rule', () => {
    const c = ctx({ rules: [rule60, { ...modelRule, active: false }] });
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(75) }), c, NOW)).toMatchObject({ candidate: true, ruleId: 'r-all' });
  });

  it('of two active rules for one model, the longer threshold wins', () => {
    const c = ctx({ rules: [{ ...modelRule, id: 'r-30', inactivityDays: 30 }, modelRule] });
    expect(evaluateSeat(seat({ lastActivityAt: daysAgo(45) }), c, NOW)).toMatchObject({ why: 'recently_active', ruleId: 'r-slack' });
  });

  it('seats without a model only get the all-models rule', () => {
    expect(why(seat({ modelId: null }), ctx({ rules: [modelRule] }))).toBe('no_rule');
    expect(why(seat({ modelId: null }), ctx({ rules: [modelRule, rule60] }))).toBe('candidate');
  });
});

describe('selectCandidates: the per-run cap', () => {
  function model(modelId: string, held: number, stale: number): RuleSeat[] {
    return Array.from({ length: held }, (_, i) =>
      seat({ modelId, lastActivityAt: i < stale ? daysAgo(100) : daysAgo(1) }),
    );
  }

  it('lets candidates through up to maxShare of a model, and holds the whole model above it', () => {
    const seats = [...model('m-a', 10, 3), ...model('m-b', 10, 4)];
    const result = selectCandidates(seats, ctx(), { now: NOW, maxShare: 0.3 });
    expect(result.candidates).toHaveLength(7);
    expect(result.candidates.filter((c) => c.seat.modelId === 'm-a').every((c) => !c.needsConfirmation)).toBe(true);
    expect(result.candidates.filter((c) => c.seat.modelId === 'm-b').every((c) => c.needsConfirmation)).toBe(true);
    expect(result.needsConfirmation).toBe(true);
    expect(result.models).toEqual([
      { modelId: 'm-a', heldSeats: 10, candidates: 3, limit: 3, needsConfirmation: false },
      { modelId: 'm-b', heldSeats: 10, candidates: 4, limit: 3, needsConfirmation: true },
    ]);
    expect(result.skipped).toEqual({ recently_active: 13 });
  });

  it('rounds the limit down but is not fooled by floating point (0.29 × 100 = 29)', () => {
    const ok = selectCandidates(model('m', 100, 29), ctx(), { now: NOW, maxShare: 0.29 });
    expect(ok.models[0]).toMatchObject({ limit: 29, needsConfirmation: false });
    const over = selectCandidates(model('m', 100, 30), ctx(), { now: NOW, maxShare: 0.29 });
    expect(over.models[0]).toMatchObject({ limit: 29, needsConfirmation: true });
    expect(selectCandidates(model('m', 7, 2), ctx(), { now: NOW, maxShare: 0.25 }).models[0]).toMatchObject({
      limit: 1,
      needsConfirmation: true,
    });
  });

  it('counts excluded and guarded seats as held, deactivated ones not', () => {
    const seats = [
      ...model('m', 4, 2),
      seat({ modelId: 'm', flags: { owner: true } }),
      seat({ modelId: 'm', active: false }),
      seat({ modelId: 'm', status: 'gone' }),
    ];
    const result = selectCandidates(seats, ctx(), { now: NOW, maxShare: 0.4 });
    expect(result.models).toEqual([{ modelId: 'm', heldSeats: 5, candidates: 2, limit: 2, needsConfirmation: false }]);
    expect(result.skipped).toEqual({ recently_active: 2, owner: 1, inactive_account: 1, not_held: 1 });
  });

  it('maxShare 1 never asks, 0 always asks; out of range is an error', () => {
    expect(selectCandidates(model('m', 5, 5), ctx(), { now: NOW, maxShare: 1 }).needsConfirmation).toBe(false);
    const zero = selectCandidates(model('m', 5, 1), ctx(), { now: NOW, maxShare: 0 });
    expect(zero.candidates.map((c) => c.needsConfirmation)).toEqual([true]);
    expect(selectCandidates(model('m', 5, 0), ctx(), { now: NOW, maxShare: 0 }).needsConfirmation).toBe(false);
    expect(() => selectCandidates([], ctx(), { now: NOW, maxShare: 1.5 })).toThrow(RangeError);
    expect(() => selectCandidates([], ctx(), { now: NOW, maxShare: Number.NaN })).toThrow(RangeError);
  });

  it('keeps input order and carries the verdict for the service', () => {
    const seats = model('m', 3, 3);
    const result = selectCandidates(seats, ctx(), { now: NOW, maxShare: 1 });
    expect(result.candidates.map((c) => c.seat.subscriptionId)).toEqual(seats.map((s) => s.subscriptionId));
    expect(result.candidates[0]!.verdict.rule.graceDays).toBe(7);
  });

  it('evaluates 100,000 seats with many exclusions in one pass', () => {
    const exclusions: ExclusionRule[] = [
      { kind: 'user', id: 'contractors', emailPattern: '*@contractors.acme.com', expiresAt: null },
      ...Array.from({ length: 200 }, (_, i): ExclusionRule => ({ kind: 'user', id: `u${i}`, vendorUserId: `W${i}`, expiresAt: null })),
      ...Array.from({ length: 50 }, (_, i): ExclusionRule => ({ kind: 'user', id: `g${i}`, emailPattern: `svc${i}-*@acme.com`, expiresAt: null })),
    ];
    const seats: RuleSeat[] = Array.from({ length: 100_000 }, (_, i) => ({
      subscriptionId: `s${i}`,
      vendorUserId: `W${i}`,
      email: i % 10 === 0 ? `p${i}@contractors.acme.com` : `p${i}@acme.com`,
      licenseType: 'full_member',
      modelId: `m${i % 5}`,
      active: true,
      status: 'active',
      lastActivityAt: i % 2 === 0 ? daysAgo(100) : daysAgo(3),
      firstSeenAt: daysAgo(500),
      flags: {},
    }));
    const result = selectCandidates(seats, { rules: [rule60], exclusions }, { now: NOW, maxShare: 0.5 });
    // Even seats are stale; every tenth is a contractor; W0..W199 are excluded by id.
    const expected = seats.filter((_, i) => i % 2 === 0 && i % 10 !== 0 && i >= 200).length;
    expect(result.candidates).toHaveLength(expected);
    expect(result.skipped.excluded_user).toBe(10_000 + 200 - 20);
    expect(result.needsConfirmation).toBe(false);
  });
});

describe('compileRules', () => {
  it('evaluates with the now it is given', () => {
    const evaluator = compileRules(ctx());
    const s = seat({ lastActivityAt: daysAgo(30) });
    expect(evaluator.evaluate(s, NOW).candidate).toBe(false);
    expect(evaluator.evaluate(s, new Date(NOW.getTime() + 31 * DAY)).candidate).toBe(true);
  });
});
