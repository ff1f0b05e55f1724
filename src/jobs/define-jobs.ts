// Every job handler of the process, defined once before the scheduler starts.
import type { Services } from '../services/index.js';
import { defineReclaimJobs } from './reclaim-jobs.js';
import type { Scheduler } from './scheduler.js';
import { defineSyncJobs } from './sync-jobs.js';

export function defineJobs(scheduler: Scheduler, services: Services): void {
  defineSyncJobs(scheduler, services);
  defineReclaimJobs(scheduler, services);
}
