// The per-profile jobs through the real scheduler (Agenda on the test database) calling the real services over
// HTTP to the fake Zendesk: a published profile's first download runs as a job, a failing download ends as a
// failed job run and Agenda failReason without crashing, turning Download activity off removes the activity job.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineJobs } from '../../src/jobs/define-jobs.js';
import { JOBS, profileRunData } from '../../src/jobs/names.js';
import { DEFAULT_JOBS_TABLE } from '../../src/jobs/scheduler.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { daysAgo, publishedProfile, recordingNotifier, type RecordingNotifier } from '../services/sync-support.js';

const API_TOKEN = 'zd-jobs-token-0a1b2c3d4e';
let t: TestContext;
let services: Services;
let notifier: RecordingNotifier;
let fake: FakeZendesk;
let admin: FakeZendeskUser;

beforeAll(async () => {
  [t, fake] = await Promise.all([createTestContext(), startFakeZendesk()]);
  notifier = recordingNotifier();
  services = createServices(t.ctx, notifier);
  defineJobs(t.scheduler, services);
  await t.scheduler.start();
  admin = fake.org.addUser({ email: 'ops@acme.test', role: 'admin', lastLoginAt: new Date() });
  fake.addApiToken(admin.id, API_TOKEN);
  for (let i = 0; i < 30; i++) fake.org.addUser({ email: `agent${i}@acme.test`, role: 'agent', lastLoginAt: daysAgo(i < 5 ? 100 : 3) });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(async () => {
  await waitFor(async () => (await t.scheduler.listJobs()).every((j) => j.lockedAt === null));
  await t.reset();
  notifier.clear();
  fake.faults.clear();
});

const connection = () => ({ baseUrl: fake.url, authKind: 'api_token', params: { email: admin.email }, secrets: { apiToken: API_TOKEN } });

async function waitFor<T>(probe: () => Promise<T | false | undefined | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function jobRowsOf(profileId: string): Promise<string[]> {
  const result = await t.ctx.database.db.execute<{ name: string }>(
    sql`SELECT name FROM ${sql.identifier(DEFAULT_JOBS_TABLE)} WHERE data->>'profileId' = ${profileId} ORDER BY name`,
  );
  return result.rows.map((r) => r.name);
}

describe('sync jobs', () => {
  it('publishing runs the first download as a job, followed by activity and the evaluation', async () => {
    const profile = await publishedProfile(services, 'zendesk', { displayName: 'Desk', maxReclaimShare: 0.5 }, connection());
    const runs = await waitFor(async () => {
      const all = await t.ctx.repos.jobRuns.listByProfile(profile.id);
      return all.some((r) => r.kind === 'evaluate' && r.status !== 'running') && all;
    });
    expect(runs.map((r) => [r.kind, r.status, r.triggeredBy]).sort()).toEqual([
      ['activity', 'succeeded', 'scheduler'],
      ['evaluate', 'succeeded', 'scheduler'],
      ['subscriptions', 'succeeded', 'scheduler'],
    ]);
    expect(await t.ctx.repos.candidates.listByProfile(profile.id)).toHaveLength(5);
    // The recurring rows stay for tomorrow; the one-off first run is done.
    const recurring = await t.scheduler.listJobs({ profileId: profile.id, recurring: true });
    expect(recurring.map((j) => j.name).sort()).toEqual([JOBS.activity, JOBS.subscriptions].sort());
  });

  it('a failing download ends as a failed job run and an Agenda failReason, and the process carries on', async () => {
    const profile = await publishedProfile(services, 'zendesk', { displayName: 'Broken Desk' }, connection());
    await waitFor(async () => (await t.ctx.repos.jobRuns.listByProfile(profile.id)).some((r) => r.kind === 'evaluate' && r.status !== 'running'));

    fake.faults.add({ match: (_req, url) => url.pathname === '/api/v2/users.json', status: 403, body: JSON.stringify({ error: 'Forbidden', description: 'You do not have access' }), times: Infinity });
    const jobId = await t.scheduler.now(JOBS.subscriptions, profileRunData(profile.id, { actor: 'U_ASKER' }));
    const job = await waitFor(async () => (await t.scheduler.listJobs({ name: JOBS.subscriptions })).find((j) => j.id === jobId && j.failReason !== null));
    const [failedRun] = await t.ctx.repos.jobRuns.listByProfile(profile.id, { kind: 'subscriptions', limit: 1 });
    expect(failedRun).toMatchObject({ status: 'failed', triggeredBy: 'U_ASKER' });
    expect(failedRun!.error).toMatch(/^The connected account lacks a permission/);
    expect(job.failReason).toBe(failedRun!.error);
    expect(notifier.failures.map((f) => f.label)).toEqual(['Download Broken Desk Subscriptions']);

    // The scheduler still works: the next run succeeds once the vendor answers again.
    fake.faults.clear();
    const okId = await t.scheduler.now(JOBS.subscriptions, profileRunData(profile.id));
    await waitFor(async () => (await t.scheduler.listJobs({ name: JOBS.subscriptions })).find((j) => j.id === okId && j.lastFinishedAt !== null));
    const [latest] = await t.ctx.repos.jobRuns.listByProfile(profile.id, { kind: 'subscriptions', limit: 1 });
    expect(latest!.status).toBe('succeeded');
  });

  it('a queued run for a profile that went back to draft is skipped, not failed', async () => {
    const draft = await services.profiles.create('U_ADMIN', 'zendesk', { displayName: 'Draft Desk' }, connection());
    const jobId = await t.scheduler.now(JOBS.evaluate, profileRunData(draft.id));
    const job = await waitFor(async () => (await t.scheduler.listJobs({ name: JOBS.evaluate })).find((j) => j.id === jobId && j.lastFinishedAt !== null));
    expect(job.failReason).toBeNull();
    const id = await t.scheduler.now(JOBS.subscriptions, profileRunData(draft.id));
    const skipped = await waitFor(async () => (await t.scheduler.listJobs({ name: JOBS.subscriptions })).find((j) => j.id === id && j.lastFinishedAt !== null));
    expect(skipped.failReason).toBeNull();
    expect(await t.ctx.repos.jobRuns.listByProfile(draft.id, { kind: 'subscriptions' })).toEqual([]);
  });

  it('turning Download activity off on a published profile returns it to draft and removes its activity job', async () => {
    const profile = await publishedProfile(services, 'zendesk', { displayName: 'Quiet Desk' }, connection());
    await waitFor(async () => (await t.ctx.repos.jobRuns.listByProfile(profile.id)).some((r) => r.kind === 'evaluate' && r.status !== 'running'));
    expect(await jobRowsOf(profile.id)).toEqual(expect.arrayContaining([JOBS.activity, JOBS.subscriptions]));

    const edited = await services.profiles.update('U_ADMIN', profile.id, { downloadActivity: false });
    expect(edited).toMatchObject({ status: 'draft', downloadActivity: false, validatedAt: null });
    expect(await jobRowsOf(profile.id)).not.toContain(JOBS.activity);
    expect((await t.scheduler.listJobs({ profileId: profile.id })).map((j) => j.name)).not.toContain(JOBS.activity);
    await expect(services.sync.refreshActivity(profile.id, { actor: 'cli' })).rejects.toMatchObject({ code: 'refused' });
  });
});
