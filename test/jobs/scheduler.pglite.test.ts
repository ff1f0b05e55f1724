// The scheduler on the embedded database: one in-memory PGlite for the file, one jobs table per test.
import { afterAll, beforeAll, describe } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { defineSchedulerSuite, type SuiteBackend } from './scheduler-suite.js';

let pglite: PGlite;
const suite: SuiteBackend = {
  label: 'pglite',
  backend: () => ({ kind: 'pglite', pglite }),
  latencies: [],
};

beforeAll(async () => {
  pglite = new PGlite();
  await pglite.waitReady;
});

afterAll(async () => {
  if (suite.latencies.length) console.log(`[pglite] now() → handler pickup ms: ${suite.latencies.join(', ')}`);
  await pglite?.close();
});

describe('on PGlite', () => {
  defineSchedulerSuite(() => suite);
});
