// The scheduler on a PostgreSQL server (TEST_DATABASE_URL), isolated in a schema of its own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { JOBS, SCHEDULES } from '../../src/jobs/names.js';
import { defineSchedulerSuite, uniqueTable, waitFor, type SuiteBackend } from './scheduler-suite.js';

const url = process.env.TEST_DATABASE_URL;
const schema = `jobs_test_${process.pid}_${Date.now().toString(36)}`;
const pools: pg.Pool[] = [];

function newPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
  pools.push(pool);
  return pool;
}

const suite: SuiteBackend = {
  label: 'pg',
  // A new pool per scheduler, as separate processes would have.
  backend: () => ({ kind: 'pg', pool: newPool() }),
  latencies: [],
};

describe.skipIf(!url)('on PostgreSQL', () => {
  let admin: pg.Pool;

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA "${schema}"`);
  });

  afterAll(async () => {
    if (suite.latencies.length) console.log(`[pg] now() → handler pickup ms: ${suite.latencies.join(', ')}`);
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  defineSchedulerSuite(() => suite);

  describe('two schedulers on one database (two replicas)', () => {
    const open: Scheduler[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close({ timeoutMs: 2_000 })));
    });

    async function replicas(table: string): Promise<[Scheduler, Scheduler]> {
      // Created together: the schema DDL must not trip over itself.
      const [a, b] = await Promise.all([
        createScheduler({ backend: { kind: 'pg', pool: newPool() }, tableName: table, processEvery: '1 second', instanceName: 'replica-a' }),
        createScheduler({ backend: { kind: 'pg', pool: newPool() }, tableName: table, processEvery: '1 second', instanceName: 'replica-b' }),
      ]);
      open.push(a, b);
      return [a, b];
    }

    it('run a job exactly once between them', async () => {
      const [a, b] = await replicas(uniqueTable());
      const ranOn: string[] = [];
      for (const s of [a, b]) {
        s.define(JOBS.reclaim, async () => {
          ranOn.push(s.instanceName);
          await new Promise((r) => setTimeout(r, 200));
        });
      }
      await Promise.all([a.start(), b.start()]);
      // Both replicas hear the NOTIFY and both polls (every second) look for due jobs; one lock wins each.
      const ids = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? a : b).now(JOBS.reclaim, { batch: i })));
      await waitFor(() => ranOn.length >= ids.length, 10_000, 'all jobs to run');
      await new Promise((r) => setTimeout(r, 2_500)); // two more poll cycles on each replica
      expect(ranOn).toHaveLength(ids.length);
      const rows = await a.listJobs({ name: JOBS.reclaim });
      expect(rows.every((r) => r.lastFinishedAt !== null && r.lockedAt === null)).toBe(true);
    });

    it('scheduling the same profile from both at once leaves one recurring row', async () => {
      const [a, b] = await replicas(uniqueTable());
      for (let i = 0; i < 5; i += 1) {
        await Promise.all([
          a.schedulePerProfile(JOBS.subscriptions, `prof-${i}`, SCHEDULES.subscriptions, {}, { skipImmediate: true }),
          b.schedulePerProfile(JOBS.subscriptions, `prof-${i}`, SCHEDULES.subscriptions, {}, { skipImmediate: true }),
        ]);
      }
      const rows = await a.listJobs({ name: JOBS.subscriptions, recurring: true });
      expect(rows.map((r) => r.data.profileId).sort()).toEqual(['prof-0', 'prof-1', 'prof-2', 'prof-3', 'prof-4']);
    });
  });
});
