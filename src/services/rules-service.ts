// Reclamation rules (when a seat is stale) and exclusion rules (whom and what never to reclaim), as the seeds'
// "software reclamation rules", "subscription user exclusions" and "subscription identifier exclusions".
// Every change is validated field by field (for inline modal errors) and written to the audit log with its actor.
import type { FieldError } from '../connectors/registry.js';
import {
  createRepositories,
  type ExclusionRule,
  type IntegrationProfile,
  type ReclamationRule,
  type Repositories,
  type SoftwareModel,
} from '../store/index.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';

const MAX_DAYS = 3650;
const MAX_GRACE_DAYS = 90;
const MAX_NAME = 80;
const MAX_REASON = 300;

/** What a rule form gives. `modelId` null: every model of the profile that has no rule of its own. */
export interface ReclamationRuleFields {
  modelId: string | null;
  /** Default: "<model name> unused <days> days" (or "All models ..."). */
  name?: string;
  inactivityDays: number;
  /** DM the seat holder first (keep / release) and wait `graceDays`. */
  notifyUser?: boolean;
  graceDays?: number;
  /** The holder did not answer within the grace period: approve without an approver. Needs notifyUser. */
  autoApprove?: boolean;
  active?: boolean;
}

export type ReclamationRuleChanges = Partial<Omit<ReclamationRuleFields, 'modelId'>> & { modelId?: string | null };

/** A subscription user exclusion: a user id, an email or email glob (`*@contractors.acme.com`), or both. */
export interface UserExclusionFields {
  /** null: applies to every profile. */
  profileId: string | null;
  vendorUserId?: string | null;
  emailPattern?: string | null;
  reason: string;
  expiresAt?: Date | null;
}

/** A subscription identifier exclusion: a license type kept out of cost and reclamation for one profile. */
export interface IdentifierExclusionFields {
  profileId: string;
  licenseType: string;
  reason: string;
  expiresAt?: Date | null;
}

export type ExclusionChanges = Partial<{
  vendorUserId: string | null;
  emailPattern: string | null;
  licenseType: string;
  reason: string;
  expiresAt: Date | null;
}>;

/** The rule generated for a model the first time a download sees it. */
export function defaultRuleFor(profile: Pick<IntegrationProfile, 'id' | 'defaultInactivityDays'>, model: Pick<SoftwareModel, 'id' | 'name'>) {
  return {
    profileId: profile.id,
    modelId: model.id,
    name: ruleName(model.name, profile.defaultInactivityDays),
    inactivityDays: profile.defaultInactivityDays,
    notifyUser: false,
    graceDays: 7,
    autoApprove: false,
    active: true,
    createdBy: 'system:first-sync',
  };
}

function ruleName(modelName: string, days: number): string {
  return `${modelName} unused ${days} days`.slice(0, MAX_NAME);
}

/** Email globs: letters, digits, the usual address punctuation and the wildcards `*` and `?`. */
const EMAIL_PATTERN = /^[A-Za-z0-9._%+\-*?']+@[A-Za-z0-9.\-*?]+$/;
/** `*@*` and the like would exclude every user. */
const MATCHES_EVERYONE = /^[*?]+@[*?.]+$/;

export class RulesService {
  constructor(private readonly ctx: ServiceContext) {}

  private get repos() {
    return this.ctx.repos;
  }

  async listReclamationRules(profileId: string): Promise<ReclamationRule[]> {
    await this.profile(profileId);
    return this.repos.reclamationRules.listByProfile(profileId);
  }

  async getReclamationRule(id: string): Promise<ReclamationRule> {
    const rule = await this.repos.reclamationRules.get(id);
    if (!rule) throw notFound('The reclamation rule');
    return rule;
  }

  async createReclamationRule(actor: string, profileId: string, fields: ReclamationRuleFields): Promise<ReclamationRule> {
    const profile = await this.profile(profileId);
    const checked = await this.checkRule(profile, fields);
    return this.inTransaction(async (repos) => {
      const rule = await repos.reclamationRules.create({ ...checked, profileId, createdBy: actor });
      await repos.audit.append({
        actor,
        action: 'reclamation_rule.created',
        targetType: 'reclamation_rule',
        targetId: rule.id,
        profileId,
        details: ruleDetails(rule),
      });
      return rule;
    });
  }

  async updateReclamationRule(actor: string, id: string, changes: ReclamationRuleChanges): Promise<ReclamationRule> {
    const current = await this.getReclamationRule(id);
    const profile = await this.profile(current.profileId);
    const merged: ReclamationRuleFields = {
      modelId: current.modelId,
      name: current.name,
      inactivityDays: current.inactivityDays,
      notifyUser: current.notifyUser,
      graceDays: current.graceDays,
      autoApprove: current.autoApprove,
      active: current.active,
      ...stripUndefined(changes),
    };
    const checked = await this.checkRule(profile, merged);
    return this.inTransaction(async (repos) => {
      const rule = await repos.reclamationRules.update(id, checked);
      if (!rule) throw notFound('The reclamation rule');
      await repos.audit.append({
        actor,
        action: 'reclamation_rule.updated',
        targetType: 'reclamation_rule',
        targetId: id,
        profileId: rule.profileId,
        details: { before: ruleDetails(current), after: ruleDetails(rule) },
      });
      return rule;
    });
  }

  async deleteReclamationRule(actor: string, id: string): Promise<void> {
    const current = await this.getReclamationRule(id);
    await this.inTransaction(async (repos) => {
      if (!(await repos.reclamationRules.delete(id))) throw notFound('The reclamation rule');
      await repos.audit.append({
        actor,
        action: 'reclamation_rule.deleted',
        targetType: 'reclamation_rule',
        targetId: id,
        profileId: current.profileId,
        details: ruleDetails(current),
      });
    });
  }

  /** A profile's own exclusions and the global ones; `null` lists only the global ones. */
  async listExclusions(profileId: string | null): Promise<ExclusionRule[]> {
    if (profileId !== null) await this.profile(profileId);
    return this.repos.exclusionRules.list({ profileId });
  }

  async getExclusion(id: string): Promise<ExclusionRule> {
    const rule = await this.repos.exclusionRules.get(id);
    if (!rule) throw notFound('The exclusion rule');
    return rule;
  }

  async createUserExclusion(actor: string, fields: UserExclusionFields): Promise<ExclusionRule> {
    if (fields.profileId !== null) await this.profile(fields.profileId);
    const checked = this.checkUserExclusion(fields);
    return this.createExclusion(actor, { ...checked, profileId: fields.profileId, kind: 'user', licenseType: null, createdBy: actor });
  }

  async createIdentifierExclusion(actor: string, fields: IdentifierExclusionFields): Promise<ExclusionRule> {
    await this.profile(fields.profileId);
    const checked = this.checkIdentifierExclusion(fields);
    return this.createExclusion(actor, {
      ...checked,
      profileId: fields.profileId,
      kind: 'identifier',
      vendorUserId: null,
      emailPattern: null,
      createdBy: actor,
    });
  }

  async updateExclusion(actor: string, id: string, changes: ExclusionChanges): Promise<ExclusionRule> {
    const current = await this.getExclusion(id);
    const patch = stripUndefined(changes);
    const checked =
      current.kind === 'user'
        ? this.checkUserExclusion({
            profileId: current.profileId,
            vendorUserId: current.vendorUserId,
            emailPattern: current.emailPattern,
            reason: current.reason,
            expiresAt: current.expiresAt,
            ...patch,
          })
        : this.checkIdentifierExclusion({
            profileId: current.profileId ?? '',
            licenseType: current.licenseType ?? '',
            reason: current.reason,
            expiresAt: current.expiresAt,
            ...patch,
          });
    return this.inTransaction(async (repos) => {
      const rule = await repos.exclusionRules.update(id, checked);
      if (!rule) throw notFound('The exclusion rule');
      await repos.audit.append({
        actor,
        action: 'exclusion_rule.updated',
        targetType: 'exclusion_rule',
        targetId: id,
        profileId: rule.profileId,
        details: { before: exclusionDetails(current), after: exclusionDetails(rule) },
      });
      return rule;
    });
  }

  async deleteExclusion(actor: string, id: string): Promise<void> {
    const current = await this.getExclusion(id);
    await this.inTransaction(async (repos) => {
      if (!(await repos.exclusionRules.delete(id))) throw notFound('The exclusion rule');
      await repos.audit.append({
        actor,
        action: 'exclusion_rule.deleted',
        targetType: 'exclusion_rule',
        targetId: id,
        profileId: current.profileId,
        details: exclusionDetails(current),
      });
    });
  }

  private async createExclusion(actor: string, input: Parameters<Repositories['exclusionRules']['create']>[0]): Promise<ExclusionRule> {
    return this.inTransaction(async (repos) => {
      const rule = await repos.exclusionRules.create(input);
      await repos.audit.append({
        actor,
        action: 'exclusion_rule.created',
        targetType: 'exclusion_rule',
        targetId: rule.id,
        profileId: rule.profileId,
        details: exclusionDetails(rule),
      });
      return rule;
    });
  }

  private async profile(id: string): Promise<IntegrationProfile> {
    const profile = await this.repos.profiles.get(id);
    if (!profile) throw notFound('The integration profile');
    return profile;
  }

  private async checkRule(profile: IntegrationProfile, f: ReclamationRuleFields) {
    const errors: FieldError[] = [];
    let model: SoftwareModel | null = null;
    if (f.modelId !== null) {
      model = await this.repos.models.get(f.modelId);
      if (!model || model.profileId !== profile.id) errors.push({ path: 'modelId', message: `Choose a software model of "${profile.displayName}"` });
      else if (model.isFree) errors.push({ path: 'modelId', message: `${model.name} seats cost nothing: there is nothing to reclaim` });
    }
    if (!Number.isInteger(f.inactivityDays) || f.inactivityDays < 1 || f.inactivityDays > MAX_DAYS) {
      errors.push({ path: 'inactivityDays', message: `Enter a whole number of days between 1 and ${MAX_DAYS}` });
    }
    const notifyUser = f.notifyUser ?? false;
    const graceDays = f.graceDays ?? 7;
    if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_GRACE_DAYS) {
      errors.push({ path: 'graceDays', message: `Enter a whole number of days between 0 and ${MAX_GRACE_DAYS}` });
    }
    const autoApprove = f.autoApprove ?? false;
    if (autoApprove && !notifyUser) {
      errors.push({ path: 'autoApprove', message: 'Auto-approve starts when the grace period ends: turn on "Notify the user" too' });
    }
    const name = f.name?.trim() || ruleName(model?.name ?? 'All models', Number.isInteger(f.inactivityDays) ? f.inactivityDays : 0);
    if (name.length > MAX_NAME) errors.push({ path: 'name', message: `Keep the name under ${MAX_NAME} characters` });
    if (errors.length > 0) throw invalid(errors);
    return { modelId: f.modelId, name, inactivityDays: f.inactivityDays, notifyUser, graceDays, autoApprove, active: f.active ?? true };
  }

  private checkUserExclusion(f: UserExclusionFields) {
    const errors: FieldError[] = [];
    const vendorUserId = f.vendorUserId?.trim() || null;
    const emailPattern = f.emailPattern?.trim().toLowerCase() || null;
    if (!vendorUserId && !emailPattern) {
      errors.push({ path: 'vendorUserId', message: 'Enter the user id, an email pattern, or both' });
      errors.push({ path: 'emailPattern', message: 'Enter an email or a pattern such as *@contractors.acme.com' });
    }
    if (vendorUserId && vendorUserId.length > 100) errors.push({ path: 'vendorUserId', message: 'A user id is at most 100 characters' });
    if (emailPattern && (!EMAIL_PATTERN.test(emailPattern) || emailPattern.length > 254)) {
      errors.push({ path: 'emailPattern', message: 'Use an email, or a pattern with * and ? such as *@contractors.acme.com' });
    } else if (emailPattern && MATCHES_EVERYONE.test(emailPattern)) {
      errors.push({ path: 'emailPattern', message: 'That pattern matches everyone: name a domain or an address' });
    }
    const common = this.checkReasonAndExpiry(f.reason, f.expiresAt ?? null, errors);
    if (errors.length > 0) throw invalid(errors);
    return { vendorUserId, emailPattern, ...common };
  }

  private checkIdentifierExclusion(f: IdentifierExclusionFields) {
    const errors: FieldError[] = [];
    const licenseType = f.licenseType.trim();
    if (licenseType === '') errors.push({ path: 'licenseType', message: 'Choose the license type to keep out of reclamation' });
    const common = this.checkReasonAndExpiry(f.reason, f.expiresAt ?? null, errors);
    if (errors.length > 0) throw invalid(errors);
    return { licenseType, ...common };
  }

  private checkReasonAndExpiry(reasonInput: string, expiresAt: Date | null, errors: FieldError[]) {
    const reason = reasonInput.trim();
    if (reason === '') errors.push({ path: 'reason', message: 'Say why (it is shown to approvers and kept in the audit log)' });
    else if (reason.length > MAX_REASON) errors.push({ path: 'reason', message: `Keep the reason under ${MAX_REASON} characters` });
    if (expiresAt !== null && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= this.ctx.now().getTime())) {
      errors.push({ path: 'expiresAt', message: 'The expiry must be in the future (leave it empty for never)' });
    }
    return { reason, expiresAt };
  }

  private inTransaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.ctx.database.db.transaction((tx) => work(createRepositories(tx)));
  }
}

function invalid(errors: FieldError[]): ServiceError {
  return new ServiceError('invalid', errors.map((e) => e.message).join('; '), errors);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function ruleDetails(r: ReclamationRule) {
  return {
    name: r.name,
    modelId: r.modelId,
    inactivityDays: r.inactivityDays,
    notifyUser: r.notifyUser,
    graceDays: r.graceDays,
    autoApprove: r.autoApprove,
    active: r.active,
  };
}

function exclusionDetails(r: ExclusionRule) {
  return {
    kind: r.kind,
    vendorUserId: r.vendorUserId,
    emailPattern: r.emailPattern,
    licenseType: r.licenseType,
    reason: r.reason,
    expiresAt: r.expiresAt?.toISOString() ?? null,
  };
}
