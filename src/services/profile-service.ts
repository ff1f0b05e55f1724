// Integration profiles: create, edit, connect, validate, publish, unpublish — the seeds' profile lifecycle.
import { checkConnection } from '../connectors/registry.js';
import type { ConnectionInput } from '../connectors/types.js';
import { describeError, VendorError } from '../domain/errors.js';
import { transitionProfile, type ProfileEffect, type ProfileEvent, type ProfileSnapshot } from '../domain/profile-state.js';
import type { Connector, ValidationReport, Vendor } from '../domain/vendor.js';
import { VENDORS } from '../domain/vendor.js';
import { JOBS, PER_PROFILE_JOBS, profileRunData, SCHEDULES } from '../jobs/names.js';
import { createRepositories, ProfileNameTakenError, type IntegrationProfile } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';

/** The editable fields of a profile (the seeds' Integration Profile form and its subflow switches). */
export interface ProfileFields {
  displayName: string;
  downloadActivity: boolean;
  /** Start of the activity analysis; default 60 days back, as in the seeds. */
  analyzeFrom: Date | null;
  reclaim: boolean;
  downloadConsumption: boolean;
  defaultInactivityDays: number;
  maxReclaimShare: number;
  settings: Record<string, unknown>;
}

/** Connection input as a form gives it: a blank secret on an edit keeps the stored one. */
export type ConnectionForm = Omit<ConnectionInput, 'vendor'>;

const DEFAULT_ANALYZE_DAYS = 60;

/** Vendors with a separate activity subflow (Salesforce reads LastLoginDate during the subscription download). */
export function hasActivitySubflow(vendor: Vendor): boolean {
  return vendor !== 'salesforce';
}

/** Vendors with a consumption subflow. */
export function hasConsumptionSubflow(vendor: Vendor): boolean {
  return vendor === 'salesforce';
}

export type ProfileLookup = { profile: IntegrationProfile } | { profile: null; suggestions: IntegrationProfile[] };

export class ProfileService {
  constructor(private readonly ctx: ServiceContext) {}

  private get repos() {
    return this.ctx.repos;
  }

  async list(): Promise<IntegrationProfile[]> {
    return this.repos.profiles.list();
  }

  async get(id: string): Promise<IntegrationProfile> {
    const profile = await this.repos.profiles.get(id);
    if (!profile) throw notFound('The integration profile');
    return profile;
  }

  /** By id or by display name (any case); when nothing matches, the closest names. */
  async lookup(nameOrId: string): Promise<ProfileLookup> {
    const query = nameOrId.trim();
    const byId = await this.repos.profiles.get(query);
    if (byId) return { profile: byId };
    const byName = await this.repos.profiles.findByName(query);
    if (byName) return { profile: byName };
    const all = await this.repos.profiles.list();
    return { profile: null, suggestions: closestProfiles(query, all) };
  }

  /** Like lookup, but an unknown or ambiguous name is an error that lists the close ones. */
  async resolve(nameOrId: string): Promise<IntegrationProfile> {
    const found = await this.lookup(nameOrId);
    if (found.profile) return found.profile;
    const names = found.suggestions.map((p) => `"${p.displayName}"`);
    throw new ServiceError(
      'not_found',
      names.length > 0
        ? `No profile named "${nameOrId.trim()}". Did you mean ${names.join(', ')}?`
        : `No profile named "${nameOrId.trim()}".`,
    );
  }

  async create(actor: string, vendor: Vendor, fields: Partial<ProfileFields> & { displayName: string }, connection?: ConnectionForm): Promise<IntegrationProfile> {
    if (!(VENDORS as readonly string[]).includes(vendor)) throw new ServiceError('invalid', `Unknown vendor "${vendor}"`, [{ path: 'vendor', message: 'Choose a vendor' }]);
    const f = this.checkFields({ ...defaultFields(vendor, this.ctx.now()), ...fields }, vendor);
    const checkedConnection = connection ? this.checkConnectionForm(vendor, connection, null) : null;
    let profile: IntegrationProfile;
    try {
      profile = await this.ctx.database.db.transaction(async (tx) => {
        const repos = createRepositories(tx);
        const created = await repos.profiles.create({ vendor, ...f, createdBy: actor });
        if (checkedConnection) await repos.connections.upsert(created.id, this.sealConnection(checkedConnection));
        await repos.audit.append({
          actor,
          action: 'profile.created',
          targetType: 'profile',
          targetId: created.id,
          profileId: created.id,
          details: { vendor, displayName: created.displayName, connection: checkedConnection ? describeConnection(checkedConnection) : null },
        });
        return created;
      });
    } catch (err) {
      throw mapStoreError(err);
    }
    this.ctx.logger.info({ profileId: profile.id, vendor, actor }, 'integration profile created');
    return profile;
  }

  /**
   * Edits fields and, when given, the connection. A new connection returns the profile to draft; turning
   * Download activity off on a published profile returns it to draft and removes its jobs (as in the seeds).
   */
  async update(actor: string, id: string, patch: Partial<ProfileFields>, connection?: ConnectionForm): Promise<IntegrationProfile> {
    const current = await this.get(id);
    const merged = this.checkFields({ ...fieldsOf(current), ...patch }, current.vendor);
    const existing = connection ? await this.repos.connections.get(id) : null;
    const storedSecrets = existing ? this.openSecrets(existing.secretsEncrypted) : null;
    const checkedConnection = connection ? this.checkConnectionForm(current.vendor, connection, storedSecrets) : null;

    const events: ProfileEvent[] = [];
    if (checkedConnection && (!existing || connectionChanged(existing, checkedConnection, storedSecrets ?? {}))) events.push({ type: 'edit_connection' });
    if (current.downloadActivity && !merged.downloadActivity) events.push({ type: 'turn_off_download_activity' });
    if (!current.downloadActivity && merged.downloadActivity) events.push({ type: 'turn_on_download_activity' });
    const { next, effects } = applyEvents(snapshotOf(current), events);

    let updated: IntegrationProfile | null;
    try {
      updated = await this.ctx.database.db.transaction(async (tx) => {
        const repos = createRepositories(tx);
        const row = await repos.profiles.update(id, current.version, {
          ...merged,
          status: next.status,
          validatedAt: next.validated ? current.validatedAt : null,
          publishedAt: next.status === 'published' ? current.publishedAt : null,
        });
        if (!row) return null;
        if (checkedConnection) await repos.connections.upsert(id, this.sealConnection(checkedConnection));
        await repos.audit.append({
          actor,
          action: 'profile.updated',
          targetType: 'profile',
          targetId: id,
          profileId: id,
          details: {
            changed: changedFields(fieldsOf(current), merged),
            connection: checkedConnection ? describeConnection(checkedConnection) : undefined,
            status: next.status !== current.status ? { from: current.status, to: next.status } : undefined,
            events: events.map((e) => e.type),
          },
        });
        return row;
      });
    } catch (err) {
      throw mapStoreError(err);
    }
    if (!updated) throw new ServiceError('conflict', 'Someone else changed this profile meanwhile. Open it again and repeat your edit.');
    await this.runEffects(updated, effects);
    return updated;
  }

  /** Checks the connection through the vendor's read APIs (never reclaim), as the seeds' Validate Connection. */
  async validate(actor: string, id: string): Promise<{ profile: IntegrationProfile; report: ValidationReport }> {
    const profile = await this.get(id);
    let report: ValidationReport;
    try {
      const connector = await this.connectorFor(profile);
      report = await connector.validate();
    } catch (err) {
      report = { ok: false, checks: [{ name: 'Connect', ok: false, detail: describeError(err) }] };
    }
    const { next } = applyEvents(snapshotOf(profile), [{ type: report.ok ? 'validate_ok' : 'validate_failed' }]);
    const row = await this.repos.profiles.update(id, profile.version, {
      validationReport: report,
      validatedAt: next.validated ? (report.ok ? this.ctx.now() : profile.validatedAt) : null,
      integrationUserId: report.integrationUserId ?? profile.integrationUserId,
    });
    await this.repos.audit.append({
      actor,
      action: report.ok ? 'profile.validated' : 'profile.validation_failed',
      targetType: 'profile',
      targetId: id,
      profileId: id,
      details: { checks: report.checks, account: report.account },
    });
    return { profile: row ?? (await this.get(id)), report };
  }

  /** Publishes a validated profile: schedules its daily jobs and a first download now. */
  async publish(actor: string, id: string): Promise<IntegrationProfile> {
    return this.changeStatus(actor, id, { type: 'publish' }, 'profile.published');
  }

  async unpublish(actor: string, id: string): Promise<IntegrationProfile> {
    return this.changeStatus(actor, id, { type: 'unpublish' }, 'profile.unpublished');
  }

  async delete(actor: string, id: string): Promise<void> {
    const profile = await this.get(id);
    await this.runEffects(profile, ['cancel_all_jobs']);
    await this.repos.profiles.delete(id);
    await this.repos.audit.append({ actor, action: 'profile.deleted', targetType: 'profile', targetId: id, details: { displayName: profile.displayName } });
  }

  /** The vendor connector for a profile, with its secrets decrypted; refreshed tokens are stored encrypted. */
  async connectorFor(profileOrId: IntegrationProfile | string): Promise<Connector> {
    const profile = typeof profileOrId === 'string' ? await this.get(profileOrId) : profileOrId;
    const stored = await this.repos.connections.get(profile.id);
    if (!stored) throw new VendorError('config', `"${profile.displayName}" has no connection yet: edit the profile and add one`);
    const secrets = this.openSecrets(stored.secretsEncrypted);
    const connection: ConnectionInput = {
      vendor: profile.vendor,
      baseUrl: stored.baseUrl,
      authKind: stored.authKind,
      params: stringParams(stored.params),
      secrets,
    };
    return this.ctx.connectors({
      connection,
      settings: { ...profile.settings, downloadActivity: profile.downloadActivity, reclaim: profile.reclaim },
      http: this.ctx.connectorHttp,
      logger: this.ctx.logger.child({ profileId: profile.id, vendor: profile.vendor }),
      onTokens: async (fresh) => {
        const merged = { ...this.openSecrets((await this.repos.connections.get(profile.id))?.secretsEncrypted ?? null), ...fresh };
        await this.repos.connections.updateSecrets(profile.id, { secretsEncrypted: this.ctx.secrets.seal(merged), keyId: this.ctx.secrets.keyId });
      },
    });
  }

  /** The stored connection without its secret values: which secrets are set, for an edit form. */
  async connectionSummary(id: string): Promise<{ baseUrl: string; authKind: string; params: Record<string, string>; secretsSet: string[] } | null> {
    const stored = await this.repos.connections.get(id);
    if (!stored) return null;
    return {
      baseUrl: stored.baseUrl,
      authKind: stored.authKind,
      params: stringParams(stored.params),
      secretsSet: Object.keys(this.openSecrets(stored.secretsEncrypted)).sort(),
    };
  }

  /**
   * Authorization-code connections before the browser step: keeps the OAuth client (base URL, client id and
   * secret) so the OAuth callback can exchange the code. Until storeOAuthTokens completes it, validate reports
   * the connection as incomplete. Secrets left blank keep the stored ones.
   */
  async saveOAuthClient(actor: string, id: string, form: ConnectionForm): Promise<void> {
    const profile = await this.get(id);
    const stored = await this.repos.connections.get(id);
    const secrets = { ...this.openSecrets(stored?.secretsEncrypted ?? null) };
    for (const [k, v] of Object.entries(form.secrets ?? {})) if (typeof v === 'string' && v.trim() !== '') secrets[k] = v.trim();
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(form.params ?? {})) if (typeof v === 'string' && v.trim() !== '') params[k] = v.trim();
    const baseUrl = form.baseUrl?.trim() ?? '';
    const errors = [];
    if (profile.vendor !== 'custom' && !/^https?:\/\/\S+$/i.test(baseUrl)) errors.push({ path: 'baseUrl', message: 'Enter the address of the account (https://…)' });
    if (profile.vendor !== 'custom' && !params.clientId) errors.push({ path: 'params.clientId', message: 'The OAuth client id is required' });
    if (profile.vendor !== 'custom' && !secrets.clientSecret) errors.push({ path: 'secrets.clientSecret', message: 'The OAuth client secret is required' });
    if (errors.length > 0) throw new ServiceError('invalid', errors.map((e) => e.message).join('; '), errors);
    const connection: ConnectionInput = { vendor: profile.vendor, baseUrl, authKind: form.authKind, params, secrets };
    await this.repos.connections.upsert(id, this.sealConnection(connection));
    await this.repos.audit.append({ actor, action: 'profile.oauth_client_saved', targetType: 'profile', targetId: id, profileId: id, details: { connection: describeConnection(connection) } });
  }

  /** The stored connection with its secrets, for the OAuth authorize redirect and code exchange only. */
  async oauthClient(id: string): Promise<ConnectionInput | null> {
    const profile = await this.get(id);
    const stored = await this.repos.connections.get(id);
    if (!stored) return null;
    return { vendor: profile.vendor, baseUrl: stored.baseUrl, authKind: stored.authKind, params: stringParams(stored.params), secrets: this.openSecrets(stored.secretsEncrypted) };
  }

  /**
   * Stores the tokens of an authorization-code exchange (encrypted, merged into the saved connection and checked
   * like any connection). The profile then needs a new validation.
   */
  async storeOAuthTokens(actor: string, id: string, tokens: Record<string, string>): Promise<IntegrationProfile> {
    const stored = await this.oauthClient(id);
    if (!stored) throw new ServiceError('invalid', 'Save the OAuth client of this profile before connecting');
    return this.update(actor, id, {}, { baseUrl: stored.baseUrl, authKind: stored.authKind, params: stored.params, secrets: tokens });
  }

  private async changeStatus(actor: string, id: string, event: ProfileEvent, action: string): Promise<IntegrationProfile> {
    const profile = await this.get(id);
    const t = transitionProfile(snapshotOf(profile), event);
    if (!t.ok) throw new ServiceError('refused', t.reason);
    const row = await this.repos.profiles.update(id, profile.version, {
      status: t.next.status,
      publishedAt: t.next.status === 'published' ? this.ctx.now() : null,
    });
    if (!row) throw new ServiceError('conflict', 'Someone else changed this profile meanwhile. Try again.');
    await this.runEffects(row, t.effects);
    await this.repos.audit.append({ actor, action, targetType: 'profile', targetId: id, profileId: id, details: { displayName: row.displayName } });
    this.ctx.logger.info({ profileId: id, actor, status: row.status }, action);
    return row;
  }

  /** Jobs follow the profile: published profiles have their subflows scheduled, drafts have none. */
  private async runEffects(profile: IntegrationProfile, effects: ProfileEffect[]): Promise<void> {
    const { scheduler } = this.ctx;
    for (const effect of effects) {
      if (effect === 'cancel_all_jobs') {
        for (const name of PER_PROFILE_JOBS) await scheduler.cancelPerProfile(name, profile.id);
      }
      if (effect === 'schedule_jobs') {
        await scheduler.schedulePerProfile(JOBS.subscriptions, profile.id, SCHEDULES.subscriptions, {}, { skipImmediate: true });
        if (profile.downloadActivity && hasActivitySubflow(profile.vendor)) {
          await scheduler.schedulePerProfile(JOBS.activity, profile.id, SCHEDULES.activity, {}, { skipImmediate: true });
        }
        if (profile.downloadConsumption && hasConsumptionSubflow(profile.vendor)) {
          await scheduler.schedulePerProfile(JOBS.consumption, profile.id, SCHEDULES.consumption, {}, { skipImmediate: true });
        }
        // The first download runs now rather than tomorrow (its activity and evaluation follow from it).
        await scheduler.now(JOBS.subscriptions, profileRunData(profile.id, { first: true }));
      }
      if (effect === 'schedule_activity_job' && hasActivitySubflow(profile.vendor)) {
        await scheduler.schedulePerProfile(JOBS.activity, profile.id, SCHEDULES.activity, {}, { skipImmediate: true });
      }
    }
    // Consumption can be switched independently of the state machine's events.
    if (profile.status === 'published' && hasConsumptionSubflow(profile.vendor)) {
      if (profile.downloadConsumption) await scheduler.schedulePerProfile(JOBS.consumption, profile.id, SCHEDULES.consumption, {}, { skipImmediate: true });
      else await scheduler.cancelPerProfile(JOBS.consumption, profile.id);
    }
  }

  private checkFields(f: ProfileFields, vendor: Vendor): ProfileFields {
    const errors = [];
    const name = f.displayName?.trim() ?? '';
    if (name === '') errors.push({ path: 'displayName', message: 'Enter a display name' });
    else if (name.length > 80) errors.push({ path: 'displayName', message: 'Keep the display name under 80 characters' });
    if (!Number.isInteger(f.defaultInactivityDays) || f.defaultInactivityDays < 1 || f.defaultInactivityDays > 3650) {
      errors.push({ path: 'defaultInactivityDays', message: 'Enter a whole number of days between 1 and 3650' });
    }
    if (!(f.maxReclaimShare >= 0 && f.maxReclaimShare <= 1)) errors.push({ path: 'maxReclaimShare', message: 'Enter a share between 0 and 1' });
    if (f.analyzeFrom && f.analyzeFrom.getTime() > this.ctx.now().getTime()) errors.push({ path: 'analyzeFrom', message: 'The analysis start cannot be in the future' });
    if (f.downloadConsumption && !hasConsumptionSubflow(vendor)) errors.push({ path: 'downloadConsumption', message: 'Only Salesforce reports consumption' });
    if (errors.length > 0) throw new ServiceError('invalid', errors.map((e) => e.message).join('; '), errors);
    return { ...f, displayName: name };
  }

  private checkConnectionForm(vendor: Vendor, form: ConnectionForm, storedSecrets: Record<string, string> | null): ConnectionInput {
    const secrets: Record<string, string> = {};
    for (const [k, v] of Object.entries(form.secrets ?? {})) if (typeof v === 'string' && v.trim() !== '') secrets[k] = v.trim();
    // A blank secret on an edit keeps the stored one: secrets are never shown back, so the form cannot hold them.
    const merged = storedSecrets ? { ...storedSecrets, ...secrets } : secrets;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(form.params ?? {})) if (typeof v === 'string' && v.trim() !== '') params[k] = v.trim();
    const checked = checkConnection({ vendor, baseUrl: form.baseUrl?.trim() ?? '', authKind: form.authKind, params, secrets: merged });
    if (!checked.ok) {
      throw new ServiceError('invalid', `The connection is incomplete: ${checked.errors.map((e) => e.message).join('; ')}`, checked.errors);
    }
    return checked.connection;
  }

  private sealConnection(c: ConnectionInput) {
    return {
      baseUrl: c.baseUrl,
      authKind: c.authKind,
      params: c.params,
      secretsEncrypted: this.ctx.secrets.seal(c.secrets),
      keyId: this.ctx.secrets.keyId,
    };
  }

  private openSecrets(sealed: string | null): Record<string, string> {
    if (!sealed) return {};
    return this.ctx.secrets.openJson<Record<string, string>>(sealed);
  }
}

function defaultFields(vendor: Vendor, now: Date): ProfileFields {
  return {
    displayName: '',
    downloadActivity: hasActivitySubflow(vendor),
    analyzeFrom: hasActivitySubflow(vendor) ? new Date(now.getTime() - DEFAULT_ANALYZE_DAYS * 86_400_000) : null,
    reclaim: true,
    downloadConsumption: hasConsumptionSubflow(vendor),
    defaultInactivityDays: 60,
    maxReclaimShare: 0.2,
    settings: {},
  };
}

function fieldsOf(p: IntegrationProfile): ProfileFields {
  return {
    displayName: p.displayName,
    downloadActivity: p.downloadActivity,
    analyzeFrom: p.analyzeFrom,
    reclaim: p.reclaim,
    downloadConsumption: p.downloadConsumption,
    defaultInactivityDays: p.defaultInactivityDays,
    maxReclaimShare: p.maxReclaimShare,
    settings: p.settings,
  };
}

function snapshotOf(p: IntegrationProfile): ProfileSnapshot {
  return { status: p.status, validated: p.validatedAt !== null, downloadActivity: p.downloadActivity };
}

function applyEvents(start: ProfileSnapshot, events: ProfileEvent[]): { next: ProfileSnapshot; effects: ProfileEffect[] } {
  let next = start;
  const effects: ProfileEffect[] = [];
  for (const event of events) {
    const t = transitionProfile(next, event);
    if (!t.ok) continue; // e.g. "already off": nothing to do
    next = t.next;
    effects.push(...t.effects);
  }
  return { next, effects: [...new Set(effects)] };
}

function changedFields(before: ProfileFields, after: ProfileFields): string[] {
  return (Object.keys(after) as Array<keyof ProfileFields>).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function connectionChanged(stored: { baseUrl: string; authKind: string; params: Record<string, unknown> }, next: ConnectionInput, storedSecrets: Record<string, string>): boolean {
  return (
    stored.baseUrl !== next.baseUrl ||
    stored.authKind !== next.authKind ||
    JSON.stringify(stringParams(stored.params)) !== JSON.stringify(next.params) ||
    JSON.stringify(sortKeys(storedSecrets)) !== JSON.stringify(sortKeys(next.secrets))
  );
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

function stringParams(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** What the audit log keeps of a connection: never secret values, only which ones are set. */
function describeConnection(c: ConnectionInput) {
  return { baseUrl: c.baseUrl, authKind: c.authKind, params: Object.keys(c.params).sort(), secretsSet: Object.keys(c.secrets).sort() };
}

function mapStoreError(err: unknown): unknown {
  if (err instanceof ProfileNameTakenError) return new ServiceError('conflict', err.message, [{ path: 'displayName', message: 'That name is taken' }]);
  return err;
}

/** Names close to the query: substring matches first, then small edit distance. */
export function closestProfiles(query: string, all: IntegrationProfile[], max = 5): IntegrationProfile[] {
  const q = query.toLowerCase();
  const scored = all.map((p) => {
    const name = p.displayName.toLowerCase();
    const score = name.includes(q) || q.includes(name) ? 0 : editDistance(q, name);
    return { p, score };
  });
  const limit = Math.max(2, Math.floor(q.length / 3));
  return scored
    .filter((s) => s.score <= limit)
    .sort((a, b) => a.score - b.score || a.p.displayName.localeCompare(b.p.displayName))
    .slice(0, max)
    .map((s) => s.p);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
