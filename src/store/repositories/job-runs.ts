import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../database.js';
import { jobRuns, type JobRun } from '../schema.js';
import { isUuid } from './ids.js';

export interface JobRunStart {
  jobName: string;
  kind: string;
  profileId?: string | null;
  triggeredBy?: string | null;
  startedAt?: Date;
}

export class JobRunRepository {
  constructor(private readonly db: Db) {}

  /** Records a running job; returns its id. */
  async start(run: JobRunStart): Promise<string> {
    const [row] = await this.db
      .insert(jobRuns)
      .values({
        jobName: run.jobName,
        kind: run.kind,
        profileId: run.profileId ?? null,
        triggeredBy: run.triggeredBy ?? null,
        status: 'running',
        ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      })
      .returning({ id: jobRuns.id });
    return row!.id;
  }

  /** Closes a running run; null if it was already finished (or unknown). */
  async finish(
    id: string,
    status: 'succeeded' | 'failed',
    counts: Record<string, number> = {},
    error: string | null = null,
  ): Promise<JobRun | null> {
    const [row] = await this.db
      .update(jobRuns)
      .set({ status, counts, error, finishedAt: new Date() })
      .where(and(eq(jobRuns.id, id), eq(jobRuns.status, 'running')))
      .returning();
    return row ?? null;
  }

  async get(id: string): Promise<JobRun | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(jobRuns).where(eq(jobRuns.id, id));
    return row ?? null;
  }

  /** Newest first. */
  async listByProfile(profileId: string, opts: { kind?: string; limit?: number } = {}): Promise<JobRun[]> {
    const conditions: SQL[] = [eq(jobRuns.profileId, profileId)];
    if (opts.kind) conditions.push(eq(jobRuns.kind, opts.kind));
    return this.db
      .select()
      .from(jobRuns)
      .where(and(...conditions))
      .orderBy(desc(jobRuns.startedAt))
      .limit(opts.limit ?? 20);
  }

  /** Newest first, all profiles. */
  async listRecent(opts: { jobName?: string; limit?: number } = {}): Promise<JobRun[]> {
    return this.db
      .select()
      .from(jobRuns)
      .where(opts.jobName ? eq(jobRuns.jobName, opts.jobName) : undefined)
      .orderBy(desc(jobRuns.startedAt))
      .limit(opts.limit ?? 20);
  }

  /** Runs left `running` by a process that died: marked failed so they stop looking busy. */
  async failAbandoned(startedBefore: Date, error = 'abandoned: the process running it stopped'): Promise<number> {
    const rows = await this.db
      .update(jobRuns)
      .set({ status: 'failed', error, finishedAt: new Date() })
      .where(and(eq(jobRuns.status, 'running'), lt(jobRuns.startedAt, startedBefore)))
      .returning({ id: jobRuns.id });
    return rows.length;
  }
}
