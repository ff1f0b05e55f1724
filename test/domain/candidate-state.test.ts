import { describe, expect, it } from 'vitest';
import {
  CANDIDATE_EVENT_TYPES,
  CANDIDATE_STATES,
  CLOSED_STATES,
  OPEN_STATES,
  allowedFrom,
  isOpen,
  targetOf,
  transitionCandidate,
  type CandidateEvent,
  type CandidateState,
} from '../../src/domain/candidate-state.js';

// The machine written out by hand, independently of the implementation's tables.
const EXPECTED: Array<{ event: CandidateEvent; from: CandidateState[]; to: CandidateState }> = [
  { event: { type: 'notify_user' }, from: ['pending'], to: 'awaiting_user' },
  { event: { type: 'user_keeps' }, from: ['awaiting_user', 'pending'], to: 'kept' },
  { event: { type: 'user_releases' }, from: ['awaiting_user', 'pending'], to: 'released' },
  { event: { type: 'grace_expired', autoApprove: false }, from: ['awaiting_user'], to: 'pending' },
  { event: { type: 'grace_expired', autoApprove: true }, from: ['awaiting_user'], to: 'approved' },
  { event: { type: 'approve' }, from: ['pending', 'awaiting_user', 'released'], to: 'approved' },
  { event: { type: 'exclude' }, from: ['pending', 'awaiting_user', 'released', 'approved', 'failed'], to: 'excluded' },
  { event: { type: 'start_reclaim' }, from: ['approved'], to: 'reclaiming' },
  { event: { type: 'reclaim_succeeded' }, from: ['reclaiming'], to: 'reclaimed' },
  { event: { type: 'reclaim_failed' }, from: ['reclaiming'], to: 'failed' },
  { event: { type: 'retry' }, from: ['failed'], to: 'reclaiming' },
  { event: { type: 'restore' }, from: ['reclaimed'], to: 'restored' },
];

const describeEvent = (e: CandidateEvent) =>
  e.type === 'grace_expired' ? `grace_expired(autoApprove=${e.autoApprove})` : e.type;

describe('candidate state machine: full matrix', () => {
  it('the expected table names every event type', () => {
    expect(new Set(EXPECTED.map((r) => r.event.type))).toEqual(new Set(CANDIDATE_EVENT_TYPES));
  });

  const cases = EXPECTED.flatMap((row) =>
    CANDIDATE_STATES.map((state) => [describeEvent(row.event), state, row] as const),
  );
  it.each(cases)('%s from %s', (_name, state, row) => {
    const result = transitionCandidate(state, row.event);
    if (row.from.includes(state)) {
      expect(result).toEqual({ ok: true, next: row.to });
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/^(Cannot|Only)\b.+this candidate is \S/);
    }
  });

  it('allowedFrom is exactly the from-list of each event (the compare-and-set UPDATE uses it)', () => {
    for (const row of EXPECTED) expect([...allowedFrom(row.event.type)].sort()).toEqual([...row.from].sort());
  });

  it('each event has one target whatever the state, so the UPDATE can set it blindly', () => {
    for (const row of EXPECTED) expect(targetOf(row.event)).toBe(row.to);
  });
});

describe('candidate state machine: key cases', () => {
  it('an approver may approve while the holder has not answered', () => {
    expect(transitionCandidate('awaiting_user', { type: 'approve' })).toEqual({ ok: true, next: 'approved' });
  });

  it('a kept seat cannot be approved or reclaimed', () => {
    expect(transitionCandidate('kept', { type: 'approve' })).toEqual({
      ok: false,
      reason: 'Cannot approve: this candidate is kept by the seat holder',
    });
    expect(transitionCandidate('kept', { type: 'start_reclaim' })).toEqual({
      ok: false,
      reason: 'Cannot reclaim: this candidate is kept by the seat holder',
    });
  });

  it('an excluded candidate cannot be reclaimed', () => {
    expect(transitionCandidate('excluded', { type: 'start_reclaim' })).toEqual({
      ok: false,
      reason: 'Cannot reclaim: this candidate is excluded from reclamation',
    });
    expect(transitionCandidate('excluded', { type: 'approve' }).ok).toBe(false);
  });

  it('reclaiming needs an approval first', () => {
    expect(transitionCandidate('pending', { type: 'start_reclaim' })).toEqual({
      ok: false,
      reason: 'Cannot reclaim before approval; this candidate is waiting for an approver',
    });
  });

  it('a double click reclaims once: the second start_reclaim is refused', () => {
    const first = transitionCandidate('approved', { type: 'start_reclaim' });
    expect(first).toEqual({ ok: true, next: 'reclaiming' });
    expect(transitionCandidate('reclaiming', { type: 'start_reclaim' })).toEqual({
      ok: false,
      reason: 'Cannot reclaim: this candidate is being reclaimed',
    });
    expect(transitionCandidate('approved', { type: 'approve' })).toEqual({
      ok: false,
      reason: 'Cannot approve: this candidate is already approved',
    });
  });

  it('only a reclaimed seat can be restored, only a failure retried', () => {
    expect(transitionCandidate('failed', { type: 'restore' })).toEqual({
      ok: false,
      reason: 'Only a reclaimed seat can be restored; this candidate is a failed reclamation (retry or exclude it)',
    });
    expect(transitionCandidate('reclaimed', { type: 'retry' })).toEqual({
      ok: false,
      reason: 'Only a failed reclamation can be retried; this candidate is already reclaimed',
    });
  });

  it('walks a whole life: notify, release, approve, fail, retry, reclaim, restore', () => {
    const events: CandidateEvent[] = [
      { type: 'notify_user' },
      { type: 'user_releases' },
      { type: 'approve' },
      { type: 'start_reclaim' },
      { type: 'reclaim_failed' },
      { type: 'retry' },
      { type: 'reclaim_succeeded' },
      { type: 'restore' },
    ];
    let state: CandidateState = 'pending';
    const seen: CandidateState[] = [];
    for (const event of events) {
      const result = transitionCandidate(state, event);
      if (!result.ok) throw new Error(`${event.type} from ${state}: ${result.reason}`);
      state = result.next;
      seen.push(state);
    }
    expect(seen).toEqual(['awaiting_user', 'released', 'approved', 'reclaiming', 'failed', 'reclaiming', 'reclaimed', 'restored']);
  });

  it('grace expiry goes back to approvers, or straight to approved when the rule auto-approves', () => {
    expect(transitionCandidate('awaiting_user', { type: 'grace_expired', autoApprove: false })).toEqual({ ok: true, next: 'pending' });
    expect(transitionCandidate('awaiting_user', { type: 'grace_expired', autoApprove: true })).toEqual({ ok: true, next: 'approved' });
    expect(transitionCandidate('kept', { type: 'grace_expired', autoApprove: true }).ok).toBe(false);
  });

  it('closed states accept nothing but a restore of a reclaimed seat', () => {
    for (const state of ['kept', 'excluded', 'restored'] as const) {
      for (const type of CANDIDATE_EVENT_TYPES) {
        const event: CandidateEvent = type === 'grace_expired' ? { type, autoApprove: true } : { type };
        expect(transitionCandidate(state, event).ok, `${type} from ${state}`).toBe(false);
      }
    }
  });
});

describe('open and closed states', () => {
  it('partition the states', () => {
    expect([...OPEN_STATES, ...CLOSED_STATES].sort()).toEqual([...CANDIDATE_STATES].sort());
    expect(OPEN_STATES.filter((s) => CLOSED_STATES.includes(s))).toEqual([]);
  });
  it('open means work is still ahead', () => {
    expect(OPEN_STATES).toEqual(['pending', 'awaiting_user', 'released', 'approved', 'reclaiming', 'failed']);
    expect(isOpen('failed')).toBe(true);
    expect(isOpen('reclaimed')).toBe(false);
    expect(isOpen('kept')).toBe(false);
  });
});
