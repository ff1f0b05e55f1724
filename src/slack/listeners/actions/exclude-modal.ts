// Exclude on the approval digest: the click (approvers only) opens a modal asking why the seat stays and, if
// it should end, until when; the submission excludes the candidate with them. Blank or refused input comes
// back inline in the form; the digest is re-rendered by the notifier the service calls.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { transitionCandidate } from '../../../domain/candidate-state.js';
import { ServiceError } from '../../../services/errors.js';
import { approverCheck, mayDecide } from '../../approvals/approver-check.js';
import { readableError, tellUser, type ActionDeps, type ClickContext } from '../../approvals/reply.js';
import { ACTION_EXCLUDE } from '../../blocks/digest.js';
import { decideWithinAckBudget, dmUser, plainMessage } from '../support.js';
import {
  EXCLUDE_REASON_BLOCK,
  EXCLUDE_REASON_INPUT,
  EXCLUDE_UNTIL_BLOCK,
  EXCLUDE_UNTIL_INPUT,
  parseExcludeModalMeta,
  parseExcludeUntil,
  renderExcludeModal,
  VIEW_CANDIDATE_EXCLUDE,
} from '../../blocks/exclude-modal.js';

const ATTEMPTED = 'exclude seats from reclamation';
/** ReclamationService's field paths → the modal's blocks. */
const FIELD_BLOCKS: Record<string, string> = { reason: EXCLUDE_REASON_BLOCK, expiresAt: EXCLUDE_UNTIL_BLOCK };

type Errors = Record<string, string>;

export function registerExcludeModal(app: App, deps: ActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_EXCLUDE, async ({ ack, body, action, client, respond }) => {
    await ack();
    const click: ClickContext = { client, userId: body.user.id, channelId: body.channel?.id, respond };
    const candidateId = action.value ?? '';
    if (!(await mayDecide(deps, click, ATTEMPTED, candidateId))) return;
    try {
      const view = await deps.services.reclamation.view(candidateId);
      // Say so now rather than after the approver has typed a reason.
      const check = transitionCandidate(view.state, { type: 'exclude' });
      if (!check.ok) return tellUser(click, check.reason, deps.logger);
      const profile = await deps.services.profiles.get(view.profileId);
      await client.views.open({
        trigger_id: body.trigger_id,
        view: renderExcludeModal(
          { candidateId },
          { holder: view.user.name ?? view.user.email ?? view.user.vendorUserId, licenseName: view.licenseName, profileName: profile.displayName },
        ),
      });
    } catch (err) {
      await tellUser(click, readableError(err, deps.logger, 'exclude'), deps.logger);
    }
  });

  app.view(VIEW_CANDIDATE_EXCLUDE, async ({ ack, body, view, client }) => {
    const errors = (e: Errors) => ack({ response_action: 'errors', errors: e });
    const meta = parseExcludeModalMeta(view.private_metadata);
    if (!meta) return errors({ [EXCLUDE_REASON_BLOCK]: 'This form has expired: click Exclude in the digest again.' });
    // The form may have been opened by someone who has lost the role since.
    const role = await approverCheck(deps, body.user.id, ATTEMPTED, meta.candidateId);
    if (!role.ok) return errors({ [EXCLUDE_REASON_BLOCK]: role.message });

    const reason = view.state.values[EXCLUDE_REASON_BLOCK]?.[EXCLUDE_REASON_INPUT]?.value?.trim() ?? '';
    const until = parseExcludeUntil(view.state.values[EXCLUDE_UNTIL_BLOCK]?.[EXCLUDE_UNTIL_INPUT]?.selected_date);
    const problems: Errors = {};
    if (reason === '') problems[EXCLUDE_REASON_BLOCK] = 'Say why the seat stays, in a few words.';
    if (until === 'invalid') problems[EXCLUDE_UNTIL_BLOCK] = 'Pick a date, or leave it empty for no end date.';
    if (Object.keys(problems).length > 0) return errors(problems);

    // Before the ack, so that a refusal (already decided, date in the past) shows in the form.
    const decided = await decideWithinAckBudget(
      deps.services.reclamation.exclude(meta.candidateId, body.user.id, reason, { expiresAt: until === 'invalid' ? null : until }),
    );
    if (decided.settled && !decided.ok) return errors(inlineErrors(decided.error, deps));
    await ack();
    if (!decided.settled) {
      await decided.outcome.catch((err: unknown) =>
        dmUser(client, deps.logger, body.user.id, plainMessage(`:warning: The seat was not excluded: ${readableError(err, deps.logger, 'exclude')}`)),
      );
    }
  });
}

function inlineErrors(err: unknown, deps: ActionDeps): Errors {
  if (err instanceof ServiceError && err.fields.length > 0) {
    const out: Errors = {};
    for (const f of err.fields) out[FIELD_BLOCKS[f.path] ?? EXCLUDE_REASON_BLOCK] ??= f.message.slice(0, 2000);
    return out;
  }
  return { [EXCLUDE_REASON_BLOCK]: readableError(err, deps.logger, 'exclude').slice(0, 2000) };
}
