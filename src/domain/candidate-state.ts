// The removal candidate lifecycle. Every event has one target state and a fixed list of states it may start
// from, so the store can apply it as one compare-and-set UPDATE:
//   UPDATE removal_candidates SET state = targetOf(event) WHERE id = $1 AND state = ANY(allowedFrom(event.type))
// and a double click, a retried job or a second replica changes the row at most once.

export const CANDIDATE_STATES = [
  'pending', // waiting for an approver
  'awaiting_user', // the seat holder was asked (keep / release) and the grace period runs
  'kept', // the seat holder keeps the seat: closed
  'released', // the seat holder gives it up: waiting for approval
  'approved', // will be reclaimed
  'excluded', // an approver decided not to reclaim: closed
  'reclaiming', // the vendor call is in flight
  'reclaimed', // done (can be restored)
  'failed', // the vendor call failed: retry or exclude
  'restored', // the seat was given back: closed
] as const;
export type CandidateState = (typeof CANDIDATE_STATES)[number];

/** States with work still ahead; at most one open candidate per subscription. */
export const OPEN_STATES: readonly CandidateState[] = [
  'pending',
  'awaiting_user',
  'released',
  'approved',
  'reclaiming',
  'failed',
];
export const CLOSED_STATES: readonly CandidateState[] = CANDIDATE_STATES.filter((s) => !OPEN_STATES.includes(s));

export const CANDIDATE_EVENT_TYPES = [
  'notify_user',
  'user_keeps',
  'user_releases',
  'grace_expired',
  'approve',
  'exclude',
  'start_reclaim',
  'reclaim_succeeded',
  'reclaim_failed',
  'retry',
  'restore',
] as const;
export type CandidateEventType = (typeof CANDIDATE_EVENT_TYPES)[number];

export type CandidateEvent =
  | { type: Exclude<CandidateEventType, 'grace_expired'> }
  /** autoApprove: the rule approves when the holder did not answer; otherwise the candidate goes to approvers. */
  | { type: 'grace_expired'; autoApprove: boolean };

interface EventSpec {
  from: readonly CandidateState[];
  verb: string;
}

const EVENTS: Record<CandidateEventType, EventSpec> = {
  notify_user: { from: ['pending'], verb: 'notify the seat holder' },
  // A late answer after the grace period still counts while nobody has decided.
  user_keeps: { from: ['awaiting_user', 'pending'], verb: 'keep the seat' },
  user_releases: { from: ['awaiting_user', 'pending'], verb: 'release the seat' },
  grace_expired: { from: ['awaiting_user'], verb: 'end the grace period' },
  // Approvers may decide without waiting for the holder's answer; a holder's "keep" is final.
  approve: { from: ['pending', 'awaiting_user', 'released'], verb: 'approve' },
  // Also how a candidate that is no longer stale (used again, gone at the vendor) is closed before reclaiming.
  exclude: { from: ['pending', 'awaiting_user', 'released', 'approved', 'failed'], verb: 'exclude' },
  start_reclaim: { from: ['approved'], verb: 'reclaim' },
  reclaim_succeeded: { from: ['reclaiming'], verb: 'record a reclamation' },
  reclaim_failed: { from: ['reclaiming'], verb: 'record a failed reclamation' },
  retry: { from: ['failed'], verb: 'retry' },
  restore: { from: ['reclaimed'], verb: 'restore' },
};

const FIXED_TARGET: Record<Exclude<CandidateEventType, 'grace_expired'>, CandidateState> = {
  notify_user: 'awaiting_user',
  user_keeps: 'kept',
  user_releases: 'released',
  approve: 'approved',
  exclude: 'excluded',
  start_reclaim: 'reclaiming',
  reclaim_succeeded: 'reclaimed',
  reclaim_failed: 'failed',
  retry: 'reclaiming',
  restore: 'restored',
};

const DESCRIBED: Record<CandidateState, string> = {
  pending: 'waiting for an approver',
  awaiting_user: "waiting for the seat holder's answer",
  kept: 'kept by the seat holder',
  released: 'released by the seat holder',
  approved: 'already approved',
  excluded: 'excluded from reclamation',
  reclaiming: 'being reclaimed',
  reclaimed: 'already reclaimed',
  failed: 'a failed reclamation (retry or exclude it)',
  restored: 'already restored',
};

export type CandidateTransition = { ok: true; next: CandidateState } | { ok: false; reason: string };

/** The `from` list of the compare-and-set UPDATE. */
export function allowedFrom(type: CandidateEventType): readonly CandidateState[] {
  return EVENTS[type].from;
}

/** The state an event leads to, whatever state it starts from. */
export function targetOf(event: CandidateEvent): CandidateState {
  if (event.type === 'grace_expired') return event.autoApprove ? 'approved' : 'pending';
  return FIXED_TARGET[event.type];
}

export function transitionCandidate(state: CandidateState, event: CandidateEvent): CandidateTransition {
  const spec = EVENTS[event.type];
  if (spec.from.includes(state)) return { ok: true, next: targetOf(event) };
  return { ok: false, reason: refusalReason(state, event.type) };
}

function refusalReason(state: CandidateState, type: CandidateEventType): string {
  const verb = EVENTS[type].verb;
  if (type === 'restore') return `Only a reclaimed seat can be restored; this candidate is ${DESCRIBED[state]}`;
  if (type === 'retry') return `Only a failed reclamation can be retried; this candidate is ${DESCRIBED[state]}`;
  if (type === 'start_reclaim' && (state === 'pending' || state === 'awaiting_user' || state === 'released')) {
    return `Cannot reclaim before approval; this candidate is ${DESCRIBED[state]}`;
  }
  return `Cannot ${verb}: this candidate is ${DESCRIBED[state]}`;
}

export function isOpen(state: CandidateState): boolean {
  return OPEN_STATES.includes(state);
}
