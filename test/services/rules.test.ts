// RulesService over a real database: validation errors name their fields (for inline modal errors), every
// change is audited with its actor.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/services/errors.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { IntegrationProfile, SoftwareModel } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';

let t: TestContext;
let services: Services;
let profile: IntegrationProfile;
let agent: SoftwareModel;
let free: SoftwareModel;

beforeAll(async () => {
  t = await createTestContext();
  services = createServices(t.ctx);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
  profile = await services.profiles.create('U_ADMIN', 'zendesk', { displayName: 'Support' });
  [agent, free] = await Promise.all([
    t.ctx.repos.models.ensure(profile.id, 'agent', 'Zendesk agent'),
    t.ctx.repos.models.ensure(profile.id, 'light_agent', 'Zendesk light agent'),
  ]);
  await t.ctx.repos.models.update(free!.id, { isFree: true });
});

async function invalid(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServiceError);
  expect((err as ServiceError).code).toBe('invalid');
  return Object.fromEntries((err as ServiceError).fields.map((f) => [f.path, f.message]));
}

describe('reclamation rules', () => {
  it('names every bad field', async () => {
    const other = await services.profiles.create('U_ADMIN', 'zendesk', { displayName: 'Other' });
    const otherModel = await t.ctx.repos.models.ensure(other.id, 'agent', 'Zendesk agent');
    const fields = await invalid(
      services.rules.createReclamationRule('U_ADMIN', profile.id, { modelId: otherModel.id, inactivityDays: 0, graceDays: -1, autoApprove: true, name: 'x'.repeat(81) }),
    );
    expect(Object.keys(fields).sort()).toEqual(['autoApprove', 'graceDays', 'inactivityDays', 'modelId', 'name']);
    expect(fields.inactivityDays).toMatch(/between 1 and/);
    expect(Object.keys(await invalid(services.rules.createReclamationRule('U_ADMIN', profile.id, { modelId: free!.id, inactivityDays: 30 })))).toEqual(['modelId']);
    expect(Object.keys(await invalid(services.rules.createReclamationRule('U_ADMIN', profile.id, { modelId: null, inactivityDays: 1.5 })))).toEqual(['inactivityDays']);
    expect(await t.ctx.repos.reclamationRules.listByProfile(profile.id)).toEqual([]);
  });

  it('creates, edits and deletes with an audit entry per change', async () => {
    const rule = await services.rules.createReclamationRule('U_ADMIN', profile.id, { modelId: agent!.id, inactivityDays: 45, notifyUser: true, graceDays: 5, autoApprove: true });
    expect(rule).toMatchObject({ name: 'Zendesk agent unused 45 days', inactivityDays: 45, notifyUser: true, graceDays: 5, autoApprove: true, active: true, createdBy: 'U_ADMIN' });
    const all = await services.rules.createReclamationRule('U_OTHER', profile.id, { modelId: null, inactivityDays: 90 });
    expect(all.name).toBe('All models unused 90 days');

    // Turning the DM off while auto-approve stays on is refused on the field that must change.
    expect(Object.keys(await invalid(services.rules.updateReclamationRule('U_ADMIN', rule.id, { notifyUser: false })))).toEqual(['autoApprove']);
    const edited = await services.rules.updateReclamationRule('U_ADMIN', rule.id, { notifyUser: false, autoApprove: false, inactivityDays: 30 });
    expect(edited).toMatchObject({ notifyUser: false, autoApprove: false, inactivityDays: 30, name: 'Zendesk agent unused 45 days' });
    await services.rules.deleteReclamationRule('U_ADMIN', all.id);
    await expect(services.rules.deleteReclamationRule('U_ADMIN', all.id)).rejects.toMatchObject({ code: 'not_found' });

    const audit = await t.ctx.repos.audit.listRecent({ profileId: profile.id, targetType: 'reclamation_rule' });
    expect(audit.map((a) => [a.actor, a.action]).reverse()).toEqual([
      ['U_ADMIN', 'reclamation_rule.created'],
      ['U_OTHER', 'reclamation_rule.created'],
      ['U_ADMIN', 'reclamation_rule.updated'],
      ['U_ADMIN', 'reclamation_rule.deleted'],
    ]);
    expect(audit.find((a) => a.action === 'reclamation_rule.updated')!.details).toMatchObject({ before: { inactivityDays: 45 }, after: { inactivityDays: 30 } });
  });
});

describe('exclusion rules', () => {
  it('names every bad field of a user exclusion', async () => {
    const missing = await invalid(services.rules.createUserExclusion('U_ADMIN', { profileId: profile.id, reason: ' ', expiresAt: new Date(Date.now() - 1000) }));
    expect(Object.keys(missing).sort()).toEqual(['emailPattern', 'expiresAt', 'reason', 'vendorUserId']);
    expect(Object.keys(await invalid(services.rules.createUserExclusion('U_ADMIN', { profileId: null, emailPattern: 'not an email', reason: 'r' })))).toEqual(['emailPattern']);
    expect((await invalid(services.rules.createUserExclusion('U_ADMIN', { profileId: null, emailPattern: '*@*', reason: 'r' }))).emailPattern).toMatch(/everyone/);
    expect(Object.keys(await invalid(services.rules.createIdentifierExclusion('U_ADMIN', { profileId: profile.id, licenseType: ' ', reason: 'r' })))).toEqual(['licenseType']);
    expect(await t.ctx.repos.exclusionRules.list()).toEqual([]);
  });

  it('keeps user and identifier exclusions, global or per profile, with an audit trail', async () => {
    const byEmail = await services.rules.createUserExclusion('U_ADMIN', { profileId: profile.id, emailPattern: ' *@Contractors.Acme.com ', reason: 'Contract seats', expiresAt: new Date(Date.now() + 86_400_000) });
    expect(byEmail).toMatchObject({ kind: 'user', emailPattern: '*@contractors.acme.com', vendorUserId: null, createdBy: 'U_ADMIN' });
    const global = await services.rules.createUserExclusion('U_ADMIN', { profileId: null, vendorUserId: ' 12345 ', reason: 'CEO' });
    expect(global).toMatchObject({ profileId: null, vendorUserId: '12345' });
    const identifier = await services.rules.createIdentifierExclusion('U_ADMIN', { profileId: profile.id, licenseType: 'admin', reason: 'Admins are budgeted apart' });
    expect(identifier).toMatchObject({ kind: 'identifier', licenseType: 'admin' });

    expect((await services.rules.listExclusions(profile.id)).map((e) => e.id).sort()).toEqual([byEmail.id, global.id, identifier.id].sort());
    expect((await services.rules.listExclusions(null)).map((e) => e.id)).toEqual([global.id]);

    expect(Object.keys(await invalid(services.rules.updateExclusion('U_ADMIN', byEmail.id, { emailPattern: null })))).toEqual(['vendorUserId', 'emailPattern']);
    const edited = await services.rules.updateExclusion('U_ADMIN', byEmail.id, { reason: 'Agency seats', expiresAt: null });
    expect(edited).toMatchObject({ reason: 'Agency seats', expiresAt: null, emailPattern: '*@contractors.acme.com' });
    await services.rules.deleteExclusion('U_OTHER', identifier.id);

    const audit = await t.ctx.repos.audit.listRecent({ targetType: 'exclusion_rule' });
    expect(audit.map((a) => [a.actor, a.action, a.targetId]).reverse()).toEqual([
      ['U_ADMIN', 'exclusion_rule.created', byEmail.id],
      ['U_ADMIN', 'exclusion_rule.created', global.id],
      ['U_ADMIN', 'exclusion_rule.created', identifier.id],
      ['U_ADMIN', 'exclusion_rule.updated', byEmail.id],
      ['U_OTHER', 'exclusion_rule.deleted', identifier.id],
    ]);
  });
});
