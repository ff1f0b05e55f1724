// The per-profile download and evaluation jobs. Each handler calls one service; a failed download has already
// been recorded as a failed job run by the service, and is rethrown so Agenda keeps the cause as failReason.
import type { Logger } from '../logger.js';
import { ServiceError } from '../services/errors.js';
import type { Services } from '../services/index.js';
import { JOBS, type PerProfileJobData } from './names.js';
import type { JobRun, Scheduler } from './scheduler.js';

/** A job whose service reported a failure (vendor down, credentials revoked...): the message is the cause. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
}

/** Downloads can outlive Agenda's default lock; handlers touch the lock between pages. */
const LOCK_LIFETIME_MS = 10 * 60_000;

interface Trigger {
  actor: string;
  heartbeat: () => Promise<void>;
}

type Outcome = { status: 'succeeded' | 'failed'; error?: string };

export function defineSyncJobs(scheduler: Scheduler, services: Services): void {
  const logger = services.ctx.logger.child({ component: 'sync-jobs' });
  const define = (name: string, work: (profileId: string, trigger: Trigger) => Promise<Outcome>) =>
    scheduler.define<PerProfileJobData>(name, (run) => runPerProfile(name, run, work, logger), {
      concurrency: 2,
      lockLifetimeMs: LOCK_LIFETIME_MS,
    });

  define(JOBS.subscriptions, (id, trigger) => services.sync.syncSubscriptions(id, trigger));
  define(JOBS.activity, (id, trigger) => services.sync.refreshActivity(id, trigger));
  define(JOBS.consumption, (id, trigger) => services.sync.syncConsumption(id, trigger));
  define(JOBS.evaluate, (id, trigger) => services.evaluation.evaluate(id, trigger));
}

async function runPerProfile(
  name: string,
  run: JobRun<PerProfileJobData>,
  work: (profileId: string, trigger: Trigger) => Promise<Outcome>,
  logger: Logger,
): Promise<void> {
  const profileId = run.data?.profileId;
  if (typeof profileId !== 'string' || profileId === '') throw new JobFailedError(`${name}: the job has no profileId`);
  // A run someone asked for in Slack carries their user id; the recurring row runs as the scheduler.
  const actor = typeof run.data.actor === 'string' && run.data.actor !== '' ? run.data.actor : 'scheduler';
  let outcome: Outcome;
  try {
    outcome = await work(profileId, { actor, heartbeat: () => run.touch() });
  } catch (err) {
    // The profile was deleted or returned to draft after the run was queued, or another download of it is
    // running (on this or another replica): nothing to do, nothing failed.
    if (err instanceof ServiceError && (err.code === 'not_found' || err.code === 'refused' || err.code === 'conflict')) {
      logger.info({ job: name, profileId, reason: err.message }, 'job skipped');
      return;
    }
    throw err;
  }
  if (outcome.status === 'failed') throw new JobFailedError(outcome.error ?? `${name} failed`);
}
