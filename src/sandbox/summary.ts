// The terminal summary a sandbox start ends with: seats, inactive seats and potential savings per app, the
// digest the bot posted (Block Kit rendered as text), and where to look next. Pure: data in, text out.
import type { Overview } from '../services/report-service.js';
import { renderBlocksAsText } from './render-blocks.js';

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
}

export interface SummaryInput {
  overview: Overview;
  /** Top-level messages the bot posted to the approval channel in this run (thread replies counted apart). */
  digests: PostedMessage[];
  threadReplies: number;
  approvalChannel: string;
  userNames: Record<string, string>;
  botUrl: string;
  fakes: Record<string, string>;
  /** Seconds from start to the summary. */
  seconds: number;
  /** true: the demo company was created in this run; false: the data folder's profiles were reused. */
  seeded: boolean;
  dataDir: string | null;
  nextSyncAt: Date | null;
  /** Profiles whose first sync or evaluation did not finish (with the reason). */
  problems: string[];
  /** Lines shown of each digest (the rest is one curl away); default 14. */
  digestLines?: number;
}

/** Whole units with the currency symbol: $12,345. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${Math.round(amount).toLocaleString('en-US')} ${currency}`;
  }
}

const n = (x: number) => x.toLocaleString('en-US');

function moneyList(totals: Array<{ currency: string; amount: number }>): string {
  const known = totals.filter((t) => t.amount > 0);
  return known.length === 0 ? '—' : known.map((t) => money(t.amount, t.currency)).join(' + ');
}

function columns(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderSummary(s: SummaryInput): string {
  const out: string[] = [];
  const rule = '─'.repeat(78);
  out.push('', rule, ` saas-license-bot sandbox: ${s.seeded ? 'demo company set up' : 'demo company reused'} in ${s.seconds.toFixed(1)} s`, rule);

  const rows: string[][] = [['App', 'Vendor', 'Seats', 'Inactive', 'Candidates', 'Potential savings / year']];
  for (const p of s.overview.profiles) {
    const inactive = p.models.filter((m) => !m.isFree).reduce((sum, m) => sum + m.inactive, 0);
    rows.push([
      p.profile.displayName,
      p.profile.vendorLabel,
      n(p.seats.held),
      n(inactive),
      n(p.candidates.awaitingDecision),
      moneyList(p.totals.map((t) => ({ currency: t.currency, amount: t.potentialAnnualSavings }))),
    ]);
  }
  const totalSeats = s.overview.profiles.reduce((sum, p) => sum + p.seats.held, 0);
  const totalInactive = s.overview.profiles.reduce((sum, p) => sum + p.models.filter((m) => !m.isFree).reduce((x, m) => x + m.inactive, 0), 0);
  rows.push([
    'Total',
    '',
    n(totalSeats),
    n(totalInactive),
    n(s.overview.pendingCandidates),
    moneyList(s.overview.totals.map((t) => ({ currency: t.currency, amount: t.potentialAnnualSavings }))),
  ]);
  const table = columns(rows, new Set([2, 3, 4, 5]));
  out.push('', ...table.slice(0, 1).map((l) => ` ${l}`), ` ${'-'.repeat(table[0]!.length)}`, ...table.slice(1, -1).map((l) => ` ${l}`));
  out.push(` ${'-'.repeat(table[0]!.length)}`, ` ${table.at(-1)}`);
  out.push('', ' Inactive = paid seats unused for longer than their rule allows (60 days by default); free seats are left out.');
  out.push(' Savings = (inactive seats + purchased seats nobody holds) × the entitlement’s unit cost, per year.');

  if (s.problems.length > 0) {
    out.push('', ' Not finished:');
    for (const p of s.problems) out.push(`   ! ${p}`);
  }

  out.push('', rule);
  if (s.digests.length === 0) {
    out.push(
      s.seeded
        ? ` The bot posted no digest to #${s.approvalChannel} in this run.`
        : ` No digest in this run: the fake Slack starts empty on every start, and digests are posted when an\n evaluation finds new candidates (the ${n(s.overview.pendingCandidates)} open ones were posted on the first start).`,
    );
  } else {
    out.push(` What the bot posted to the approval channel (#${s.approvalChannel}), rendered as text:`);
    const max = s.digestLines ?? 14;
    for (const d of s.digests) {
      const lines = renderBlocksAsText(d.blocks.length > 0 ? d.blocks : [{ type: 'section', text: { type: 'mrkdwn', text: d.text } }], { users: s.userNames, indent: '  │ ' }).split('\n');
      out.push('', ...lines.slice(0, max));
      if (lines.length > max) out.push(`  │ … ${n(lines.length - max)} more lines in this message`);
    }
    if (s.threadReplies > 0) out.push('', `  (+ ${n(s.threadReplies)} thread replies with the rest of the candidates)`);
    out.push(`  Every message in full: curl ${s.botUrl}/sandbox/slack/messages?format=text`);
  }

  out.push('', rule, ' Look around (the sandbox keeps running and syncing on schedule; Ctrl-C stops it):');
  out.push(`   curl ${s.botUrl}/sandbox/slack/messages?format=text   every message the bot posted, as text`);
  out.push(`   curl ${s.botUrl}/sandbox/slack/messages               the same as JSON, with the Block Kit`);
  out.push(`   curl ${s.botUrl}/sandbox                              the fake vendors' URLs and counts`);
  out.push(`   curl ${s.botUrl}/healthz`);
  for (const [name, url] of Object.entries(s.fakes)) out.push(`   fake ${name.padEnd(11)} ${url}`);
  if (s.nextSyncAt) out.push(`   next scheduled sync: ${s.nextSyncAt.toISOString()}`);
  if (s.dataDir) out.push(`   data folder: ${s.dataDir} (a second start reuses it; delete it to start over)`);
  out.push(' To connect a real workspace: create a Slack app from manifest.json, then set SLACK_BOT_TOKEN,');
  out.push(' SLACK_SIGNING_SECRET and ENCRYPTION_KEY (README.md, "Connect a real workspace").');
  out.push(rule, '');
  return out.join('\n');
}
