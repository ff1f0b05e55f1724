// The database tables (Drizzle pg-core). SQL kept to what PostgreSQL 15 and PGlite (PG 18) both run.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { SeatFlags, ValidationReport } from '../domain/vendor.js';
import { VENDORS } from '../domain/vendor.js';
import { CANDIDATE_STATES, OPEN_STATES } from '../domain/candidate-state.js';
import { PROFILE_STATUSES } from '../domain/profile-state.js';

// The state lists are the domain's: the CHECK constraints and the one-open-candidate index follow them.
export { PROFILE_STATUSES, type ProfileStatus } from '../domain/profile-state.js';
export { CANDIDATE_STATES, type CandidateState } from '../domain/candidate-state.js';

export const SUBSCRIPTION_STATUSES = ['active', 'removed', 'reclaimed'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** States in which a candidate still holds its seat's one open slot (see the partial unique index). */
export const OPEN_CANDIDATE_STATES = OPEN_STATES;

export const EXCLUSION_KINDS = ['user', 'identifier'] as const;
export type ExclusionKind = (typeof EXCLUSION_KINDS)[number];

export const CONSUMPTION_KINDS = ['user', 'permission_set', 'package'] as const;
export const ENTITLEMENT_PERIODS = ['monthly', 'annual'] as const;
export const JOB_RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => timestamptz('created_at').notNull().defaultNow();
const updatedAt = () =>
  timestamptz('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const integrationProfiles = pgTable(
  'integration_profiles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    vendor: text('vendor', { enum: VENDORS }).notNull(),
    displayName: text('display_name').notNull(),
    /** lower(trim(display_name)): names are unique whatever their case. */
    displayNameKey: text('display_name_key').notNull(),
    status: text('status', { enum: PROFILE_STATUSES }).notNull().default('draft'),
    validatedAt: timestamptz('validated_at'),
    validationReport: jsonb('validation_report').$type<ValidationReport>(),
    publishedAt: timestamptz('published_at'),
    downloadActivity: boolean('download_activity').notNull().default(true),
    analyzeFrom: timestamptz('analyze_from'),
    reclaim: boolean('reclaim').notNull().default(true),
    downloadConsumption: boolean('download_consumption').notNull().default(false),
    defaultInactivityDays: integer('default_inactivity_days').notNull().default(60),
    /** Share of a model's seats that may become candidates in one run without confirmation. */
    maxReclaimShare: real('max_reclaim_share').notNull().default(0.2),
    /** Vendor options, e.g. Zendesk `reclaimTo`. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    integrationUserId: text('integration_user_id'),
    lastSyncAt: timestamptz('last_sync_at'),
    lastSyncStatus: text('last_sync_status'),
    createdBy: text('created_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('integration_profiles_display_name_key_unique').on(t.displayNameKey),
    check('integration_profiles_vendor_check', sql`${sql.identifier('vendor')} IN (${quoted(VENDORS)})`),
    check('integration_profiles_status_check', sql`${sql.identifier('status')} IN (${quoted(PROFILE_STATUSES)})`),
    check('integration_profiles_max_reclaim_share_check', sql`max_reclaim_share >= 0 AND max_reclaim_share <= 1`),
  ],
);

export const connections = pgTable('connections', {
  id: uuid('id').primaryKey().defaultRandom(),
  profileId: uuid('profile_id')
    .notNull()
    .unique('connections_profile_id_unique')
    .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
  baseUrl: text('base_url').notNull(),
  authKind: text('auth_kind').notNull(),
  /** Non-secret parameters (client id, instance, api version...). */
  params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
  /** Opaque ciphertext from the crypto module; the store never sees plaintext secrets. */
  secretsEncrypted: text('secrets_encrypted'),
  keyId: text('key_id'),
  tokenExpiresAt: timestamptz('token_expires_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const softwareModels = pgTable(
  'software_models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    licenseType: text('license_type').notNull(),
    name: text('name').notNull(),
    isFree: boolean('is_free').notNull().default(false),
    unitCost: numeric('unit_cost', { precision: 12, scale: 2, mode: 'number' }),
    currency: text('currency'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('software_models_profile_license_unique').on(t.profileId, t.licenseType)],
);

export const unrecognizedIdentifiers = pgTable(
  'unrecognized_identifiers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    identifier: text('identifier').notNull(),
    seatCount: integer('seat_count').notNull().default(0),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  },
  (t) => [unique('unrecognized_identifiers_profile_identifier_unique').on(t.profileId, t.identifier)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    modelId: uuid('model_id').references(() => softwareModels.id, { onDelete: 'set null' }),
    vendorUserId: text('vendor_user_id').notNull(),
    email: text('email'),
    name: text('name'),
    licenseType: text('license_type').notNull(),
    active: boolean('active').notNull(),
    flags: jsonb('flags').$type<SeatFlags>().notNull().default({}),
    restoreData: jsonb('restore_data').$type<Record<string, unknown>>(),
    status: text('status', { enum: SUBSCRIPTION_STATUSES }).notNull().default('active'),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    lastActivityAt: timestamptz('last_activity_at'),
    removedAt: timestamptz('removed_at'),
  },
  (t) => [
    unique('subscriptions_profile_vendor_user_unique').on(t.profileId, t.vendorUserId),
    index('subscriptions_profile_status_idx').on(t.profileId, t.status),
    check('subscriptions_status_check', sql`${sql.identifier('status')} IN (${quoted(SUBSCRIPTION_STATUSES)})`),
  ],
);

export const reclamationRules = pgTable(
  'reclamation_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    /** null = every model of the profile. Deleting a model deletes its rules (never widens them to all models). */
    modelId: uuid('model_id').references(() => softwareModels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    inactivityDays: integer('inactivity_days').notNull(),
    notifyUser: boolean('notify_user').notNull().default(false),
    graceDays: integer('grace_days').notNull().default(7),
    autoApprove: boolean('auto_approve').notNull().default(false),
    active: boolean('active').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('reclamation_rules_profile_idx').on(t.profileId),
    check('reclamation_rules_days_check', sql`inactivity_days > 0 AND grace_days >= 0`),
  ],
);

export const exclusionRules = pgTable(
  'exclusion_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** null = applies to every profile. */
    profileId: uuid('profile_id').references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: EXCLUSION_KINDS }).notNull(),
    vendorUserId: text('vendor_user_id'),
    /** An exact email or a glob such as `*@contractors.acme.com`. */
    emailPattern: text('email_pattern'),
    /** For `identifier` exclusions: the license type never reclaimed. */
    licenseType: text('license_type'),
    reason: text('reason').notNull(),
    expiresAt: timestamptz('expires_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('exclusion_rules_profile_idx').on(t.profileId),
    check('exclusion_rules_kind_check', sql`${sql.identifier('kind')} IN (${quoted(EXCLUSION_KINDS)})`),
  ],
);

export const removalCandidates = pgTable(
  'removal_candidates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    modelId: uuid('model_id').references(() => softwareModels.id, { onDelete: 'set null' }),
    ruleId: uuid('rule_id').references(() => reclamationRules.id, { onDelete: 'set null' }),
    state: text('state', { enum: CANDIDATE_STATES }).notNull(),
    reason: text('reason').notNull(),
    lastActivityAt: timestamptz('last_activity_at'),
    inactiveDays: integer('inactive_days'),
    notifiedAt: timestamptz('notified_at'),
    graceUntil: timestamptz('grace_until'),
    decidedBy: text('decided_by'),
    decidedAt: timestamptz('decided_at'),
    reclaimAttempts: integer('reclaim_attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at'),
    lastError: text('last_error'),
    reclaimedAt: timestamptz('reclaimed_at'),
    restoredAt: timestamptz('restored_at'),
    restoreData: jsonb('restore_data').$type<Record<string, unknown>>(),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    dmChannel: text('dm_channel'),
    dmTs: text('dm_ts'),
    /** The Slack user the holder DM was sent to: the only one whose Keep it / Release it counts. */
    dmUserId: text('dm_user_id'),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One open candidate per seat: a second sync or a double click cannot queue the same seat twice.
    uniqueIndex('removal_candidates_one_open_per_seat')
      .on(t.subscriptionId)
      .where(sql`state IN (${quoted(OPEN_CANDIDATE_STATES)})`),
    index('removal_candidates_profile_state_idx').on(t.profileId, t.state),
    index('removal_candidates_state_next_attempt_idx').on(t.state, t.nextAttemptAt),
    check('removal_candidates_state_check', sql`${sql.identifier('state')} IN (${quoted(CANDIDATE_STATES)})`),
  ],
);

export const entitlements = pgTable(
  'entitlements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => softwareModels.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    unitCost: numeric('unit_cost', { precision: 12, scale: 2, mode: 'number' }).notNull(),
    currency: text('currency').notNull().default('USD'),
    period: text('period', { enum: ENTITLEMENT_PERIODS }).notNull(),
    startDate: date('start_date', { mode: 'string' }),
    renewalDate: date('renewal_date', { mode: 'string' }),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('entitlements_model_idx').on(t.modelId),
    check('entitlements_period_check', sql`${sql.identifier('period')} IN (${quoted(ENTITLEMENT_PERIODS)})`),
    check('entitlements_quantity_check', sql`quantity >= 0`),
  ],
);

export const consumptionSnapshots = pgTable(
  'consumption_snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => integrationProfiles.id, { onDelete: 'cascade' }),
    licenseType: text('license_type').notNull(),
    licenseName: text('license_name').notNull(),
    kind: text('kind', { enum: CONSUMPTION_KINDS }).notNull(),
    used: integer('used').notNull(),
    total: integer('total').notNull(),
    status: text('status'),
    takenAt: timestamptz('taken_at').notNull().defaultNow(),
  },
  (t) => [index('consumption_snapshots_profile_type_taken_idx').on(t.profileId, t.kind, t.licenseType, t.takenAt)],
);

export const jobRuns = pgTable(
  'job_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id').references(() => integrationProfiles.id, { onDelete: 'set null' }),
    jobName: text('job_name').notNull(),
    kind: text('kind').notNull(),
    status: text('status', { enum: JOB_RUN_STATUSES }).notNull().default('running'),
    startedAt: timestamptz('started_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
    triggeredBy: text('triggered_by'),
  },
  (t) => [
    index('job_runs_profile_started_idx').on(t.profileId, t.startedAt),
    check('job_runs_status_check', sql`${sql.identifier('status')} IN (${quoted(JOB_RUN_STATUSES)})`),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamptz('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    /** No foreign key: the trail outlives a deleted profile. */
    profileId: uuid('profile_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_profile_at_idx').on(t.profileId, t.at)],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: updatedAt(),
});

export type IntegrationProfile = typeof integrationProfiles.$inferSelect;
export type NewIntegrationProfile = typeof integrationProfiles.$inferInsert;
export type Connection = typeof connections.$inferSelect;
export type NewConnection = typeof connections.$inferInsert;
export type SoftwareModel = typeof softwareModels.$inferSelect;
export type NewSoftwareModel = typeof softwareModels.$inferInsert;
export type UnrecognizedIdentifier = typeof unrecognizedIdentifiers.$inferSelect;
export type NewUnrecognizedIdentifier = typeof unrecognizedIdentifiers.$inferInsert;
export type Subscription = typeof subscriptions.$inferSelect;
export type NewSubscription = typeof subscriptions.$inferInsert;
export type ReclamationRule = typeof reclamationRules.$inferSelect;
export type NewReclamationRule = typeof reclamationRules.$inferInsert;
export type ExclusionRule = typeof exclusionRules.$inferSelect;
export type NewExclusionRule = typeof exclusionRules.$inferInsert;
export type RemovalCandidate = typeof removalCandidates.$inferSelect;
export type NewRemovalCandidate = typeof removalCandidates.$inferInsert;
export type Entitlement = typeof entitlements.$inferSelect;
export type NewEntitlement = typeof entitlements.$inferInsert;
export type ConsumptionSnapshot = typeof consumptionSnapshots.$inferSelect;
export type NewConsumptionSnapshot = typeof consumptionSnapshots.$inferInsert;
export type JobRun = typeof jobRuns.$inferSelect;
export type NewJobRun = typeof jobRuns.$inferInsert;
export type AuditEntry = typeof auditLog.$inferSelect;
export type NewAuditEntry = typeof auditLog.$inferInsert;
export type Setting = typeof settings.$inferSelect;
