// Replies to /license subcommands and follow-ups (ephemeral via response_url, or DMs): pure data → blocks.
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { OPEN_STATES, type CandidateState } from '../../domain/candidate-state.js';
import type { ValidationReport } from '../../domain/vendor.js';
import type { CandidateView } from '../../services/candidate-views.js';
import type { JobHistory } from '../../services/sync-service.js';
import type { AuditEntry, ExclusionRule, IntegrationProfile, ReclamationRule } from '../../services/types.js';
import { USAGE } from '../listeners/commands/parse-license.js';
import type { Overview } from '../overview.js';
import { lastSyncLine, statusLine } from './home.js';
import { VENDOR_LABELS } from './profile-modal.js';
import { clip, context, esc, formatDate, formatMoney, header, linesToSections, MAX, plain, section } from './text.js';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export const PROFILE_ACTIONS = {
  edit: 'profile_edit',
  validate: 'profile_validate',
  publish: 'profile_publish',
  sync: 'profile_sync',
} as const;

const name = (s: string) => esc(clip(s, 80));

function message(text: string, blocks: KnownBlock[]): SlackMessage {
  return { text: clip(text, 3000), blocks: blocks.slice(0, MAX.messageBlocks) };
}

export function textMessage(text: string): SlackMessage {
  return message(text, [section(esc(text))]);
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger', url?: string): Button {
  return { type: 'button', text: plain(text, MAX.buttonText), action_id: actionId, value: clip(value, MAX.buttonValue), ...(style ? { style } : {}), ...(url ? { url } : {}) };
}

export function helpMessage(topic?: string): SlackMessage {
  const lines = (topic && USAGE[topic] ? [USAGE[topic]] : Object.values(USAGE)).map(esc);
  return message('License bot commands', [header('/license commands'), ...linesToSections(lines, 10, (n) => `and ${n} more`), context('Profile names are matched in any case; quote names with spaces in `exclude`.')]);
}

export function usageMessage(problem: string): SlackMessage {
  return message(problem, [section(esc(problem)), context('`/license help` lists every command.')]);
}

export function profilesMessage(profiles: IntegrationProfile[]): SlackMessage {
  if (profiles.length === 0) return textMessage('No integration profiles yet. `/license new` creates one.');
  const lines = profiles.map(
    (p) => `• *${name(p.displayName)}* (${VENDOR_LABELS[p.vendor]}) — ${statusLine({ status: p.status, validated: p.validatedAt !== null })} · ${lastSyncLine(p)}`,
  );
  return message(`${profiles.length} integration profiles`, [header(`Integration profiles (${profiles.length})`), ...linesToSections(lines, MAX.messageBlocks - 2, (n) => `…and ${n} more`)]);
}

export function statusMessage(o: Overview): SlackMessage {
  const lines = o.profiles.map(
    (p) => `• *${name(p.displayName)}* — ${statusLine(p)} · ${lastSyncLine(p)} · ${p.seats} seats · ${p.pendingCandidates} pending`,
  );
  return message('License bot status', [
    header('Status'),
    section(`*${o.pendingCandidates}* seats waiting for a decision · potential savings *${formatMoney(o.potentialSavings, o.currency)}/yr* · saved so far *${formatMoney(o.savingsSoFar, o.currency)}/yr*`),
    ...linesToSections(lines.length > 0 ? lines : ['No integration profiles yet.'], MAX.messageBlocks - 3, (n) => `…and ${n} more`),
  ]);
}

export function reportMessage(o: Overview): SlackMessage {
  const lines: string[] = [];
  for (const p of o.profiles) {
    lines.push(`*${name(p.displayName)}* — ${p.seats} seats · spend ${formatMoney(p.cost, o.currency)}/yr · potential savings ${formatMoney(p.potentialSavings, o.currency)}/yr`);
    for (const m of p.models.slice(0, 20)) {
      lines.push(`   ${esc(clip(m.name, 60))}: ${m.seats} seats${m.unitCost !== null ? ` × ${formatMoney(m.unitCost, m.currency)}/yr = ${formatMoney(m.seats * m.unitCost, m.currency)}/yr` : ' (no unit cost)'}`);
    }
  }
  return message('License report', [
    header('Seats, cost and savings'),
    section(`Saved so far *${formatMoney(o.savingsSoFar, o.currency)}/yr* (${o.reclaimedSeats} seats reclaimed) · potential *${formatMoney(o.potentialSavings, o.currency)}/yr*`),
    ...linesToSections(lines.length > 0 ? lines : ['No integration profiles yet.'], MAX.messageBlocks - 3, (n) => `…and ${n} more lines`),
  ]);
}

export function validationMessage(profile: IntegrationProfile, report: ValidationReport): SlackMessage {
  const lines = report.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':x:'} ${esc(clip(c.name, 100))}${c.detail ? ` — ${esc(clip(c.detail, 500))}` : ''}`);
  const title = report.ok ? `"${profile.displayName}" is connected` : `"${profile.displayName}" did not validate`;
  const blocks: KnownBlock[] = [
    section(`${report.ok ? ':white_check_mark:' : ':warning:'} *${name(profile.displayName)}* ${report.ok ? 'validated' : 'did not validate'}${report.account ? ` as ${esc(clip(report.account, 200))}` : ''}`),
    ...linesToSections(lines, 20, (n) => `…and ${n} more checks`),
  ];
  const actions: ActionsBlock = {
    type: 'actions',
    elements: report.ok && profile.status !== 'published' ? [button('Publish', PROFILE_ACTIONS.publish, profile.id, 'primary')] : [button('Edit profile', PROFILE_ACTIONS.edit, profile.id)],
  };
  blocks.push(actions);
  return message(title, blocks);
}

export function profileSavedMessage(profile: IntegrationProfile, opts: { created: boolean; oauthUrl?: string; vendorLabel?: string }): SlackMessage {
  const elements: Button[] = [];
  if (opts.oauthUrl) elements.push(button(`Connect with ${opts.vendorLabel ?? 'the vendor'}`, 'profile_oauth_link', profile.id, 'primary', opts.oauthUrl));
  elements.push(button('Validate', PROFILE_ACTIONS.validate, profile.id, opts.oauthUrl ? undefined : 'primary'), button('Edit', PROFILE_ACTIONS.edit, profile.id));
  const what = opts.created ? 'created' : 'saved';
  const next = opts.oauthUrl ? 'Connect it in the browser, then validate.' : 'Validate the connection next.';
  return message(`Profile "${profile.displayName}" ${what}`, [section(`*${name(profile.displayName)}* ${what} (${statusLine({ status: profile.status, validated: profile.validatedAt !== null })}). ${next}`), { type: 'actions', elements }]);
}

/** How a candidate's state reads in a list (only `pending` waits for an approver's decision). */
export const CANDIDATE_STATE_WORDS: Record<CandidateState, string> = {
  pending: 'waiting for a decision',
  awaiting_user: 'waiting for the holder',
  released: 'released by the holder, waiting for approval',
  approved: 'approved, reclaim queued',
  reclaiming: 'being reclaimed',
  failed: 'reclaim failed',
  reclaimed: 'reclaimed',
  kept: 'kept by the holder',
  excluded: 'excluded',
  restored: 'restored',
};

/**
 * Open candidates: the true count per state (`counts`, over the whole profile or all profiles) and the first
 * `candidates` of them; says so when the list is shorter than the total.
 */
export function candidatesMessage(profileName: string | null, candidates: CandidateView[], counts: Partial<Record<CandidateState, number>>): SlackMessage {
  const open = OPEN_STATES.filter((st) => (counts[st] ?? 0) > 0);
  const total = open.reduce((n, st) => n + (counts[st] ?? 0), 0);
  if (total === 0) return textMessage(profileName ? `No seats of "${profileName}" are proposed for reclaim right now.` : 'No seats are proposed for reclaim right now.');
  const summary = open.map((st) => `${counts[st]} ${CANDIDATE_STATE_WORDS[st]}`).join(' · ');
  const lines = candidates.map(
    (c) => `• ${esc(clip(c.user.name ?? c.user.email ?? c.user.vendorUserId, 80))}${c.user.email ? ` (${esc(clip(c.user.email, 120))})` : ''} — ${esc(clip(c.licenseName, 60))}, last active ${formatDate(c.lastActivityAt)} · ${CANDIDATE_STATE_WORDS[c.state]}`,
  );
  const hidden = Math.max(0, total - candidates.length);
  if (hidden > 0) lines.push(`…and ${hidden} more`);
  const cut = hidden > 0 ? `The list stops after ${candidates.length} of ${total}${profileName ? '' : ': `/license candidates <profile>` lists one profile'}. ` : '';
  const where = (counts.pending ?? 0) + (counts.released ?? 0) > 0 ? 'Approvers decide in the approval channel.' : 'Nothing waits for an approver.';
  return message(`${total} seats proposed for reclaim: ${summary}`, [
    header(`Candidates${profileName ? ` — ${clip(profileName, 100)}` : ''} (${total})`),
    section(summary),
    ...linesToSections(lines, MAX.messageBlocks - 3, (n) => `…and ${n + hidden - (hidden > 0 ? 1 : 0)} more`),
    context(`${cut}${where}`),
  ]);
}

export function rulesMessage(profileName: string, rules: ReclamationRule[], exclusions: ExclusionRule[]): SlackMessage {
  const ruleLines = rules.map((r) => `• ${esc(clip(r.name, 100))}: unused ${r.inactivityDays} days${r.notifyUser ? `, ask the holder first (${r.graceDays} days grace${r.autoApprove ? ', then approve' : ''})` : ''}${r.active ? '' : ' (off)'}`);
  const exclusionLines = exclusions.map((e) => `• ${esc(clip(e.emailPattern ?? e.vendorUserId ?? e.licenseType ?? '?', 120))} — ${esc(clip(e.reason, 200))}${e.expiresAt ? ` (until ${formatDate(e.expiresAt)})` : ''}`);
  return message(`Rules of ${profileName}`, [
    header(`Rules — ${clip(profileName, 120)}`),
    section('*Reclamation rules*'),
    ...linesToSections(ruleLines.length ? ruleLines : ['None yet: the first sync creates one per license type.'], 20, (n) => `…and ${n} more`),
    section('*Exclusions*'),
    ...linesToSections(exclusionLines.length ? exclusionLines : ['None.'], 20, (n) => `…and ${n} more`),
    { type: 'actions', elements: [button('Add reclamation rule', 'rule_new', profileNameValue(profileName)), button('Add exclusion', 'exclusion_new', profileNameValue(profileName))] },
  ]);
}

const profileNameValue = (s: string) => clip(s, 200);

export interface EntitlementLine {
  profile: string;
  model: string;
  quantity: number;
  unitCost: number;
  currency: string;
  period: string;
  renewalDate: string | null;
}

export function entitlementsMessage(lines: EntitlementLine[]): SlackMessage {
  const text = lines.map((e) => `• *${name(e.profile)}* / ${esc(clip(e.model, 60))}: ${e.quantity} × ${formatMoney(e.unitCost, e.currency)} per ${e.period}${e.renewalDate ? ` · renews ${e.renewalDate}` : ''}`);
  return message('Entitlements', [
    header('Entitlements'),
    ...linesToSections(text.length ? text : ['No entitlements recorded.'], MAX.messageBlocks - 3, (n) => `…and ${n} more`),
    { type: 'actions', elements: [button('Add entitlement', 'entitlement_new', 'new')] },
  ]);
}

export function jobsMessage({ profile, runs, scheduled }: JobHistory): SlackMessage {
  const sched = scheduled.map((j) => `• ${esc(j.label)}${j.repeatInterval ? ` every ${esc(j.repeatInterval)}` : ''} · next ${formatDate(j.nextRunAt)}${j.failReason ? ` · last failure: ${esc(clip(j.failReason, 200))}` : ''}`);
  const recent = runs.map((r) => `• ${formatDate(r.startedAt)} ${esc(r.label)} — ${esc(r.status)}${r.error ? `: ${esc(clip(r.error, 300))}` : ''}`);
  return message(`Jobs of ${profile.displayName}`, [
    header(`Jobs — ${clip(profile.displayName, 120)}`),
    section('*Scheduled*'),
    ...linesToSections(sched.length ? sched : ['Nothing scheduled (publish the profile to schedule its jobs).'], 10, (n) => `…and ${n} more`),
    section('*Recent runs*'),
    ...linesToSections(recent.length ? recent : ['No runs yet.'], 30, (n) => `…and ${n} more`),
  ]);
}

export function auditMessage(entries: AuditEntry[]): SlackMessage {
  const lines = entries.map((e) => `• ${e.at.toISOString().slice(0, 16).replace('T', ' ')} ${e.actor.startsWith('U') || e.actor.startsWith('W') ? `<@${e.actor}>` : esc(e.actor)} *${esc(e.action)}* ${esc(e.targetType)}${e.targetId ? ` ${esc(clip(e.targetId, 40))}` : ''}`);
  return message('Audit log', [header('Audit log (latest)'), ...linesToSections(lines.length ? lines : ['Empty.'], MAX.messageBlocks - 1, (n) => `…and ${n} more`)]);
}

export function oauthOutcomeMessage(o: { ok: boolean; profileId: string; profileName?: string; message: string }): SlackMessage {
  const label = o.profileName ? `"${o.profileName}"` : 'The profile';
  if (o.ok) {
    return message(`${label} is connected`, [
      section(`:white_check_mark: ${esc(label)} is connected. Validate it next.`),
      { type: 'actions', elements: [button('Validate', PROFILE_ACTIONS.validate, o.profileId, 'primary')] },
    ]);
  }
  return message(`${label} could not be connected`, [
    section(`:x: ${esc(label)} could not be connected: ${esc(clip(o.message, 1000))}`),
    { type: 'actions', elements: [button('Edit profile', PROFILE_ACTIONS.edit, o.profileId)] },
  ]);
}
