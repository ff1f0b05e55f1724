// The CLI's commands: each calls services and returns the text to print. A failure is thrown as CliError (one
// line on stderr, exit code 1); a command that ran but found a failure (a failed sync) sets exitCode 1.
import { CANDIDATE_STATES, type CandidateState } from '../domain/candidate-state.js';
import { describeError } from '../domain/errors.js';
import { formatDay, formatMoney, formatTable } from '../format/table.js';
import { ServiceError } from '../services/errors.js';
import type { Services } from '../services/index.js';
import type { ExecutionResult } from '../services/reclamation-service.js';
import type { ReconciliationResult, ReportModel } from '../services/report-service.js';
import type { SubscriptionSyncResult } from '../services/sync-service.js';
import { CliError } from './open.js';

export interface CommandOutput {
  text: string;
  exitCode: number;
}

export const USAGE = `Usage: npm run cli -- <command>

  profiles                         integration profiles, their status and last sync
  sync <profile>                   download the profile's subscriptions now (then activity and evaluation)
  candidates <profile> [--state s] removal candidates (states: ${CANDIDATE_STATES.join(', ')})
  approve <candidate-id>...        approve candidates; the bot's executor reclaims them
  reclaim [profile]                run the reclaim executor once, here
  report                           reconciliation per software model: compliance position and savings

Profiles are named by display name (any case) or id. The database is the bot's (DATABASE_URL or DATA_DIR).`;

const ok = (text: string): CommandOutput => ({ text, exitCode: 0 });

export async function runCommand(services: Services, actor: string, args: readonly string[]): Promise<CommandOutput> {
  const [command, ...rest] = args;
  switch (command) {
    case 'profiles':
      return ok(await listProfiles(services));
    case 'sync':
      return sync(services, actor, needProfile(rest, 'sync'));
    case 'candidates':
      return ok(await candidates(services, rest));
    case 'approve':
      return approve(services, actor, rest);
    case 'reclaim':
      return reclaim(services, actor, rest[0]);
    case 'report':
      return ok(renderReport(await services.reports.reconcile()));
    default:
      throw new CliError(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
  }
}

function needProfile(rest: readonly string[], command: string): string {
  const name = rest.filter((a) => !a.startsWith('--')).join(' ').trim();
  if (!name) throw new CliError(`${command} needs a profile: npm run cli -- ${command} "<profile name>"`);
  return name;
}

async function listProfiles(services: Services): Promise<string> {
  const overview = await services.reports.overview();
  if (overview.profiles.length === 0) return 'No integration profiles yet. Create one in Slack with /license new.';
  return formatTable(overview.profiles, [
    { header: 'Profile', value: (s) => s.profile.displayName },
    { header: 'Vendor', value: (s) => s.profile.vendorLabel },
    { header: 'Status', value: (s) => s.profile.status },
    { header: 'Reclaim', value: (s) => (s.profile.reclaim ? 'on' : 'off') },
    { header: 'Seats', value: (s) => s.seats.held },
    { header: 'Pending', value: (s) => s.candidates.awaitingDecision },
    { header: 'Approved', value: (s) => s.candidates.approved },
    { header: 'Reclaimed', value: (s) => s.candidates.reclaimed },
    { header: 'Last sync', value: (s) => (s.lastSync ? `${s.lastSync.status} ${formatDay(s.lastSync.startedAt)}` : 'never') },
    { header: 'Id', value: (s) => s.profile.id },
  ]);
}

async function sync(services: Services, actor: string, name: string): Promise<CommandOutput> {
  const profile = await services.profiles.resolve(name);
  const result = await services.sync.syncSubscriptions(profile.id, { actor });
  const text = renderSync(profile.displayName, result);
  return { text, exitCode: result.status === 'succeeded' && result.activity?.status !== 'failed' && result.evaluation?.status !== 'failed' ? 0 : 1 };
}

export function renderSync(name: string, r: SubscriptionSyncResult): string {
  const c = r.counts;
  const lines = [
    `Download ${name} Subscriptions: ${r.status}${r.error ? ` — ${r.error}` : ''}`,
    formatTable(
      [{ ...c }],
      [
        { header: 'New', value: (x) => x.new },
        { header: 'Updated', value: (x) => x.updated },
        { header: 'Removed', value: (x) => x.removed },
        { header: 'Unchanged', value: (x) => x.unchanged },
        { header: 'Seats', value: (x) => x.seats },
        { header: 'Pages', value: (x) => x.pages },
        { header: 'Unrecognized', value: (x) => x.unrecognized },
        { header: 'Models created', value: (x) => x.modelsCreated },
        { header: 'Rules created', value: (x) => x.rulesCreated },
        { header: 'Seconds', value: (x) => x.seconds.toFixed(2), align: 'right' },
      ],
    ),
  ];
  if (r.activity) {
    const a = r.activity;
    lines.push(`Refresh ${name} Activity: ${a.status}${a.error ? ` — ${a.error}` : ''} (${a.counts.records} records since ${formatDay(a.since)}, ${a.counts.updated} seats updated)`);
  }
  if (r.evaluation) {
    const e = r.evaluation;
    const held = e.heldModels.map((m) => `${m.modelName}: ${m.candidates} of ${m.heldSeats} seats, over the limit of ${m.limit}`);
    lines.push(
      `Evaluate ${name} Reclamation Rules: ${e.status}${e.error ? ` — ${e.error}` : ''} (${e.seats} seats, ${e.created} new candidates, ${e.closed} closed, ${e.held} held for confirmation)`,
    );
    if (held.length > 0) lines.push(`Held until an admin confirms in Slack: ${held.join('; ')}`);
  }
  return lines.join('\n');
}

async function candidates(services: Services, rest: readonly string[]): Promise<string> {
  const stateFlag = rest.indexOf('--state');
  let states: CandidateState[] | undefined;
  if (stateFlag >= 0) {
    const wanted = (rest[stateFlag + 1] ?? '').split(',').filter(Boolean);
    const unknown = wanted.filter((s) => !(CANDIDATE_STATES as readonly string[]).includes(s));
    if (wanted.length === 0 || unknown.length > 0) throw new CliError(`--state takes one or more of ${CANDIDATE_STATES.join(', ')}`);
    states = wanted as CandidateState[];
  }
  const name = needProfile(rest.filter((_, i) => stateFlag < 0 || (i !== stateFlag && i !== stateFlag + 1)), 'candidates');
  const profile = await services.profiles.resolve(name);
  const rows = await services.reclamation.list({ profileId: profile.id, ...(states ? { states } : {}), limit: 100_000 });
  if (rows.length === 0) return `No removal candidates for ${profile.displayName}${states ? ` in state ${states.join(', ')}` : ''}.`;
  const now = services.ctx.now().getTime();
  const byState = new Map<string, number>();
  for (const r of rows) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
  const table = formatTable(rows, [
    { header: 'User', value: (r) => r.user.email ?? r.user.name ?? r.user.vendorUserId, maxWidth: 40 },
    { header: 'License', value: (r) => r.licenseName, maxWidth: 28 },
    { header: 'Last activity', value: (r) => (r.lastActivityAt ? formatDay(r.lastActivityAt) : 'never') },
    { header: 'Days', value: (r) => r.inactiveDays ?? Math.floor((now - r.createdAt.getTime()) / 86_400_000) },
    { header: 'State', value: (r) => r.state },
    { header: 'Reason', value: (r) => (r.lastError && (r.state === 'failed' || r.state === 'excluded') ? r.lastError : r.reason), maxWidth: 70 },
    { header: 'Id', value: (r) => r.id },
  ]);
  const summary = [...byState].map(([s, n]) => `${n} ${s}`).join(', ');
  return `${table}\n\n${rows.length} candidates for ${profile.displayName}: ${summary}`;
}

async function approve(services: Services, actor: string, ids: readonly string[]): Promise<CommandOutput> {
  if (ids.length === 0) throw new CliError('approve needs one or more candidate ids (see: npm run cli -- candidates <profile>)');
  const lines: string[] = [];
  let failed = 0;
  for (const id of ids) {
    try {
      const { reclaimScheduled } = await services.reclamation.approve(id, actor);
      const view = await services.reclamation.view(id);
      const who = view.user.email ?? view.user.name ?? view.user.vendorUserId;
      lines.push(`Approved ${who} (${view.licenseName}): ${reclaimScheduled ? 'the bot reclaims it within seconds, or run: npm run cli -- reclaim' : 'Reclaim is off for this profile, so nothing is sent to the vendor'}`);
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      failed++;
      lines.push(`Not approved ${id}: ${err.message}`);
    }
  }
  return { text: lines.join('\n'), exitCode: failed > 0 ? 1 : 0 };
}

async function reclaim(services: Services, actor: string, profileName: string | undefined): Promise<CommandOutput> {
  const profile = profileName ? await services.profiles.resolve(profileName) : null;
  const result = await services.reclamation.executeApproved({ triggeredBy: actor, ...(profile ? { profileId: profile.id } : {}) });
  return { text: renderExecution(result), exitCode: result.failed > 0 ? 1 : 0 };
}

export function renderExecution(r: ExecutionResult): string {
  const lines: string[] = [];
  if (r.items.length > 0) {
    lines.push(
      formatTable(r.items, [
        { header: 'User', value: (i) => i.user, maxWidth: 40 },
        { header: 'Outcome', value: (i) => i.outcome },
        { header: 'Detail', value: (i) => i.detail ?? '', maxWidth: 90 },
        { header: 'Retry at', value: (i) => (i.retryAt ? i.retryAt.toISOString().replace('T', ' ').slice(0, 16) : '') },
      ]),
    );
  }
  lines.push(
    `Reclaim executor: ${r.picked} picked, ${r.reclaimed} reclaimed, ${r.alreadyFree} already free, ${r.failed} failed, ${r.excluded} closed by a guard, ${r.skipped} taken by another run.`,
  );
  if (r.waitingForReclaimSwitch > 0) lines.push(`${r.waitingForReclaimSwitch} approved candidates wait on profiles whose Reclaim switch is off: nothing is sent for them.`);
  return lines.join('\n');
}

const POSITION: Record<ReportModel['position']['kind'], (m: ReportModel) => string> = {
  over_licensed: (m) => `over by ${m.position.kind === 'over_licensed' ? m.position.surplus : 0}`,
  under_licensed: (m) => `UNDER by ${m.position.kind === 'under_licensed' ? m.position.shortfall : 0}`,
  compliant: () => 'compliant',
  free: () => 'free',
};

export function renderReport(r: ReconciliationResult): string {
  if (r.models.length === 0) return 'Nothing to reconcile yet: publish a profile and let it sync.';
  const money = (m: ReportModel, v: number | null) => (m.purchased === 0 && !m.isFree && v === null ? '' : formatMoney(v, m.currency));
  const lines = [
    `Reconciliation on ${formatDay(r.generatedAt)} (active = used within the rule's threshold)`,
    formatTable(r.models, [
      { header: 'Profile', value: (m) => m.profileName, maxWidth: 28 },
      { header: 'Model', value: (m) => m.modelName, maxWidth: 32 },
      { header: 'Purchased', value: (m) => m.purchased },
      { header: 'Assigned', value: (m) => m.assigned },
      { header: 'Active', value: (m) => m.active },
      { header: 'Inactive', value: (m) => m.inactive },
      { header: 'Days', value: (m) => m.thresholdDays },
      { header: 'Position', value: (m) => POSITION[m.position.kind](m) },
      { header: 'Unit/yr', value: (m) => money(m, m.annualUnitCost), align: 'right' },
      { header: 'Unused', value: (m) => m.unusedSeats },
      { header: 'Potential/yr', value: (m) => money(m, m.potentialAnnualSavings), align: 'right' },
      { header: 'Reclaimed', value: (m) => m.reclaimedSeats },
      { header: 'Realized/yr', value: (m) => money(m, m.realizedAnnualSavings), align: 'right' },
    ]),
  ];
  if (r.totals.length > 0) {
    lines.push('', 'Totals per currency');
    lines.push(
      formatTable(r.totals, [
        { header: 'Currency', value: (t) => t.currency },
        { header: 'Annual spend', value: (t) => formatMoney(r.spend.find((s) => s.currency === t.currency)?.annualSpend ?? 0, null), align: 'right' },
        { header: 'Potential savings/yr', value: (t) => formatMoney(t.potentialAnnualSavings, null), align: 'right' },
        { header: 'Realized savings/yr', value: (t) => formatMoney(t.realizedAnnualSavings, null), align: 'right' },
        { header: 'Shortfall cost/yr', value: (t) => formatMoney(t.shortfallAnnualCost, null), align: 'right' },
      ]),
    );
  }
  if (r.modelsWithUnknownCost.length > 0) {
    lines.push('', `No cost known (add entitlements in Slack: /license entitlements): ${r.modelsWithUnknownCost.join(', ')}`);
  }
  lines.push('', r.renewals.length > 0 ? `Renewals in the next ${r.renewalWindowDays} days` : `No renewals in the next ${r.renewalWindowDays} days.`);
  if (r.renewals.length > 0) {
    lines.push(
      formatTable(r.renewals, [
        { header: 'Date', value: (x) => formatDay(x.renewalDate) },
        { header: 'In days', value: (x) => x.daysUntil },
        { header: 'Profile', value: (x) => x.profileName },
        { header: 'Model', value: (x) => x.modelName },
        { header: 'Quantity', value: (x) => x.quantity },
        { header: 'Annual cost', value: (x) => formatMoney(x.annualCost, x.currency), align: 'right' },
      ]),
    );
  }
  for (const w of [...r.warnings, ...r.models.flatMap((m) => m.warnings.map((x) => `${m.profileName} / ${m.modelName}: ${x}`))]) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

export function describeCliError(err: unknown): string {
  if (err instanceof CliError || err instanceof ServiceError) return err.message;
  return describeError(err);
}
