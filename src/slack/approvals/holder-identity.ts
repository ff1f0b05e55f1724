// Whom a holder DM was sent to. The DM's Slack user is written to the audit log when the DM goes out (the trail
// of who was asked, and the one record a later click is checked against): only that user may answer it.
import type { Services } from '../../services/index.js';

export const HOLDER_ASKED_ACTION = 'slack.holder_asked';

export interface HolderDm {
  slackUserId: string;
  channel: string;
  ts: string;
}

export async function recordHolderDm(services: Services, candidateId: string, profileId: string, dm: HolderDm): Promise<void> {
  await services.ctx.repos.audit.append({
    actor: 'system:slack',
    action: HOLDER_ASKED_ACTION,
    targetType: 'candidate',
    targetId: candidateId,
    profileId,
    details: { ...dm },
  });
}

/** The newest DM sent for the candidate, or null when none was. */
export async function findHolderDm(services: Services, candidateId: string): Promise<HolderDm | null> {
  const entries = await services.ctx.repos.audit.listRecent({ targetType: 'candidate', targetId: candidateId, limit: 200 });
  const asked = entries.find((e) => e.action === HOLDER_ASKED_ACTION);
  const d = asked?.details;
  if (!d || typeof d.slackUserId !== 'string' || typeof d.channel !== 'string' || typeof d.ts !== 'string') return null;
  return { slackUserId: d.slackUserId, channel: d.channel, ts: d.ts };
}
