// Installation-wide jobs of the reclamation side: the reclaim executor (with the grace-period sweep) and the
// daily reconciliation. Each job only calls a service.
import type { Services } from '../services/index.js';
import type { Scheduler } from './scheduler.js';

export function defineReclaimJobs(scheduler: Scheduler, services: Services): void {
  void scheduler;
  void services;
}
