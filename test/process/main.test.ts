// `npm start` as a user meets it: a real process on a real data folder, its health check, the folder lock,
// Ctrl-C, a restart, and the one-line start-up errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { createRepositories } from '../../src/store/repositories/index.js';

const TSX = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'slb-main-'));
  dirs.push(d);
  return d;
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Env for the bot: no Slack credentials, no PostgreSQL; the sandbox demo off so the test stays small. */
function botEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', SANDBOX_DEMO: 'off', ...extra };
  return env;
}

function start(env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [TSX, 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, url: '', output: () => out };
}

async function waitForUrl(s: Started, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /"url":"(http:\/\/[^"]+)"/.exec(s.output());
    if (m) return m[1]!;
    if (s.child.exitCode !== null) throw new Error(`bot exited early:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`bot did not come up:\n${s.output()}`);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start', () => {
  it('starts in sandbox mode, answers /healthz, refuses a second process on the folder, stops on Ctrl-C and reopens the data', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = start(botEnv({ DATA_DIR: dataDir }));
    const url = await waitForUrl(first);

    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const health = (await res.json()) as Record<string, { ok: boolean }>;
    expect(health).toMatchObject({ ok: true, mode: 'sandbox', database: { ok: true, kind: 'pglite' }, scheduler: { ok: true, running: true } });
    expect(first.output()).toMatch(/sandbox mode/);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dataDir, 'encryption.key'), 'utf8');

    const before = readdirSync(dataDir).sort();
    const second = start(botEnv({ DATA_DIR: dataDir }));
    expect(await exited(second.child)).toBe(1);
    expect(second.output()).toMatch(/in use by another process \(pid \d+\)/);
    expect(second.output()).not.toMatch(/\n\s+at /);
    expect(readdirSync(dataDir).sort()).toEqual(before);

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    expect(first.output()).toMatch(/"msg":"stopped"/);
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);

    // Data written between runs is there after a restart, with the same key.
    const db = await openDatabase({ dataDir });
    await createRepositories(db.db).profiles.create({ vendor: 'zendesk', displayName: 'Kept Across Restarts', createdBy: 'test' });
    await db.close();

    const third = start(botEnv({ DATA_DIR: dataDir }));
    const url3 = await waitForUrl(third);
    expect((await fetch(`${url3}/healthz`)).status).toBe(200);
    third.child.kill('SIGTERM');
    expect(await exited(third.child)).toBe(0);
    expect(readFileSync(join(dataDir, 'encryption.key'), 'utf8')).toBe(key);

    const reopened = await openDatabase({ dataDir });
    const names = (await createRepositories(reopened.db).profiles.list()).map((p) => p.displayName);
    await reopened.close();
    expect(names).toContain('Kept Across Restarts');
  }, 180_000);

  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root:hunter2@localhost/db' }, /DATABASE_URL must be/],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'not-a-key' }, /ENCRYPTION_KEY must be 32 bytes/],
    ['unreachable server', { DATABASE_URL: 'postgres://bot:hunter2@127.0.0.1:1/db' }, /Cannot connect to PostgreSQL/],
  ])('a bad %s stops start-up with one clear line', async (_name, extra, pattern) => {
    const s = start(botEnv({ DATA_DIR: join(tempDir(), 'data'), ...extra }));
    expect(await exited(s.child)).toBe(1);
    const lines = s.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(s.output()).not.toContain('hunter2');
  }, 60_000);
});
