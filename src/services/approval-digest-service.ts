// What the approval digest needs from the engine besides the candidates themselves: which posted message holds
// which candidates (a small per-profile index in settings), the approval channel setting, the candidates'
// message references, and what each seat costs a month. The Slack layer renders; this keeps the records.
import type { ServiceContext } from './context.js';
import type { Entitlement, ReclamationRule, SoftwareModel } from './types.js';

/** A posted digest: the parent message and its thread pages, each with the candidates it shows. */
export interface PostedDigest {
  channel: string;
  parentTs: string;
  pages: Array<{ ts: string; ids: string[] }>;
}

export interface MonthlyCost {
  amount: number;
  currency: string;
}

/** Older digests fall out of the index: their messages are no longer updated (the candidates still are). */
const DIGESTS_KEPT_PER_PROFILE = 30;
const APPROVAL_CHANNEL_KEY = 'slack.approval_channel';
const indexKey = (profileId: string) => `slack.digests.${profileId}`;

export class ApprovalDigestService {
  constructor(private readonly ctx: ServiceContext) {}

  private get repos() {
    return this.ctx.repos;
  }

  async digests(profileId: string): Promise<PostedDigest[]> {
    const stored = await this.repos.settings.get<PostedDigest[]>(indexKey(profileId));
    return Array.isArray(stored) ? stored : [];
  }

  /** Adds or replaces (by parent message) a digest in the profile's index. */
  async rememberDigest(profileId: string, digest: PostedDigest): Promise<void> {
    const all = [...(await this.digests(profileId)).filter((d) => d.parentTs !== digest.parentTs), digest];
    await this.repos.settings.set(indexKey(profileId), all.slice(-DIGESTS_KEPT_PER_PROFILE));
  }

  /** The digest a message belongs to (as its parent or one of its thread pages). */
  async digestOf(profileId: string, channel: string, ts: string): Promise<PostedDigest | null> {
    return (await this.digests(profileId)).find((d) => d.channel === channel && d.pages.some((p) => p.ts === ts)) ?? null;
  }

  /** The `slack.approval_channel` setting, else `fallback` (SLACK_APPROVAL_CHANNEL), else null. */
  async approvalChannel(fallback: string | undefined): Promise<string | null> {
    const fromSettings = await this.repos.settings.get<string>(APPROVAL_CHANNEL_KEY);
    return (typeof fromSettings === 'string' && fromSettings.trim() !== '' ? fromSettings.trim() : fallback) ?? null;
  }

  async setApprovalChannel(actor: string, channel: string | null): Promise<void> {
    if (channel === null || channel.trim() === '') await this.repos.settings.delete(APPROVAL_CHANNEL_KEY);
    else await this.repos.settings.set(APPROVAL_CHANNEL_KEY, channel.trim());
    await this.repos.audit.append({ actor, action: 'settings.approval_channel', targetType: 'setting', targetId: APPROVAL_CHANNEL_KEY, details: { channel } });
  }

  /** Where the candidate is shown to approvers (the digest page), so a later change can update it in place. */
  async setMessageRef(candidateId: string, channel: string, ts: string): Promise<void> {
    await this.repos.candidates.patch(candidateId, { slackChannel: channel, slackTs: ts });
  }

  /** The reclamation rule that proposed a candidate (null: none, or deleted since). */
  async ruleOf(ruleId: string | null): Promise<ReclamationRule | null> {
    return ruleId ? this.repos.reclamationRules.get(ruleId) : null;
  }

  /** Per model of these profiles: what one seat costs a month (see modelMonthlyCost), null when unknown. */
  async monthlyCosts(profileIds: readonly string[]): Promise<Map<string, MonthlyCost | null>> {
    const out = new Map<string, MonthlyCost | null>();
    for (const profileId of new Set(profileIds)) {
      const [models, entitlements] = await Promise.all([this.repos.models.list(profileId), this.repos.entitlements.listByProfile(profileId)]);
      for (const m of models) out.set(m.id, modelMonthlyCost(m, entitlements.filter((e) => e.modelId === m.id)));
    }
    return out;
  }
}

/** The latest entitlement's unit cost (annual / 12), else the model's own unit cost, else unknown; free is 0. */
export function modelMonthlyCost(model: SoftwareModel, entitlements: readonly Entitlement[]): MonthlyCost | null {
  if (model.isFree) return { amount: 0, currency: model.currency ?? entitlements.at(-1)?.currency ?? 'USD' };
  const latest = entitlements.at(-1);
  if (latest) return { amount: latest.period === 'annual' ? latest.unitCost / 12 : latest.unitCost, currency: latest.currency };
  // A model's own unit cost is taken as monthly (the seeds' "cost per unit" per billing month).
  if (model.unitCost !== null && model.unitCost !== undefined) return { amount: model.unitCost, currency: model.currency ?? 'USD' };
  return null;
}
