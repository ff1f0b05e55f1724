import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseConnectError,
  DatabaseLockedError,
  MIGRATIONS_FOLDER,
  openDatabase,
} from '../../src/store/database.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const EXPECTED_TABLES = [
  'audit_log',
  'connections',
  'consumption_snapshots',
  'entitlements',
  'exclusion_rules',
  'integration_profiles',
  'job_runs',
  'reclamation_rules',
  'removal_candidates',
  'settings',
  'software_models',
  'subscriptions',
  'unrecognized_identifiers',
];

async function tablesInCurrentSchema(t: TestDatabase['database']): Promise<string[]> {
  const result = await t.db.execute<{ table_name: string }>(sql`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`);
  return result.rows.map((r) => r.table_name);
}

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates every table in the current schema, with the journal beside them', async () => {
    const tables = await tablesInCurrentSchema(t.database);
    expect(tables).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    const journal = await t.database.db.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = '__drizzle_migrations'
        AND table_schema = ${t.backend === 'postgres' ? t.database.schema! : 'drizzle'}`);
    expect(journal.rows[0]?.n).toBe(1);
  });

  it('generated SQL names no schema, so search_path isolates tests', () => {
    for (const file of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql'))) {
      expect(readFileSync(join(MIGRATIONS_FOLDER, file), 'utf8')).not.toMatch(/"public"\./);
    }
  });

  it('answers ping and vacuum', async () => {
    await t.database.ping();
    await t.database.vacuum();
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))('a second open of the same schema finds nothing to migrate and keeps the data', async () => {
    const repos = createRepositories(t.database.db);
    await repos.settings.set('probe', { kept: true });
    const again = await openDatabase({ url: process.env.TEST_DATABASE_URL!, schema: t.database.schema! });
    try {
      expect(await createRepositories(again.db).settings.get('probe')).toEqual({ kept: true });
      const applied = await again.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM __drizzle_migrations`);
      expect(applied.rows[0]?.n).toBe(readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length);
    } finally {
      await again.close();
    }
  });
});

describe('embedded database folder lock', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slb-pglite-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second open while held, reopens with the data after close, and takes over a dead owner’s lock', async () => {
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    await createRepositories(first.db).settings.set('approval_channel', 'C123');

    const second = await openDatabase({ dataDir }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(second).toBeInstanceOf(DatabaseLockedError);
    expect((second as Error).message).toContain(`pid ${process.pid}`);
    expect((second as Error).message).toContain(join(dataDir, '.lock'));

    // Another process is refused too (the lock is checked before PGlite starts, so this is quick).
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { openDatabase } from ${JSON.stringify(new URL('../../src/store/database.ts', import.meta.url).href)};
         openDatabase({ dataDir: ${JSON.stringify(dataDir)} }).then(
           async (d) => { await d.close(); process.exit(0); },
           (e) => { console.log(e.name); process.exit(3); });`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(3);
    expect(child.stdout.trim()).toBe('DatabaseLockedError');

    await first.close();
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);

    const reopened = await openDatabase({ dataDir });
    expect(await createRepositories(reopened.db).settings.get('approval_channel')).toBe('C123');
    await reopened.close();

    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.pid).toBeGreaterThan(0);
    writeFileSync(join(dataDir, '.lock'), `${dead.pid}\n`);
    const takenOver = await openDatabase({ dataDir });
    expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(await createRepositories(takenOver.db).settings.get('approval_channel')).toBe('C123');
    await takenOver.close();
  });
});

describe('server connection errors', () => {
  const password = 'Sup3r-secret-pw';

  it('an unreachable server gives a one-line DatabaseConnectError without the password', async () => {
    const err = await openDatabase({ url: `postgres://bot:${password}@127.0.0.1:1/licenses` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseConnectError);
    const message = (err as Error).message;
    expect(message).toContain('127.0.0.1:1/licenses');
    expect(message).toContain('connection refused');
    expect(message).not.toContain(password);
    expect(message).not.toContain('\n');
  });

  it('a malformed URL gives a DatabaseConnectError without the password', async () => {
    const err = await openDatabase({ url: `postgres://bot:${password}@/` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect((err as Error).message).not.toContain(password);
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))('a database that does not exist is named as such', async () => {
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.password = password;
    u.pathname = '/no_such_database_here';
    const err = await openDatabase({ url: u.toString() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect((err as Error).message).toContain('does not exist');
    expect((err as Error).message).not.toContain(password);
  });
});
