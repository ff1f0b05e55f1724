// The seat holder's answers to their DM: Keep it (opens the reason modal; its submission keeps the seat for a
// while) and Release it (approved at once). Only the user the DM was sent to may answer; anyone else is
// refused politely and the attempt is audited.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { CandidateView } from '../../../services/candidate-views.js';
import {
  ACTION_HOLDER_KEEP,
  ACTION_HOLDER_RELEASE,
  KEEP_DAYS_BLOCK,
  KEEP_DAYS_INPUT,
  KEEP_REASON_BLOCK,
  KEEP_REASON_INPUT,
  parseKeepDays,
  parseKeepModalMeta,
  renderHolderDmAnswered,
  renderKeepModal,
  VIEW_HOLDER_KEEP,
  type HolderAnswer,
  type HolderDmData,
} from '../../blocks/holder-dm.js';
import type { HolderDm } from '../../../services/reclamation-service.js';
import { readableError, tellUser, type ActionDeps, type ClickContext } from '../../approvals/reply.js';
import { decideWithinAckBudget, dmUser, plainMessage } from '../support.js';
import type { WebClient } from '@slack/web-api';

const NOT_YOURS = 'Sorry, this question was sent to someone else: only the holder of that seat can answer it.';
const HOLDER_STATES = new Set(['pending', 'awaiting_user']);

export function registerHolderActions(app: App, deps: ActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_HOLDER_KEEP, async ({ ack, body, action, client, respond }) => {
    await ack();
    const click: ClickContext = { client, userId: body.user.id, channelId: body.channel?.id, respond };
    const candidateId = action.value ?? '';
    const dm = await holderOnly(deps, click, candidateId, 'keep a seat');
    if (!dm) return;
    try {
      const view = await deps.services.reclamation.view(candidateId);
      if (!HOLDER_STATES.has(view.state)) return tellUser(click, tooLate(view), deps.logger);
      const profile = await deps.services.profiles.get(view.profileId);
      await client.views.open({
        trigger_id: body.trigger_id,
        view: renderKeepModal({ candidateId, channel: dm.channel, ts: dm.ts }, profile.displayName, view.licenseName),
      });
    } catch (err) {
      await tellUser(click, readableError(err, deps.logger, 'keep the seat'), deps.logger);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_HOLDER_RELEASE, async ({ ack, body, action, client, respond }) => {
    await ack();
    const click: ClickContext = { client, userId: body.user.id, channelId: body.channel?.id, respond };
    const candidateId = action.value ?? '';
    const dm = await holderOnly(deps, click, candidateId, 'release a seat');
    if (!dm) return;
    try {
      await deps.services.reclamation.userReleases(candidateId, click.userId);
      await updateDm(deps, client, candidateId, dm, { kind: 'released' });
    } catch (err) {
      await tellUser(click, readableError(err, deps.logger, 'release the seat'), deps.logger);
    }
  });

  app.view(VIEW_HOLDER_KEEP, async ({ ack, body, view, client }) => {
    const meta = parseKeepModalMeta(view.private_metadata);
    const reason = view.state.values[KEEP_REASON_BLOCK]?.[KEEP_REASON_INPUT]?.value?.trim() ?? '';
    const days = parseKeepDays(view.state.values[KEEP_DAYS_BLOCK]?.[KEEP_DAYS_INPUT]?.selected_option?.value);
    if (!meta) {
      await ack({ response_action: 'errors', errors: { [KEEP_REASON_BLOCK]: 'This form has expired: click Keep it in the message again.' } });
      return;
    }
    if (reason.length < 3) {
      await ack({ response_action: 'errors', errors: { [KEEP_REASON_BLOCK]: 'Tell the approvers in a few words why you need the seat.' } });
      return;
    }
    const dm = await deps.services.reclamation.holderDm(meta.candidateId);
    if (!dm || dm.userId !== body.user.id) {
      await auditRefusal(deps, body.user.id, meta.candidateId, 'keep a seat', dm);
      await ack({ response_action: 'errors', errors: { [KEEP_REASON_BLOCK]: NOT_YOURS } });
      return;
    }
    // The service call runs before the ack so its refusal can be shown in the form (within Slack's time).
    const decided = await decideWithinAckBudget(deps.services.reclamation.userKeeps(meta.candidateId, body.user.id, reason, days));
    if (decided.settled && !decided.ok) {
      await ack({ response_action: 'errors', errors: { [KEEP_REASON_BLOCK]: readableError(decided.error, deps.logger, 'keep the seat') } });
      return;
    }
    await ack();
    if (!decided.settled) {
      try {
        await decided.outcome;
      } catch (err) {
        await dmUser(client, deps.logger, body.user.id, plainMessage(`:warning: Your seat was not kept: ${readableError(err, deps.logger, 'keep the seat')}`));
        return;
      }
    }
    await updateDm(deps, client, meta.candidateId, dm, { kind: 'kept', reason });
  });
}

/** The DM's intended user, or null after telling anyone else no (and auditing it). */
async function holderOnly(deps: ActionDeps, click: ClickContext, candidateId: string, attempted: string): Promise<HolderDm | null> {
  const dm = await deps.services.reclamation.holderDm(candidateId);
  if (dm && dm.userId === click.userId) return dm;
  await auditRefusal(deps, click.userId, candidateId, attempted, dm);
  await tellUser(click, NOT_YOURS, deps.logger);
  return null;
}

async function auditRefusal(deps: ActionDeps, userId: string, candidateId: string, attempted: string, dm: HolderDm | null): Promise<void> {
  const profileId = await deps.services.reclamation
    .view(candidateId)
    .then((v) => v.profileId)
    .catch(() => null);
  await deps.services.audit.record({
    actor: userId,
    action: 'refused',
    targetType: 'candidate',
    // Only a well-formed id is recorded as the target; anything else goes in the details.
    targetId: profileId ? candidateId : null,
    profileId,
    details: { attempted, reason: dm ? 'not the seat holder the DM was sent to' : 'no DM was sent for this candidate', ...(profileId ? {} : { value: candidateId.slice(0, 100) }) },
  });
  deps.logger.info({ userId, candidateId, attempted }, 'refused: not the DM recipient');
}

async function updateDm(deps: ActionDeps, client: WebClient, candidateId: string, dm: HolderDm, answer: HolderAnswer): Promise<void> {
  try {
    const view = await deps.services.reclamation.view(candidateId);
    const costs = await deps.services.approvals.monthlyCosts([view.profileId]);
    const profile = await deps.services.profiles.get(view.profileId);
    const dmData: HolderDmData = {
      candidateId,
      profileName: profile.displayName,
      licenseName: view.licenseName,
      lastActivityAt: view.lastActivityAt,
      inactiveDays: view.inactiveDays,
      graceUntil: view.graceUntil,
      monthlyCost: view.modelId ? (costs.get(view.modelId) ?? null) : null,
    };
    await client.chat.update({ channel: dm.channel, ts: dm.ts, ...renderHolderDmAnswered(dmData, answer) });
  } catch (err) {
    deps.logger.warn({ err: (err as { data?: { error?: string } }).data?.error ?? String(err), candidateId }, 'could not update the holder DM');
  }
}

function tooLate(view: CandidateView): string {
  switch (view.state) {
    case 'kept':
      return 'You already kept this seat.';
    case 'excluded':
      return 'An approver already decided you keep this seat. Nothing more to do.';
    case 'restored':
      return 'This seat was given back to you. Nothing more to do.';
    default:
      return 'An approver already decided to reclaim this seat. If you still need it, ask an approver.';
  }
}
