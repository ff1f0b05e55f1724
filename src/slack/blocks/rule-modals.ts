// Modals for a reclamation rule, an exclusion rule and an entitlement. Inputs use action id "value".
import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { clip, context, MAX, option, plain } from './text.js';
import { VALUE } from './profile-modal.js';

export const RULE_MODAL = 'reclamation_rule_modal';
export const EXCLUSION_MODAL = 'exclusion_modal';
export const ENTITLEMENT_MODAL = 'entitlement_modal';

export interface ModelChoice {
  id: string;
  label: string;
}

function input(blockId: string, label: string, element: InputBlock['element'], opts: { optional?: boolean; hint?: string } = {}): InputBlock {
  return { type: 'input', block_id: blockId, label: plain(label, MAX.labelText), optional: opts.optional ?? false, element, ...(opts.hint ? { hint: plain(opts.hint, MAX.labelText) } : {}) };
}

const textEl = (placeholder?: string, initial?: string) => ({
  type: 'plain_text_input' as const,
  action_id: VALUE,
  ...(placeholder ? { placeholder: plain(placeholder, MAX.placeholder) } : {}),
  ...(initial ? { initial_value: clip(initial, MAX.initialValue) } : {}),
});

const numberEl = (initial: number, min: number, max: number, decimal = false) => ({
  type: 'number_input' as const,
  action_id: VALUE,
  is_decimal_allowed: decimal,
  initial_value: String(initial),
  min_value: String(min),
  max_value: String(max),
});

/** At most 100 options (Slack's limit); the rest are named in a context line. */
function modelSelect(models: ModelChoice[], withAll: boolean): { options: PlainTextOption[]; dropped: number } {
  const all = [...(withAll ? [option('All license types without a rule', 'all')] : []), ...models.map((m) => option(m.label, m.id))];
  return { options: all.slice(0, MAX.options), dropped: Math.max(0, all.length - MAX.options) };
}

function modal(callbackId: string, title: string, submit: string, metadata: Record<string, unknown>, blocks: KnownBlock[]): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, MAX.modalTitle),
    submit: plain(submit, MAX.modalButton),
    close: plain('Cancel', MAX.modalButton),
    private_metadata: JSON.stringify(metadata),
    blocks: blocks.slice(0, MAX.viewBlocks),
  };
}

export function reclamationRuleModal(profile: { id: string; displayName: string; defaultInactivityDays: number }, models: ModelChoice[]): ModalView {
  const { options, dropped } = modelSelect(models, true);
  const blocks: KnownBlock[] = [
    context(`Profile: *${clip(profile.displayName, 100)}*`),
    input('modelId', 'License type', { type: 'static_select', action_id: VALUE, options, initial_option: options[0]! }),
    ...(dropped > 0 ? [context(`${dropped} more license types are not listed: use \`/license rules\` to edit them.`)] : []),
    input('inactivityDays', 'Unused after (days)', numberEl(profile.defaultInactivityDays, 1, 3650)),
    input('name', 'Rule name', textEl('e.g. Agents unused 60 days'), { optional: true }),
    input(
      'notify',
      'Holder',
      { type: 'checkboxes', action_id: VALUE, options: [option('Ask the holder first (Keep it / Release it)', 'notifyUser'), option('Approve when the holder does not answer', 'autoApprove')] },
      { optional: true },
    ),
    input('graceDays', 'Grace period (days)', numberEl(7, 0, 90), { optional: true }),
  ];
  return modal(RULE_MODAL, 'Reclamation rule', 'Save', { profileId: profile.id }, blocks);
}

export interface ProfileChoice {
  id: string;
  label: string;
}

export function exclusionModal(profiles: ProfileChoice[], initial: { profileId?: string | null; email?: string; reason?: string } = {}): ModalView {
  const opts = [option('Every profile', 'all'), ...profiles.map((p) => option(p.label, p.id))].slice(0, MAX.options);
  const chosen = opts.find((o) => o.value === (initial.profileId ?? 'all')) ?? opts[0]!;
  const blocks: KnownBlock[] = [
    input('profileId', 'Profile', { type: 'static_select', action_id: VALUE, options: opts, initial_option: chosen }),
    input('user', 'Person', { type: 'users_select', action_id: VALUE }, { optional: true, hint: 'Or give an email pattern below.' }),
    input('emailPattern', 'Email or pattern', textEl('jane@acme.com or *@contractors.acme.com', initial.email), { optional: true }),
    input('reason', 'Reason', textEl('Why this seat stays', initial.reason)),
    input('expiresAt', 'Until', { type: 'datepicker', action_id: VALUE }, { optional: true, hint: 'Blank: no end date' }),
  ];
  return modal(EXCLUSION_MODAL, 'Exclusion', 'Save', {}, blocks);
}

export function entitlementModal(models: ModelChoice[]): ModalView {
  const { options, dropped } = modelSelect(models, false);
  const blocks: KnownBlock[] =
    options.length === 0
      ? [context('No license types yet: sync a profile first, then add what you purchased.')]
      : [
          input('modelId', 'License type', { type: 'static_select', action_id: VALUE, options }),
          ...(dropped > 0 ? [context(`${dropped} more license types are not listed.`)] : []),
          input('quantity', 'Seats purchased', numberEl(10, 0, 10_000_000)),
          input('unitCost', 'Unit cost', numberEl(0, 0, 1_000_000, true)),
          input('currency', 'Currency', textEl('USD', 'USD')),
          input('period', 'Per', { type: 'static_select', action_id: VALUE, options: [option('month', 'monthly'), option('year', 'annual')], initial_option: option('month', 'monthly') }),
          input('renewalDate', 'Renewal date', { type: 'datepicker', action_id: VALUE }, { optional: true }),
        ];
  const view = modal(ENTITLEMENT_MODAL, 'Entitlement', 'Save', {}, blocks);
  if (options.length === 0) delete view.submit;
  return view;
}
