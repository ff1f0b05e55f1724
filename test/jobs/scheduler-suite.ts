// Scheduler behaviours that must hold on both backends; each *.test.ts file supplies a backend.
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler, type SchedulerBackend, type SchedulerOptions } from '../../src/jobs/scheduler.js';
import { JOBS, SCHEDULES } from '../../src/jobs/names.js';

export interface SuiteBackend {
  label: string;
  /** A backend handle; every call may return the same one (PGlite) or a new pool on the same database (pg). */
  backend(): SchedulerBackend;
  /** Records measured pickup latencies for the report printed by the caller. */
  latencies: number[];
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tableSeq = 0;
export function uniqueTable(): string {
  tableSeq += 1;
  return `jobs_${process.pid}_${Date.now().toString(36)}_${tableSeq}`;
}

export function defineSchedulerSuite(get: () => SuiteBackend): void {
  const open: Scheduler[] = [];
  let table = '';

  async function make(extra: Partial<SchedulerOptions> = {}): Promise<Scheduler> {
    const s = await createScheduler({ backend: get().backend(), tableName: table, processEvery: '1 minute', ...extra });
    open.push(s);
    return s;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close({ timeoutMs: 2_000 })));
    table = '';
  });

  describe('scheduler', () => {
    it('runs a job saved "now" at once, without waiting for the one-minute poll', async () => {
      table = uniqueTable();
      const s = await make();
      const runs: { data: unknown; at: number }[] = [];
      s.define(JOBS.subscriptions, async (run) => {
        runs.push({ data: run.data, at: Date.now() });
      });
      await s.start();
      // Let the start-up scan finish, so only a notification can trigger the next pickup before a minute passes.
      await new Promise((r) => setTimeout(r, 1_000));

      for (let i = 0; i < 5; i += 1) {
        const before = runs.length;
        const savedAt = Date.now();
        await s.now(JOBS.subscriptions, { profileId: `p${i}` });
        await waitFor(() => runs.length > before, 10_000, 'the handler to run');
        get().latencies.push(runs[runs.length - 1]!.at - savedAt);
      }
      expect(runs.map((r) => r.data)).toEqual([0, 1, 2, 3, 4].map((i) => ({ profileId: `p${i}` })));
      await waitFor(async () => (await s.listJobs({ name: JOBS.subscriptions })).every((j) => j.lastFinishedAt !== null), 5_000, 'rows to be finished');
    });

    it('schedulePerProfile is idempotent: twice, and again after a restart, leaves one row per profile', async () => {
      table = uniqueTable();
      const first = await make();
      const id1 = await first.schedulePerProfile(JOBS.activity, 'prof-1', SCHEDULES.activity, {}, { skipImmediate: true });
      const id2 = await first.schedulePerProfile(JOBS.activity, 'prof-1', SCHEDULES.activity, {}, { skipImmediate: true });
      await first.schedulePerProfile(JOBS.activity, 'prof-2', SCHEDULES.activity, {}, { skipImmediate: true });
      expect(id2).toBe(id1);

      const rows = await first.listJobs({ name: JOBS.activity });
      expect(rows.map((r) => r.data.profileId).sort()).toEqual(['prof-1', 'prof-2']);
      const nextRun = rows.find((r) => r.data.profileId === 'prof-1')!.nextRunAt;
      expect(nextRun!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

      await first.close();
      const restarted = await make();
      await new Promise((r) => setTimeout(r, 5));
      await restarted.schedulePerProfile(JOBS.activity, 'prof-1', SCHEDULES.activity, {}, { skipImmediate: true });
      const after = await restarted.listJobs({ name: JOBS.activity, profileId: 'prof-1' });
      expect(after).toHaveLength(1);
      expect(after[0]!.id).toBe(id1);
      expect(after[0]!.nextRunAt).toEqual(nextRun); // a restart does not move the schedule

      await restarted.schedulePerProfile(JOBS.activity, 'prof-1', '12 hours', {}, { skipImmediate: true });
      const changed = await restarted.listJobs({ name: JOBS.activity, profileId: 'prof-1' });
      expect(changed).toHaveLength(1);
      expect(changed[0]!.repeatInterval).toBe('12 hours');
    });

    it('a one-off run for a profile is not merged into its recurring row', async () => {
      table = uniqueTable();
      const s = await make();
      await s.schedulePerProfile(JOBS.subscriptions, 'prof-1', SCHEDULES.subscriptions, {}, { skipImmediate: true });
      await s.now(JOBS.subscriptions, { profileId: 'prof-1' });
      await s.schedulePerProfile(JOBS.subscriptions, 'prof-1', SCHEDULES.subscriptions, {}, { skipImmediate: true });
      const rows = await s.listJobs({ name: JOBS.subscriptions, profileId: 'prof-1' });
      expect(rows.map((r) => r.repeatInterval).sort()).toEqual([SCHEDULES.subscriptions, null]);
      expect(await s.listJobs({ name: JOBS.subscriptions, profileId: 'prof-1', recurring: true })).toHaveLength(1);
    });

    it('cancelPerProfile removes that profile\'s job from the table and leaves the others', async () => {
      table = uniqueTable();
      const s = await make();
      await s.schedulePerProfile(JOBS.activity, 'prof-1', SCHEDULES.activity, {}, { skipImmediate: true });
      await s.schedulePerProfile(JOBS.activity, 'prof-2', SCHEDULES.activity, {}, { skipImmediate: true });
      await s.schedulePerProfile(JOBS.subscriptions, 'prof-1', SCHEDULES.subscriptions, {}, { skipImmediate: true });

      expect(await s.cancelPerProfile(JOBS.activity, 'prof-1')).toBe(1);
      expect(await s.listJobs({ name: JOBS.activity, profileId: 'prof-1' })).toEqual([]);
      expect(await s.listJobs({ name: JOBS.activity, profileId: 'prof-2' })).toHaveLength(1);
      expect(await s.listJobs({ name: JOBS.subscriptions, profileId: 'prof-1' })).toHaveLength(1);
    });

    it('every() keeps one installation-wide row across calls', async () => {
      table = uniqueTable();
      const s = await make();
      const a = await s.every(JOBS.reclaim, SCHEDULES.reclaim, {}, { skipImmediate: true });
      const b = await s.every(JOBS.reclaim, SCHEDULES.reclaim, {}, { skipImmediate: true });
      expect(b).toBe(a);
      const rows = await s.listJobs({ name: JOBS.reclaim });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.repeatInterval).toBe(SCHEDULES.reclaim);
    });

    it('stop() lets a running job finish and leaves its row unlocked', async () => {
      table = uniqueTable();
      const s = await make();
      let started = false;
      let finished = false;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      s.define(JOBS.reconcile, async () => {
        started = true;
        await gate;
        finished = true;
      });
      await s.start();
      const id = await s.now(JOBS.reconcile, {});
      await waitFor(() => started, 10_000, 'the job to start');

      const stopping = s.stop({ timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(finished).toBe(false);
      release();
      const result = await stopping;
      expect(finished).toBe(true);
      expect(result.unfinished).toBe(0);

      const [row] = (await s.listJobs({ name: JOBS.reconcile })).filter((j) => j.id === id);
      expect(row?.lastFinishedAt).not.toBeNull();
      expect(row?.lockedAt).toBeNull();
      expect(row?.failCount).toBe(0);
      expect((await s.status()).running).toBe(false);
    });

    it('a failing handler records failReason and failCount on the row', async () => {
      table = uniqueTable();
      const s = await make();
      s.define(JOBS.consumption, async () => {
        throw new Error('vendor said 503');
      });
      await s.start();
      const id = await s.now(JOBS.consumption, { profileId: 'prof-9' });
      await waitFor(async () => (await s.listJobs({ name: JOBS.consumption })).some((j) => j.id === id && j.failCount > 0), 10_000, 'the failure to be recorded');
      const [row] = await s.listJobs({ name: JOBS.consumption, profileId: 'prof-9' });
      expect(row).toMatchObject({ failCount: 1, failReason: 'vendor said 503', state: 'failed', lockedAt: null });
      expect(row!.failedAt).toBeInstanceOf(Date);
    });

    it('picks up "now" jobs again after stop() and start()', async () => {
      table = uniqueTable();
      const s = await make();
      const seen: unknown[] = [];
      s.define(JOBS.evaluate, async (run) => {
        seen.push(run.data);
      });
      await s.start();
      await s.stop();
      await s.start();
      await new Promise((r) => setTimeout(r, 1_000));
      await s.now(JOBS.evaluate, { profileId: 'again' });
      await waitFor(() => seen.length === 1, 10_000, 'the job after a restart');
      expect(seen).toEqual([{ profileId: 'again' }]);
    });

    it('status() reports health before, during and after running', async () => {
      table = uniqueTable();
      const s = await make();
      expect(await s.status()).toEqual({ ok: true, running: false, detail: 'not started' });
      await s.start();
      expect(await s.status()).toEqual({ ok: true, running: true });
      await s.stop();
      expect((await s.status()).running).toBe(false);
    });
  });
}
