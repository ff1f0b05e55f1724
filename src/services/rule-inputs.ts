// Stored rows as the rules engine (src/domain/rules.ts) sees them: one mapping for every service that evaluates.
import type { ExclusionRule as RuleExclusion, ReclamationRule as RuleReclamation, RuleSeat } from '../domain/rules.js';
import type { ExclusionRule, ReclamationRule, Subscription } from '../store/index.js';

export function toRuleSeat(s: Subscription): RuleSeat {
  return {
    subscriptionId: s.id,
    vendorUserId: s.vendorUserId,
    email: s.email,
    licenseType: s.licenseType,
    modelId: s.modelId,
    active: s.active,
    status: s.status,
    lastActivityAt: s.lastActivityAt,
    firstSeenAt: s.firstSeenAt,
    flags: s.flags,
  };
}

export function toRuleReclamation(r: ReclamationRule): RuleReclamation {
  return {
    id: r.id,
    name: r.name,
    modelId: r.modelId,
    inactivityDays: r.inactivityDays,
    notifyUser: r.notifyUser,
    graceDays: r.graceDays,
    autoApprove: r.autoApprove,
    active: r.active,
  };
}

/** Exclusion rules as the engine takes them; an identifier exclusion without a license type excludes nothing. */
export function toRuleExclusions(rows: readonly ExclusionRule[]): RuleExclusion[] {
  const out: RuleExclusion[] = [];
  for (const e of rows) {
    if (e.kind === 'identifier') {
      if (e.licenseType) out.push({ kind: 'identifier', id: e.id, licenseType: e.licenseType, expiresAt: e.expiresAt });
    } else {
      out.push({ kind: 'user', id: e.id, vendorUserId: e.vendorUserId, emailPattern: e.emailPattern, expiresAt: e.expiresAt });
    }
  }
  return out;
}
