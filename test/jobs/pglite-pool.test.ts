// The node-postgres-shaped adapter over one PGlite session, exercised on a real in-memory PGlite.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createPglitePool, type PgNotification, type PglitePool } from '../../src/jobs/pglite-pool.js';
import { waitFor } from './scheduler-suite.js';

let pglite: PGlite;
let pool: PglitePool;

beforeAll(async () => {
  pglite = new PGlite();
  await pglite.waitReady;
});

afterAll(async () => {
  await pglite?.close();
});

beforeEach(async () => {
  pool = createPglitePool(pglite);
  await pool.query('DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, doc jsonb, at timestamptz)');
});

describe('createPglitePool', () => {
  it('answers text + values and config objects the way node-postgres does', async () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const inserted = await pool.query('INSERT INTO items VALUES ($1, $2, $3) RETURNING *', [1, JSON.stringify({ a: 1 }), at]);
    expect(inserted.rowCount).toBe(1);
    expect(inserted.rows[0]).toEqual({ id: 1, doc: { a: 1 }, at });

    await pool.query({ text: 'INSERT INTO items VALUES ($1, $2, $3)', values: [2, JSON.stringify({ a: 2 }), at] });
    const updated = await pool.query('UPDATE items SET doc = doc || $1::jsonb', [JSON.stringify({ b: true })]);
    expect(updated.rowCount).toBe(2);

    const arr = await pool.query({ text: 'SELECT id FROM items WHERE id = ANY($1::int[]) ORDER BY id', values: [[1, 2]], rowMode: 'array' });
    expect(arr.rows).toEqual([[1], [2]]);
    const byKey = await pool.query("SELECT id FROM items WHERE doc->>$1 = $2", ['a', '2']);
    expect(byKey.rows).toEqual([{ id: 2 }]);
  });

  it('keeps everything else out of a client\'s transaction until it commits', async () => {
    const order: string[] = [];
    const a = await pool.connect();
    await a.query('BEGIN');
    await a.query('INSERT INTO items (id) VALUES (1)');

    const outside = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items').then((r) => {
      order.push(`outside saw ${r.rows[0]!.n}`);
    });
    const b = await pool.connect();
    const other = b.query('BEGIN').then(async () => {
      order.push('b began');
      await b.query('INSERT INTO items (id) VALUES (2)');
      await b.query('COMMIT');
    });

    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual([]); // both wait for a's transaction
    await a.query('INSERT INTO items (id) VALUES (3)');
    order.push('a commits');
    await a.query('COMMIT');
    await Promise.all([outside, other]);
    a.release();
    b.release();

    expect(order[0]).toBe('a commits');
    expect(order).toContain('outside saw 2');
    expect((await pool.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('rolls back on ROLLBACK, on COMMIT after an error (answering ROLLBACK like pg), and on release()', async () => {
    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO items (id) VALUES (1)');
    await c.query('ROLLBACK');

    await c.query('BEGIN');
    await c.query('INSERT INTO items (id) VALUES (2)');
    await expect(c.query('INSERT INTO items (id) VALUES (2)')).rejects.toThrow(/duplicate key/);
    expect((await c.query('COMMIT')).command).toBe('ROLLBACK');

    await c.query('START TRANSACTION');
    await c.query('INSERT INTO items (id) VALUES (3)');
    c.release(); // left open: must not block the session forever

    const after = await pool.query('SELECT count(*)::int AS n FROM items');
    expect(after.rows).toEqual([{ n: 0 }]);
  });

  it('delivers NOTIFY to a client that ran LISTEN, as a pg "notification" event, until UNLISTEN', async () => {
    const listener = await pool.connect();
    const got: PgNotification[] = [];
    listener.on('notification', (n: PgNotification) => got.push(n));
    await listener.query('LISTEN "agenda_jobs:state"');

    await pool.query(`NOTIFY "agenda_jobs:state", '{"it''s":1}'`);
    await waitFor(() => got.length === 1, 2_000, 'the notification');
    expect(got[0]).toMatchObject({ channel: 'agenda_jobs:state', payload: `{"it's":1}` });

    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query(`NOTIFY "agenda_jobs:state", 'in tx'`);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(1); // delivered on commit, as in Postgres
    await c.query('COMMIT');
    c.release();
    await waitFor(() => got.length === 2, 2_000, 'the committed notification');

    await listener.query('UNLISTEN "agenda_jobs:state"');
    await pool.query(`NOTIFY "agenda_jobs:state", 'late'`);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((n) => n.payload)).toEqual([`{"it's":1}`, 'in tx']);
    listener.release();
  });

  it('refuses work after end() without closing the PGlite it was given', async () => {
    await pool.end();
    await expect(pool.query('SELECT 1')).rejects.toThrow(/end/);
    await expect(pool.connect()).rejects.toThrow(/end/);
    expect((await pglite.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
