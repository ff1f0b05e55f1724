// Which seats become removal candidates: guards, exclusion rules, reclamation rules and the per-run cap.
// Inputs are the seats, rules and exclusions of one integration profile. Compile once, evaluate many:
// patterns are compiled and rules indexed by model so 100k seats evaluate in a few tens of milliseconds.
import type { SeatFlags } from './vendor.js';

const DAY_MS = 86_400_000;

/** A subscription as the rules see it. */
export interface RuleSeat {
  subscriptionId: string;
  vendorUserId: string;
  email: string | null;
  licenseType: string;
  modelId: string | null;
  /** The vendor reports the account active (a deactivated account holds no seat). */
  active: boolean;
  /** Our subscription status; only HELD_STATUS seats are considered. */
  status: string;
  lastActivityAt: Date | null;
  firstSeenAt: Date;
  flags: SeatFlags;
}

/** The subscription status of a seat the user currently holds. */
export const HELD_STATUS = 'active';

export interface ReclamationRule {
  id: string;
  name: string;
  /** null: applies to every model of the profile that has no rule of its own. */
  modelId: string | null;
  /** A seat is a candidate after more than this many whole days without activity. */
  inactivityDays: number;
  notifyUser: boolean;
  graceDays: number;
  autoApprove: boolean;
  active: boolean;
}

export type ExclusionRule =
  | {
      kind: 'user';
      id: string;
      /** Either or both; a seat matching either is excluded. */
      vendorUserId?: string | null;
      /** Case-insensitive glob on the email: `*` any run of characters, `?` one character. */
      emailPattern?: string | null;
      /** The exclusion no longer applies from this moment; null = never expires. */
      expiresAt: Date | null;
    }
  | {
      kind: 'identifier';
      id: string;
      /** The vendor's license type identifier, matched exactly. */
      licenseType: string;
      expiresAt: Date | null;
    };

export interface RuleContext {
  rules: readonly ReclamationRule[];
  exclusions: readonly ExclusionRule[];
  /** The vendor user id the integration signs in with (from validation). */
  integrationUserId?: string | null;
  /** Models that cost nothing: never worth reclaiming. */
  freeModelIds?: Iterable<string>;
  /** false when the profile has no activity source: every seat would look unused, so none is proposed. */
  activityTracked?: boolean;
  /** Seats that already have an open (or recently kept) candidate: counted in the cap, never proposed again. */
  skipSubscriptionIds?: ReadonlySet<string>;
  /**
   * Activity was looked for from this date on (the profile's analysis start). A seat with no activity found has
   * been idle at least since then, even if the bot first saw it today; without this, nobody idle before the
   * bot was installed could become a candidate until the threshold had passed again.
   */
  activityWindowStart?: Date | null;
}

export const NOT_CANDIDATE_WHYS = [
  'integration_user',
  'owner',
  'bot',
  'inactive_account',
  'not_held',
  'free_seat',
  'excluded_identifier',
  'excluded_user',
  'already_candidate',
  'no_rule',
  'no_activity_data',
  'recently_active',
] as const;
export type NotCandidateWhy = (typeof NOT_CANDIDATE_WHYS)[number];

export interface CandidateVerdict {
  candidate: true;
  ruleId: string;
  /** The rule that matched (its notifyUser, graceDays and autoApprove drive the candidate). */
  rule: ReclamationRule;
  reason: string;
  inactiveDays: number;
  lastActivityAt: Date | null;
  /** No activity was ever seen: inactivity counts from firstSeenAt. */
  neverActive: boolean;
}

export interface NotCandidateVerdict {
  candidate: false;
  why: NotCandidateWhy;
  detail: string;
  exclusionId?: string;
  ruleId?: string;
}

export type RuleVerdict = CandidateVerdict | NotCandidateVerdict;

export interface RuleEvaluator {
  evaluate(seat: RuleSeat, now: Date): RuleVerdict;
}

type UserExclusion = Extract<ExclusionRule, { kind: 'user' }>;

function globSource(glob: string): string {
  let source = '';
  for (const ch of glob.trim()) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return source;
}

/** A case-insensitive, anchored RegExp for a glob (`*`, `?`; everything else literal). */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`, 'i');
}

/**
 * Patterns tested together: one alternation RegExp answers "does any match?" in native code; only on a hit
 * (rare) are the patterns tried one by one to find a live exclusion.
 */
class PatternGroup {
  private readonly entries: Array<{ source: string; re: RegExp; exclusion: UserExclusion }> = [];
  private combined: RegExp | null = null;

  add(pattern: string, exclusion: UserExclusion): void {
    const source = globSource(pattern);
    this.entries.push({ source, re: new RegExp(`^${source}$`, 'i'), exclusion });
    this.combined = null;
  }

  match(email: string, nowMs: number): UserExclusion | undefined {
    this.combined ??= new RegExp(`^(?:${this.entries.map((e) => e.source).join('|')})$`, 'i');
    if (!this.combined.test(email)) return undefined;
    return this.entries.find(({ re, exclusion }) => isLive(exclusion, nowMs) && re.test(email))?.exclusion;
  }
}

const isLive = (e: { expiresAt: Date | null }, nowMs: number) => e.expiresAt === null || e.expiresAt.getTime() > nowMs;

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function firstLive<T extends { expiresAt: Date | null }>(list: T[] | undefined, nowMs: number): T | undefined {
  return list?.find((e) => isLive(e, nowMs));
}

/** Several active rules for the same scope: the most conservative (longest threshold) wins, then the lowest id. */
function moreConservative(a: ReclamationRule | undefined, b: ReclamationRule): ReclamationRule {
  if (!a) return b;
  if (b.inactivityDays !== a.inactivityDays) return b.inactivityDays > a.inactivityDays ? b : a;
  return b.id < a.id ? b : a;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

export function compileRules(ctx: RuleContext): RuleEvaluator {
  const ruleByModel = new Map<string, ReclamationRule>();
  let allModelsRule: ReclamationRule | undefined;
  for (const rule of ctx.rules) {
    if (!rule.active) continue;
    if (rule.modelId === null) allModelsRule = moreConservative(allModelsRule, rule);
    else ruleByModel.set(rule.modelId, moreConservative(ruleByModel.get(rule.modelId), rule));
  }

  const byUserId = new Map<string, UserExclusion[]>();
  const byExactEmail = new Map<string, UserExclusion[]>();
  // `*@acme.com`-style patterns, the common case, become one map lookup on the seat's domain; other patterns
  // whose domain is literal are grouped by it, so a seat is only tried against its own domain's patterns.
  const byEmailDomain = new Map<string, UserExclusion[]>();
  const patternsByDomain = new Map<string, PatternGroup>();
  const otherPatterns = new PatternGroup();
  let hasOtherPatterns = false;
  const byLicenseType = new Map<string, Extract<ExclusionRule, { kind: 'identifier' }>[]>();
  for (const ex of ctx.exclusions) {
    if (ex.kind === 'identifier') {
      pushTo(byLicenseType, ex.licenseType, ex);
      continue;
    }
    if (ex.vendorUserId) pushTo(byUserId, ex.vendorUserId, ex);
    const pattern = ex.emailPattern?.trim().toLowerCase();
    if (!pattern) continue;
    const domain = pattern.slice(pattern.lastIndexOf('@') + 1);
    const literalDomain = pattern.includes('@') && domain !== '' && !/[*?]/.test(domain);
    if (!/[*?]/.test(pattern)) pushTo(byExactEmail, pattern, ex);
    else if (literalDomain && pattern === `*@${domain}`) pushTo(byEmailDomain, domain, ex);
    else if (literalDomain) {
      let group = patternsByDomain.get(domain);
      if (!group) patternsByDomain.set(domain, (group = new PatternGroup()));
      group.add(pattern, ex);
    } else {
      otherPatterns.add(pattern, ex);
      hasOtherPatterns = true;
    }
  }
  const hasEmailExclusions = byExactEmail.size + byEmailDomain.size + patternsByDomain.size > 0 || hasOtherPatterns;

  const freeModels = new Set(ctx.freeModelIds ?? []);
  const integrationUserId = ctx.integrationUserId ?? null;
  const activityTracked = ctx.activityTracked ?? true;
  const skip = ctx.skipSubscriptionIds;
  const windowStartMs = ctx.activityWindowStart?.getTime() ?? null;
  /** A seat never seen active: idle since it was first seen, or since the activity window opened if earlier. */
  const idleSince = (firstSeenAt: Date): Date =>
    windowStartMs !== null && windowStartMs < firstSeenAt.getTime() ? new Date(windowStartMs) : firstSeenAt;

  function matchUserExclusion(seat: RuleSeat, nowMs: number): UserExclusion | undefined {
    const byId = firstLive(byUserId.get(seat.vendorUserId), nowMs);
    if (byId) return byId;
    if (!seat.email || !hasEmailExclusions) return undefined;
    const email = seat.email.trim().toLowerCase();
    const exact = firstLive(byExactEmail.get(email), nowMs);
    if (exact) return exact;
    const at = email.lastIndexOf('@');
    if (at >= 0) {
      const domain = email.slice(at + 1);
      const byDomain = firstLive(byEmailDomain.get(domain), nowMs) ?? patternsByDomain.get(domain)?.match(email, nowMs);
      if (byDomain) return byDomain;
    }
    return hasOtherPatterns ? otherPatterns.match(email, nowMs) : undefined;
  }

  function evaluate(seat: RuleSeat, now: Date): RuleVerdict {
    const nowMs = now.getTime();
    const flags = seat.flags;
    if (flags.integrationUser || (integrationUserId !== null && seat.vendorUserId === integrationUserId)) {
      return no('integration_user', 'The integration signs in with this account');
    }
    if (flags.owner || flags.primaryOwner) return no('owner', 'Owners are never reclaimed');
    if (flags.bot) return no('bot', 'Bots and apps are never reclaimed');
    if (!seat.active) return no('inactive_account', 'The account is deactivated at the vendor: it holds no seat');
    if (seat.status !== HELD_STATUS) return no('not_held', `The subscription is ${seat.status}, not held`);
    if (flags.free || (seat.modelId !== null && freeModels.has(seat.modelId))) {
      return no('free_seat', 'The seat costs nothing');
    }
    const identifierExclusion = firstLive(byLicenseType.get(seat.licenseType), nowMs);
    if (identifierExclusion) {
      return { ...no('excluded_identifier', `License type ${seat.licenseType} is excluded`), exclusionId: identifierExclusion.id };
    }
    const userExclusion = matchUserExclusion(seat, nowMs);
    if (userExclusion) return { ...no('excluded_user', 'The user is excluded'), exclusionId: userExclusion.id };
    if (skip?.has(seat.subscriptionId)) return no('already_candidate', 'The seat already has an open candidate');

    const rule = (seat.modelId !== null ? ruleByModel.get(seat.modelId) : undefined) ?? allModelsRule;
    if (!rule) return no('no_rule', 'No active reclamation rule applies to this model');
    if (!activityTracked) {
      return { ...no('no_activity_data', 'Activity is not tracked for this profile'), ruleId: rule.id };
    }

    const since = seat.lastActivityAt ?? idleSince(seat.firstSeenAt);
    const inactiveDays = Math.max(0, Math.floor((nowMs - since.getTime()) / DAY_MS));
    if (inactiveDays <= rule.inactivityDays) {
      const when = seat.lastActivityAt ? `Active ${plural(inactiveDays, 'day')} ago` : `First seen ${plural(inactiveDays, 'day')} ago`;
      return {
        ...no('recently_active', `${when}; rule "${rule.name}" needs more than ${plural(rule.inactivityDays, 'day')}`),
        ruleId: rule.id,
      };
    }
    const reason = seat.lastActivityAt
      ? `No activity for ${plural(inactiveDays, 'day')} (last active ${isoDay(seat.lastActivityAt)}); rule "${rule.name}"`
      : since.getTime() < seat.firstSeenAt.getTime()
        ? `No activity since the analysis started ${isoDay(since)} (${plural(inactiveDays, 'day')}); rule "${rule.name}"`
        : `Never signed in (first seen ${isoDay(seat.firstSeenAt)}, ${plural(inactiveDays, 'day')} ago); rule "${rule.name}"`;
    return {
      candidate: true,
      ruleId: rule.id,
      rule,
      reason,
      inactiveDays,
      lastActivityAt: seat.lastActivityAt,
      neverActive: seat.lastActivityAt === null,
    };
  }

  return { evaluate };
}

function no(why: NotCandidateWhy, detail: string): NotCandidateVerdict {
  return { candidate: false, why, detail };
}

/** One seat, compiling the context each time: for single checks; use compileRules for many seats. */
export function evaluateSeat(seat: RuleSeat, ctx: RuleContext, now: Date): RuleVerdict {
  return compileRules(ctx).evaluate(seat, now);
}

export interface SelectedCandidate {
  seat: RuleSeat;
  verdict: CandidateVerdict;
  /** Its model is over the per-run cap: hold the candidate until an admin confirms the model's batch. */
  needsConfirmation: boolean;
}

export interface ModelShare {
  modelId: string | null;
  /** Seats of the model currently held (active account, held status), whatever the rules say of them. */
  heldSeats: number;
  /** New candidates this run. */
  candidates: number;
  /** Most new candidates allowed without confirmation: floor(maxShare × heldSeats). */
  limit: number;
  needsConfirmation: boolean;
}

export interface CandidateSelection {
  /** Every new candidate, in input order; the flag says which need confirmation. */
  candidates: SelectedCandidate[];
  /** One entry per model that has held seats or candidates. */
  models: ModelShare[];
  /** Some model is over the cap. */
  needsConfirmation: boolean;
  /** Non-candidates counted by why. */
  skipped: Partial<Record<NotCandidateWhy, number>>;
}

export interface SelectOptions {
  now: Date;
  /** 0..1: the share of a model's held seats one run may propose without confirmation (1 = no cap). */
  maxShare: number;
}

/**
 * Evaluates every seat and applies the per-run cap: when more than maxShare of a model's held seats would
 * become candidates, all of that model's candidates are returned with needsConfirmation (the service holds them
 * until an admin confirms); other models' candidates go ahead.
 */
export function selectCandidates(
  seats: Iterable<RuleSeat>,
  ctx: RuleContext,
  { now, maxShare }: SelectOptions,
): CandidateSelection {
  if (!(maxShare >= 0 && maxShare <= 1)) throw new RangeError(`maxShare must be between 0 and 1 (got ${maxShare})`);
  const evaluator = compileRules(ctx);
  const candidates: SelectedCandidate[] = [];
  const shares = new Map<string | null, ModelShare>();
  const skipped: Partial<Record<NotCandidateWhy, number>> = {};
  const shareOf = (modelId: string | null) => {
    let s = shares.get(modelId);
    if (!s) {
      s = { modelId, heldSeats: 0, candidates: 0, limit: 0, needsConfirmation: false };
      shares.set(modelId, s);
    }
    return s;
  };

  for (const seat of seats) {
    if (seat.active && seat.status === HELD_STATUS) shareOf(seat.modelId).heldSeats++;
    const verdict = evaluator.evaluate(seat, now);
    if (verdict.candidate) {
      shareOf(seat.modelId).candidates++;
      candidates.push({ seat, verdict, needsConfirmation: false });
    } else {
      skipped[verdict.why] = (skipped[verdict.why] ?? 0) + 1;
    }
  }

  let anyOver = false;
  for (const s of shares.values()) {
    // The epsilon keeps 0.29 × 100 from flooring to 28.
    s.limit = Math.floor(maxShare * s.heldSeats + 1e-9);
    s.needsConfirmation = s.candidates > s.limit;
    anyOver ||= s.needsConfirmation;
  }
  if (anyOver) {
    for (const c of candidates) c.needsConfirmation = shares.get(c.seat.modelId)?.needsConfirmation ?? false;
  }
  return { candidates, models: [...shares.values()], needsConfirmation: anyOver, skipped };
}
