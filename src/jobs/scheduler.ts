// A thin wrapper over Agenda 6 + @agendajs/postgres-backend: one scheduler for a PostgreSQL server (pg.Pool)
// or the embedded PGlite (through createPglitePool). Services decide what to schedule; this file only knows
// how to make recurring jobs idempotent, how to stop gracefully and how to report health.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Agenda } from 'agenda';
import type { AgendaBackend, BackoffStrategy, Job } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { silentLogger, type Logger } from '../logger.js';
import { createPglitePool, type PglitePool } from './pglite-pool.js';
import { recurringProfileData, recurringProfileUnique } from './names.js';

export const DEFAULT_JOBS_TABLE = 'agenda_jobs';

export type SchedulerBackend = { kind: 'pg'; pool: pg.Pool } | { kind: 'pglite'; pglite: PGlite };

export interface SchedulerOptions {
  backend: SchedulerBackend;
  logger?: Logger;
  /** How often to poll for due jobs (Agenda interval, e.g. '30 seconds'). NOTIFY makes "now" jobs immediate. */
  processEvery?: string | number;
  /** Jobs table (default agenda_jobs); the NOTIFY channel has the same name. */
  tableName?: string;
  /** Shown as last_modified_by on rows this process locks; defaults to host:pid:random. */
  instanceName?: string;
  /** Longest a job may run without calling touch() before Agenda considers it dead (default 10 minutes). */
  defaultLockLifetimeMs?: number;
  maxConcurrency?: number;
}

/** What a handler receives: the job's data and the means to keep a long job's lock alive. */
export interface JobRun<D> {
  id: string;
  name: string;
  data: D;
  /** 1 for the first try; counts consecutive failures before this run. */
  attempt: number;
  /** Extends the lock; call it periodically in jobs that may outlive lockLifetimeMs. */
  touch(progress?: number): Promise<void>;
}

export type JobHandler<D = Record<string, unknown>> = (run: JobRun<D>) => Promise<void>;

export interface DefineOptions {
  /** Parallel runs of this job in one process (Agenda default 5). */
  concurrency?: number;
  lockLifetimeMs?: number;
  priority?: number | 'lowest' | 'low' | 'normal' | 'high' | 'highest';
  /** Agenda backoff strategy for automatic retries (e.g. backoffStrategies.exponential(...)). None by default. */
  backoff?: BackoffStrategy;
}

export interface RecurringOptions {
  /** First run one interval from now instead of at once (only when the job is created or its interval changes). */
  skipImmediate?: boolean;
  timezone?: string;
}

export interface JobSummary {
  id: string;
  name: string;
  data: Record<string, unknown>;
  state: string;
  repeatInterval: string | null;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastFinishedAt: Date | null;
  lockedAt: Date | null;
  failCount: number;
  failReason: string | null;
  failedAt: Date | null;
  disabled: boolean;
}

export interface JobFilter {
  name?: string;
  names?: string[];
  profileId?: string;
  /** true: only recurring per-profile rows. */
  recurring?: boolean;
}

export interface SchedulerStatus {
  ok: boolean;
  running: boolean;
  detail?: string;
}

export interface StopOptions {
  /** How long to wait for running jobs to finish (default 30 s). Jobs still running keep their lock. */
  timeoutMs?: number;
}

export interface Scheduler {
  define<D = Record<string, unknown>>(name: string, handler: JobHandler<D>, options?: DefineOptions): void;
  start(): Promise<void>;
  /** Stops taking jobs, releases the ones locked but not started, and waits for running ones to finish. */
  stop(options?: StopOptions): Promise<{ unfinished: number }>;
  /** stop(), then drop the PGlite adapter's listeners. The pool or PGlite itself stays open (the caller owns it). */
  close(options?: StopOptions): Promise<void>;
  /** A one-off run as soon as possible. Returns the job id. */
  now(name: string, data?: Record<string, unknown>): Promise<string>;
  /** Ensures one installation-wide recurring job of this name. Idempotent across restarts. */
  every(name: string, interval: string, data?: Record<string, unknown>, options?: RecurringOptions): Promise<string>;
  /** Ensures one recurring job of this name for this profile. Idempotent across restarts. Returns the job id. */
  schedulePerProfile(
    name: string,
    profileId: string,
    interval: string,
    data?: Record<string, unknown>,
    options?: RecurringOptions,
  ): Promise<string>;
  /** Removes every job of this name for this profile (its recurring row and any one-off runs). Returns the count. */
  cancelPerProfile(name: string, profileId: string): Promise<number>;
  /** Removes every job of this name. Returns the count. */
  cancel(name: string): Promise<number>;
  listJobs(filter?: JobFilter): Promise<JobSummary[]>;
  status(): Promise<SchedulerStatus>;
  readonly instanceName: string;
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** What this file itself needs from a pg.Pool or the PGlite adapter. */
interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(): void }>;
}

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates the jobs table once even when several replicas start together: the backend's DDL
 * (CREATE OR REPLACE FUNCTION, DROP/CREATE TRIGGER) fails with "tuple concurrently updated" if run in parallel.
 */
async function connectUnderSchemaLock(pool: PoolLike, table: string, connect: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  const key = `agenda-schema:${table}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      await connect();
      // Two replicas publishing the same profile at once must still leave one recurring row:
      // Agenda's `unique` upsert is a SELECT then an INSERT, so the database has to enforce it.
      await client.query(
        `CREATE UNIQUE INDEX IF NOT EXISTS "${table}_recurring_profile_idx"
           ON "${table}" (name, (data->>'profileId')) WHERE (data->>'recurring') = 'true'`,
      );
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    client.release();
  }
}

function toSummary(job: {
  _id: unknown;
  name: string;
  data: unknown;
  state: string;
  repeatInterval?: string | number;
  nextRunAt: Date | null;
  lastRunAt?: Date;
  lastFinishedAt?: Date;
  lockedAt?: Date;
  failCount?: number;
  failReason?: string;
  failedAt?: Date;
  disabled?: boolean;
}): JobSummary {
  return {
    id: String(job._id),
    name: job.name,
    data: (job.data ?? {}) as Record<string, unknown>,
    state: job.state,
    repeatInterval: job.repeatInterval === undefined ? null : String(job.repeatInterval),
    nextRunAt: job.nextRunAt ?? null,
    lastRunAt: job.lastRunAt ?? null,
    lastFinishedAt: job.lastFinishedAt ?? null,
    lockedAt: job.lockedAt ?? null,
    failCount: job.failCount ?? 0,
    failReason: job.failReason ?? null,
    failedAt: job.failedAt ?? null,
    disabled: job.disabled ?? false,
  };
}

export async function createScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const logger = (opts.logger ?? silentLogger).child({ component: 'scheduler' });
  const table = opts.tableName ?? DEFAULT_JOBS_TABLE;
  const instanceName = opts.instanceName ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  let ownPool: PglitePool | undefined;
  let pool: PglitePool | pg.Pool;
  if (opts.backend.kind === 'pg') {
    pool = opts.backend.pool;
    // The notification channel keeps one client checked out for LISTEN; a one-connection pool would deadlock.
    const max = opts.backend.pool.options?.max;
    if (max !== undefined && max < 2) throw new Error('The scheduler needs a pg.Pool with max >= 2 (one connection stays on LISTEN)');
  } else {
    ownPool = createPglitePool(opts.backend.pglite);
    pool = ownPool;
  }
  const db = pool as unknown as PoolLike;

  const pgBackend = new PostgresBackend({ pool: pool as unknown as pg.Pool, tableName: table, channelName: table });
  // Connect here, where a failure reaches the caller: Agenda's constructor calls connect() without a catch.
  await connectUnderSchemaLock(db, table, () => pgBackend.connect());
  const backend: AgendaBackend = {
    name: pgBackend.name,
    repository: pgBackend.repository,
    notificationChannel: pgBackend.notificationChannel,
    logger: pgBackend.logger,
    ownsConnection: false,
    connect: async () => {},
    disconnect: () => pgBackend.disconnect(),
  };

  const agenda = new Agenda({
    backend,
    name: instanceName,
    processEvery: opts.processEvery ?? '30 seconds',
    defaultLockLifetime: opts.defaultLockLifetimeMs,
    maxConcurrency: opts.maxConcurrency,
  });
  await agenda.ready;

  // Which jobs have started and not completed in this process, so stop() can wait for them.
  const inFlight = new Set<string>();
  const completionWaiters = new Set<(id: string) => void>();
  // Agenda re-emits other replicas' job events (via the state channel) with remote = true and no Job object.
  agenda.on('start', (job: Job, remote?: boolean) => {
    if (remote === true) return;
    inFlight.add(String(job.attrs._id));
  });
  agenda.on('complete', (job: Job, remote?: boolean) => {
    if (remote === true) return;
    const id = String(job.attrs._id);
    inFlight.delete(id);
    for (const notify of completionWaiters) notify(id);
  });
  agenda.on('fail', (err: unknown, job: Job, remote?: boolean) => {
    if (remote === true) return;
    logger.warn({ job: job.attrs.name, jobId: String(job.attrs._id), failCount: job.attrs.failCount, err: errorMessage(err) }, 'job failed');
  });
  agenda.on('error', (err: unknown) => {
    logger.error({ err: errorMessage(err) }, 'scheduler error');
  });

  let running = false;

  async function findRecurring(name: string, profileId: string | null): Promise<JobSummary | undefined> {
    const result = await agenda.queryJobs(
      profileId === null ? { name } : { name, data: { profileId, recurring: true } },
    );
    const jobs = result.jobs.filter((j) => (profileId === null ? j.type === 'single' : j.repeatInterval !== undefined));
    return jobs[0] ? toSummary(jobs[0]) : undefined;
  }

  function unchanged(existing: JobSummary | undefined, interval: string, data: Record<string, unknown>): boolean {
    return existing !== undefined && existing.repeatInterval === interval && stableJson(existing.data) === stableJson(data);
  }

  async function savePerProfile(
    name: string,
    profileId: string,
    interval: string,
    data: Record<string, unknown>,
    options: RecurringOptions,
  ): Promise<string> {
    const existing = await findRecurring(name, profileId);
    if (existing && unchanged(existing, interval, data)) return existing.id;
    const job = agenda.create(name, data);
    job.repeatEvery(interval, { skipImmediate: options.skipImmediate, timezone: options.timezone });
    // Same interval, new data: keep the row's place in the schedule rather than running it again now.
    if (existing && existing.repeatInterval === interval) job.attrs.nextRunAt = existing.nextRunAt;
    job.unique(recurringProfileUnique(profileId));
    await job.save();
    return String(job.attrs._id);
  }

  const scheduler: Scheduler = {
    instanceName,

    define<D>(name: string, handler: JobHandler<D>, options: DefineOptions = {}): void {
      agenda.define<D>(
        name,
        async (job: Job<D>) => {
          await handler({
            id: String(job.attrs._id),
            name: job.attrs.name,
            data: job.attrs.data,
            attempt: (job.attrs.failCount ?? 0) + 1,
            touch: (progress?: number) => job.touch(progress),
          });
        },
        {
          concurrency: options.concurrency,
          lockLifetime: options.lockLifetimeMs,
          priority: options.priority,
          backoff: options.backoff,
        },
      );
    },

    async start(): Promise<void> {
      if (running) return;
      await agenda.start();
      running = true;
      logger.info({ instance: instanceName, table }, 'scheduler started');
    },

    async stop({ timeoutMs = 30_000 }: StopOptions = {}): Promise<{ unfinished: number }> {
      if (!running) return { unfinished: 0 };
      running = false;
      const completed = new Set<string>();
      const onComplete = (id: string): void => {
        completed.add(id);
      };
      completionWaiters.add(onComplete);
      try {
        // A job handed to a run but not yet 'start'ed is only visible in the processor's own list.
        const waitFor = new Set<string>(inFlight);
        const stats = await agenda.getRunningStats(true).catch(() => undefined);
        if (stats && Array.isArray(stats.runningJobs)) for (const j of stats.runningJobs) waitFor.add(String(j._id));
        // Agenda's stop() stops polling, closes LISTEN and unlocks jobs locked but not started, yet does not wait
        // for running ones; drain() waits but leaves the locked-not-started ones locked. So: stop, then wait.
        await agenda.stop(false);
        const pending = (): number => [...waitFor].filter((id) => !completed.has(id)).length;
        const deadline = Date.now() + timeoutMs;
        while (pending() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        const unfinished = pending();
        if (unfinished > 0) logger.warn({ unfinished }, 'scheduler stopped with jobs still running; they keep their lock until done');
        else logger.info('scheduler stopped');
        return { unfinished };
      } finally {
        completionWaiters.delete(onComplete);
      }
    },

    async close(options?: StopOptions): Promise<void> {
      await scheduler.stop(options);
      await ownPool?.end();
    },

    async now(name: string, data: Record<string, unknown> = {}): Promise<string> {
      const job = await agenda.now(name, data);
      return String(job.attrs._id);
    },

    async every(name: string, interval: string, data: Record<string, unknown> = {}, options: RecurringOptions = {}): Promise<string> {
      const existing = await findRecurring(name, null);
      if (existing && unchanged(existing, interval, data)) return existing.id;
      const job = await agenda.every(interval, name, data, { skipImmediate: options.skipImmediate, timezone: options.timezone });
      return String(job.attrs._id);
    },

    async schedulePerProfile(name, profileId, interval, extra = {}, options = {}): Promise<string> {
      const data = recurringProfileData(profileId, extra);
      try {
        return await savePerProfile(name, profileId, interval, data, options);
      } catch (err) {
        // Another process inserted the same row between our lookup and insert: it now exists, so update it.
        if (!isUniqueViolation(err)) throw err;
        return savePerProfile(name, profileId, interval, data, options);
      }
    },

    async cancelPerProfile(name: string, profileId: string): Promise<number> {
      return agenda.cancel({ name, data: { profileId } });
    },

    async cancel(name: string): Promise<number> {
      return agenda.cancel({ name });
    },

    async listJobs(filter: JobFilter = {}): Promise<JobSummary[]> {
      const data: Record<string, unknown> = {};
      if (filter.profileId !== undefined) data.profileId = filter.profileId;
      if (filter.recurring) data.recurring = true;
      const result = await agenda.queryJobs({
        name: filter.name,
        names: filter.names,
        data: Object.keys(data).length > 0 ? data : undefined,
        sort: { nextRunAt: 'asc', name: 'asc' },
      });
      return result.jobs.map(toSummary);
    },

    async status(): Promise<SchedulerStatus> {
      try {
        await db.query('SELECT 1');
      } catch (err) {
        return { ok: false, running, detail: `database unreachable: ${errorMessage(err)}` };
      }
      if (!running) return { ok: true, running, detail: 'not started' };
      const channel = pgBackend.notificationChannel?.state ?? 'disabled';
      if (channel !== 'connected') {
        return { ok: false, running, detail: `notification channel ${channel}: jobs are found by polling only` };
      }
      return { ok: true, running };
    },
  };

  return scheduler;
}
