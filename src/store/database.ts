// Opens the database (PostgreSQL server through node-postgres, or embedded PGlite) and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { getTableName, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import { silentLogger, type Logger } from '../logger.js';
import { lockDataFolder, type FolderLock } from './folder-lock.js';
import * as schema from './schema.js';

export { DatabaseLockedError } from './folder-lock.js';

export type Schema = typeof schema;

/** The result shape both drivers share for raw `db.execute(sql…)`: an object with `rows`. */
export interface StoreQueryResult<TRow> {
  rows: TRow[];
}
export interface StoreQueryResultHKT extends PgQueryResultHKT {
  type: StoreQueryResult<this['row']>;
}

/** One Drizzle type for both drivers, so every repository is written once. A transaction is assignable to it. */
export type Db = PgDatabase<StoreQueryResultHKT, Schema>;
export type Tx = PgTransaction<StoreQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface Database {
  kind: 'pg' | 'pglite';
  db: Db;
  pool?: pg.Pool;
  pglite?: PGlite;
  /** The isolated schema when one was asked for. */
  schema?: string;
  ping(): Promise<void>;
  /** VACUUM ANALYZE of the tables that churn on every sync (PGlite has no autovacuum). */
  vacuum(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… for a server, 'memory://' for a throw-away PGlite, unset for PGlite in `dataDir`. */
  url?: string;
  dataDir?: string;
  /** Test isolation: every table (and the migrations journal) lives in this schema, created if missing. */
  schema?: string;
  logger?: Logger;
}

export class DatabaseConnectError extends Error {
  override readonly name = 'DatabaseConnectError';
}

/** Resolved from this file, not the working directory: src/store → repo root → drizzle/. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

const CHURNING_TABLES = [
  schema.subscriptions,
  schema.removalCandidates,
  schema.unrecognizedIdentifiers,
  schema.consumptionSnapshots,
  schema.jobRuns,
];

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  const logger = opts.logger ?? silentLogger;
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`Invalid schema name "${opts.schema}": use lower-case letters, digits and underscores`);
  }
  const url = opts.url?.trim() || undefined;
  if (url && url !== 'memory://') return openServer(url, opts.schema, logger);
  return openEmbedded(url === 'memory://' ? undefined : (opts.dataDir ?? './data'), opts.schema, logger);
}

function vacuumStatement() {
  return sql.raw(`VACUUM (ANALYZE) ${CHURNING_TABLES.map((t) => `"${getTableName(t)}"`).join(', ')}`);
}

async function openServer(url: string, isolatedSchema: string | undefined, logger: Logger): Promise<Database> {
  const where = describeServer(url);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    ...(isolatedSchema ? { options: `-c search_path=${isolatedSchema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) => logger.warn({ err: scrub(err.message, url) }, 'database connection dropped'));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseConnectError(`Cannot connect to PostgreSQL at ${where}: ${scrub(reasonOf(err), url)}`);
  }

  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const db = drizzle({ client: pool, schema });
  try {
    const started = performance.now();
    // Several replicas may start together: one migrates while the others wait on the advisory lock.
    const client = await pool.connect();
    try {
      const lockKey = `saas-license-bot:migrate:${isolatedSchema ?? 'default'}`;
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      try {
        if (isolatedSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${isolatedSchema}"`);
        await migrate(drizzle({ client }), {
          migrationsFolder: MIGRATIONS_FOLDER,
          ...(isolatedSchema ? { migrationsSchema: isolatedSchema } : {}),
        });
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      client.release();
    }
    logger.info({ backend: 'pg', server: where, ms: Math.round(performance.now() - started) }, 'database ready');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  let closed = false;
  return {
    kind: 'pg',
    db: db as unknown as Db,
    pool,
    ...(isolatedSchema ? { schema: isolatedSchema } : {}),
    async ping() {
      await pool.query('SELECT 1');
    },
    async vacuum() {
      await db.execute(vacuumStatement());
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function openEmbedded(dataDir: string | undefined, isolatedSchema: string | undefined, logger: Logger): Promise<Database> {
  let lock: FolderLock | undefined;
  let folder: string | undefined;
  if (dataDir !== undefined) {
    folder = resolve(dataDir);
    mkdirSync(folder, { recursive: true });
    lock = lockDataFolder(folder);
  }
  let client: PGlite | undefined;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const started = performance.now();
    client = await PGlite.create(folder);
    if (isolatedSchema) {
      // PGlite is one session, so a SET lasts for the life of the instance.
      await client.exec(`CREATE SCHEMA IF NOT EXISTS "${isolatedSchema}"; SET search_path TO "${isolatedSchema}"`);
    }
    const db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER, ...(isolatedSchema ? { migrationsSchema: isolatedSchema } : {}) });
    logger.info(
      { backend: 'pglite', dataDir: folder ?? 'memory', ms: Math.round(performance.now() - started) },
      'database ready',
    );

    const pglite = client;
    let closed = false;
    return {
      kind: 'pglite',
      db: db as unknown as Db,
      pglite,
      ...(isolatedSchema ? { schema: isolatedSchema } : {}),
      async ping() {
        await pglite.query('SELECT 1');
      },
      async vacuum() {
        await db.execute(vacuumStatement());
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          await pglite.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    await client?.close().catch(() => undefined);
    lock?.release();
    throw err;
  }
}

/** host:port/database, never the user's password. */
function describeServer(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DatabaseConnectError('DATABASE_URL is not a valid URL: expected postgres://user:password@host:5432/database');
  }
  if ((u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || u.hostname === '') {
    throw new DatabaseConnectError('DATABASE_URL must look like postgres://user:password@host:5432/database');
  }
  return `${u.hostname}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
}

function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case '28P01':
    case '28000':
      return 'authentication failed (check the user and password)';
    case '3D000':
      return 'the database does not exist';
    default: {
      const message = (e.message ?? String(err)).split('\n')[0] ?? '';
      return /timeout/i.test(message) ? 'timed out' : message || 'unknown error';
    }
  }
}

/** A database URL fit to print: the password masked. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Removes the password (raw and URL-decoded) from a driver message, whatever the driver put in it. */
function scrub(message: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return message;
  }
  if (!password) return message;
  let out = message;
  for (const secret of new Set([password, decodeURIComponent(password)])) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}
