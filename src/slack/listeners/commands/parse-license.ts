// Parses the text after `/license` into a command, or into a usage message. Pure: no Slack, no services.
import { VENDORS, type Vendor } from '../../../domain/vendor.js';

export type ExcludeTarget = { slackUserId: string } | { email: string };

export type LicenseCommand =
  | { kind: 'help'; topic?: string }
  | { kind: 'status' }
  | { kind: 'profiles' }
  | { kind: 'new'; vendor?: Vendor }
  | { kind: 'edit' | 'validate' | 'publish' | 'unpublish' | 'jobs'; profile: string }
  | { kind: 'sync'; profile: string | null /* null: every published profile */ }
  | { kind: 'candidates' | 'rules'; profile?: string }
  | { kind: 'exclude'; target: ExcludeTarget; profile?: string; reason?: string }
  | { kind: 'entitlements' | 'report' | 'audit' };

export type ParsedLicense = { ok: true; command: LicenseCommand } | { ok: false; message: string; subcommand?: string };

/** One line per subcommand, as `/license help` shows them. */
export const USAGE: Record<string, string> = {
  help: '`/license help` — this list',
  status: '`/license status` — profiles, pending candidates and the last sync of each',
  profiles: '`/license profiles` — integration profiles and their state',
  new: `\`/license new [vendor]\` — create a profile (${VENDORS.join(', ')})`,
  edit: '`/license edit <profile>` — edit a profile and its connection',
  validate: '`/license validate <profile>` — check the connection with read-only calls',
  publish: '`/license publish <profile>` — schedule the daily download of a validated profile',
  unpublish: '`/license unpublish <profile>` — stop the schedule and return the profile to draft',
  sync: '`/license sync <profile|all>` — download subscriptions now',
  candidates: '`/license candidates [profile]` — seats proposed for reclaim',
  rules: '`/license rules [profile]` — reclamation and exclusion rules',
  exclude: '`/license exclude <@user|email> [profile|all] [reason]` — keep a person out of reclaims (quote profile names with spaces)',
  entitlements: '`/license entitlements` — purchased seats, unit cost and renewals',
  report: '`/license report` — seats, cost and savings per app',
  jobs: '`/license jobs <profile>` — recent job runs of a profile',
  audit: '`/license audit` — the latest entries of the audit log',
};

export const SUBCOMMANDS = Object.keys(USAGE);

const NO_ARGS = new Set(['status', 'profiles', 'entitlements', 'report', 'audit']);
const NEEDS_PROFILE = new Set(['edit', 'validate', 'publish', 'unpublish', 'jobs']);
const OPTIONAL_PROFILE = new Set(['candidates', 'rules']);

/** Slack sends text with &, < and > escaped, and mentions/emails as <@U123|name> / <mailto:a@b|a@b>. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Splits on spaces, keeping "quoted parts" (straight or curly quotes) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  for (const m of text.matchAll(re)) tokens.push(m[1] ?? m[2] ?? m[3]!);
  return tokens;
}

function usage(sub: string, problem: string): ParsedLicense {
  return { ok: false, subcommand: sub, message: `${problem}\nUsage: ${USAGE[sub]}` };
}

const EMAIL = /^[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+$/;

export function parseExcludeTarget(token: string): ExcludeTarget | null {
  const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token);
  if (mention) return { slackUserId: mention[1]! };
  const mailto = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/.exec(token);
  if (mailto && EMAIL.test(mailto[1]!)) return { email: mailto[1]!.toLowerCase() };
  if (EMAIL.test(token)) return { email: token.toLowerCase() };
  return null;
}

export function parseLicenseCommand(rawText: string): ParsedLicense {
  const text = unescapeSlack(rawText ?? '').trim();
  if (text === '') return { ok: true, command: { kind: 'help' } };
  const [first = '', ...rest] = text.split(/\s+/);
  const sub = first.toLowerCase();
  const remainder = text.slice(first.length).trim();
  const profileArg = tokenize(remainder).join(' ').trim();

  if (sub === 'help' || sub === '?') return { ok: true, command: { kind: 'help', ...(rest[0] ? { topic: rest[0].toLowerCase() } : {}) } };
  if (!(sub in USAGE)) {
    const close = SUBCOMMANDS.filter((s) => s.startsWith(sub.slice(0, 3)) || sub.startsWith(s));
    const hint = close.length > 0 ? ` Did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : '';
    return { ok: false, message: `I don't know \`${first}\`.${hint} Try \`/license help\`.` };
  }
  if (NO_ARGS.has(sub)) {
    if (remainder !== '') return usage(sub, `\`${sub}\` takes no arguments.`);
    return { ok: true, command: { kind: sub as 'status' } };
  }
  if (NEEDS_PROFILE.has(sub)) {
    if (profileArg === '') return usage(sub, `Which profile? \`${sub}\` needs a profile name.`);
    return { ok: true, command: { kind: sub as 'edit', profile: profileArg } };
  }
  if (OPTIONAL_PROFILE.has(sub)) {
    return { ok: true, command: { kind: sub as 'rules', ...(profileArg ? { profile: profileArg } : {}) } };
  }
  if (sub === 'new') {
    if (remainder === '') return { ok: true, command: { kind: 'new' } };
    const vendor = normaliseVendor(remainder);
    if (!vendor) return usage('new', `Unknown vendor \`${remainder}\`.`);
    return { ok: true, command: { kind: 'new', vendor } };
  }
  if (sub === 'sync') {
    if (profileArg === '') return usage('sync', 'Which profile? Give a name, or `all`.');
    return { ok: true, command: { kind: 'sync', profile: profileArg.toLowerCase() === 'all' ? null : profileArg } };
  }
  // exclude <@user|email> [profile|all] [reason]
  const tokens = tokenize(remainder);
  const target = tokens[0] ? parseExcludeTarget(tokens[0]) : null;
  if (!target) return usage('exclude', tokens[0] ? `\`${tokens[0]}\` is neither a @mention nor an email address.` : 'Whom? Mention a person or give an email address.');
  const afterTarget = remainder.slice(remainder.indexOf(tokens[0]!) + tokens[0]!.length).trim();
  const quoted = /^(?:"([^"]+)"|“([^”]+)”)\s*(.*)$/s.exec(afterTarget);
  let profile: string | undefined;
  let reason: string | undefined;
  if (quoted) {
    profile = (quoted[1] ?? quoted[2])!.trim();
    reason = quoted[3]!.trim() || undefined;
  } else if (afterTarget !== '') {
    const [word, ...why] = afterTarget.split(/\s+/);
    profile = word;
    reason = why.join(' ').trim() || undefined;
  }
  if (profile && (profile.toLowerCase() === 'all' || profile === '*')) profile = undefined;
  if (reason && reason.length > 500) return usage('exclude', 'Keep the reason under 500 characters.');
  return { ok: true, command: { kind: 'exclude', target, ...(profile ? { profile } : {}), ...(reason ? { reason } : {}) } };
}

const VENDOR_ALIASES: Record<string, Vendor> = {
  slack: 'slack_grid',
  slack_grid: 'slack_grid',
  'slack-grid': 'slack_grid',
  grid: 'slack_grid',
  salesforce: 'salesforce',
  sfdc: 'salesforce',
  zendesk: 'zendesk',
  custom: 'custom',
  rest: 'custom',
};

export function normaliseVendor(text: string): Vendor | undefined {
  return VENDOR_ALIASES[text.trim().toLowerCase()];
}
