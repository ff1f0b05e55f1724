// The CLI as a user runs it: `npx tsx src/cli.ts …` in a child process against a database this test prepared
// (a PGlite data folder, or a fresh PostgreSQL database when TEST_DATABASE_URL is set) and a fake Zendesk.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../src/connectors/registry.js';
import { createSecretBox } from '../src/domain/crypto.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../src/fakes/zendesk/index.js';
import { createScheduler } from '../src/jobs/scheduler.js';
import { silentLogger } from '../src/logger.js';
import { createServices } from '../src/services/index.js';
import { createRepositories, openDatabase, type Database } from '../src/store/index.js';
import { addAgents, publishProfile, ZENDESK_TOKEN } from './e2e/world.js';
import { runCli, type CliRun } from './support/cli.js';

const KEY_HEX = randomBytes(32).toString('hex');
const serverUrl = process.env.TEST_DATABASE_URL?.trim();

let fake: FakeZendesk;
let idle: FakeZendeskUser[];
let dataDir: string | undefined;
let databaseUrl: string | undefined;

function cli(...args: string[]): Promise<CliRun> {
  return runCli({ ENCRYPTION_KEY: KEY_HEX, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir! }) }, ...args);
}

function openPrepared(): Promise<Database> {
  return databaseUrl ? openDatabase({ url: databaseUrl }) : openDatabase({ dataDir: dataDir! });
}

beforeAll(async () => {
  fake = await startFakeZendesk();
  const admin = fake.org.addUser({ email: 'it-admin@acme.test', role: 'admin', lastLoginAt: new Date() });
  fake.addApiToken(admin.id, ZENDESK_TOKEN);
  addAgents(fake, 'busy', 25, (i) => i);
  idle = addAgents(fake, 'idle', 5, (i) => 80 + i * 10);

  if (serverUrl) {
    const name = `cli_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'license-cli-'));
  }

  // What an admin did in Slack: a published Zendesk profile with its credentials encrypted under the key.
  const database = await openPrepared();
  const scheduler = await createScheduler({
    backend: database.kind === 'pg' ? { kind: 'pg', pool: database.pool! } : { kind: 'pglite', pglite: database.pglite! },
    logger: silentLogger,
  });
  try {
    const services = createServices({
      database,
      repos: createRepositories(database.db),
      scheduler,
      secrets: createSecretBox(Buffer.from(KEY_HEX, 'hex')),
      logger: silentLogger,
      connectors: createConnector,
      now: () => new Date(),
    });
    await publishProfile(
      services,
      'zendesk',
      { displayName: 'CLI Zendesk', maxReclaimShare: 1 },
      { baseUrl: fake.url, authKind: 'api_token', params: { email: admin.email }, secrets: { apiToken: ZENDESK_TOKEN } },
    );
  } finally {
    await scheduler.close();
    await database.close();
  }
}, 90_000);

afterAll(async () => {
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (serverUrl && databaseUrl) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();
  }
});

/** Column start offsets from the header line, so a test can check the table is aligned. */
function columnStarts(header: string): number[] {
  return [...header.matchAll(/(?:^|\s{2})(\S)/g)].map((m) => m.index + m[0].length - 1);
}

describe('npm run cli', () => {
  it('syncs, lists candidates, approves, reclaims and reports', async () => {
    const profiles = await cli('profiles');
    expect(profiles.stderr).toBe('');
    expect(profiles.code).toBe(0);
    expect(profiles.stdout).toMatch(/^Profile\s+Vendor\s+Status\s+Reclaim\s+Seats\s+Pending/);
    expect(profiles.stdout).toMatch(/CLI Zendesk\s+Zendesk\s+published\s+on\s+0\s+0\s+0\s+0\s+never/);

    const sync = await cli('sync', 'cli zendesk');
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain('Download CLI Zendesk Subscriptions: succeeded');
    const [, header, , counts] = sync.stdout.split('\n');
    expect(header).toMatch(/^New\s+Updated\s+Removed\s+Unchanged\s+Seats/);
    expect(counts!.trim().split(/\s+/).slice(0, 5)).toEqual(['31', '0', '0', '0', '31']);
    expect(sync.stdout).toMatch(/Evaluate CLI Zendesk Reclamation Rules: succeeded \(31 seats, 5 new candidates, 0 closed, 0 held for confirmation\)/);

    const list = await cli('candidates', 'CLI Zendesk');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^User\s+License\s+Last activity\s+Days\s+State\s+Reason\s+Id$/);
    const rows = lines.slice(2, 7);
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(idle.map((u) => u.email).sort());
    const stateAt = columnStarts(lines[0]!)[4]!;
    for (const row of rows) expect(row.slice(stateAt, stateAt + 7)).toBe('pending');
    expect(rows.every((r) => /Zendesk agent/.test(r) && /No activity for \d+ days/.test(r))).toBe(true);
    expect(lines.at(-1)).toBe('5 candidates for CLI Zendesk: 5 pending');

    const target = rows.find((r) => r.startsWith('idle0@'))!;
    const id = target.trim().split(/\s+/).at(-1)!;
    const approve = await cli('approve', id);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toMatch(/^Approved idle0@acme\.test \(Zendesk agent\): the bot reclaims it within seconds/);
    const twice = await cli('approve', id);
    expect(twice.code).toBe(1);
    expect(twice.stdout).toContain(`Not approved ${id}: Cannot approve: this candidate is already approved`);

    const reclaim = await cli('reclaim');
    expect(reclaim.code).toBe(0);
    expect(reclaim.stdout).toMatch(/idle0@acme\.test\s+reclaimed\s+downgraded from agent to end-user/);
    expect(reclaim.stdout).toContain('Reclaim executor: 1 picked, 1 reclaimed, 0 already free, 0 failed');
    expect(fake.org.userByEmail('idle0@acme.test')!.role).toBe('end-user');
    expect(fake.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);

    const report = await cli('report');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^Reconciliation on \d{4}-\d{2}-\d{2}/);
    expect(report.stdout).toMatch(/Profile\s+Model\s+Purchased\s+Assigned\s+Active\s+Inactive\s+Days\s+Position/);
    expect(report.stdout).toMatch(/CLI Zendesk\s+Zendesk agent\s+0\s+29\s+25\s+4\s+60\s+UNDER by 29/);
    expect(report.stdout).toContain('No cost known (add entitlements in Slack: /license entitlements): Zendesk admin, Zendesk agent');
  }, 180_000);

  it('prints one line and exits 1 for an unknown profile', async () => {
    const unknown = await cli('candidates', 'Nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('saas-license-bot cli: No profile named "Nope".\n');
  }, 60_000);

  it.skipIf(serverUrl !== undefined)('tells the user to use the bot or stop it when the bot holds the data folder', async () => {
    const held = await openPrepared();
    try {
      const run = await cli('profiles');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^saas-license-bot cli: the embedded database in .* is in use by another process \(pid \d+\), most likely the bot\. Use the bot \(\/license …\) while it runs, or stop it and run this command again\./);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await held.close();
    }
  }, 60_000);
});
