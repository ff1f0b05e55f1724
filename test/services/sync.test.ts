// The subscription download and the evaluation through the real path: a published Zendesk profile, the real
// Zendesk connector over HTTP to the fake Zendesk, a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/names.js';
import { createServices, type Services } from '../../src/services/index.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import type { IntegrationProfile } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { daysAgo, publishedProfile, recordingNotifier, type RecordingNotifier } from './sync-support.js';

const API_TOKEN = 'zd-sync-token-5e6f7a8b9c';
const CONTRACTORS = 'contractors.acme.test';

let t: TestContext;
let services: Services;
let notifier: RecordingNotifier;
let fake: FakeZendesk;
let admin: FakeZendeskUser;

beforeAll(async () => {
  t = await createTestContext();
  notifier = recordingNotifier();
  services = createServices(t.ctx, notifier);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
  notifier.clear();
  fake = await startFakeZendesk();
  // The integration signs in as an admin who has not logged in for months: only the guard keeps it.
  admin = fake.org.addUser({ email: 'ops@acme.test', name: 'Ops Integration', role: 'admin', lastLoginAt: daysAgo(200) });
  fake.addApiToken(admin.id, API_TOKEN);
});
afterEach(async () => {
  await fake.close();
});

const connection = () => ({ baseUrl: fake.url, authKind: 'api_token', params: { email: admin.email }, secrets: { apiToken: API_TOKEN } });

/**
 * `agents` agents: the first `inactive` last logged in 61 + i days ago (all stale for a 60-day rule), the others
 * within 60 days (every 50th never signed in, one exactly 60 days and an hour ago: not "more than 60 days").
 * Agents 3 and 4 work for the contractor domain.
 */
function seedAgents(agents: number, inactive: number): FakeZendeskUser[] {
  const now = Date.now();
  const out: FakeZendeskUser[] = [];
  for (let i = 0; i < agents; i++) {
    const email = i === 3 || i === 4 ? `agent${i}@${CONTRACTORS}` : `agent${i}@acme.test`;
    let lastLoginAt: Date | null;
    if (i < inactive) lastLoginAt = daysAgo(61 + i, now);
    else if (i === inactive) lastLoginAt = new Date(now - 60 * 86_400_000 - 3_600_000);
    else if (i % 50 === 0) lastLoginAt = null;
    else lastLoginAt = daysAgo(i % 60, now);
    out.push(fake.org.addUser({ email, name: `Agent ${i}`, role: 'agent', lastLoginAt }));
  }
  return out;
}

async function profileWith(fields: { maxReclaimShare?: number } = {}): Promise<IntegrationProfile> {
  return publishedProfile(services, 'zendesk', { displayName: 'Acme Support', ...fields }, connection());
}

async function candidateEmails(profileId: string): Promise<string[]> {
  const rows = await t.ctx.repos.candidates.listByProfile(profileId);
  const emails: string[] = [];
  for (const c of rows) emails.push((await t.ctx.repos.subscriptions.get(c.subscriptionId))!.email!);
  return emails.sort();
}

const expectedEmails = (agents: FakeZendeskUser[], indexes: number[]) => indexes.map((i) => agents[i]!.email).sort();
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('subscription download and evaluation (Zendesk)', () => {
  it('creates the models and default rules, then exactly the 115 right candidates out of 500 agents', async () => {
    const agents = seedAgents(500, 120);
    // A deleted agent who never came back holds no seat.
    fake.org.deleteUser(fake.org.addUser({ email: 'gone@acme.test', role: 'agent', lastLoginAt: daysAgo(300) }).id);
    const profile = await profileWith({ maxReclaimShare: 0.25 });
    expect(profile.integrationUserId).toBe(String(admin.id));

    await services.rules.createUserExclusion('U_ADMIN', { profileId: profile.id, vendorUserId: String(agents[0]!.id), reason: 'On parental leave' });
    await services.rules.createUserExclusion('U_ADMIN', { profileId: profile.id, vendorUserId: String(agents[1]!.id), reason: 'Escalation backup' });
    // A global exclusion (every profile) by user id.
    await services.rules.createUserExclusion('U_ADMIN', { profileId: null, vendorUserId: String(agents[2]!.id), reason: 'Executive', expiresAt: daysAgo(-30) });
    await services.rules.createUserExclusion('U_ADMIN', { profileId: profile.id, emailPattern: `*@${CONTRACTORS.toUpperCase()}`, reason: 'Contract seats' });
    // An exclusion that has expired no longer protects agent 5.
    await t.ctx.repos.exclusionRules.create({ profileId: profile.id, kind: 'user', vendorUserId: String(agents[5]!.id), reason: 'Old', expiresAt: daysAgo(1), createdBy: 'U_ADMIN' });

    const result = await services.sync.syncSubscriptions(profile.id, { actor: 'cli' });
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ new: 502, updated: 0, removed: 0, unchanged: 0, seats: 502, pages: 6, unrecognized: 0, modelsCreated: 2, rulesCreated: 2 });

    const models = await t.ctx.repos.models.list(profile.id);
    expect(models.map((m) => [m.licenseType, m.name, m.isFree])).toEqual([
      ['admin', 'Zendesk admin', false],
      ['agent', 'Zendesk agent', false],
    ]);
    const rules = await t.ctx.repos.reclamationRules.listByProfile(profile.id);
    expect(rules.map((r) => [r.name, r.inactivityDays, r.notifyUser])).toEqual(
      expect.arrayContaining([
        ['Zendesk admin unused 60 days', 60, false],
        ['Zendesk agent unused 60 days', 60, false],
      ]),
    );

    // Zendesk downloads activity: the refresh ran from the download's data, then the evaluation.
    expect(result.activity).toMatchObject({ status: 'succeeded' });
    const evaluation = result.evaluation!;
    expect(evaluation).toMatchObject({ status: 'succeeded', created: 115, held: 0, closed: 0 });
    expect(evaluation.skipped).toMatchObject({ excluded_user: 5, integration_user: 1, inactive_account: 1 });
    expect(await candidateEmails(profile.id)).toEqual(expectedEmails(agents, range(5, 120)));

    const agentModel = models.find((m) => m.licenseType === 'agent')!;
    const candidates = await t.ctx.repos.candidates.listByProfile(profile.id);
    expect(candidates.every((c) => c.state === 'pending' && c.modelId === agentModel.id)).toBe(true);
    const agent7 = candidates.find((c) => c.inactiveDays === 68)!;
    expect(agent7.reason).toMatch(/^No activity for 68 days \(last active \d{4}-\d\d-\d\d\); rule "Zendesk agent unused 60 days"$/);
    expect(agent7.lastActivityAt!.toISOString()).toBe(new Date(agents[7]!.last_login_at!).toISOString());

    expect(notifier.created).toEqual([{ profileId: profile.id, ids: evaluation.createdIds }]);
    const runs = await t.ctx.repos.jobRuns.listByProfile(profile.id);
    expect(runs.map((r) => [r.kind, r.jobName, r.status, r.triggeredBy]).sort()).toEqual([
      ['activity', JOBS.activity, 'succeeded', 'cli'],
      ['evaluate', JOBS.evaluate, 'succeeded', 'cli'],
      ['subscriptions', JOBS.subscriptions, 'succeeded', 'cli'],
    ]);
    const subscriptionRun = runs.find((r) => r.kind === 'subscriptions')!;
    expect(subscriptionRun.counts).toMatchObject({ new: 502, updated: 0, removed: 0, unchanged: 0, pages: 6 });
    expect((await t.ctx.repos.profiles.get(profile.id))!.lastSyncStatus).toBe('succeeded');

    // The next download changes nothing and proposes nobody twice.
    const again = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(again.counts).toMatchObject({ new: 0, updated: 0, removed: 0, unchanged: 502, modelsCreated: 0, rulesCreated: 0 });
    expect(again.evaluation).toMatchObject({ created: 0, closed: 0 });
    expect(again.evaluation!.skipped.already_candidate).toBe(115);
    expect(await t.ctx.repos.reclamationRules.listByProfile(profile.id)).toHaveLength(2);
  });

  it('closes pending candidates whose seat is used again or gone, and leaves decided ones alone', async () => {
    const agents = seedAgents(40, 10);
    const profile = await profileWith({ maxReclaimShare: 0.5 });
    const first = await services.sync.syncSubscriptions(profile.id, { actor: 'cli' });
    expect(first.evaluation!.created).toBe(10);
    const byEmail = async (email: string) => {
      const sub = (await t.ctx.repos.subscriptions.list(profile.id)).find((s) => s.email === email)!;
      return (await t.ctx.repos.candidates.listByProfile(profile.id)).find((c) => c.subscriptionId === sub.id)!;
    };
    const usedAgain = await byEmail(agents[6]!.email);
    const gone = await byEmail(agents[7]!.email);
    const approved = await byEmail(agents[8]!.email);
    await t.ctx.repos.candidates.transition(approved.id, ['pending'], 'approved', { decidedBy: 'U_APPROVER', decidedAt: new Date() });

    fake.org.user(agents[6]!.id)!.last_login_at = new Date().toISOString();
    fake.org.updateUser(agents[7]!.id, { role: 'end-user' });
    fake.org.user(agents[8]!.id)!.last_login_at = new Date().toISOString();
    notifier.clear();

    const second = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(second.counts).toMatchObject({ removed: 1, updated: 2 });
    expect(second.evaluation).toMatchObject({ created: 0, closed: 2 });
    expect(new Set(second.evaluation!.closedIds)).toEqual(new Set([usedAgain.id, gone.id]));
    for (const c of [usedAgain, gone]) {
      expect(await t.ctx.repos.candidates.get(c.id)).toMatchObject({ state: 'excluded', decidedBy: 'system:evaluation' });
    }
    // An approver's decision is the reclaim executor's to re-check, not the evaluation's to undo.
    expect((await t.ctx.repos.candidates.get(approved.id))!.state).toBe('approved');
    expect(notifier.changed).toEqual([second.evaluation!.closedIds]);
    const audit = await t.ctx.repos.audit.listRecent({ profileId: profile.id, targetType: 'removal_candidate' });
    expect(audit.map((a) => a.details.why).sort()).toEqual(['recently_active', 'seat_gone']);
  });

  it('holds a model over the per-run cap until an admin confirms it', async () => {
    const agents = seedAgents(100, 30);
    const profile = await profileWith({ maxReclaimShare: 0.2 });
    const result = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const agentModel = (await t.ctx.repos.models.list(profile.id)).find((m) => m.licenseType === 'agent')!;
    expect(result.evaluation).toMatchObject({
      created: 0,
      held: 30,
      heldModels: [{ modelId: agentModel.id, modelName: 'Zendesk agent', candidates: 30, heldSeats: 100, limit: 20 }],
    });
    expect(await t.ctx.repos.candidates.listByProfile(profile.id)).toEqual([]);
    expect(notifier.created).toEqual([]);
    expect(await services.evaluation.heldBatch(profile.id)).toMatchObject({ runId: result.evaluation!.runId, models: [{ modelId: agentModel.id }] });

    // Another run holds them again: nothing slips through by repetition.
    expect(await services.evaluation.evaluate(profile.id, { actor: 'scheduler' })).toMatchObject({ created: 0, held: 30 });

    const confirmed = await services.evaluation.confirmHeld(profile.id, 'U_ADMIN');
    expect(confirmed).toMatchObject({ status: 'succeeded', created: 30, held: 0, heldModels: [] });
    expect(await candidateEmails(profile.id)).toEqual(expectedEmails(agents, range(0, 30)));
    expect(await services.evaluation.heldBatch(profile.id)).toBeNull();
    const audit = await t.ctx.repos.audit.listRecent({ profileId: profile.id });
    expect(audit.find((a) => a.action === 'candidates.held_confirmed')).toMatchObject({ actor: 'U_ADMIN' });
    await expect(services.evaluation.confirmHeld(profile.id, 'U_ADMIN')).rejects.toMatchObject({ code: 'refused' });
  });

  it('a download that fails on page 3 of 5 removes nothing; the next complete one converges', async () => {
    seedAgents(499, 0);
    const profile = await profileWith();
    const first = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' }, { followUp: false });
    expect(first.counts).toMatchObject({ new: 500, pages: 5 });

    // Ten agents lose their seat at the vendor; then the download breaks on its third page.
    const demoted = fake.org.users().filter((u) => u.role === 'agent').slice(-10);
    for (const u of demoted) fake.org.updateUser(u.id, { role: 'end-user' });
    let usersCalls = 0;
    fake.faults.add({
      match: (_req, url) => url.pathname === '/api/v2/users.json' && ++usersCalls >= 3,
      status: 401,
      body: JSON.stringify({ error: "Couldn't authenticate you" }),
    });
    const failed = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^The vendor rejected the credentials/);
    expect(failed.error).not.toContain(API_TOKEN);
    expect(failed.counts).toMatchObject({ pages: 2, removed: 0 });
    expect(failed.evaluation).toBeUndefined();
    expect(await t.ctx.repos.subscriptions.countByStatus(profile.id)).toEqual({ active: 500, removed: 0, reclaimed: 0 });
    const run = await t.ctx.repos.jobRuns.get(failed.runId);
    expect(run).toMatchObject({ status: 'failed', error: failed.error, kind: 'subscriptions' });
    expect(run!.counts).toMatchObject({ pages: 2, seats: 200 });
    expect((await t.ctx.repos.profiles.get(profile.id))!.lastSyncStatus).toBe('failed');
    expect(notifier.failures).toEqual([{ profileId: profile.id, label: 'Download Acme Support Subscriptions', message: failed.error }]);

    // A vendor outage that outlasts the retries fails the same way.
    const http = t.ctx.connectorHttp;
    t.ctx.connectorHttp = { ...http, maxAttempts: 2 };
    usersCalls = 0;
    fake.faults.add({ match: (_req, url) => url.pathname === '/api/v2/users.json' && ++usersCalls >= 3, status: 503, times: Infinity });
    try {
      const outage = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
      expect(outage).toMatchObject({ status: 'failed', counts: { pages: 2, removed: 0 } });
      expect(outage.error).toMatch(/^The vendor is unavailable/);
    } finally {
      t.ctx.connectorHttp = http;
      fake.faults.clear();
    }
    expect(await t.ctx.repos.subscriptions.countByStatus(profile.id)).toEqual({ active: 500, removed: 0, reclaimed: 0 });

    const converged = await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(converged).toMatchObject({ status: 'succeeded', counts: { new: 0, removed: 10, seats: 490, pages: 5 } });
    expect(await t.ctx.repos.subscriptions.countByStatus(profile.id)).toEqual({ active: 490, removed: 10, reclaimed: 0 });
    const removed = (await t.ctx.repos.subscriptions.list(profile.id, { status: 'removed' })).map((s) => s.vendorUserId).sort();
    expect(removed).toEqual(demoted.map((u) => String(u.id)).sort());
  });

  it('runs one download of a profile at a time: a second one waits for the first, or gives up after its wait', async () => {
    seedAgents(250, 10);
    const profile = await profileWith();
    // Slow pages keep the first download running while the others ask.
    fake.faults.add({ match: (_req, url) => url.pathname === '/api/v2/users.json', delayMs: 150, delayOnly: true, times: Infinity });
    const first = services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' }, { followUp: false });
    await new Promise((r) => setTimeout(r, 50));
    const waited = services.sync.syncSubscriptions(profile.id, { actor: 'slack' }, { followUp: false });
    await new Promise((r) => setTimeout(r, 50)); // the second is waiting now, with the default wait

    services.sync.downloadWaitMs = 100;
    await expect(services.sync.syncSubscriptions(profile.id, { actor: 'cli' }, { followUp: false })).rejects.toMatchObject({
      code: 'conflict',
      message: 'A download of "Acme Support" is still running; try again when it has finished',
    });
    services.sync.downloadWaitMs = 30 * 60_000;

    const [a, b] = await Promise.all([first, waited]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    fake.faults.clear();
    const runs = (await t.ctx.repos.jobRuns.listByProfile(profile.id, { kind: 'subscriptions' })).sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    expect(runs.map((r) => r.triggeredBy)).toEqual(['scheduler', 'slack']);
    // The second started only after the first had finished.
    expect(runs[1]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[0]!.finishedAt!.getTime());
  });

  it('refuses to download for a draft profile', async () => {
    const draft = await services.profiles.create('U_ADMIN', 'zendesk', { displayName: 'Draft Desk' }, connection());
    await expect(services.sync.syncSubscriptions(draft.id, { actor: 'cli' })).rejects.toMatchObject({ code: 'refused' });
    expect(await t.ctx.repos.jobRuns.listByProfile(draft.id)).toEqual([]);
  });
});
