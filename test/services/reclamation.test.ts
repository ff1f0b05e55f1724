// Decisions on removal candidates over the real path: a real database, engine A's sync and evaluation over the
// fake Zendesk, the real Zendesk connector for reclaim and restore.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/names.js';
import { demoDefinition, DEMO_TOKEN, startFakeCustom } from '../../src/fakes/custom/index.js';
import { createServices } from '../../src/services/index.js';
import { ServiceError } from '../../src/services/errors.js';
import { GRACE_ACTOR } from '../../src/services/reclamation-service.js';
import type { RemovalCandidate } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { addAgents, ADMIN_ACTOR, DAY_MS, publishProfile, putsTo, recordingNotifier, zendeskWorld, type ZendeskWorld } from '../e2e/world.js';

let t: TestContext;
let world: ZendeskWorld;

beforeAll(async () => {
  t = await createTestContext();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  await t.reset();
  world = await zendeskWorld(t.ctx, {
    seed: (fake) => {
      addAgents(fake, 'busy', 6, (i) => i * 3);
      addAgents(fake, 'idle', 6, (i) => 70 + i * 10);
    },
  });
  const sync = await world.services.sync.syncSubscriptions(world.profile.id, { actor: 'test' });
  expect(sync.status).toBe('succeeded');
  expect(sync.evaluation?.created).toBe(6);
  world.notifier.clear();
});

afterEach(async () => {
  await world?.close();
});

async function candidates(): Promise<RemovalCandidate[]> {
  return t.ctx.repos.candidates.list({ profileId: world.profile.id });
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return err as ServiceError;
  }
  throw new Error('expected a refusal');
}

describe('approve', () => {
  it('approves once; a second click is refused with the reason and audited once', async () => {
    const [c] = await candidates();
    const first = await world.services.reclamation.approve(c!.id, 'U_APPROVER');
    expect(first.candidate.state).toBe('approved');
    expect(first.candidate.decidedBy).toBe('U_APPROVER');
    expect(first.reclaimScheduled).toBe(true);

    const second = await refusal(world.services.reclamation.approve(c!.id, 'U_OTHER'));
    expect(second.code).toBe('refused');
    expect(second.message).toBe('Cannot approve: this candidate is already approved');

    const audit = await t.ctx.repos.audit.listRecent({ targetType: 'candidate', targetId: c!.id });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([['candidate.approved', 'U_APPROVER']]);
    expect(world.notifier.changed).toEqual([[c!.id]]);
    const queued = await t.scheduler.listJobs({ name: JOBS.reclaim });
    expect(queued.length).toBeGreaterThanOrEqual(1);
  });

  it('approves concurrent double clicks exactly once', async () => {
    const [c] = await candidates();
    const outcomes = await Promise.allSettled([
      world.services.reclamation.approve(c!.id, 'U_A'),
      world.services.reclamation.approve(c!.id, 'U_B'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const audit = await t.ctx.repos.audit.listRecent({ targetType: 'candidate', targetId: c!.id });
    expect(audit.filter((a) => a.action === 'candidate.approved')).toHaveLength(1);
  });

  it('approves all undecided candidates of a profile and reports the ones it could not', async () => {
    const all = await candidates();
    await world.services.reclamation.exclude(all[0]!.id, 'U_APPROVER', 'Board member');
    const result = await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER');
    expect(result.approved.sort()).toEqual(all.slice(1).map((c) => c.id).sort());
    expect(result.refused).toEqual([]);
    const again = await world.services.reclamation.approveAll(world.profile.id, 'U_APPROVER', [all[0]!.id, all[1]!.id, '00000000-0000-4000-8000-000000000000']);
    expect(again.approved).toEqual([]);
    expect(again.refused.map((r) => r.reason).sort()).toEqual([
      'Cannot approve: this candidate is already approved',
      'Cannot approve: this candidate is excluded from reclamation',
      'The removal candidate was not found',
    ]);
  });
});

describe('exclude', () => {
  it('closes the candidate and adds a user exclusion so the seat is not proposed again', async () => {
    const [c] = await candidates();
    const expiresAt = new Date(Date.now() + 30 * DAY_MS);
    const { candidate, exclusion } = await world.services.reclamation.exclude(c!.id, 'U_APPROVER', 'On parental leave', { expiresAt });
    expect(candidate.state).toBe('excluded');
    const seat = (await t.ctx.repos.subscriptions.get(c!.subscriptionId))!;
    expect(exclusion).toMatchObject({ kind: 'user', profileId: world.profile.id, vendorUserId: seat.vendorUserId, reason: 'On parental leave', createdBy: 'U_APPROVER' });
    expect(exclusion.expiresAt?.getTime()).toBe(expiresAt.getTime());

    const evaluation = await world.services.evaluation.evaluate(world.profile.id, { actor: 'test' });
    expect(evaluation.created).toBe(0);
    const open = await t.ctx.repos.candidates.findOpenForSubscription(c!.subscriptionId);
    expect(open).toBeNull();
  });

  it('needs a reason, named by field for the modal', async () => {
    const [c] = await candidates();
    const err = await refusal(world.services.reclamation.exclude(c!.id, 'U_APPROVER', '   '));
    expect(err.code).toBe('invalid');
    expect(err.fields).toEqual([{ path: 'reason', message: 'Say why, in a few words' }]);
    expect((await t.ctx.repos.candidates.get(c!.id))!.state).toBe('pending');
  });
});

describe('the seat holder', () => {
  it('keeps the seat: closed as kept with a time-limited exclusion carrying the reason', async () => {
    const [c] = await candidates();
    const notified = await world.services.reclamation.markNotified(c!.id, { dmUserId: 'U_HOLDER1', dmChannel: 'D1', dmTs: '1.1' });
    expect(notified.state).toBe('awaiting_user');
    expect(notified.graceUntil!.getTime()).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect(notified.dmUserId).toBe('U_HOLDER1');
    expect(await world.services.reclamation.holderDm(c!.id)).toEqual({ userId: 'U_HOLDER1', channel: 'D1', ts: '1.1' });
    expect(await world.services.reclamation.holderDm((await candidates())[1]!.id)).toBeNull();
    expect(await world.services.reclamation.holderDm('not-a-candidate')).toBeNull();

    const { candidate, exclusion } = await world.services.reclamation.userKeeps(c!.id, 'U_HOLDER', 'Quarter-end reporting', 45);
    expect(candidate.state).toBe('kept');
    expect(exclusion.reason).toBe('Kept by the seat holder: Quarter-end reporting');
    expect(Math.round((exclusion.expiresAt!.getTime() - Date.now()) / DAY_MS)).toBe(45);

    const late = await refusal(world.services.reclamation.approve(c!.id, 'U_APPROVER'));
    expect(late.message).toBe('Cannot approve: this candidate is kept by the seat holder');
    const badDays = await refusal(world.services.reclamation.userKeeps((await candidates())[1]!.id, 'U_HOLDER', 'x', 0));
    expect(badDays.fields[0]!.path).toBe('days');
  });

  it('releases the seat: approved at once and reclaimed by the executor', async () => {
    const [c] = await candidates();
    await world.services.reclamation.markNotified(c!.id, { dmUserId: 'U_HOLDER1', dmChannel: 'D1', dmTs: '1.1' });
    const released = await world.services.reclamation.userReleases(c!.id, 'U_HOLDER');
    expect(released.candidate.state).toBe('approved');
    expect(released.reclaimScheduled).toBe(true);
    const actions = (await t.ctx.repos.audit.listRecent({ targetType: 'candidate', targetId: c!.id })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['candidate.holder_notified', 'candidate.released_by_holder', 'candidate.approved']));

    const run = await world.services.reclamation.executeApproved();
    expect(run.reclaimed).toBe(1);
    expect(putsTo(world.fake)).toHaveLength(1);
  });

  it('no answer within the grace period: back to the approvers, or approved when the rule auto-approves', async () => {
    const [a, b, c] = await candidates();
    const past = new Date(Date.now() - 3_600_000);
    await world.services.reclamation.markNotified(a!.id, { dmUserId: 'U_HOLDER1', dmChannel: 'D1', dmTs: '1.1', graceUntil: past });
    await world.services.reclamation.markNotified(b!.id, { dmUserId: 'U_HOLDER2', dmChannel: 'D2', dmTs: '2.2', graceUntil: new Date(Date.now() + DAY_MS) });
    const first = await world.services.reclamation.expireGrace();
    expect(first).toEqual({ toApprovers: [a!.id], autoApproved: [] });
    expect(world.notifier.graceExpiredIds).toEqual([[a!.id]]);
    expect((await t.ctx.repos.candidates.get(a!.id))!.state).toBe('pending');
    expect((await t.ctx.repos.candidates.get(b!.id))!.state).toBe('awaiting_user');

    await t.ctx.repos.reclamationRules.update(c!.ruleId!, { notifyUser: true, autoApprove: true });
    await world.services.reclamation.markNotified(c!.id, { dmUserId: 'U_HOLDER3', dmChannel: 'D3', dmTs: '3.3', graceUntil: past });
    const second = await world.services.reclamation.expireGrace();
    expect(second).toEqual({ toApprovers: [], autoApproved: [c!.id] });
    const approved = (await t.ctx.repos.candidates.get(c!.id))!;
    expect(approved.state).toBe('approved');
    expect(approved.decidedBy).toBe(GRACE_ACTOR);
  });
});

describe('restore', () => {
  it('gives the seat back with the role it had, once', async () => {
    const [c] = await candidates();
    const seat = (await t.ctx.repos.subscriptions.get(c!.subscriptionId))!;
    const user = world.fake.org.user(Number(seat.vendorUserId))!;
    const before = { role: user.role, custom_role_id: user.custom_role_id };
    await world.services.reclamation.approve(c!.id, 'U_APPROVER');
    await world.services.reclamation.executeApproved();
    expect(world.fake.org.user(user.id)!.role).toBe('end-user');

    const restored = await world.services.reclamation.restore(c!.id, 'U_ADMIN');
    expect(restored.state).toBe('restored');
    expect({ role: world.fake.org.user(user.id)!.role, custom_role_id: world.fake.org.user(user.id)!.custom_role_id }).toEqual(before);
    expect((await t.ctx.repos.subscriptions.get(seat.id))!.status).toBe('active');
    const exclusions = await t.ctx.repos.exclusionRules.listActive(world.profile.id);
    expect(exclusions.some((e) => e.vendorUserId === seat.vendorUserId && e.reason === 'Restored by U_ADMIN')).toBe(true);

    const again = await refusal(world.services.reclamation.restore(c!.id, 'U_ADMIN'));
    expect(again.message).toBe('Only a reclaimed seat can be restored; this candidate is already restored');
    const pending = await refusal(world.services.reclamation.restore((await candidates())[1]!.id, 'U_ADMIN'));
    expect(pending.message).toBe('Only a reclaimed seat can be restored; this candidate is waiting for an approver');
  });

  it('refuses cleanly when the connection cannot restore', async () => {
    const custom = await startFakeCustom();
    try {
      custom.org.addUser({ email: 'old.timer@acme.test', role: 'member', lastLoginAt: new Date(Date.now() - 200 * DAY_MS) });
      const definition = demoDefinition(custom.url);
      delete definition.restore;
      const services = createServices(t.ctx, recordingNotifier());
      const profile = await publishProfile(
        services,
        'custom',
        { displayName: 'Demo app', maxReclaimShare: 1 },
        { baseUrl: custom.url, authKind: 'custom', params: { definition: JSON.stringify(definition) }, secrets: { token: DEMO_TOKEN } },
      );
      await services.sync.syncSubscriptions(profile.id, { actor: 'test' });
      const [c] = await t.ctx.repos.candidates.list({ profileId: profile.id });
      await services.reclamation.approve(c!.id, ADMIN_ACTOR);
      const run = await services.reclamation.executeApproved({ profileId: profile.id });
      expect(run.reclaimed).toBe(1);
      const err = await refusal(services.reclamation.restore(c!.id, ADMIN_ACTOR));
      expect(err.code).toBe('refused');
      expect(err.message).toBe('The Custom app connection of "Demo app" cannot restore seats: give the license back at the vendor');
      expect((await t.ctx.repos.candidates.get(c!.id))!.state).toBe('reclaimed');
    } finally {
      await custom.close();
    }
  });
});

// What the Slack layer reads and writes through services instead of the store.
describe('services the Slack layer calls', () => {
  it('queues a sync for its actor, and finds its run and the job history afterwards', async () => {
    const { services, profile } = world;
    const request = await services.sync.requestSync(profile.id, 'U_ASKER');
    expect(request).toMatchObject({ label: `Download ${profile.displayName} Subscriptions`, profile: { id: profile.id } });
    const queued = await t.scheduler.listJobs({ profileId: profile.id, name: JOBS.subscriptions });
    expect(queued.find((j) => j.id === request.jobId)?.data).toMatchObject({ profileId: profile.id, actor: 'U_ASKER' });
    // The job has not run yet (the test scheduler does not process): no run for this request.
    expect(await services.sync.requestedRun(request, 'U_ASKER')).toBeNull();
    // What the job does when it runs, with the actor from its data.
    await services.sync.syncSubscriptions(profile.id, { actor: 'U_ASKER' });
    const run = await services.sync.requestedRun(request, 'U_ASKER');
    expect(run).toMatchObject({ status: 'succeeded', triggeredBy: 'U_ASKER', label: request.label });
    expect(await services.sync.requestedRun(request, 'U_SOMEONE_ELSE')).toBeNull();

    const history = await services.sync.jobHistory(profile.id);
    // The download and the evaluation that followed it, each under its own name.
    expect(history.runs.find((r) => r.id === run!.id)).toMatchObject({ label: request.label });
    expect(history.runs.map((r) => r.label)).toContain(`Evaluate ${profile.displayName} Reclamation Rules`);
    expect(history.scheduled.map((j) => j.label)).toContain(request.label);
    const audit = await services.audit.recent({ profileId: profile.id, limit: 100 });
    expect(audit.find((e) => e.action === 'sync.requested')).toMatchObject({ actor: 'U_ASKER', targetId: profile.id, details: { jobId: request.jobId } });

    const draft = await services.profiles.unpublish(ADMIN_ACTOR, profile.id);
    const err = await refusal(services.sync.requestSync(draft.id, 'U_ASKER'));
    expect(err.message).toContain('is a draft: validate and publish it before you sync it');
  });

  it('records audit entries, keeping a malformed profile reference out of the uuid column', async () => {
    const { services, profile } = world;
    await services.audit.record({ actor: 'U_X', action: 'refused', targetType: 'profile', targetId: 'nope', profileId: 'not-a-uuid', details: { attempted: 'x' } });
    await services.audit.record({ actor: 'U_X', action: 'refused', targetType: 'profile', profileId: profile.id });
    const [latest, previous] = await services.audit.recent({ limit: 2 });
    expect(latest).toMatchObject({ profileId: profile.id });
    expect(previous).toMatchObject({ profileId: null, details: { attempted: 'x', profileRef: 'not-a-uuid' } });
    expect(await services.audit.recent({ profileId: 'not-a-uuid' })).toEqual([]);
  });

  it('keeps the digest index, the approval channel and the message refs', async () => {
    const { services, profile } = world;
    const [c] = await candidates();
    for (let i = 0; i < 32; i++) await services.approvals.rememberDigest(profile.id, { channel: 'C1', parentTs: `${i}.0`, pages: [{ ts: `${i}.0`, ids: [c!.id] }, { ts: `${i}.5`, ids: [] }] });
    const index = await services.approvals.digests(profile.id);
    expect(index).toHaveLength(30);
    expect(index[0]!.parentTs).toBe('2.0');
    expect((await services.approvals.digestOf(profile.id, 'C1', '31.5'))?.parentTs).toBe('31.0');
    expect(await services.approvals.digestOf(profile.id, 'C1', '0.0')).toBeNull();
    expect(await services.approvals.digestOf(profile.id, 'C2', '31.0')).toBeNull();

    expect(await services.approvals.approvalChannel('C_ENV')).toBe('C_ENV');
    await services.approvals.setApprovalChannel(ADMIN_ACTOR, ' #approvals ');
    expect(await services.approvals.approvalChannel('C_ENV')).toBe('#approvals');
    await services.approvals.setApprovalChannel(ADMIN_ACTOR, null);
    expect(await services.approvals.approvalChannel(undefined)).toBeNull();

    await services.approvals.setMessageRef(c!.id, 'C1', '31.5');
    expect((await services.reclamation.view(c!.id))).toMatchObject({ slackChannel: 'C1', slackTs: '31.5' });
    expect((await services.approvals.ruleOf(c!.ruleId))?.id).toBe(c!.ruleId);
    expect(await services.approvals.ruleOf(null)).toBeNull();
  });
});
