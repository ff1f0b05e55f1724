import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProfileNameTakenError } from '../../src/store/errors.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let repos: Repositories;

beforeAll(async () => {
  t = await createTestDatabase();
  repos = createRepositories(t.database.db);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.truncateAll();
});

const newProfile = (displayName: string) =>
  repos.profiles.create({ vendor: 'salesforce', displayName, createdBy: 'U1' });

describe('profiles', () => {
  it('keeps display names unique whatever their case and surrounding spaces', async () => {
    const p = await newProfile('  Acme Salesforce ');
    expect(p).toMatchObject({ displayName: 'Acme Salesforce', displayNameKey: 'acme salesforce', status: 'draft', version: 1 });
    expect(p.maxReclaimShare).toBeCloseTo(0.2);
    await expect(newProfile('ACME salesforce')).rejects.toBeInstanceOf(ProfileNameTakenError);
    expect((await repos.profiles.findByName('acme SALESFORCE'))?.id).toBe(p.id);

    const other = await newProfile('Other');
    await expect(repos.profiles.update(other.id, 1, { displayName: 'acme salesforce' })).rejects.toBeInstanceOf(
      ProfileNameTakenError,
    );
  });

  it('updates only at the expected version', async () => {
    const p = await newProfile('Acme');
    const v2 = await repos.profiles.update(p.id, 1, { status: 'published', publishedAt: new Date() });
    expect(v2).toMatchObject({ status: 'published', version: 2 });
    expect(await repos.profiles.update(p.id, 1, { reclaim: false })).toBeNull();
    expect((await repos.profiles.get(p.id))?.reclaim).toBe(true);

    await repos.profiles.recordSync(p.id, 'ok', new Date('2026-01-01T00:00:00Z'));
    const synced = await repos.profiles.get(p.id);
    expect(synced).toMatchObject({ lastSyncStatus: 'ok', version: 2 });
  });

  it('lists by status, finds nothing for unknown or malformed ids, and deletes with everything below', async () => {
    const a = await newProfile('B profile');
    const b = await newProfile('A profile');
    await repos.profiles.update(a.id, 1, { status: 'published' });
    expect((await repos.profiles.list()).map((p) => p.displayName)).toEqual(['A profile', 'B profile']);
    expect((await repos.profiles.list({ status: 'published' })).map((p) => p.id)).toEqual([a.id]);
    expect(await repos.profiles.get('00000000-0000-0000-0000-000000000000')).toBeNull();
    expect(await repos.profiles.get('nonsense')).toBeNull();

    await repos.connections.upsert(b.id, { baseUrl: 'https://x.my.salesforce.com', authKind: 'jwt' });
    await repos.models.ensure(b.id, 'SFDC', 'Salesforce');
    expect(await repos.profiles.delete(b.id)).toBe(true);
    expect(await repos.profiles.delete(b.id)).toBe(false);
    expect(await repos.connections.get(b.id)).toBeNull();
    expect(await repos.models.list(b.id)).toEqual([]);
  });
});

describe('connections', () => {
  it('keeps one connection per profile and replaces it on upsert', async () => {
    const p = await newProfile('Acme');
    await repos.connections.upsert(p.id, {
      baseUrl: 'https://acme.zendesk.com',
      authKind: 'api_token',
      params: { email: 'ops@acme.com' },
      secretsEncrypted: 'v1:abc',
      keyId: 'k1',
    });
    const second = await repos.connections.upsert(p.id, { baseUrl: 'https://acme2.zendesk.com', authKind: 'oauth' });
    expect(second).toMatchObject({ baseUrl: 'https://acme2.zendesk.com', authKind: 'oauth', params: {}, secretsEncrypted: null });
    expect(await repos.connections.list()).toHaveLength(1);

    const expires = new Date('2026-06-01T00:00:00Z');
    const rotated = await repos.connections.updateSecrets(p.id, { secretsEncrypted: 'v1:new', keyId: 'k2', tokenExpiresAt: expires });
    expect(rotated).toMatchObject({ secretsEncrypted: 'v1:new', keyId: 'k2', tokenExpiresAt: expires, baseUrl: 'https://acme2.zendesk.com' });
  });
});

describe('models and unrecognized identifiers', () => {
  it('ensure creates once and keeps an edited model as it is', async () => {
    const p = await newProfile('Acme');
    const m = await repos.models.ensure(p.id, 'SFDC', 'Salesforce');
    await repos.models.update(m.id, { unitCost: 150.5, currency: 'USD', name: 'Sales Cloud' });
    const again = await repos.models.ensure(p.id, 'SFDC', 'Salesforce (renamed by vendor)');
    expect(again).toMatchObject({ id: m.id, name: 'Sales Cloud', unitCost: 150.5, currency: 'USD' });
    const many = await repos.models.ensureMany(p.id, [
      { licenseType: 'SFDC', name: 'x' },
      { licenseType: 'Chatter Free', name: 'Chatter Free', isFree: true },
    ]);
    expect(many.map((x) => x.licenseType).sort()).toEqual(['Chatter Free', 'SFDC']);
    expect(many.find((x) => x.licenseType === 'Chatter Free')?.isFree).toBe(true);
  });

  it('records identifiers with their latest seat count', async () => {
    const p = await newProfile('Acme');
    await repos.unrecognizedIdentifiers.recordMany(p.id, [{ identifier: 'PID_X', seatCount: 3 }], new Date('2026-01-01T00:00:00Z'));
    await repos.unrecognizedIdentifiers.recordMany(
      p.id,
      [
        { identifier: 'PID_X', seatCount: 5 },
        { identifier: 'PID_Y', seatCount: 1 },
      ],
      new Date('2026-01-02T00:00:00Z'),
    );
    const rows = await repos.unrecognizedIdentifiers.list(p.id);
    expect(rows.map((r) => [r.identifier, r.seatCount])).toEqual([
      ['PID_X', 5],
      ['PID_Y', 1],
    ]);
    expect(rows[0]).toMatchObject({ firstSeenAt: new Date('2026-01-01T00:00:00Z'), lastSeenAt: new Date('2026-01-02T00:00:00Z') });
    expect(await repos.unrecognizedIdentifiers.deleteMany(p.id, ['PID_Y'])).toBe(1);
  });
});

describe('rules', () => {
  it('reclamation rules: create, list active, update, delete', async () => {
    const p = await newProfile('Acme');
    const r = await repos.reclamationRules.create({ profileId: p.id, name: '90 days', inactivityDays: 90, createdBy: 'U1' });
    expect(r).toMatchObject({ modelId: null, graceDays: 7, notifyUser: false, autoApprove: false, active: true });
    await repos.reclamationRules.create({ profileId: p.id, name: 'off', inactivityDays: 30, active: false, createdBy: 'U1' });
    expect(await repos.reclamationRules.listByProfile(p.id, { activeOnly: true })).toHaveLength(1);
    expect(await repos.reclamationRules.update(r.id, { inactivityDays: 60 })).toMatchObject({ inactivityDays: 60 });
    expect(await repos.reclamationRules.delete(r.id)).toBe(true);
    await expect(
      repos.reclamationRules.create({ profileId: p.id, name: 'bad', inactivityDays: 0, createdBy: 'U1' }),
    ).rejects.toThrow();
  });

  it('exclusions: active ones are the profile’s and the global ones not yet expired', async () => {
    const p = await newProfile('Acme');
    const q = await newProfile('Other');
    const now = new Date('2026-03-01T00:00:00Z');
    const base = { kind: 'user' as const, reason: 'CEO', createdBy: 'U1' };
    const own = await repos.exclusionRules.create({ ...base, profileId: p.id, vendorUserId: '005A' });
    const global = await repos.exclusionRules.create({ ...base, profileId: null, emailPattern: '*@contractors.acme.com' });
    await repos.exclusionRules.create({ ...base, profileId: q.id, vendorUserId: '005B' });
    const expired = await repos.exclusionRules.create({ ...base, profileId: p.id, vendorUserId: '005C', expiresAt: new Date('2026-02-01T00:00:00Z') });
    const future = await repos.exclusionRules.create({ ...base, profileId: p.id, vendorUserId: '005D', expiresAt: new Date('2026-04-01T00:00:00Z') });

    const active = (await repos.exclusionRules.listActive(p.id, now)).map((r) => r.id).sort();
    expect(active).toEqual([own.id, global.id, future.id].sort());
    expect((await repos.exclusionRules.list({ profileId: null })).map((r) => r.id)).toEqual([global.id]);
    expect(await repos.exclusionRules.list()).toHaveLength(5);
    expect(await repos.exclusionRules.deleteExpired(now)).toBe(1);
    expect(await repos.exclusionRules.get(expired.id)).toBeNull();
  });
});

describe('entitlements, consumption, job runs, audit, settings', () => {
  it('entitlements per model and per profile', async () => {
    const p = await newProfile('Acme');
    const m = await repos.models.ensure(p.id, 'SFDC', 'Salesforce');
    const e = await repos.entitlements.create({ modelId: m.id, quantity: 100, unitCost: 150, period: 'annual', renewalDate: '2026-12-31' });
    expect(e).toMatchObject({ currency: 'USD', renewalDate: '2026-12-31', unitCost: 150 });
    expect(await repos.entitlements.listByProfile(p.id)).toHaveLength(1);
    expect(await repos.entitlements.update(e.id, { quantity: 120 })).toMatchObject({ quantity: 120 });
    expect(await repos.entitlements.delete(e.id)).toBe(true);
    expect(await repos.entitlements.listByModel(m.id)).toEqual([]);
  });

  it('consumption: latest snapshot per license type', async () => {
    const p = await newProfile('Acme');
    const jan = new Date('2026-01-01T00:00:00Z');
    const feb = new Date('2026-02-01T00:00:00Z');
    await repos.consumption.insertMany(p.id, [
      { licenseType: 'SFDC', licenseName: 'Salesforce', kind: 'user', used: 80, total: 100 },
      { licenseType: 'PSL1', licenseName: 'CRM Analytics', kind: 'permission_set', used: 3, total: 10 },
    ], jan);
    await repos.consumption.insertMany(p.id, [{ licenseType: 'SFDC', licenseName: 'Salesforce', kind: 'user', used: 90, total: 100 }], feb);
    const latest = await repos.consumption.latest(p.id);
    expect(latest.map((s) => [s.licenseType, s.used, s.takenAt])).toEqual([
      ['PSL1', 3, jan],
      ['SFDC', 90, feb],
    ]);
    expect((await repos.consumption.history(p.id, 'SFDC')).map((s) => s.used)).toEqual([90, 80]);
  });

  it('job runs: start, finish once, list newest first, fail abandoned ones', async () => {
    const p = await newProfile('Acme');
    const id = await repos.jobRuns.start({ jobName: 'sync-subscriptions', kind: 'subscriptions', profileId: p.id, startedAt: new Date('2026-01-01T00:00:00Z') });
    const done = await repos.jobRuns.finish(id, 'succeeded', { inserted: 3, updated: 1 });
    expect(done).toMatchObject({ status: 'succeeded', counts: { inserted: 3, updated: 1 }, error: null });
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(await repos.jobRuns.finish(id, 'failed', {}, 'late')).toBeNull();

    const stuck = await repos.jobRuns.start({ jobName: 'sync-activity', kind: 'activity', profileId: p.id, startedAt: new Date('2026-01-02T00:00:00Z') });
    expect(await repos.jobRuns.failAbandoned(new Date('2026-01-03T00:00:00Z'))).toBe(1);
    expect((await repos.jobRuns.listByProfile(p.id)).map((r) => [r.id, r.status])).toEqual([
      [stuck, 'failed'],
      [id, 'succeeded'],
    ]);
  });

  it('audit entries come back newest first and filter by target', async () => {
    await repos.audit.append({ actor: 'U1', action: 'profile.create', targetType: 'profile', targetId: 'p1' });
    await repos.audit.append({ actor: 'U2', action: 'candidate.approve', targetType: 'candidate', targetId: 'c1', details: { seat: 'W1' } });
    const recent = await repos.audit.listRecent();
    expect(recent.map((e) => e.action)).toEqual(['candidate.approve', 'profile.create']);
    expect(recent[0]?.details).toEqual({ seat: 'W1' });
    expect(await repos.audit.listRecent({ targetType: 'profile' })).toHaveLength(1);
  });

  it('settings hold JSON values by key', async () => {
    expect(await repos.settings.get('approvers')).toBeUndefined();
    await repos.settings.set('approvers', ['U1', 'U2']);
    await repos.settings.set('approvers', ['U3']);
    await repos.settings.set('channel', 'C1');
    expect(await repos.settings.get<string[]>('approvers')).toEqual(['U3']);
    expect(await repos.settings.all()).toEqual({ approvers: ['U3'], channel: 'C1' });
    expect(await repos.settings.delete('channel')).toBe(true);
  });
});

describe('transactions', () => {
  it('repositories built on a transaction roll back together', async () => {
    await expect(
      t.database.db.transaction(async (tx) => {
        const r = createRepositories(tx);
        await r.settings.set('inside', 1);
        await r.profiles.create({ vendor: 'custom', displayName: 'Tx', createdBy: 'U1' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await repos.settings.get('inside')).toBeUndefined();
    expect(await repos.profiles.findByName('tx')).toBeNull();
  });
});
