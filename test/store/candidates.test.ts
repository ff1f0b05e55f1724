import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/store/errors.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import type { Subscription } from '../../src/store/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let repos: Repositories;
let profileId: string;
let seats: Subscription[];

beforeAll(async () => {
  t = await createTestDatabase();
  repos = createRepositories(t.database.db);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.truncateAll();
  profileId = (await repos.profiles.create({ vendor: 'slack_grid', displayName: 'Acme Grid', createdBy: 'U1' })).id;
  await repos.subscriptions.bulkUpsertSeats(
    profileId,
    ['W1', 'W2', 'W3'].map((userId) => ({
      userId,
      email: `${userId}@acme.com`,
      name: userId,
      licenseType: 'full_member',
      active: true,
      flags: {},
    })),
    new Date(),
  );
  seats = await repos.subscriptions.list(profileId);
});

const candidateFor = (s: Subscription) => ({ profileId, subscriptionId: s.id, reason: 'inactive for 90 days' });

describe('createMany', () => {
  it('skips seats that already have an open candidate, and duplicates in one batch', async () => {
    const first = await repos.candidates.createMany([candidateFor(seats[0]!), candidateFor(seats[1]!)]);
    expect(first).toHaveLength(2);
    expect(first.every((c) => c.state === 'pending' && c.version === 1)).toBe(true);

    const second = await repos.candidates.createMany([
      candidateFor(seats[0]!),
      candidateFor(seats[2]!),
      candidateFor(seats[2]!),
    ]);
    expect(second.map((c) => c.subscriptionId)).toEqual([seats[2]!.id]);
    expect(await repos.candidates.listByProfile(profileId)).toHaveLength(3);
  });

  it('allows a new candidate once the previous one is closed', async () => {
    const [c] = await repos.candidates.createMany([candidateFor(seats[0]!)]);
    expect(await repos.candidates.transition(c!.id, ['pending'], 'excluded', { decidedBy: 'U2' })).not.toBeNull();
    const again = await repos.candidates.createMany([candidateFor(seats[0]!)]);
    expect(again).toHaveLength(1);
    expect((await repos.candidates.findOpenForSubscription(seats[0]!.id))?.id).toBe(again[0]!.id);
  });

  it('the partial unique index refuses moving a closed candidate back to open while another is open', async () => {
    const [c] = await repos.candidates.createMany([candidateFor(seats[0]!)]);
    await repos.candidates.transition(c!.id, ['pending'], 'kept');
    await repos.candidates.createMany([candidateFor(seats[0]!)]);
    const err = await repos.candidates.transition(c!.id, ['kept'], 'pending').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err, 'removal_candidates_one_open_per_seat')).toBe(true);
  });
});

describe('transition (compare-and-set)', () => {
  it('moves only from the expected states and bumps the version', async () => {
    const [c] = await repos.candidates.createMany([candidateFor(seats[0]!)]);
    expect(await repos.candidates.transition(c!.id, ['awaiting_user'], 'kept')).toBeNull();
    const decidedAt = new Date('2026-02-01T12:00:00Z');
    const approved = await repos.candidates.transition(c!.id, ['pending', 'released'], 'approved', {
      decidedBy: 'U2',
      decidedAt,
    });
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'U2', decidedAt, version: 2 });
    const reclaiming = await repos.candidates.transition(c!.id, ['approved'], 'reclaiming', {}, { countAttempt: true });
    expect(reclaiming).toMatchObject({ state: 'reclaiming', reclaimAttempts: 1, version: 3 });
    expect(await repos.candidates.transition('not-a-uuid', ['pending'], 'approved')).toBeNull();
    expect(await repos.candidates.transition(c!.id, [], 'approved')).toBeNull();
  });

  it('of concurrent approvals of one candidate exactly one wins', async () => {
    const [c] = await repos.candidates.createMany([candidateFor(seats[0]!)]);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repos.candidates.transition(c!.id, ['pending'], 'approved', { decidedBy: `U${i}` }),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await repos.candidates.get(c!.id);
    expect(stored).toMatchObject({ state: 'approved', decidedBy: winners[0]!.decidedBy, version: 2 });
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'a transition waiting on another transaction’s row lock re-checks the state after it commits',
    async () => {
      const [c] = await repos.candidates.createMany([candidateFor(seats[0]!)]);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstDone!: () => void;
      const firstUpdated = new Promise<void>((resolve) => (firstDone = resolve));
      const first = t.database.db.transaction(async (tx) => {
        const row = await createRepositories(tx).candidates.transition(c!.id, ['pending'], 'excluded');
        firstDone();
        await held;
        return row;
      });
      await firstUpdated;
      const second = repos.candidates.transition(c!.id, ['pending'], 'approved');
      await new Promise((r) => setTimeout(r, 100));
      release();
      expect((await first)?.state).toBe('excluded');
      expect(await second).toBeNull();
      expect((await repos.candidates.get(c!.id))?.state).toBe('excluded');
    },
  );
});

describe('queries for the executors', () => {
  it('lists failed candidates due for retry and holders whose grace period ended', async () => {
    const [a, b, c] = await repos.candidates.createMany(seats.map(candidateFor));
    const now = new Date('2026-03-01T00:00:00Z');
    await repos.candidates.transition(a!.id, ['pending'], 'failed', { nextAttemptAt: new Date('2026-02-28T00:00:00Z') });
    await repos.candidates.transition(b!.id, ['pending'], 'failed', { nextAttemptAt: new Date('2026-03-02T00:00:00Z') });
    await repos.candidates.transition(c!.id, ['pending'], 'awaiting_user', { graceUntil: new Date('2026-02-27T00:00:00Z') });
    expect((await repos.candidates.listDueRetries(now)).map((r) => r.id)).toEqual([a!.id]);
    expect((await repos.candidates.listGraceExpired(now)).map((r) => r.id)).toEqual([c!.id]);
    expect(await repos.candidates.countByState(profileId)).toEqual({ failed: 2, awaiting_user: 1 });
  });

  it('deleting a profile removes its seats and their candidates', async () => {
    await repos.candidates.createMany([candidateFor(seats[0]!)]);
    await repos.profiles.delete(profileId);
    expect(await repos.candidates.list()).toHaveLength(0);
  });
});
