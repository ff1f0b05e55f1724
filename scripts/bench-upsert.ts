// Measures bulkUpsertSeats: 100,000 seats in pages of 1,000 on DATABASE_URL (default memory://), then the same
// seats again (all unchanged), then a newer activity date for each. On a server it works in a throw-away schema that it drops afterwards.
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/store/database.js';
import { createRepositories } from '../src/store/repositories/index.js';
import type { SeatUpsert } from '../src/store/repositories/subscriptions.js';

const TOTAL = Number(process.env.BENCH_SEATS ?? 100_000);
const PAGE = 1_000;
const url = process.env.DATABASE_URL?.trim() || 'memory://';
const schema = url === 'memory://' ? undefined : `bench_${randomBytes(4).toString('hex')}`;

const database = await openDatabase({ url, ...(schema ? { schema } : {}) });
try {
  const repos = createRepositories(database.db);
  const profile = await repos.profiles.create({ vendor: 'slack_grid', displayName: 'Bench', createdBy: 'bench' });
  await repos.models.ensureMany(profile.id, [
    { licenseType: 'full_member', name: 'Full member' },
    { licenseType: 'guest', name: 'Guest' },
  ]);
  const page = (start: number): SeatUpsert[] =>
    Array.from({ length: PAGE }, (_, i) => {
      const n = start + i;
      return {
        userId: `W${String(n).padStart(8, '0')}`,
        email: `user${n}@bench.example`,
        name: `User ${n}`,
        licenseType: n % 10 === 0 ? 'guest' : 'full_member',
        active: true,
        flags: n % 50 === 0 ? { admin: true } : {},
        lastActivityAt: new Date(Date.UTC(2026, 0, 1 + (n % 300))),
      };
    });

  for (const label of ['insert', 'unchanged']) {
    const totals = { inserted: 0, updated: 0, unchanged: 0 };
    const started = performance.now();
    for (let start = 0; start < TOTAL; start += PAGE) {
      const counts = await repos.subscriptions.bulkUpsertSeats(profile.id, page(start), new Date());
      totals.inserted += counts.inserted;
      totals.updated += counts.updated;
      totals.unchanged += counts.unchanged;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${database.kind} ${label}: ${TOTAL} seats in ${seconds.toFixed(2)} s = ${Math.round(TOTAL / seconds)} rows/s ` +
        JSON.stringify(totals),
    );
  }
  let started = performance.now();
  await database.vacuum();
  console.log(`${database.kind} vacuum: ${((performance.now() - started) / 1000).toFixed(2)} s`);

  started = performance.now();
  let changed = 0;
  for (let start = 0; start < TOTAL; start += PAGE) {
    const activity = page(start).map((s) => ({ userId: s.userId, lastActivityAt: new Date(Date.UTC(2026, 10, 1)) }));
    changed += await repos.subscriptions.updateActivity(profile.id, activity);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${database.kind} activity: ${TOTAL} users in ${seconds.toFixed(2)} s = ${Math.round(TOTAL / seconds)} rows/s, ${changed} changed`);
} finally {
  if (schema) await database.pool?.query(`DROP SCHEMA "${schema}" CASCADE`);
  await database.close();
}
