// Installation-wide jobs of the reclamation side: the reclaim executor (which also ends expired grace periods)
// and the daily reconciliation. Each handler calls services only.
import type { Services } from '../services/index.js';
import { executionCounts } from '../services/reclaim-executor.js';
import { JOBS, SCHEDULES } from './names.js';
import type { Scheduler } from './scheduler.js';

/** A run handles at most this many candidates; the next run (or the `now` an approval queues) takes the rest. */
const RECLAIM_BATCH = 200;
/** Vendor calls for a full batch can take a while; Agenda must not hand the job to another process meanwhile. */
const RECLAIM_LOCK_MS = 20 * 60_000;

export function defineReclaimJobs(scheduler: Scheduler, services: Services): void {
  const logger = services.ctx.logger.child({ component: 'reclaim-jobs' });

  scheduler.define(
    JOBS.reclaim,
    async () => {
      const grace = await services.reclamation.expireGrace();
      const result = await services.reclamation.executeApproved({ limit: RECLAIM_BATCH, triggeredBy: 'scheduler' });
      if (result.picked > 0 || grace.autoApproved.length + grace.toApprovers.length > 0) {
        logger.info(
          { graceToApprovers: grace.toApprovers.length, graceAutoApproved: grace.autoApproved.length, ...executionCounts(result) },
          'reclaim executor ran',
        );
      }
      // A full batch means more may be waiting: run again at once rather than in five minutes.
      if (result.picked >= RECLAIM_BATCH && result.skipped < result.picked) await scheduler.now(JOBS.reclaim, {});
    },
    // One run per process at a time; other processes are kept out by Agenda's lock and the candidates' CAS.
    { concurrency: 1, lockLifetimeMs: RECLAIM_LOCK_MS },
  );

  scheduler.define(
    JOBS.reconcile,
    async () => {
      const result = await services.reports.runReconciliation('scheduler');
      logger.info({ ...result.counts, renewals: result.renewals.length }, 'reconciliation done');
    },
    { concurrency: 1 },
  );
}

/** The recurring installation-wide rows; idempotent across restarts and replicas. Called once at app start. */
export async function scheduleGlobalJobs(scheduler: Scheduler): Promise<void> {
  await scheduler.every(JOBS.reclaim, SCHEDULES.reclaim);
  await scheduler.every(JOBS.reconcile, SCHEDULES.reconcile, {}, { skipImmediate: true });
}
