// The approval digest: one message per evaluation of a profile (summary + first page of users), further pages
// as thread replies. Pure: candidate rows in, Block Kit out. Paging is fixed when the digest is posted (each
// candidate remembers its message), so a later re-render of one page keeps the same users on it.
import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import type { CandidateState } from '../../domain/candidate-state.js';
import { clip, esc, MAX } from './text.js';

export const ACTION_APPROVE = 'candidate_approve';
export const ACTION_EXCLUDE = 'candidate_exclude';
export const ACTION_APPROVE_ALL = 'candidate_approve_all';

/** Slack's limit is 50 blocks per message; the parent also carries the summary (5 blocks), a thread page a heading. */
export const MAX_BLOCKS_PER_MESSAGE = MAX.messageBlocks;
const BLOCKS_PER_USER = 2;
const SUMMARY_BLOCKS = 5;
const PAGE_HEADING_BLOCKS = 1;
export const USERS_ON_PARENT = Math.floor((MAX_BLOCKS_PER_MESSAGE - SUMMARY_BLOCKS) / BLOCKS_PER_USER);
export const USERS_PER_THREAD_PAGE = Math.floor((MAX_BLOCKS_PER_MESSAGE - PAGE_HEADING_BLOCKS) / BLOCKS_PER_USER);

const FALLBACK_TEXT_MAX = 3000;

export interface Money {
  amount: number;
  currency: string;
}

export interface DigestProfile {
  id: string;
  displayName: string;
  /** Reclaim switch off: approvals are recorded, nothing is sent to the vendor. */
  reclaim: boolean;
}

export interface DigestCandidate {
  id: string;
  state: CandidateState;
  holderName: string | null;
  holderEmail: string | null;
  vendorUserId: string;
  licenseName: string;
  lastActivityAt: Date | null;
  inactiveDays: number | null;
  /** Who decided (a Slack user id renders as a mention). */
  decidedBy: string | null;
  lastError: string | null;
  graceUntil: Date | null;
  /** Cost of the seat per month, when the model or an entitlement gives it. */
  monthlyCost: Money | null;
}

export interface DigestSummary {
  total: number;
  byState: Partial<Record<CandidateState, number>>;
  /** Per currency, over the seats still open (not kept, excluded, restored). */
  savings: Money[];
  /** Open seats whose cost is unknown. */
  costUnknown: number;
}

export interface RenderedMessage {
  blocks: KnownBlock[];
  /** Notification and screen-reader text. */
  text: string;
}

/** Splits candidates into message pages: the parent's share first, then thread pages. */
export function pageCandidates<T>(candidates: readonly T[]): T[][] {
  const pages: T[][] = [candidates.slice(0, USERS_ON_PARENT)];
  for (let i = USERS_ON_PARENT; i < candidates.length; i += USERS_PER_THREAD_PAGE) {
    pages.push(candidates.slice(i, i + USERS_PER_THREAD_PAGE));
  }
  return pages;
}

const SAVINGS_STATES: readonly CandidateState[] = ['pending', 'awaiting_user', 'released', 'approved', 'reclaiming', 'failed', 'reclaimed'];

export function summarize(candidates: readonly DigestCandidate[]): DigestSummary {
  const byState: Partial<Record<CandidateState, number>> = {};
  const perCurrency = new Map<string, number>();
  let costUnknown = 0;
  for (const c of candidates) {
    byState[c.state] = (byState[c.state] ?? 0) + 1;
    if (!SAVINGS_STATES.includes(c.state)) continue;
    if (c.monthlyCost) perCurrency.set(c.monthlyCost.currency, (perCurrency.get(c.monthlyCost.currency) ?? 0) + c.monthlyCost.amount);
    else costUnknown++;
  }
  const savings = [...perCurrency].map(([currency, amount]) => ({ currency, amount: Math.round(amount * 100) / 100 }));
  return { total: candidates.length, byState, savings, costUnknown };
}

/** The parent message: summary, Approve all, then the first page of users. */
export function renderDigestParent(
  profile: DigestProfile,
  summary: DigestSummary,
  page: readonly DigestCandidate[],
  pageCount: number,
): RenderedMessage {
  const openCount = (summary.byState.pending ?? 0) + (summary.byState.awaiting_user ?? 0) + (summary.byState.released ?? 0);
  const header: KnownBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clip(`Unused seats: ${profile.displayName}`, MAX.headerText) },
  };
  const summaryBlock: SectionBlock = {
    type: 'section',
    block_id: 'digest_summary',
    text: { type: 'mrkdwn', text: clip(summaryText(summary), MAX.sectionText) },
  };
  const approveAll: ActionsBlock = {
    type: 'actions',
    block_id: 'digest_actions',
    elements:
      openCount > 0
        ? [
            {
              type: 'button',
              action_id: ACTION_APPROVE_ALL,
              text: { type: 'plain_text', text: `Approve all (${openCount})` },
              value: profile.id,
              style: 'primary',
              confirm: {
                title: { type: 'plain_text', text: 'Approve all?' },
                text: { type: 'plain_text', text: `Reclaim every open seat of ${clip(profile.displayName, 200)} that waits for a decision.` },
                confirm: { type: 'plain_text', text: 'Approve all' },
                deny: { type: 'plain_text', text: 'Cancel' },
              },
            },
          ]
        : [],
  };
  const context: KnownBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: clip(
          [
            profile.reclaim ? null : '*Reclaim is off for this profile*: approvals are recorded, nothing is sent to the vendor.',
            pageCount > 1 ? `Showing ${page.length} of ${summary.total}; the rest are in the thread (${pageCount - 1} more page${pageCount > 2 ? 's' : ''}).` : null,
            'Approvers decide with the buttons; holders who were asked can still answer in their DM.',
          ]
            .filter(Boolean)
            .join(' '),
          MAX.sectionText,
        ),
      },
    ],
  };
  const blocks: KnownBlock[] = [header, summaryBlock, context, { type: 'divider' }];
  if (approveAll.elements.length > 0) blocks.splice(2, 0, approveAll);
  blocks.push(...page.flatMap(candidateBlocks));
  return { blocks, text: clip(`Unused seats in ${profile.displayName}: ${summaryLine(summary)}`, FALLBACK_TEXT_MAX) };
}

/** A thread page: a heading line, then its users. */
export function renderDigestPage(profile: DigestProfile, page: readonly DigestCandidate[], pageNumber: number, pageCount: number): RenderedMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(`*${esc(profile.displayName)}*: page ${pageNumber} of ${pageCount}`, MAX.sectionText) }],
    },
    ...page.flatMap(candidateBlocks),
  ];
  return { blocks, text: clip(`Unused seats in ${profile.displayName}, page ${pageNumber} of ${pageCount}`, FALLBACK_TEXT_MAX) };
}

/** A thread reply when holders did not answer in time: the approvers take over. */
export function renderGraceExpiredNotice(profile: DigestProfile, candidates: readonly DigestCandidate[]): RenderedMessage {
  const names = candidates.slice(0, 20).map(holderLabel);
  const more = candidates.length > names.length ? ` and ${candidates.length - names.length} more` : '';
  const text = `${candidates.length === 1 ? 'One holder' : `${candidates.length} holders`} of ${esc(profile.displayName)} seats did not answer within the grace period: ${names.join(', ')}${more}. They wait for an approver.`;
  return {
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, MAX.sectionText) } }],
    text: clip(text, FALLBACK_TEXT_MAX),
  };
}

/** A failed job, in one readable line (the message comes from describeError: no secrets). */
export function renderJobFailed(jobLabel: string, message: string): RenderedMessage {
  const text = `:warning: *${esc(jobLabel)} failed*: ${esc(message)}`;
  return {
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, MAX.sectionText) } }],
    text: clip(`${jobLabel} failed: ${message}`, FALLBACK_TEXT_MAX),
  };
}

function candidateBlocks(c: DigestCandidate): KnownBlock[] {
  const section: SectionBlock = {
    type: 'section',
    block_id: `cand_${c.id}`,
    text: { type: 'mrkdwn', text: clip(candidateText(c), MAX.sectionText) },
  };
  const buttons = candidateButtons(c);
  if (buttons.length === 0) return [section];
  return [section, { type: 'actions', block_id: `cand_actions_${c.id}`, elements: buttons }];
}

function candidateButtons(c: DigestCandidate): Button[] {
  const approve: Button = { type: 'button', action_id: ACTION_APPROVE, text: { type: 'plain_text', text: 'Approve' }, value: c.id, style: 'primary' };
  const exclude: Button = { type: 'button', action_id: ACTION_EXCLUDE, text: { type: 'plain_text', text: 'Exclude' }, value: c.id };
  switch (c.state) {
    case 'pending':
    case 'awaiting_user':
    case 'released':
      return [approve, exclude];
    case 'failed':
      return [exclude];
    default:
      return [];
  }
}

function candidateText(c: DigestCandidate): string {
  const who = holderLabel(c);
  const activity = c.lastActivityAt
    ? `last active ${c.lastActivityAt.toISOString().slice(0, 10)}${c.inactiveDays !== null ? ` (${c.inactiveDays} days ago)` : ''}`
    : 'no activity on record';
  const cost = c.monthlyCost ? formatMoney(c.monthlyCost) + '/month' : 'cost unknown';
  return `*${who}* · ${esc(c.licenseName)} · ${activity} · ${cost}\n${stateLine(c)}`;
}

function holderLabel(c: DigestCandidate): string {
  const name = c.holderName ?? c.holderEmail ?? c.vendorUserId;
  const extra = c.holderName && c.holderEmail ? ` (${c.holderEmail})` : '';
  return esc(clip(name + extra, 300));
}

function stateLine(c: DigestCandidate): string {
  const by = c.decidedBy ? ` by ${actorLabel(c.decidedBy)}` : '';
  switch (c.state) {
    case 'pending':
      return ':hourglass_flowing_sand: Waiting for a decision';
    case 'awaiting_user':
      return `:speech_balloon: Holder asked${c.graceUntil ? `; answer due ${c.graceUntil.toISOString().slice(0, 10)}` : ''}`;
    case 'released':
      return `:wave: Released by the holder${by}; waiting for approval`;
    case 'kept':
      return `:raised_hand: Kept by the holder${by}`;
    case 'approved':
      return `:white_check_mark: Approved${by}; reclaim queued`;
    case 'excluded':
      return `:no_entry_sign: Excluded${by}`;
    case 'reclaiming':
      return `:arrows_counterclockwise: Approved${by}; reclaiming…`;
    case 'reclaimed':
      return `:white_check_mark: Approved${by} · reclaimed ✓`;
    case 'failed':
      return `:x: Approved${by} · reclaim failed: ${esc(clip(c.lastError ?? 'no message from the vendor', 500))}`;
    case 'restored':
      return ':leftwards_arrow_with_hook: Seat restored';
  }
}

function summaryText(s: DigestSummary): string {
  return `*${s.total} seat${s.total === 1 ? '' : 's'}* unused past the rule's threshold.\n${summaryLine(s)}`;
}

const STATE_WORDS: [CandidateState, string][] = [
  ['pending', 'waiting for a decision'],
  ['awaiting_user', 'waiting for the holder'],
  ['released', 'released by the holder'],
  ['approved', 'approved'],
  ['reclaiming', 'reclaiming'],
  ['reclaimed', 'reclaimed'],
  ['failed', 'failed'],
  ['kept', 'kept'],
  ['excluded', 'excluded'],
  ['restored', 'restored'],
];

function summaryLine(s: DigestSummary): string {
  const counts = STATE_WORDS.filter(([state]) => (s.byState[state] ?? 0) > 0).map(([state, word]) => `${s.byState[state]} ${word}`);
  return `${counts.join(' · ')}. Potential savings: ${savingsText(s)}.`;
}

function savingsText(s: DigestSummary): string {
  if (s.savings.length === 0) return s.costUnknown > 0 ? 'cost unknown' : 'none';
  const known = s.savings.map((m) => `${formatMoney(m)}/month`).join(' + ');
  return s.costUnknown > 0 ? `${known} (cost unknown for ${s.costUnknown} seat${s.costUnknown === 1 ? '' : 's'})` : known;
}

export function formatMoney(m: Money): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(m.amount);
  } catch {
    return `${m.amount.toFixed(2)} ${m.currency}`;
  }
}

/** A Slack user id as a mention; anything else (cli, system) as plain text. */
export function actorLabel(actor: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(actor) ? `<@${actor}>` : esc(actor);
}

/** Slack mrkdwn's three control characters. */
