// A named lock held for the length of a piece of work, across processes on a PostgreSQL server (a session
// advisory lock on a connection of its own, released by the server if the process dies) and within the one
// process that owns an embedded PGlite folder (the folder lock already keeps every other process out).
import type { Database } from './database.js';

export type ReleaseLock = () => Promise<void>;

const heldInProcess = new WeakMap<Database, Set<string>>();

/** Takes the lock if nobody holds it; null when someone does. Never waits. */
export async function tryAdvisoryLock(database: Database, key: string): Promise<ReleaseLock | null> {
  if (database.kind === 'pglite' || !database.pool) {
    const held = heldInProcess.get(database) ?? new Set<string>();
    heldInProcess.set(database, held);
    if (held.has(key)) return null;
    held.add(key);
    return async () => {
      held.delete(key);
    };
  }
  const client = await database.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
    if (!rows[0]?.locked) {
      client.release();
      return null;
    }
  } catch (err) {
    client.release();
    throw err;
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      client.release();
    } catch {
      // A broken connection drops its session locks with it.
      client.release(true);
    }
  };
}

/** Waits for the lock, checking every pollMs, for at most waitMs; null if it is still held then. */
export async function waitForAdvisoryLock(database: Database, key: string, opts: { waitMs: number; pollMs?: number }): Promise<ReleaseLock | null> {
  const until = Date.now() + opts.waitMs;
  for (;;) {
    const release = await tryAdvisoryLock(database, key);
    if (release || Date.now() >= until) return release;
    await new Promise((resolve) => setTimeout(resolve, Math.min(opts.pollMs ?? 500, Math.max(0, until - Date.now()))));
  }
}
