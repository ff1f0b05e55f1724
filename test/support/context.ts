// A full service context over a real test database and a real scheduler, for service, job and Slack tests.
import { createConnector } from '../../src/connectors/registry.js';
import { createSecretBox } from '../../src/domain/crypto.js';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/logger.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createRepositories } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7);

export interface TestContext {
  ctx: ServiceContext;
  testDb: TestDatabase;
  scheduler: Scheduler;
  /** Empties the tables and the scheduler's jobs between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface TestContextOptions {
  /** Fixed clock for the services (default: the real one). */
  now?: () => Date;
  /** Start the scheduler's processing loop (default false: tests run jobs by calling services). */
  startScheduler?: boolean;
}

export async function createTestContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const testDb = await createTestDatabase();
  const { database } = testDb;
  const scheduler = await createScheduler({
    backend: database.kind === 'pg' ? { kind: 'pg', pool: database.pool! } : { kind: 'pglite', pglite: database.pglite! },
    logger: silentLogger,
    processEvery: '1 minute',
  });
  if (opts.startScheduler) await scheduler.start();
  const ctx: ServiceContext = {
    database,
    repos: createRepositories(database.db),
    scheduler,
    secrets: createSecretBox(TEST_ENCRYPTION_KEY),
    logger: silentLogger,
    connectors: createConnector,
    // Vendor retries without long waits; Retry-After from fakes is still honoured.
    connectorHttp: { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 5_000 },
    now: opts.now ?? (() => new Date()),
  };
  return {
    ctx,
    testDb,
    scheduler,
    async reset() {
      await testDb.truncateAll();
      for (const job of await scheduler.listJobs()) await scheduler.cancel(job.name);
    },
    async close() {
      await scheduler.close();
      await testDb.close();
    },
  };
}
