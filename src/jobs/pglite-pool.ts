// Presents an embedded PGlite as the small part of a node-postgres Pool that Agenda's Postgres backend uses.
//
// PGlite is one Postgres session, so "connections" here are views on that session:
// - queries go straight to PGlite, which runs one statement at a time;
// - a client that opens a transaction (BEGIN) takes PGlite's own transaction lock until COMMIT/ROLLBACK
//   or release(), so nothing else (pool queries, other clients, other users of the same PGlite such as
//   Drizzle) runs inside it;
// - LISTEN/UNLISTEN on a client become PGlite listen()/unlisten calls whose payloads are emitted as the
//   client's 'notification' event, which is what lets a job saved "now" be picked up without a poll.
// pglite-socket is deliberately not used: it serialises all sockets into one session and loses NOTIFY.
import { EventEmitter } from 'node:events';
import { TransactionAbortedError } from '@electric-sql/pglite';
import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';

type PgliteSession = Pick<PGlite, 'query' | 'exec' | 'transaction' | 'listen' | 'unlisten'>;

export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  rowMode?: 'array';
  name?: string;
}

export interface PgQueryResult<R = Record<string, unknown>> {
  command: string;
  rowCount: number;
  rows: R[];
  fields: { name: string; dataTypeID: number }[];
}

export interface PgNotification {
  processId: number;
  channel: string;
  payload?: string;
}

export interface PglitePoolClient extends EventEmitter {
  query<R = Record<string, unknown>>(text: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>>;
  release(destroy?: boolean | Error): void;
}

export interface PglitePool extends EventEmitter {
  query<R = Record<string, unknown>>(text: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>>;
  connect(): Promise<PglitePoolClient>;
  end(): Promise<void>;
  readonly ended: boolean;
}

const BEGIN = /^\s*(begin|start\s+transaction)\b\s*(?:(?:work|transaction)\b)?\s*(.*?)\s*;?\s*$/is;
const COMMIT = /^\s*(commit|end)\b(?!\s+and\s+chain)/i;
// "ROLLBACK TO SAVEPOINT x" stays inside the transaction; only a bare ROLLBACK ends it.
const ROLLBACK = /^\s*(rollback|abort)\b(?!\s+to\b)(?:\s+(?:work|transaction))?\s*;?\s*$/i;
const LISTEN = /^\s*(listen|unlisten)\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|\*)\s*;?\s*$/i;

/** Channel key as Postgres sees it: quoted names keep their case, bare names fold to lower case. */
function channelKey(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
}

function toPgResult<R>(res: Results<R>): PgQueryResult<R> {
  return {
    command: res.command ?? '',
    rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length,
    rows: res.rows,
    fields: res.fields,
  };
}

async function runOn<R>(
  target: Pick<Transaction, 'query' | 'exec'>,
  text: string,
  values: unknown[] | undefined,
  rowMode: 'array' | undefined,
): Promise<PgQueryResult<R>> {
  const options: QueryOptions = rowMode ? { rowMode } : {};
  if (values && values.length > 0) return toPgResult(await target.query<R>(text, values, options));
  // No parameters: the simple protocol, which (like node-postgres) accepts several statements in one string.
  const all = await target.exec(text, options);
  const last = all[all.length - 1];
  return last ? toPgResult(last as Results<R>) : { command: '', rowCount: 0, rows: [], fields: [] };
}

function normalise(text: string | PgQueryConfig, values?: unknown[]): PgQueryConfig {
  return typeof text === 'string' ? { text, values } : { ...text, values: values ?? text.values };
}

class PglitePoolImpl extends EventEmitter implements PglitePool {
  #ended = false;
  readonly #clients = new Set<PgliteClient>();

  constructor(readonly pglite: PgliteSession) {
    super();
  }

  get ended(): boolean {
    return this.#ended;
  }

  assertOpen(): void {
    if (this.#ended) throw new Error('Cannot use a pool after calling end on the pool');
  }

  async query<R = Record<string, unknown>>(text: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>> {
    this.assertOpen();
    const q = normalise(text, values);
    if (BEGIN.test(q.text)) throw new Error('Use pool.connect() for transactions: pool.query() runs each statement alone');
    return runOn<R>(this.pglite, q.text, q.values, q.rowMode);
  }

  async connect(): Promise<PglitePoolClient> {
    this.assertOpen();
    const client = new PgliteClient(this);
    this.#clients.add(client);
    return client;
  }

  forget(client: PgliteClient): void {
    this.#clients.delete(client);
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    // The PGlite instance belongs to the caller; only this pool's listeners and open transactions end here.
    await Promise.all([...this.#clients].map((c) => c.close()));
    this.emit('end');
  }
}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction callback: true commits, false rolls back. */
  finish: (commit: boolean) => void;
  /** Settles when PGlite has committed or rolled back. */
  done: Promise<unknown>;
}

class PgliteClient extends EventEmitter implements PglitePoolClient {
  #open: OpenTransaction | undefined;
  #released = false;
  readonly #unlisteners = new Map<string, () => Promise<void>>();

  constructor(private readonly pool: PglitePoolImpl) {
    super();
  }

  async query<R = Record<string, unknown>>(text: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>> {
    if (this.#released) throw new Error('Client was released and cannot be used');
    this.pool.assertOpen();
    const q = normalise(text, values);

    const begin = BEGIN.exec(q.text);
    if (begin) {
      if (this.#open) throw new Error('A transaction is already in progress on this client');
      this.#open = await this.#begin();
      const modes = begin[2]?.trim();
      if (modes) await this.#open.tx.exec(`SET TRANSACTION ${modes}`);
      return { command: 'BEGIN', rowCount: 0, rows: [], fields: [] };
    }
    if (this.#open && COMMIT.test(q.text)) return this.#end(true, 'COMMIT');
    if (this.#open && ROLLBACK.test(q.text)) return this.#end(false, 'ROLLBACK');

    const listen = LISTEN.exec(q.text);
    if (listen && listen[1] && listen[2]) {
      await (listen[1].toLowerCase() === 'listen' ? this.#listen(listen[2]) : this.#unlisten(listen[2]));
      return { command: listen[1].toUpperCase(), rowCount: 0, rows: [], fields: [] };
    }

    return runOn<R>(this.#open ? this.#open.tx : this.pool.pglite, q.text, q.values, q.rowMode);
  }

  async #begin(): Promise<OpenTransaction> {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    let opened!: (tx: Transaction) => void;
    const ready = new Promise<Transaction>((resolve) => (opened = resolve));
    // PGlite's transaction() holds its transaction lock until the callback settles; we settle it on COMMIT/ROLLBACK.
    const done = this.pool.pglite.transaction(async (tx) => {
      opened(tx);
      if (!(await decided)) await tx.rollback();
    });
    // BEGIN itself failing (e.g. PGlite closed) must surface as the BEGIN's error, not hang.
    let failure: unknown = new Error('transaction ended before it began');
    const ended = done.then(
      () => null,
      (err: unknown) => {
        failure = err;
        return null;
      },
    );
    const tx = await Promise.race([ready, ended]);
    if (!tx) throw failure;
    return { tx, finish, done };
  }

  async #end(commit: boolean, command: 'COMMIT' | 'ROLLBACK'): Promise<PgQueryResult<never>> {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return { command, rowCount: 0, rows: [], fields: [] };
    open.finish(commit);
    try {
      await open.done;
    } catch (err) {
      // node-postgres answers COMMIT of a failed transaction with a ROLLBACK tag, not an error; so do we.
      if (commit && err instanceof TransactionAbortedError) return { command: 'ROLLBACK', rowCount: 0, rows: [], fields: [] };
      throw err;
    }
    return { command, rowCount: 0, rows: [], fields: [] };
  }

  async #listen(identifier: string): Promise<void> {
    if (identifier === '*') throw new Error('LISTEN * is not valid');
    const key = channelKey(identifier);
    if (this.#unlisteners.has(key)) return;
    const onPayload = (payload: string): void => {
      const notification: PgNotification = { processId: 0, channel: key, payload };
      this.emit('notification', notification);
    };
    await this.pool.pglite.listen(identifier, onPayload);
    // Not the function listen() returns: PGlite 0.5 passes it the unquoted channel name, so
    // UNLISTEN fails with a syntax error for a name such as "agenda_jobs:state".
    this.#unlisteners.set(key, () => this.pool.pglite.unlisten(identifier, onPayload));
  }

  async #unlisten(identifier: string): Promise<void> {
    const keys = identifier === '*' ? [...this.#unlisteners.keys()] : [channelKey(identifier)];
    for (const key of keys) {
      const unlisten = this.#unlisteners.get(key);
      this.#unlisteners.delete(key);
      await unlisten?.();
    }
  }

  /** Rolls back an open transaction and drops this client's listeners. */
  async close(): Promise<void> {
    this.#released = true;
    this.pool.forget(this);
    if (this.#open) await this.#end(false, 'ROLLBACK').catch((err: unknown) => this.emit('error', err));
    await this.#unlisten('*').catch((err: unknown) => this.emit('error', err));
  }

  release(): void {
    if (this.#released) throw new Error('Release called on client which has already been released to the pool.');
    // node-postgres returns the session as is; here the session is shared, so a transaction left open would
    // block every other query forever. Roll it back instead.
    void this.close();
  }
}

/** A node-postgres-shaped pool over one PGlite instance, for Agenda's Postgres backend. */
export function createPglitePool(pglite: PgliteSession): PglitePool {
  return new PglitePoolImpl(pglite);
}
