// What the approval digest and the holder DMs show, from the services: candidate views in a given order and
// their rows with each seat's monthly cost. The digest index, channel and message refs live in
// services.approvals; this file only shapes them for the Block Kit builders.
import type { MonthlyCost } from '../../services/approval-digest-service.js';
import type { CandidateView } from '../../services/candidate-views.js';
import type { Services } from '../../services/index.js';
import type { DigestCandidate } from '../blocks/digest.js';

export type { PostedDigest } from '../../services/approval-digest-service.js';

export class DigestData {
  constructor(private readonly services: Services) {}

  async views(ids: readonly string[]): Promise<CandidateView[]> {
    if (ids.length === 0) return [];
    return this.services.reclamation.list({ ids, limit: ids.length });
  }

  /** Candidate views in the order of `ids` (missing ones dropped). */
  async viewsInOrder(ids: readonly string[]): Promise<CandidateView[]> {
    const byId = new Map((await this.views(ids)).map((v) => [v.id, v]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async digestRows(views: readonly CandidateView[]): Promise<DigestCandidate[]> {
    const costs = await this.services.approvals.monthlyCosts(views.map((v) => v.profileId));
    return views.map((v) => toDigestCandidate(v, v.modelId ? (costs.get(v.modelId) ?? null) : null));
  }
}

export function toDigestCandidate(v: CandidateView, monthlyCost: MonthlyCost | null): DigestCandidate {
  return {
    id: v.id,
    state: v.state,
    holderName: v.user.name,
    holderEmail: v.user.email,
    vendorUserId: v.user.vendorUserId,
    licenseName: v.licenseName,
    lastActivityAt: v.lastActivityAt,
    inactiveDays: v.inactiveDays,
    decidedBy: v.decidedBy,
    lastError: v.lastError,
    graceUntil: v.graceUntil,
    monthlyCost,
  };
}
