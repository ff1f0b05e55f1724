import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorSeat } from '../../src/domain/vendor.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let repos: Repositories;
let profileId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  repos = createRepositories(t.database.db);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.truncateAll();
  const profile = await repos.profiles.create({ vendor: 'zendesk', displayName: 'Support desk', createdBy: 'U1' });
  profileId = profile.id;
  await repos.models.ensureMany(profileId, [
    { licenseType: 'agent', name: 'Zendesk Agent' },
    { licenseType: 'light', name: 'Zendesk Light Agent' },
  ]);
});

function seat(n: number, overrides: Partial<VendorSeat> = {}): VendorSeat {
  return {
    userId: `u${n}`,
    email: `user${n}@acme.com`,
    name: `User ${n}`,
    licenseType: 'agent',
    active: true,
    flags: {},
    ...overrides,
  };
}

const day = (d: number) => new Date(Date.UTC(2026, 0, d));

describe('bulkUpsertSeats', () => {
  it('counts new, updated and unchanged seats, and a repeat of the same page changes nothing', async () => {
    const page = [1, 2, 3, 4].map((n) => seat(n));
    expect(await repos.subscriptions.bulkUpsertSeats(profileId, page, day(1))).toEqual({
      inserted: 4,
      updated: 0,
      unchanged: 0,
    });
    expect(await repos.subscriptions.bulkUpsertSeats(profileId, page, day(2))).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 4,
    });

    const next = [
      seat(1, { email: 'new1@acme.com' }),
      seat(2, { licenseType: 'light' }),
      seat(3, { flags: { admin: true } }),
      seat(4),
      seat(5),
    ];
    expect(await repos.subscriptions.bulkUpsertSeats(profileId, next, day(3))).toEqual({
      inserted: 1,
      updated: 3,
      unchanged: 1,
    });
    expect(await repos.subscriptions.bulkUpsertSeats(profileId, next, day(4))).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 5,
    });

    const u2 = await repos.subscriptions.getByVendorUserId(profileId, 'u2');
    const light = (await repos.models.list(profileId)).find((m) => m.licenseType === 'light');
    expect(u2?.licenseType).toBe('light');
    expect(u2?.modelId).toBe(light?.id);
    expect(u2?.firstSeenAt).toEqual(day(1));
    expect(u2?.lastSeenAt).toEqual(day(4));
    expect((await repos.subscriptions.getByVendorUserId(profileId, 'u3'))?.flags).toEqual({ admin: true });
  });

  it('stores odd text, nulls, JSON and dates exactly', async () => {
    const odd = seat(1, {
      name: `O'Brien, "Pat" {x} \\ ü`,
      email: null,
      flags: { owner: true, free: false },
      restoreData: { role: 'admin', customRoleId: 42 },
      lastActivityAt: new Date('2026-01-05T10:11:12.345Z'),
    });
    await repos.subscriptions.bulkUpsertSeats(profileId, [odd], day(6));
    const row = await repos.subscriptions.getByVendorUserId(profileId, 'u1');
    expect(row).toMatchObject({
      name: odd.name,
      email: null,
      flags: odd.flags,
      restoreData: odd.restoreData,
      lastActivityAt: odd.lastActivityAt,
      status: 'active',
      active: true,
    });
  });

  it('keeps the last occurrence when a page repeats a user', async () => {
    const counts = await repos.subscriptions.bulkUpsertSeats(
      profileId,
      [seat(1, { name: 'first' }), seat(1, { name: 'second' })],
      day(1),
    );
    expect(counts).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect((await repos.subscriptions.getByVendorUserId(profileId, 'u1'))?.name).toBe('second');
  });

  it('leaves a seat without a model when its license type has none', async () => {
    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { licenseType: 'mystery' })], day(1));
    expect((await repos.subscriptions.getByVendorUserId(profileId, 'u1'))?.modelId).toBeNull();
  });

  it('moves last activity forward only, and counts a later date as an update', async () => {
    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { lastActivityAt: day(10) })], day(11));
    expect(
      await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { lastActivityAt: day(5) })], day(12)),
    ).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await repos.subscriptions.getByVendorUserId(profileId, 'u1'))?.lastActivityAt).toEqual(day(10));
    expect(
      await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { lastActivityAt: day(11) })], day(13)),
    ).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
  });
});

describe('markMissingRemoved', () => {
  it('marks only active seats not seen since the sync started, and brings them back when seen again', async () => {
    await repos.subscriptions.bulkUpsertSeats(profileId, [1, 2, 3].map((n) => seat(n)), day(1));
    const other = await repos.profiles.create({ vendor: 'zendesk', displayName: 'Other desk', createdBy: 'U1' });
    await repos.subscriptions.bulkUpsertSeats(other.id, [seat(9)], day(1));

    const syncStart = day(2);
    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1)], syncStart);
    expect(await repos.subscriptions.markMissingRemoved(profileId, syncStart, day(2))).toBe(2);
    expect(await repos.subscriptions.countByStatus(profileId)).toEqual({ active: 1, removed: 2, reclaimed: 0 });
    expect((await repos.subscriptions.getByVendorUserId(other.id, 'u9'))?.status).toBe('active');

    // Running it again changes nothing; already-removed seats are not counted twice.
    expect(await repos.subscriptions.markMissingRemoved(profileId, syncStart)).toBe(0);

    const removed = await repos.subscriptions.getByVendorUserId(profileId, 'u2');
    expect(removed?.removedAt).toEqual(day(2));
    expect(await repos.subscriptions.bulkUpsertSeats(profileId, [seat(2)], day(3))).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
    });
    const back = await repos.subscriptions.getByVendorUserId(profileId, 'u2');
    expect(back?.status).toBe('active');
    expect(back?.removedAt).toBeNull();
  });

  it('keeps a reclaimed seat reclaimed while the vendor shows it unchanged, and reopens it when it is granted again', async () => {
    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1)], day(1));
    const sub = await repos.subscriptions.getByVendorUserId(profileId, 'u1');
    await repos.subscriptions.setStatus(sub!.id, 'reclaimed', { active: false });

    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { active: false })], day(2));
    expect((await repos.subscriptions.get(sub!.id))?.status).toBe('reclaimed');
    expect(await repos.subscriptions.markMissingRemoved(profileId, day(3))).toBe(0);

    await repos.subscriptions.bulkUpsertSeats(profileId, [seat(1, { active: true })], day(4));
    expect((await repos.subscriptions.get(sub!.id))?.status).toBe('active');
  });
});

describe('updateActivity', () => {
  it('only moves dates forward and ignores unknown users', async () => {
    await repos.subscriptions.bulkUpsertSeats(
      profileId,
      [seat(1, { lastActivityAt: day(10) }), seat(2), seat(3, { lastActivityAt: day(10) })],
      day(11),
    );
    const changed = await repos.subscriptions.updateActivity(profileId, [
      { userId: 'u1', lastActivityAt: day(5) }, // older: ignored
      { userId: 'u2', lastActivityAt: day(7) }, // none before: set
      { userId: 'u3', lastActivityAt: day(12) }, // newer: set
      { userId: 'u3', lastActivityAt: day(11) }, // a later, older entry for the same user does not win
      { userId: 'ghost', lastActivityAt: day(12) },
    ]);
    expect(changed).toBe(2);
    const dates = await Promise.all(
      ['u1', 'u2', 'u3'].map(async (u) => (await repos.subscriptions.getByVendorUserId(profileId, u))?.lastActivityAt),
    );
    expect(dates).toEqual([day(10), day(7), day(12)]);
    expect(await repos.subscriptions.updateActivity(profileId, [{ userId: 'u3', lastActivityAt: day(12) }])).toBe(0);
  });
});

describe('listing', () => {
  it('pages through a profile’s seats by id and counts active seats per model', async () => {
    await repos.subscriptions.bulkUpsertSeats(
      profileId,
      Array.from({ length: 25 }, (_, i) => seat(i, { licenseType: i % 5 === 0 ? 'light' : 'agent' })),
      day(1),
    );
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await repos.subscriptions.list(profileId, { limit: 10, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) break;
      seen.push(...page.map((s) => s.vendorUserId));
      afterId = page[page.length - 1]!.id;
    }
    expect(new Set(seen).size).toBe(25);
    const models = await repos.models.list(profileId);
    const byModel = Object.fromEntries(
      (await repos.subscriptions.countActiveByModel(profileId)).map((r) => [
        models.find((m) => m.id === r.modelId)?.licenseType,
        r.count,
      ]),
    );
    expect(byModel).toEqual({ agent: 20, light: 5 });
  });
});
