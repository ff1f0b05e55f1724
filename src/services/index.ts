// All services over one context: what Slack handlers, jobs and the CLI call.
import type { ServiceContext } from './context.js';
import type { CandidateNotifier } from './notifier.js';
import { silentNotifier } from './notifier.js';
import { ProfileService } from './profile-service.js';
import { EvaluationService } from './evaluation-service.js';
import { RulesService } from './rules-service.js';
import { SyncService } from './sync-service.js';
import { EntitlementService } from './entitlement-service.js';
import { ReclamationService } from './reclamation-service.js';
import { ReportService } from './report-service.js';
import { AuditService } from './audit-service.js';
import { ApprovalDigestService } from './approval-digest-service.js';

export interface Services {
  ctx: ServiceContext;
  notifier: CandidateNotifier;
  profiles: ProfileService;
  sync: SyncService;
  evaluation: EvaluationService;
  rules: RulesService;
  reclamation: ReclamationService;
  entitlements: EntitlementService;
  reports: ReportService;
  audit: AuditService;
  approvals: ApprovalDigestService;
}

/**
 * The notifier can be replaced after construction (the Slack layer is built after the services it calls):
 * services read `services.notifier` when they need it.
 */
export function createServices(ctx: ServiceContext, notifier: CandidateNotifier = silentNotifier): Services {
  const services: Services = {
    ctx,
    notifier,
    profiles: new ProfileService(ctx),
    sync: new SyncService(ctx, () => services),
    evaluation: new EvaluationService(ctx, () => services),
    rules: new RulesService(ctx),
    reclamation: new ReclamationService(ctx, () => services),
    entitlements: new EntitlementService(ctx),
    reports: new ReportService(ctx),
    audit: new AuditService(ctx),
    approvals: new ApprovalDigestService(ctx),
  };
  return services;
}

export type { ServiceContext } from './context.js';
export { ServiceError } from './errors.js';
