// The DM to a seat holder (Keep it / Release it), its answered forms, and the small "why do you keep it" modal.
// Pure: data in, Block Kit out.
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatMoney, type Money, type RenderedMessage } from './digest.js';
import { clip, esc, MAX } from './text.js';

export const ACTION_HOLDER_KEEP = 'holder_keep';
export const ACTION_HOLDER_RELEASE = 'holder_release';
export const VIEW_HOLDER_KEEP = 'holder_keep_modal';
export const KEEP_REASON_BLOCK = 'keep_reason';
export const KEEP_REASON_INPUT = 'reason';
export const KEEP_REASON_MAX = 500;
export const KEEP_DAYS_BLOCK = 'keep_days';
export const KEEP_DAYS_INPUT = 'days';
/** How long a kept seat stays out of proposals; the holder picks, 90 days unless they change it. */
export const KEEP_DAYS_CHOICES = [30, 90, 180] as const;
export const KEEP_DAYS_DEFAULT = 90;


export interface HolderDmData {
  candidateId: string;
  profileName: string;
  licenseName: string;
  lastActivityAt: Date | null;
  inactiveDays: number | null;
  /** The date after which the approvers decide without the holder. */
  graceUntil: Date | null;
  monthlyCost: Money | null;
}

export type HolderAnswer =
  | { kind: 'kept'; reason: string }
  | { kind: 'released' }
  /** The holder did not answer in time, or an approver decided first. */
  | { kind: 'closed'; text: string };

/** The question, with the two buttons. */
export function renderHolderDm(d: HolderDmData): RenderedMessage {
  return {
    blocks: [
      { type: 'section', block_id: 'holder_question', text: { type: 'mrkdwn', text: clip(questionText(d), MAX.sectionText) } },
      {
        type: 'actions',
        block_id: 'holder_actions',
        elements: [
          { type: 'button', action_id: ACTION_HOLDER_KEEP, text: { type: 'plain_text', text: 'Keep it' }, value: d.candidateId, style: 'primary' },
          { type: 'button', action_id: ACTION_HOLDER_RELEASE, text: { type: 'plain_text', text: 'Release it' }, value: d.candidateId },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: clip(deadlineText(d), MAX.sectionText) }],
      },
    ],
    text: clip(`Do you still need your ${d.licenseName} seat in ${d.profileName}?`, MAX.sectionText),
  };
}

/** The same DM once answered: the question stays, the buttons give way to the outcome. */
export function renderHolderDmAnswered(d: HolderDmData, answer: HolderAnswer): RenderedMessage {
  const outcome =
    answer.kind === 'kept'
      ? `:raised_hand: You kept this seat. Your reason: _${esc(clip(answer.reason, KEEP_REASON_MAX))}_`
      : answer.kind === 'released'
        ? ':wave: You released this seat. Thank you! It will be reclaimed shortly.'
        : esc(answer.text);
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'holder_question', text: { type: 'mrkdwn', text: clip(questionText(d), MAX.sectionText) } },
    { type: 'section', block_id: 'holder_outcome', text: { type: 'mrkdwn', text: clip(outcome, MAX.sectionText) } },
  ];
  return { blocks, text: clip(outcome, MAX.sectionText) };
}

/** Keep it → this modal; the submission carries the candidate id and the DM it came from. */
export function renderKeepModal(meta: KeepModalMeta, profileName: string, licenseName: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_HOLDER_KEEP,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Keep your seat' },
    submit: { type: 'plain_text', text: 'Keep it' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(`Tell the approvers why you still need your *${esc(licenseName)}* seat in *${esc(profileName)}*. It will not be offered for reclamation for a while.`, MAX.sectionText),
        },
      },
      {
        type: 'input',
        block_id: KEEP_REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why do you need it?' },
        element: {
          type: 'plain_text_input',
          action_id: KEEP_REASON_INPUT,
          multiline: true,
          min_length: 3,
          max_length: KEEP_REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. I cover the support queue during the holidays' },
        },
      },
      {
        type: 'input',
        block_id: KEEP_DAYS_BLOCK,
        label: { type: 'plain_text', text: 'Ask me again in' },
        element: {
          type: 'static_select',
          action_id: KEEP_DAYS_INPUT,
          options: KEEP_DAYS_CHOICES.map((d) => dayOption(d)),
          initial_option: dayOption(KEEP_DAYS_DEFAULT),
        },
      },
    ],
  };
}

export interface KeepModalMeta {
  candidateId: string;
  /** The DM to update after the answer. */
  channel: string | null;
  ts: string | null;
}

export function parseKeepModalMeta(raw: string): KeepModalMeta | null {
  try {
    const v = JSON.parse(raw) as Partial<KeepModalMeta>;
    if (typeof v.candidateId !== 'string') return null;
    return { candidateId: v.candidateId, channel: typeof v.channel === 'string' ? v.channel : null, ts: typeof v.ts === 'string' ? v.ts : null };
  } catch {
    return null;
  }
}

function dayOption(days: number): PlainTextOption {
  return { text: { type: 'plain_text', text: `${days} days` }, value: String(days) };
}

/** The chosen number of days, or the default when the value is missing or not one of the choices. */
export function parseKeepDays(value: string | null | undefined): number {
  const n = Number(value);
  return (KEEP_DAYS_CHOICES as readonly number[]).includes(n) ? n : KEEP_DAYS_DEFAULT;
}

function questionText(d: HolderDmData): string {
  const since = d.lastActivityAt
    ? `has not been used since ${d.lastActivityAt.toISOString().slice(0, 10)}${d.inactiveDays !== null ? ` (${d.inactiveDays} days)` : ''}`
    : 'shows no activity on record';
  const cost = d.monthlyCost ? ` It costs ${formatMoney(d.monthlyCost)} a month.` : '';
  return `Hi! Your *${esc(d.licenseName)}* seat in *${esc(d.profileName)}* ${since}.${cost}\nDo you still need it? *Keep it* and tell us why, or *Release it* so someone else can have it.`;
}

function deadlineText(d: HolderDmData): string {
  return d.graceUntil
    ? `If we do not hear from you by ${d.graceUntil.toISOString().slice(0, 10)}, the approvers decide.`
    : 'If we do not hear from you, the approvers decide.';
}
