// Submits of the reclamation rule, exclusion and entitlement modals: inline errors from the services' fields.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { InputBlock } from '@slack/types';
import { ServiceError } from '../../../services/errors.js';
import type { SlackDeps } from '../../app.js';
import { textMessage } from '../../blocks/messages.js';
import { VALUE } from '../../blocks/profile-modal.js';
import { publishHomeFor } from '../events/app-home-opened.js';
import { dmUser, userMessageOf } from '../support.js';
import { errorsForBlocks, type ViewValues } from './profile-form.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Service field names → the modal's block ids. */
const FIELD_BLOCKS: Record<string, string> = { emailPattern: 'emailPattern', vendorUserId: 'user', reason: 'reason', expiresAt: 'expiresAt', inactivityDays: 'inactivityDays', graceDays: 'graceDays', name: 'name', modelId: 'modelId', autoApprove: 'notify', notifyUser: 'notify', quantity: 'quantity', unitCost: 'unitCost', currency: 'currency', period: 'period', renewalDate: 'renewalDate' };

function inputIds(view: Args['view']): Set<string> {
  return new Set((view.blocks as InputBlock[]).filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!));
}

async function save(args: Args, deps: SlackDeps, attempted: string, role: 'admin' | 'approver', work: (values: ViewValues) => Promise<string>): Promise<void> {
  const { ack, body, view, client } = args;
  const ids = inputIds(view);
  const first = [...ids][0] ?? 'reason';
  const check = await deps.roles.check(body.user.id, role, attempted, { type: view.callback_id });
  if (!check.ok) return void (await ack({ response_action: 'errors', errors: { [first]: check.message } }));
  let done: string;
  try {
    done = await work(view.state.values as ViewValues);
  } catch (err) {
    if (err instanceof ServiceError) {
      const fields = err.fields.map((f) => ({ path: FIELD_BLOCKS[f.path] ?? f.path, message: f.message }));
      return void (await ack({ response_action: 'errors', errors: fields.length > 0 ? errorsForBlocks(fields, ids, first) : { [first]: err.message.slice(0, 2000) } }));
    }
    deps.logger.error({ err, view: view.callback_id }, 'saving a modal failed');
    return void (await ack({ response_action: 'errors', errors: { [first]: userMessageOf(err) } }));
  }
  await ack();
  await dmUser(client, deps.logger, body.user.id, textMessage(done));
  await publishHomeFor(deps, client, body.user.id);
}

const val = (v: ViewValues, block: string) => v[block]?.[VALUE];
const num = (v: ViewValues, block: string) => {
  const raw = val(v, block)?.value;
  return raw === undefined || raw === null || raw === '' ? undefined : Number(raw);
};
const date = (v: ViewValues, block: string) => {
  const d = val(v, block)?.selected_date;
  return d ? new Date(`${d}T00:00:00Z`) : null;
};

export function ruleSubmission(deps: SlackDeps) {
  return (args: Args) =>
    save(args, deps, 'edit reclamation rules', 'admin', async (v) => {
      const { profileId } = JSON.parse(args.view.private_metadata || '{}') as { profileId?: string };
      if (!profileId) throw new ServiceError('invalid', 'This form lost its profile: open it again.');
      const model = val(v, 'modelId')?.selected_option?.value;
      const checks = new Set((val(v, 'notify')?.selected_options ?? []).map((o) => o.value));
      const name = val(v, 'name')?.value?.trim();
      const rule = await deps.services.rules.createReclamationRule(args.body.user.id, profileId, {
        modelId: !model || model === 'all' ? null : model,
        inactivityDays: num(v, 'inactivityDays') ?? Number.NaN,
        notifyUser: checks.has('notifyUser'),
        autoApprove: checks.has('autoApprove'),
        ...(num(v, 'graceDays') !== undefined ? { graceDays: num(v, 'graceDays')! } : {}),
        ...(name ? { name } : {}),
      });
      return `Rule "${rule.name}" saved.`;
    });
}

export function exclusionSubmission(deps: SlackDeps) {
  return (args: Args) =>
    save(args, deps, 'exclude people from reclaims', 'approver', async (v) => {
      const profileChoice = val(v, 'profileId')?.selected_option?.value;
      const profileId = !profileChoice || profileChoice === 'all' ? null : profileChoice;
      const slackUser = val(v, 'user')?.selected_user ?? null;
      let email = val(v, 'emailPattern')?.value?.trim() || null;
      if (!email && slackUser) {
        const info = await args.client.users.info({ user: slackUser });
        email = info.user?.profile?.email?.toLowerCase() ?? null;
      }
      const profile = profileId ? await deps.services.profiles.get(profileId) : null;
      const rule = await deps.services.rules.createUserExclusion(args.body.user.id, {
        profileId,
        emailPattern: email,
        vendorUserId: profile?.vendor === 'slack_grid' && slackUser ? slackUser : null,
        reason: val(v, 'reason')?.value?.trim() ?? '',
        expiresAt: date(v, 'expiresAt'),
      });
      return `Exclusion saved: ${rule.emailPattern ?? rule.vendorUserId} (${rule.reason}).`;
    });
}

export function entitlementSubmission(deps: SlackDeps) {
  return (args: Args) =>
    save(args, deps, 'record entitlements', 'admin', async (v) => {
      await deps.services.entitlements.create(args.body.user.id, {
        modelId: val(v, 'modelId')?.selected_option?.value ?? '',
        quantity: val(v, 'quantity')?.value ?? '',
        unitCost: val(v, 'unitCost')?.value ?? '',
        currency: (val(v, 'currency')?.value ?? 'USD').trim().toUpperCase(),
        period: val(v, 'period')?.selected_option?.value ?? 'monthly',
        renewalDate: val(v, 'renewalDate')?.selected_date ?? null,
      });
      return 'Entitlement saved.';
    });
}
