// ProfileService through the real path: real database (PGlite or the server), real scheduler table, the real
// Zendesk connector over HTTP to the fake Zendesk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/names.js';
import { ProfileService } from '../../src/services/profile-service.js';
import { ServiceError } from '../../src/services/errors.js';
import { startFakeZendesk, type FakeZendesk } from '../../src/fakes/zendesk/index.js';
import { createTestContext, type TestContext } from '../support/context.js';

const API_TOKEN = 'zd-secret-token-123456';
let t: TestContext;
let fake: FakeZendesk;
let profiles: ProfileService;
let adminEmail: string;
let adminId: number;

beforeAll(async () => {
  [t, fake] = await Promise.all([createTestContext(), startFakeZendesk()]);
  const admin = fake.org.addUser({ email: 'ops@acme.test', name: 'Ops', role: 'admin' });
  adminEmail = admin.email;
  adminId = admin.id;
  fake.addApiToken(admin.id, API_TOKEN);
  profiles = new ProfileService(t.ctx);
});

afterAll(async () => {
  await fake?.close();
  await t?.close();
});

beforeEach(async () => {
  await t.reset();
});

const zendeskConnection = (token = API_TOKEN) => ({
  baseUrl: fake.url,
  authKind: 'api_token',
  params: { email: adminEmail },
  secrets: { apiToken: token },
});

async function jobsOf(profileId: string) {
  return (await t.scheduler.listJobs({ profileId })).map((j) => j.name).sort();
}

async function error(p: Promise<unknown>): Promise<ServiceError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ServiceError);
  return e as ServiceError;
}

describe('ProfileService', () => {
  it('creates a draft with the seeds defaults, encrypts the secrets and audits the actor', async () => {
    const p = await profiles.create('U_ADMIN', 'zendesk', { displayName: '  Acme Zendesk ' }, zendeskConnection());
    expect(p).toMatchObject({ displayName: 'Acme Zendesk', status: 'draft', downloadActivity: true, reclaim: true, defaultInactivityDays: 60 });
    const daysBack = (Date.now() - p.analyzeFrom!.getTime()) / 86_400_000;
    expect(Math.round(daysBack)).toBe(60);

    const stored = await t.ctx.repos.connections.get(p.id);
    expect(stored!.secretsEncrypted).not.toContain(API_TOKEN);
    expect(t.ctx.secrets.openJson(stored!.secretsEncrypted!)).toEqual({ apiToken: API_TOKEN });

    const audit = await t.ctx.repos.audit.listRecent({ profileId: p.id });
    expect(audit.map((a) => [a.actor, a.action])).toEqual([['U_ADMIN', 'profile.created']]);
    expect(JSON.stringify(audit)).not.toContain(API_TOKEN);
  });

  it('refuses a second profile with the same name in another case', async () => {
    await profiles.create('U1', 'zendesk', { displayName: 'Support' });
    const e = await error(profiles.create('U1', 'zendesk', { displayName: 'SUPPORT' }));
    expect(e.code).toBe('conflict');
    expect(e.fields).toEqual([{ path: 'displayName', message: 'That name is taken' }]);
  });

  it('names each bad field of the profile and of the connection', async () => {
    const e = await error(profiles.create('U1', 'zendesk', { displayName: ' ', defaultInactivityDays: 0 }));
    expect(e.fields.map((f) => f.path).sort()).toEqual(['defaultInactivityDays', 'displayName']);
    const c = await error(profiles.create('U1', 'zendesk', { displayName: 'Z' }, { baseUrl: 'not a url', authKind: 'api_token', params: {}, secrets: {} }));
    expect(c.fields.map((f) => f.path)).toEqual(expect.arrayContaining(['baseUrl', 'params.email', 'secrets.apiToken']));
    expect(await t.ctx.repos.profiles.list()).toHaveLength(0);
  });

  it('refuses to publish before a validation', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Z' }, zendeskConnection());
    const e = await error(profiles.publish('U1', p.id));
    expect(e).toMatchObject({ code: 'refused', message: 'Validate the connection before publishing' });
  });

  it('validates through the connector: a wrong token fails with a readable reason and the secret stays hidden', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Z' }, zendeskConnection('wrong-token-999'));
    const { profile, report } = await profiles.validate('U1', p.id);
    expect(report.ok).toBe(false);
    expect(profile.validatedAt).toBeNull();
    expect(JSON.stringify(report)).not.toContain('wrong-token-999');
    expect(report.checks.some((c) => !c.ok && /credentials|401/i.test(c.detail ?? ''))).toBe(true);
  });

  it('validate, publish: schedules the subscription and activity jobs and a first download; unpublish removes them', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Acme Zendesk' }, zendeskConnection());
    const { profile, report } = await profiles.validate('U1', p.id);
    expect(report.ok).toBe(true);
    expect(profile.validatedAt).not.toBeNull();
    expect(profile.integrationUserId).toBe(String(adminId));

    const published = await profiles.publish('U1', p.id);
    expect(published.status).toBe('published');
    const jobs = await t.scheduler.listJobs({ profileId: p.id });
    const recurring = jobs.filter((j) => j.data.recurring === true);
    expect(recurring.map((j) => [j.name, j.repeatInterval]).sort()).toEqual([
      [JOBS.subscriptions, '1 day'],
      [JOBS.activity, '1 day'],
    ]);
    expect(jobs.filter((j) => j.data.recurring !== true).map((j) => j.name)).toEqual([JOBS.subscriptions]);

    await profiles.unpublish('U1', p.id);
    expect(await jobsOf(p.id)).toEqual([]);
    const actions = (await t.ctx.repos.audit.listRecent({ profileId: p.id })).map((a) => a.action).reverse();
    expect(actions).toEqual(['profile.created', 'profile.validated', 'profile.published', 'profile.unpublished']);
  });

  it('turning Download activity off after publishing returns the profile to draft and removes its activity job', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Z' }, zendeskConnection());
    await profiles.validate('U1', p.id);
    await profiles.publish('U1', p.id);
    expect(await jobsOf(p.id)).toContain(JOBS.activity);

    const updated = await profiles.update('U2', p.id, { downloadActivity: false });
    expect(updated).toMatchObject({ status: 'draft', downloadActivity: false, validatedAt: null });
    expect(await jobsOf(p.id)).not.toContain(JOBS.activity);
    expect(await jobsOf(p.id)).toEqual([]);
    await expect(profiles.publish('U2', p.id)).rejects.toThrow('Validate the connection before publishing');
  });

  it('editing the connection returns a published profile to draft; a blank secret keeps the stored one', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Z' }, zendeskConnection());
    await profiles.validate('U1', p.id);
    await profiles.publish('U1', p.id);

    // Same connection with the secret left blank: nothing changed, stays published.
    const same = await profiles.update('U1', p.id, { displayName: 'Z2' }, { ...zendeskConnection(''), secrets: { apiToken: '' } });
    expect(same.status).toBe('published');
    expect(t.ctx.secrets.openJson((await t.ctx.repos.connections.get(p.id))!.secretsEncrypted!)).toEqual({ apiToken: API_TOKEN });

    const changed = await profiles.update('U1', p.id, {}, zendeskConnection('another-token-000'));
    expect(changed.status).toBe('draft');
    expect(changed.validatedAt).toBeNull();
    expect(await jobsOf(p.id)).toEqual([]);
  });

  it('resolves names case-insensitively and suggests close ones', async () => {
    await profiles.create('U1', 'zendesk', { displayName: 'Acme Zendesk' });
    await profiles.create('U1', 'zendesk', { displayName: 'Acme Zendesk EU' });
    expect((await profiles.resolve('acme zendesk')).displayName).toBe('Acme Zendesk');
    await expect(profiles.resolve('acme zendsk')).rejects.toThrow(/Did you mean "Acme Zendesk"/);
    await expect(profiles.resolve('salesforce')).rejects.toThrow('No profile named "salesforce".');
  });

  it('a stale edit loses to a newer one', async () => {
    const p = await profiles.create('U1', 'zendesk', { displayName: 'Z' });
    await t.ctx.repos.profiles.update(p.id, p.version, { defaultInactivityDays: 30 });
    // update() re-reads the row, so it wins; a concurrent writer with the old version does not.
    expect(await t.ctx.repos.profiles.update(p.id, p.version, { defaultInactivityDays: 90 })).toBeNull();
    expect((await profiles.get(p.id)).defaultInactivityDays).toBe(30);
  });
});
