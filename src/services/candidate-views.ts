// Removal candidates joined with the seat they are about (who, which license), as the Slack layer and the CLI
// show them. One set-based query per call; pages by (created_at, id).
import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { CandidateState } from '../domain/candidate-state.js';
import type { Db } from '../store/index.js';
import { removalCandidates, softwareModels, subscriptions } from '../store/index.js';

export interface CandidateView {
  id: string;
  profileId: string;
  subscriptionId: string;
  state: CandidateState;
  reason: string;
  /** Last activity when the candidate was proposed (null: never active). */
  lastActivityAt: Date | null;
  inactiveDays: number | null;
  user: { vendorUserId: string; email: string | null; name: string | null };
  licenseType: string;
  modelId: string | null;
  /** The software model's name, else the vendor's license type. */
  licenseName: string;
  ruleId: string | null;
  notifiedAt: Date | null;
  graceUntil: Date | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  reclaimAttempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  reclaimedAt: Date | null;
  restoredAt: Date | null;
  slackChannel: string | null;
  slackTs: string | null;
  dmChannel: string | null;
  dmTs: string | null;
  /** The Slack user the holder DM was sent to. */
  dmUserId: string | null;
  createdAt: Date;
}

export interface CandidateViewFilter {
  profileId?: string;
  states?: readonly CandidateState[];
  ids?: readonly string[];
  limit?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listCandidateViews(db: Db, filter: CandidateViewFilter = {}): Promise<CandidateView[]> {
  const conditions: SQL[] = [];
  if (filter.profileId !== undefined) {
    if (!UUID.test(filter.profileId)) return [];
    conditions.push(eq(removalCandidates.profileId, filter.profileId));
  }
  if (filter.states !== undefined) {
    if (filter.states.length === 0) return [];
    conditions.push(inArray(removalCandidates.state, [...filter.states]));
  }
  if (filter.ids !== undefined) {
    const ids = filter.ids.filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    conditions.push(inArray(removalCandidates.id, ids));
  }
  const rows = await db
    .select({
      c: removalCandidates,
      vendorUserId: subscriptions.vendorUserId,
      email: subscriptions.email,
      name: subscriptions.name,
      licenseType: subscriptions.licenseType,
      modelName: softwareModels.name,
    })
    .from(removalCandidates)
    .innerJoin(subscriptions, eq(subscriptions.id, removalCandidates.subscriptionId))
    .leftJoin(softwareModels, eq(softwareModels.id, removalCandidates.modelId))
    .where(and(...conditions))
    .orderBy(asc(removalCandidates.createdAt), asc(removalCandidates.id))
    .limit(filter.limit ?? 1000);
  return rows.map(({ c, vendorUserId, email, name, licenseType, modelName }) => ({
    id: c.id,
    profileId: c.profileId,
    subscriptionId: c.subscriptionId,
    state: c.state,
    reason: c.reason,
    lastActivityAt: c.lastActivityAt,
    inactiveDays: c.inactiveDays,
    user: { vendorUserId, email, name },
    licenseType,
    modelId: c.modelId,
    licenseName: modelName ?? licenseType,
    ruleId: c.ruleId,
    notifiedAt: c.notifiedAt,
    graceUntil: c.graceUntil,
    decidedBy: c.decidedBy,
    decidedAt: c.decidedAt,
    reclaimAttempts: c.reclaimAttempts,
    nextAttemptAt: c.nextAttemptAt,
    lastError: c.lastError,
    reclaimedAt: c.reclaimedAt,
    restoredAt: c.restoredAt,
    slackChannel: c.slackChannel,
    slackTs: c.slackTs,
    dmChannel: c.dmChannel,
    dmTs: c.dmTs,
    dmUserId: c.dmUserId,
    createdAt: c.createdAt,
  }));
}
