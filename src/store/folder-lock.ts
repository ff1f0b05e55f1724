// An exclusive lock on the embedded database folder: PGlite has none, and two processes on one folder corrupt it.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The database folder ${dataDir} is in use by another process (pid ${pid}). ` +
        `Stop that process, or point DATA_DIR at another folder, or set DATABASE_URL to a PostgreSQL server to run several processes. ` +
        `If no such process is running, delete ${join(dataDir, '.lock')}.`,
    );
  }
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwnerPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Takes `<dataDir>/.lock` (O_EXCL, holding our pid); a lock left by a dead process is taken over. */
export function lockDataFolder(dataDir: string): FolderLock {
  const path = join(dataDir, '.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          if (readOwnerPid(path) !== process.pid) return;
          try {
            unlinkSync(path);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwnerPid(path);
    // A pid is written right after the exclusive create; an empty file means its writer is mid-way: look again.
    if (owner !== null && processIsAlive(owner)) throw new DatabaseLockedError(dataDir, owner);
    if (owner === null && attempt === 0) continue;
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new DatabaseLockedError(dataDir, readOwnerPid(path) ?? 0);
}
