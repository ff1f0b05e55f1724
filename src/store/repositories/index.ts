// All repositories over one connection or one transaction: `createRepositories(tx)` inside `db.transaction`.
import type { Db } from '../database.js';
import { AuditLogRepository } from './audit-log.js';
import { ConnectionRepository } from './connections.js';
import { ConsumptionSnapshotRepository } from './consumption-snapshots.js';
import { EntitlementRepository } from './entitlements.js';
import { ExclusionRuleRepository } from './exclusion-rules.js';
import { JobRunRepository } from './job-runs.js';
import { ModelRepository } from './models.js';
import { ProfileRepository } from './profiles.js';
import { ReclamationRuleRepository } from './reclamation-rules.js';
import { RemovalCandidateRepository } from './removal-candidates.js';
import { SettingsRepository } from './settings.js';
import { SubscriptionRepository } from './subscriptions.js';
import { UnrecognizedIdentifierRepository } from './unrecognized-identifiers.js';

export interface Repositories {
  profiles: ProfileRepository;
  connections: ConnectionRepository;
  models: ModelRepository;
  unrecognizedIdentifiers: UnrecognizedIdentifierRepository;
  subscriptions: SubscriptionRepository;
  reclamationRules: ReclamationRuleRepository;
  exclusionRules: ExclusionRuleRepository;
  candidates: RemovalCandidateRepository;
  entitlements: EntitlementRepository;
  consumption: ConsumptionSnapshotRepository;
  jobRuns: JobRunRepository;
  audit: AuditLogRepository;
  settings: SettingsRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    profiles: new ProfileRepository(db),
    connections: new ConnectionRepository(db),
    models: new ModelRepository(db),
    unrecognizedIdentifiers: new UnrecognizedIdentifierRepository(db),
    subscriptions: new SubscriptionRepository(db),
    reclamationRules: new ReclamationRuleRepository(db),
    exclusionRules: new ExclusionRuleRepository(db),
    candidates: new RemovalCandidateRepository(db),
    entitlements: new EntitlementRepository(db),
    consumption: new ConsumptionSnapshotRepository(db),
    jobRuns: new JobRunRepository(db),
    audit: new AuditLogRepository(db),
    settings: new SettingsRepository(db),
  };
}

export * from './audit-log.js';
export * from './connections.js';
export * from './consumption-snapshots.js';
export * from './entitlements.js';
export * from './exclusion-rules.js';
export * from './job-runs.js';
export * from './models.js';
export * from './profiles.js';
export * from './reclamation-rules.js';
export * from './removal-candidates.js';
export * from './settings.js';
export * from './subscriptions.js';
export * from './unrecognized-identifiers.js';
