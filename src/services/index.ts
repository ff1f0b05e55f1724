// All services over one context: what Slack handlers, jobs and the CLI call.
import type { ServiceContext } from './context.js';
import type { CandidateNotifier } from './notifier.js';
import { silentNotifier } from './notifier.js';
import { ProfileService } from './profile-service.js';

export interface Services {
  ctx: ServiceContext;
  notifier: CandidateNotifier;
  profiles: ProfileService;
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
  };
  return services;
}

export type { ServiceContext } from './context.js';
export { ServiceError } from './errors.js';
