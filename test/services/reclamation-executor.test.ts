// The reclaim executor over the real path: candidates from a real sync, the real Zendesk connector over HTTP to
// the fake, faults injected at the fake. The services' clock is moved by hand to reach retry times.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECLAIM_ATTEMPTS, RECLAIM_ACTOR } from '../../src/services/reclaim-executor.js';
import type { RemovalCandidate } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { addAgents, DAY_MS, putsTo, zendeskWorld, type ZendeskWorld } from '../e2e/world.js';

let t: TestContext;
let world: ZendeskWorld;
let clock: Date;

const FORBIDDEN = JSON.stringify({ error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' });
const isPut = (req: { method?: string }) => req.method === 'PUT';

beforeAll(async () => {
  t = await createTestContext({ now: () => clock });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function setUp(fields: { reclaim?: boolean } = {}): Promise<RemovalCandidate[]> {
  clock = new Date();
  world = await zendeskWorld(t.ctx, {
    seed: (fake) => {
      addAgents(fake, 'busy', 4, (i) => i * 5);
      addAgents(fake, 'idle', 3, (i) => 90 + i);
    },
    fields,
  });
  const sync = await world.services.sync.syncSubscriptions(world.profile.id, { actor: 'test' });
  expect(sync.evaluation?.created).toBe(3);
  world.notifier.clear();
  return t.ctx.repos.candidates.list({ profileId: world.profile.id });
}

const userOf = async (c: RemovalCandidate) => world.fake.org.user(Number((await t.ctx.repos.subscriptions.get(c.subscriptionId))!.vendorUserId))!;
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

beforeEach(async () => {
  await t.reset();
});

afterEach(async () => {
  await world?.close();
});

describe('reclaim executor', () => {
  it('reclaims approved candidates once, records the outcome and keeps what restore needs', async () => {
    const [a, b] = await setUp();
    await world.services.reclamation.approve(a!.id, 'U_APPROVER');
    const run = await world.services.reclamation.executeApproved();
    expect(run).toMatchObject({ picked: 1, reclaimed: 1, failed: 0, skipped: 0 });
    const user = await userOf(a!);
    expect(user.role).toBe('end-user');
    expect(putsTo(world.fake).map((c) => c.path)).toEqual([`/api/v2/users/${user.id}.json`]);

    const done = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(done).toMatchObject({ state: 'reclaimed', reclaimAttempts: 1, lastError: null });
    expect(done.restoreData).toMatchObject({ role: 'agent' });
    expect((await t.ctx.repos.subscriptions.get(a!.subscriptionId))!.status).toBe('reclaimed');
    expect((await t.ctx.repos.candidates.get(b!.id))!.state).toBe('pending');
    const audit = await t.ctx.repos.audit.listRecent({ targetType: 'candidate', targetId: a!.id });
    expect(audit[0]).toMatchObject({ action: 'candidate.reclaimed', actor: RECLAIM_ACTOR, details: expect.objectContaining({ changed: true }) });
    expect(world.notifier.changed.flat()).toContain(a!.id);

    const again = await world.services.reclamation.executeApproved();
    expect(again.picked).toBe(0);
    expect(putsTo(world.fake)).toHaveLength(1);
    const runs = await t.ctx.repos.jobRuns.listRecent({ jobName: 'reclaim:execute' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ picked: 1, reclaimed: 1 }) });
  });

  it('with Reclaim switched off: candidates are approved but nothing is sent to the vendor', async () => {
    const candidates = await setUp({ reclaim: false });
    const approved = await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER');
    expect(approved.approved).toHaveLength(3);
    expect(approved.reclaimScheduled).toBe(false);
    const run = await world.services.reclamation.executeApproved();
    expect(run).toMatchObject({ picked: 0, waitingForReclaimSwitch: 3 });
    expect(putsTo(world.fake)).toEqual([]);
    for (const c of candidates) expect((await userOf(c)).role).toBe('agent');
    const err = await world.services.reclamation.retry(candidates[0]!.id, 'U_ADMIN').catch((e: Error) => e);
    expect((err as Error).message).toBe('Only a failed reclamation can be retried; this candidate is already approved');
  });

  it('a vendor 5xx: failed with the message, not retried before its time, then reclaimed', async () => {
    const [a] = await setUp();
    await world.services.reclamation.approve(a!.id, 'U_APPROVER');
    // The HTTP policy tries 5 times itself before the executor sees the failure.
    world.fake.faults.add({ status: 503, body: JSON.stringify({ error: 'ServiceUnavailable' }), times: 5, match: isPut });
    const first = await world.services.reclamation.executeApproved();
    expect(first).toMatchObject({ picked: 1, failed: 1, reclaimed: 0 });
    const failed = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(/^The vendor is unavailable: /);
    expect(failed.nextAttemptAt!.getTime()).toBe(clock.getTime() + 60_000);
    expect(first.items[0]!.retryAt!.getTime()).toBe(clock.getTime() + 60_000);

    advance(30_000);
    expect((await world.services.reclamation.executeApproved()).picked).toBe(0);
    advance(31_000);
    const second = await world.services.reclamation.executeApproved();
    expect(second).toMatchObject({ picked: 1, reclaimed: 1 });
    const done = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(done).toMatchObject({ state: 'reclaimed', reclaimAttempts: 2, lastError: null, nextAttemptAt: null });
    expect((await userOf(a!)).role).toBe('end-user');
    expect(putsTo(world.fake)).toHaveLength(6);
  });

  it('gives up after the bounded number of attempts, each later than the one before', async () => {
    const [a] = await setUp();
    await world.services.reclamation.approve(a!.id, 'U_APPROVER');
    world.fake.faults.add({ status: 502, times: 1000, match: isPut });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= MAX_RECLAIM_ATTEMPTS; attempt++) {
      const run = await world.services.reclamation.executeApproved();
      expect(run.failed).toBe(1);
      const c = (await t.ctx.repos.candidates.get(a!.id))!;
      expect(c.reclaimAttempts).toBe(attempt);
      if (attempt < MAX_RECLAIM_ATTEMPTS) {
        delays.push(c.nextAttemptAt!.getTime() - clock.getTime());
        clock = c.nextAttemptAt!;
      } else {
        expect(c.nextAttemptAt).toBeNull();
        expect(c.lastError).toMatch(/gave up after 5 attempts: retry or exclude it\)$/);
      }
    }
    expect(delays).toEqual([60_000, 120_000, 240_000, 480_000]);
    advance(DAY_MS);
    expect((await world.services.reclamation.executeApproved()).picked).toBe(0);

    // A person retries once the vendor is back.
    world.fake.faults.clear();
    const retried = await world.services.reclamation.retry(a!.id, 'U_ADMIN');
    expect(retried.outcome).toBe('reclaimed');
    expect((await t.ctx.repos.candidates.get(a!.id))!.state).toBe('reclaimed');
  });

  it('a 403: failed with the readable message, not retried blindly, and the admins are told', async () => {
    const [a] = await setUp();
    await world.services.reclamation.approve(a!.id, 'U_APPROVER');
    world.fake.faults.add({ status: 403, body: FORBIDDEN, times: 1, match: isPut });
    const run = await world.services.reclamation.executeApproved();
    expect(run.failed).toBe(1);
    const c = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(c.state).toBe('failed');
    expect(c.lastError).toMatch(/^The connected account lacks a permission: .*not retried automatically: give the connected account the permission to change users, then retry\)$/);
    expect(c.nextAttemptAt).toBeNull();
    expect(putsTo(world.fake)).toHaveLength(1);
    expect(world.notifier.failures).toEqual([{ profileId: world.profile.id, label: 'Execute Approved Reclamations', message: c.lastError }]);

    advance(DAY_MS);
    expect((await world.services.reclamation.executeApproved()).picked).toBe(0);
    expect(putsTo(world.fake)).toHaveLength(1);
  });

  it('two executors at once send one reclaim request per candidate', async () => {
    const candidates = await setUp();
    await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER');
    const [x, y] = await Promise.all([world.services.reclamation.executeApproved(), world.services.reclamation.executeApproved()]);
    expect(x.reclaimed + y.reclaimed).toBe(3);
    expect(x.skipped + y.skipped).toBe(x.picked + y.picked - 3);
    const puts = putsTo(world.fake).map((c) => c.path).sort();
    const expected = await Promise.all(candidates.map(async (c) => `/api/v2/users/${(await userOf(c)).id}.json`));
    expect(puts).toEqual(expected.sort());
  });

  it('a claim abandoned mid-way is taken over after its lease; the vendor call is idempotent', async () => {
    const [a] = await setUp();
    await world.services.reclamation.approve(a!.id, 'U_APPROVER');
    // A process claims the candidate, the vendor downgrades the user, and the process dies before recording it.
    const claimed = await t.ctx.repos.candidates.transition(a!.id, ['approved'], 'reclaiming', {}, { countAttempt: true });
    expect(claimed?.state).toBe('reclaiming');
    const connector = await world.services.profiles.connectorFor(world.profile.id);
    const seat = (await t.ctx.repos.subscriptions.get(a!.subscriptionId))!;
    expect((await connector.reclaim({ userId: seat.vendorUserId, email: seat.email, licenseType: seat.licenseType })).changed).toBe(true);

    expect((await world.services.reclamation.executeApproved()).picked).toBe(0);
    await t.ctx.database.db.execute(sql`UPDATE removal_candidates SET updated_at = now() - interval '16 minutes' WHERE id = ${a!.id}`);
    const [x, y] = await Promise.all([world.services.reclamation.executeApproved(), world.services.reclamation.executeApproved()]);
    expect(x.alreadyFree + y.alreadyFree).toBe(1);
    expect(x.skipped + y.skipped).toBe(x.picked + y.picked - 1);
    const done = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(done).toMatchObject({ state: 'reclaimed', reclaimAttempts: 2 });
    expect((await t.ctx.repos.subscriptions.get(a!.subscriptionId))!.status).toBe('reclaimed');
    expect(putsTo(world.fake)).toHaveLength(1);
  });

  it('closes an approved candidate instead of reclaiming when a guard now applies', async () => {
    const [a, b] = await setUp();
    await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER', [a!.id, b!.id]);
    const seatA = (await t.ctx.repos.subscriptions.get(a!.subscriptionId))!;
    await world.services.rules.createUserExclusion('U_ADMIN', { profileId: world.profile.id, emailPattern: seatA.email!, reason: 'Executive' });
    const userB = await userOf(b!);
    world.fake.org.users().find((u) => u.id === userB.id)!.last_login_at = new Date(clock.getTime() - 3_600_000).toISOString();
    const activity = await world.services.sync.refreshActivity(world.profile.id, { actor: 'test' }, { evaluate: false });
    expect(activity.counts.updated).toBe(1);

    const run = await world.services.reclamation.executeApproved();
    expect(run).toMatchObject({ picked: 2, excluded: 2, reclaimed: 0 });
    expect(putsTo(world.fake)).toEqual([]);
    const closedA = (await t.ctx.repos.candidates.get(a!.id))!;
    expect(closedA).toMatchObject({ state: 'excluded', decidedBy: RECLAIM_ACTOR, lastError: 'Not reclaimed: The user is excluded' });
    const closedB = (await t.ctx.repos.candidates.get(b!.id))!;
    expect(closedB.lastError).toMatch(/^Not reclaimed: Used again on \d{4}-\d{2}-\d{2} after it was proposed$/);
  });
});
