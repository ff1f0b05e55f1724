// What the approval digest and the holder DMs show, read through the services' context: candidate views with
// the seat's monthly cost, and a small per-profile index of posted digests (which message holds which candidates).
import { listCandidateViews, type CandidateView } from '../../services/candidate-views.js';
import type { Services } from '../../services/index.js';
import type { Entitlement, SoftwareModel } from '../../store/index.js';
import type { DigestCandidate, Money } from '../blocks/digest.js';

/** A posted digest: the parent message and its thread pages, each with the candidates it shows. */
export interface PostedDigest {
  channel: string;
  parentTs: string;
  pages: Array<{ ts: string; ids: string[] }>;
}

/** Older digests fall out of the index: their messages are no longer updated (the candidates still are). */
const DIGESTS_KEPT_PER_PROFILE = 30;
const indexKey = (profileId: string) => `slack.digests.${profileId}`;

export class DigestData {
  constructor(private readonly services: Services) {}

  private get repos() {
    return this.services.ctx.repos;
  }

  async views(ids: readonly string[]): Promise<CandidateView[]> {
    if (ids.length === 0) return [];
    return listCandidateViews(this.services.ctx.database.db, { ids, limit: ids.length });
  }

  /** Candidate views in the order of `ids` (missing ones dropped). */
  async viewsInOrder(ids: readonly string[]): Promise<CandidateView[]> {
    const byId = new Map((await this.views(ids)).map((v) => [v.id, v]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async digestRows(views: readonly CandidateView[]): Promise<DigestCandidate[]> {
    const costs = await this.monthlyCosts([...new Set(views.map((v) => v.profileId))]);
    return views.map((v) => toDigestCandidate(v, v.modelId ? (costs.get(v.modelId) ?? null) : null));
  }

  /** Per model: the latest entitlement's unit cost (annual / 12), else the model's own unit cost, else unknown. */
  async monthlyCosts(profileIds: readonly string[]): Promise<Map<string, Money | null>> {
    const out = new Map<string, Money | null>();
    for (const profileId of profileIds) {
      const [models, entitlements] = await Promise.all([this.repos.models.list(profileId), this.repos.entitlements.listByProfile(profileId)]);
      for (const m of models) out.set(m.id, modelMonthlyCost(m, entitlements.filter((e) => e.modelId === m.id)));
    }
    return out;
  }

  async digests(profileId: string): Promise<PostedDigest[]> {
    const stored = await this.repos.settings.get<PostedDigest[]>(indexKey(profileId));
    return Array.isArray(stored) ? stored : [];
  }

  async rememberDigest(profileId: string, digest: PostedDigest): Promise<void> {
    const all = [...(await this.digests(profileId)).filter((d) => d.parentTs !== digest.parentTs), digest];
    await this.repos.settings.set(indexKey(profileId), all.slice(-DIGESTS_KEPT_PER_PROFILE));
  }

  /** The digest a message belongs to (as its parent or one of its thread pages). */
  async digestOf(profileId: string, channel: string, ts: string): Promise<PostedDigest | null> {
    return (await this.digests(profileId)).find((d) => d.channel === channel && d.pages.some((p) => p.ts === ts)) ?? null;
  }

  async approvalChannel(fallback: string | undefined): Promise<string | null> {
    const fromSettings = await this.repos.settings.get<string>('slack.approval_channel');
    return (typeof fromSettings === 'string' && fromSettings.trim() !== '' ? fromSettings.trim() : fallback) ?? null;
  }

  async rule(ruleId: string | null) {
    return ruleId ? this.repos.reclamationRules.get(ruleId) : null;
  }

  async setMessageRef(candidateId: string, channel: string, ts: string): Promise<void> {
    await this.repos.candidates.patch(candidateId, { slackChannel: channel, slackTs: ts });
  }
}

export function modelMonthlyCost(model: SoftwareModel, entitlements: readonly Entitlement[]): Money | null {
  if (model.isFree) return { amount: 0, currency: model.currency ?? entitlements.at(-1)?.currency ?? 'USD' };
  const latest = entitlements.at(-1);
  if (latest) return { amount: latest.period === 'annual' ? latest.unitCost / 12 : latest.unitCost, currency: latest.currency };
  // A model's own unit cost is taken as monthly (the seeds' "cost per unit" per billing month).
  if (model.unitCost !== null && model.unitCost !== undefined) return { amount: model.unitCost, currency: model.currency ?? 'USD' };
  return null;
}

export function toDigestCandidate(v: CandidateView, monthlyCost: Money | null): DigestCandidate {
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
