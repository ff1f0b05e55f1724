// What the benchmark scripts share: resource sampling, the database under test, child processes, tables.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { ConnectorFactory } from '../src/connectors/registry.js';
import { createSecretBox, generateKey } from '../src/domain/crypto.js';
import { createScheduler } from '../src/jobs/scheduler.js';
import { silentLogger } from '../src/logger.js';
import type { ServiceContext } from '../src/services/context.js';
import { createRepositories, openDatabase, redactDatabaseUrl } from '../src/store/index.js';

export const redactUrl = redactDatabaseUrl;

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

export interface ResourceFigures {
  wallSeconds: number;
  /** User + system CPU of this process over the measured span. */
  cpuSeconds: number;
  peakRssMb: number;
  /** RSS when the measurement started. */
  startRssMb: number;
}

/** Samples RSS every 50 ms (and at the end) and CPU time over a span. */
export function startSampling(): { stop(): ResourceFigures } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      const cpu = process.cpuUsage(cpu0);
      return {
        wallSeconds: (performance.now() - t0) / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        peakRssMb: peak / 2 ** 20,
        startRssMb: startRss / 2 ** 20,
      };
    },
  };
}

/** The PostgreSQL server benchmarks use: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local test database. */
export function postgresUrl(): string {
  return process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';
}

/** Why the server cannot be used, or undefined when it answers. */
export async function postgresUnavailable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}


export const scratchSchema = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

export type Backend = 'pglite' | 'postgres';

/**
 * Runs `tsx <script> ...args` with the output passed through, and returns the last line that starts with
 * `RESULT ` parsed as JSON (each measurement runs in its own process so RSS and CPU are its own).
 */
export async function runChild<T>(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; echo?: (line: string) => void } = {}): Promise<T> {
  const child = spawn(process.execPath, ['--expose-gc', TSX, script, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let result: T | undefined;
  let errors = '';
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as T;
      else opts.echo?.(line);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || result === undefined) throw new Error(`${script} ${args.join(' ')} exited with ${code}: ${errors.trim().split('\n').slice(-5).join(' | ')}`);
  return result;
}

/** Prints one machine-readable line for the parent process. */
export function emitResult(value: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(value)}\n`);
}

/** A plain-text table: the first column left-aligned, the others right-aligned unless `leftAligned`. */
export function table(headers: string[], rows: Array<Array<string | number>>, opts: { leftAligned?: boolean } = {}): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || opts.leftAligned ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Command-line `--name=value` / `--flag` reading. */
export function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(prefix));
  if (hit) return hit.slice(prefix.length);
  const i = process.argv.indexOf(`--${name}`);
  const next = i >= 0 ? process.argv[i + 1] : undefined;
  return next !== undefined && !next.startsWith('--') ? next : undefined;
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * A service context over a fresh benchmark database: in-memory PGlite, or a scratch schema on the PostgreSQL
 * server (dropped by close()), with a throw-away encryption key and the given connector factory.
 */
export async function openBenchContext(backend: 'pglite' | 'postgres', schemaPrefix: string, connectors: ConnectorFactory): Promise<{ ctx: ServiceContext; close(): Promise<void> }> {
  const schema = backend === 'postgres' ? scratchSchema(schemaPrefix) : undefined;
  const database = await openDatabase({ url: backend === 'postgres' ? postgresUrl() : 'memory://', ...(schema ? { schema } : {}) });
  const scheduler = await createScheduler({
    backend: database.kind === 'pg' ? { kind: 'pg', pool: database.pool! } : { kind: 'pglite', pglite: database.pglite! },
    logger: silentLogger,
  });
  const ctx: ServiceContext = {
    database,
    repos: createRepositories(database.db),
    scheduler,
    secrets: createSecretBox(Buffer.from(generateKey(), 'hex')),
    logger: silentLogger,
    connectors,
    now: () => new Date(),
  };
  return {
    ctx,
    async close() {
      await scheduler.close({ timeoutMs: 5_000 });
      if (schema) await database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      await database.close();
    },
  };
}
