// The records services hand to their callers (Slack handlers, jobs, the CLI). Callers import these from here,
// never from the store: the store's tables may change shape behind the services.
export type {
  AuditEntry,
  Entitlement,
  ExclusionRule,
  IntegrationProfile,
  JobRun,
  ProfileStatus,
  ReclamationRule,
  RemovalCandidate,
  SoftwareModel,
} from '../store/index.js';
