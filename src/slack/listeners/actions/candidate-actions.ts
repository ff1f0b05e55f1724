// Approve / Exclude / Approve all on the approval digest (approvers only), Exclude's reason modal, and the
// holder DM's Keep it / Release it with its reason modal. Each listener acks first, checks who clicked, then
// makes one service call; the digest message is re-rendered by the notifier the service calls.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION_APPROVE, ACTION_APPROVE_ALL } from '../../blocks/digest.js';
import { DECIDABLE_STATES } from '../../../services/reclamation-service.js';
import { mayDecide } from '../../approvals/approver-check.js';
import { readableError, tellUser, type ActionDeps, type ClickContext } from '../../approvals/reply.js';
import { registerExcludeModal } from './exclude-modal.js';
import { registerHolderActions } from './holder-actions.js';

export type CandidateActionDeps = ActionDeps;

export function registerCandidateActions(app: App, deps: CandidateActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE, async ({ ack, body, action, client, respond }) => {
    await ack();
    const click: ClickContext = { client, userId: body.user.id, channelId: body.channel?.id, respond };
    const candidateId = action.value ?? '';
    if (!(await mayDecide(deps, click, 'approve seat reclamations', candidateId))) return;
    try {
      const result = await deps.services.reclamation.approve(candidateId, click.userId);
      if (!result.reclaimScheduled) await tellUser(click, 'Approved. Reclaim is off for this profile, so nothing is sent to the vendor yet.', deps.logger);
    } catch (err) {
      await tellUser(click, readableError(err, deps.logger, 'approve'), deps.logger);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE_ALL, async ({ ack, body, action, client, respond }) => {
    await ack();
    const click: ClickContext = { client, userId: body.user.id, channelId: body.channel?.id, respond };
    const profileId = action.value ?? '';
    const check = await deps.roles.check(click.userId, 'approver', 'approve seat reclamations', { type: 'profile', id: profileId, profileId: safeProfileId(profileId) });
    if (!check.ok) return tellUser(click, check.message, deps.logger);
    try {
      // The digest's own candidates when the message is known; otherwise every undecided one of the profile.
      const digest = await digestCandidateIds(deps, profileId, body);
      const result = await deps.services.reclamation.approveAll(profileId, click.userId, digest?.open);
      if (result.approved.length === 0) return tellUser(click, await nothingLeftText(deps, digest?.all ?? result.refused.map((r) => r.id)), deps.logger);
      const n = result.refused.length;
      const skipped = n > 0 ? ` ${n} ${n === 1 ? 'was' : 'were'} decided by someone else meanwhile.` : '';
      await tellUser(click, `Approved ${result.approved.length} seat${result.approved.length === 1 ? '' : 's'}.${skipped}`, deps.logger);
    } catch (err) {
      await tellUser(click, readableError(err, deps.logger, 'approve all'), deps.logger);
    }
  });

  registerExcludeModal(app, deps);
  registerHolderActions(app, deps);
}

/** The digest's candidates (`all`) and those still waiting (`open`); undefined when the message is not a known digest. */
async function digestCandidateIds(deps: ActionDeps, profileId: string, body: BlockAction<ButtonAction>): Promise<{ all: string[]; open: string[] } | undefined> {
  const channel = body.channel?.id;
  const ts = body.message?.ts;
  if (!channel || !ts) return undefined;
  const digest = await deps.services.approvals.digestOf(profileId, channel, ts);
  if (!digest) return undefined;
  // Only the ones still waiting: seats decided earlier are not "refused" by this click.
  const all = digest.pages.flatMap((p) => p.ids);
  const views = await deps.services.reclamation.list({ ids: all, limit: all.length });
  return { all, open: views.filter((v) => DECIDABLE_STATES.includes(v.state)).map((v) => v.id) };
}

/**
 * Approve all found nothing to approve: usually another approver's click won the race. Says who decided, so
 * the loser reads what happened instead of "Approved 0 seats".
 */
async function nothingLeftText(deps: ActionDeps, ids: string[]): Promise<string> {
  const views = ids.length > 0 ? await deps.services.reclamation.list({ ids, limit: ids.length }) : [];
  const deciders = [...new Set(views.map((v) => v.decidedBy).filter((d): d is string => d !== null))];
  const people = deciders.filter((d) => /^[UW][A-Z0-9]{2,}$/.test(d)).slice(0, 5).map((d) => `<@${d}>`);
  const by = people.length > 0 ? ` by ${people.join(', ')}` : ' by someone else';
  return `Nothing left to approve: these seats were already decided${by}. The digest shows where each one stands.`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The audit log's profile_id is a uuid column: a malformed button value goes in target_id only. */
function safeProfileId(value: string): string | null {
  return UUID.test(value) ? value : null;
}
