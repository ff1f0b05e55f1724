// Issue 4, acceptance check 1, on the backend the environment names (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): a published Zendesk profile over 500 agents, 120 idle for more than 60 days of whom 5 are
// excluded; one sync gives exactly the 115 right candidates; approving 10 reclaims exactly those 10 at the fake;
// a double approval, and two executors at once (on PostgreSQL: over two separate connection pools, as two
// replicas would), send one reclaim request per candidate.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/registry.js';
import { JOBS, SCHEDULES } from '../../src/jobs/names.js';
import { defineReclaimJobs, scheduleGlobalJobs } from '../../src/jobs/reclaim-jobs.js';
import { createSecretBox } from '../../src/domain/crypto.js';
import type { FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import { silentLogger } from '../../src/logger.js';
import type { ServiceContext } from '../../src/services/context.js';
import { ServiceError } from '../../src/services/errors.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createRepositories, openDatabase, type Database } from '../../src/store/index.js';
import { createTestContext, TEST_ENCRYPTION_KEY, type TestContext } from '../support/context.js';
import { addAgents, ADMIN_ACTOR, putsTo, recordingNotifier, zendeskWorld, type ZendeskWorld } from './world.js';

let t: TestContext;
let world: ZendeskWorld;
let active: FakeZendeskUser[];
let idle: FakeZendeskUser[];
let secondDb: Database | undefined;

beforeAll(async () => {
  t = await createTestContext();
}, 60_000);

afterAll(async () => {
  await secondDb?.close();
  await t?.close();
});

afterEach(async () => {
  await world?.close();
});

beforeEach(async () => {
  await t.reset();
});

describe('engine end to end over the fake Zendesk', () => {
  it('115 candidates from 500 agents; 10 approvals reclaim exactly those 10, once each', async () => {
    world = await zendeskWorld(t.ctx, {
      displayName: 'Acme Support',
      fields: { maxReclaimShare: 0.25 },
      seed: (fake) => {
        active = addAgents(fake, 'active.agent', 380, (i) => i % 60);
        idle = addAgents(fake, 'idle.agent', 120, (i) => 61 + i * 2);
      },
    });
    const profileId = world.profile.id;
    const excluded = [idle[3]!, idle[40]!, idle[77]!, idle[100]!, idle[119]!];
    await world.services.rules.createUserExclusion(ADMIN_ACTOR, { profileId, emailPattern: excluded[0]!.email, reason: 'Executive' });
    await world.services.rules.createUserExclusion(ADMIN_ACTOR, { profileId, emailPattern: excluded[1]!.email.toUpperCase(), reason: 'On leave' });
    await world.services.rules.createUserExclusion(ADMIN_ACTOR, { profileId, vendorUserId: String(excluded[2]!.id), reason: 'Seasonal' });
    await world.services.rules.createUserExclusion(ADMIN_ACTOR, { profileId, emailPattern: 'idle.agent100@*', reason: 'Contractor' });
    await world.services.rules.createUserExclusion(ADMIN_ACTOR, { profileId, vendorUserId: String(excluded[4]!.id), reason: 'Board' });

    const sync = await world.services.sync.syncSubscriptions(profileId, { actor: 'test' });
    expect(sync.status).toBe('succeeded');
    expect(sync.counts).toMatchObject({ new: 501, seats: 501 });
    const models = await t.ctx.repos.models.list(profileId);
    expect(models.map((m) => [m.licenseType, m.name]).sort()).toEqual([
      ['admin', 'Zendesk admin'],
      ['agent', 'Zendesk agent'],
    ]);

    const candidates = await world.services.reclamation.list({ profileId, limit: 10_000 });
    const excludedEmails = new Set(excluded.map((u) => u.email));
    const expected = idle.filter((u) => !excludedEmails.has(u.email)).map((u) => u.email).sort();
    expect(candidates).toHaveLength(115);
    expect(candidates.map((c) => c.user.email).sort()).toEqual(expected);
    expect(candidates.every((c) => c.state === 'pending' && c.licenseName === 'Zendesk agent')).toBe(true);

    // Approve 10; the first one twice (a double click), and twice at the same moment.
    const chosen = candidates.slice(0, 10);
    const first = await Promise.allSettled([
      world.services.reclamation.approve(chosen[0]!.id, 'U_APPROVER'),
      world.services.reclamation.approve(chosen[0]!.id, 'U_APPROVER'),
    ]);
    expect(first.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const again = await world.services.reclamation.approve(chosen[0]!.id, 'U_APPROVER').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ServiceError);
    expect((again as ServiceError).message).toBe('Cannot approve: this candidate is already approved');
    for (const c of chosen.slice(1)) await world.services.reclamation.approve(c.id, 'U_APPROVER');

    // Two executors at once, as two replicas would run them.
    const other = await secondReplica(world.services);
    world.fake.calls.length = 0;
    const [x, y] = await Promise.all([world.services.reclamation.executeApproved(), other.reclamation.executeApproved()]);
    expect(x.reclaimed + y.reclaimed).toBe(10);
    expect(x.failed + y.failed).toBe(0);

    const reclaimedEmails = new Set(chosen.map((c) => c.user.email));
    const byEmail = new Map(world.fake.org.users().map((u) => [u.email, u]));
    const puts = putsTo(world.fake);
    expect(puts.map((p) => p.path).sort()).toEqual(chosen.map((c) => `/api/v2/users/${byEmail.get(c.user.email!)!.id}.json`).sort());
    expect(puts.every((p) => JSON.stringify(p.body) === JSON.stringify({ user: { role: 'end-user' } }))).toBe(true);
    // The connector reads the user before changing it: one read per candidate shows one reclaim call each.
    const reads = world.fake.calls.filter((c) => c.method === 'GET' && /^\/api\/v2\/users\/\d+\.json$/.test(c.path));
    expect(reads.map((r) => r.path).sort()).toEqual(puts.map((p) => p.path).sort());
    for (const u of [...active, ...idle]) expect(u.role).toBe(reclaimedEmails.has(u.email) ? 'end-user' : 'agent');

    // Nothing left to do: running it again sends nothing.
    expect((await world.services.reclamation.executeApproved()).picked).toBe(0);
    expect(putsTo(world.fake)).toHaveLength(10);
    const states = await t.ctx.repos.candidates.countByState(profileId);
    expect(states).toEqual({ pending: 105, reclaimed: 10 });

    // The next download sees the ten as end-users: they are no longer seats, and nothing else changed.
    const next = await world.services.sync.syncSubscriptions(profileId, { actor: 'test' });
    expect(next.status).toBe('succeeded');
    expect(next.evaluation?.created).toBe(0);
    expect((await t.ctx.repos.subscriptions.countByStatus(profileId)).reclaimed).toBe(10);
    const summary = await world.services.reports.profileSummary(profileId);
    expect(summary.candidates).toMatchObject({ awaitingDecision: 105, reclaimed: 10 });
    expect(summary.seats.held).toBe(491);
  }, 60_000);

  it('Reclaim switched off: the candidates appear and nothing is sent to the vendor', async () => {
    world = await zendeskWorld(t.ctx, {
      fields: { reclaim: false },
      seed: (fake) => {
        addAgents(fake, 'active.agent', 20, (i) => i);
        addAgents(fake, 'idle.agent', 4, (i) => 100 + i);
      },
    });
    const sync = await world.services.sync.syncSubscriptions(world.profile.id, { actor: 'test' });
    expect(sync.evaluation?.created).toBe(4);
    const all = await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER');
    expect(all.approved).toHaveLength(4);
    const run = await world.services.reclamation.executeApproved();
    expect(run).toMatchObject({ picked: 0, reclaimed: 0, waitingForReclaimSwitch: 4 });
    expect(world.fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(world.fake.org.users().filter((u) => u.role === 'end-user')).toEqual([]);
  });
});

describe('reclaim jobs', () => {
  it('an approval reclaims within seconds through the queued job; the recurring rows are created once', async () => {
    world = await zendeskWorld(t.ctx, {
      seed: (fake) => {
        addAgents(fake, 'active.agent', 5, (i) => i);
        addAgents(fake, 'idle.agent', 2, (i) => 100 + i);
      },
    });
    await world.services.sync.syncSubscriptions(world.profile.id, { actor: 'test' });
    const [c] = await t.ctx.repos.candidates.list({ profileId: world.profile.id });
    defineReclaimJobs(t.scheduler, world.services);
    await scheduleGlobalJobs(t.scheduler);
    await scheduleGlobalJobs(t.scheduler);
    const recurring = await t.scheduler.listJobs({ names: [JOBS.reclaim, JOBS.reconcile] });
    expect(recurring.filter((j) => j.repeatInterval !== null).map((j) => [j.name, j.repeatInterval]).sort()).toEqual([
      [JOBS.reclaim, SCHEDULES.reclaim],
      [JOBS.reconcile, SCHEDULES.reconcile],
    ]);
    await t.scheduler.start();
    try {
      await world.services.reclamation.approve(c!.id, 'U_APPROVER');
      const deadline = Date.now() + 15_000;
      while ((await t.ctx.repos.candidates.get(c!.id))!.state !== 'reclaimed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await t.ctx.repos.candidates.get(c!.id))!.state).toBe('reclaimed');
      expect(putsTo(world.fake)).toHaveLength(1);
    } finally {
      await t.scheduler.stop();
    }
  }, 60_000);
});

/** Services as another replica has them: its own connectors, and on PostgreSQL its own connection pool. */
async function secondReplica(first: Services): Promise<Services> {
  const ctx = first.ctx;
  if (ctx.database.kind === 'pglite') return createServices({ ...ctx }, recordingNotifier());
  secondDb ??= await openDatabase({ url: process.env.TEST_DATABASE_URL!, schema: ctx.database.schema! });
  const other: ServiceContext = {
    database: secondDb,
    repos: createRepositories(secondDb.db),
    scheduler: ctx.scheduler,
    secrets: createSecretBox(TEST_ENCRYPTION_KEY),
    logger: silentLogger,
    connectors: createConnector,
    ...(ctx.connectorHttp ? { connectorHttp: ctx.connectorHttp } : {}),
    now: ctx.now,
  };
  return createServices(other, recordingNotifier());
}

