// Exclude on the approval digest → this modal: why the seat stays (required) and, optionally, until when.
// Pure: data in, Block Kit out; the submission carries only the candidate id.
import type { ModalView } from '@slack/types';
import { clip, esc, MAX } from './text.js';

export const VIEW_CANDIDATE_EXCLUDE = 'candidate_exclude_modal';
export const EXCLUDE_REASON_BLOCK = 'exclude_reason';
export const EXCLUDE_REASON_INPUT = 'reason';
/** ReclamationService keeps reasons under 500 characters. */
export const EXCLUDE_REASON_MAX = 500;
export const EXCLUDE_UNTIL_BLOCK = 'exclude_until';
export const EXCLUDE_UNTIL_INPUT = 'until';


export interface ExcludeModalMeta {
  candidateId: string;
}

export interface ExcludeModalSeat {
  holder: string;
  licenseName: string;
  profileName: string;
}

export function renderExcludeModal(meta: ExcludeModalMeta, seat: ExcludeModalSeat): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_CANDIDATE_EXCLUDE,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: clip('Exclude from reclaims', MAX.modalTitle) },
    submit: { type: 'plain_text', text: 'Exclude' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `*${esc(seat.holder)}* keeps the *${esc(seat.licenseName)}* seat in *${esc(seat.profileName)}*, and the seat is not proposed again while the exclusion lasts.`,
            MAX.sectionText,
          ),
        },
      },
      {
        type: 'input',
        block_id: EXCLUDE_REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why does the seat stay?' },
        element: {
          type: 'plain_text_input',
          action_id: EXCLUDE_REASON_INPUT,
          multiline: true,
          max_length: EXCLUDE_REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. On parental leave until June' },
        },
      },
      {
        type: 'input',
        block_id: EXCLUDE_UNTIL_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Until' },
        hint: { type: 'plain_text', text: 'The exclusion ends when this day starts (UTC). Blank: no end date.' },
        element: { type: 'datepicker', action_id: EXCLUDE_UNTIL_INPUT },
      },
    ],
  };
}

export function parseExcludeModalMeta(raw: string | undefined): ExcludeModalMeta | null {
  try {
    const v = JSON.parse(raw ?? '') as Partial<ExcludeModalMeta>;
    return typeof v.candidateId === 'string' && v.candidateId !== '' ? { candidateId: v.candidateId } : null;
  } catch {
    return null;
  }
}

/** A datepicker's YYYY-MM-DD as the start of that day in UTC (as the exclusion rule modal reads it); null when blank. */
export function parseExcludeUntil(value: string | null | undefined): Date | null | 'invalid' {
  if (!value) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'invalid';
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? 'invalid' : d;
}
