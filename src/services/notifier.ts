// The port through which the engine tells people about candidates. The Slack layer implements it; services
// never import Slack. Every method must be safe to call twice (jobs retry) and must not throw for delivery
// problems it can log (a failed Slack post must not fail a sync).

export interface CandidateNotifier {
  /** After an evaluation created candidates for a profile: post the approval digest, DM holders whose rule asks. */
  candidatesCreated(profileId: string, candidateIds: string[]): Promise<void>;
  /** After a decision or a reclaim result changed candidates: update the digest message(s) in place. */
  candidatesChanged(candidateIds: string[]): Promise<void>;
  /** A holder did not answer within the grace period: the approvers take over. */
  graceExpired(candidateIds: string[]): Promise<void>;
  /** A job failed (vendor 401/403/429/5xx, ...): tell the admins in a readable line. */
  jobFailed(profileId: string | null, jobLabel: string, message: string): Promise<void>;
}

/** Used where nobody is to be told (CLI, tests of the engine alone). */
export const silentNotifier: CandidateNotifier = {
  async candidatesCreated() {},
  async candidatesChanged() {},
  async graceExpired() {},
  async jobFailed() {},
};
