// The admin's path through Slack, driven only by signed HTTP requests: create a Zendesk profile in the modal
// (first with inline errors), validate, publish and sync against the fake Zendesk; roles refused and audited.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import { startFakeZendesk, type FakeZendesk } from '../../src/fakes/zendesk/index.js';
import { ADMIN, APPROVER, STRANGER, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

const TOKEN = 'zd-flow-api-token-77e1c9';
let s: SlackTestApp;
let zd: FakeZendesk;

beforeAll(async () => {
  s = await startSlackTestApp({ runJobs: true });
}, 60_000);
afterAll(async () => {
  await zd?.close();
  await s?.close();
});
beforeEach(async () => {
  await s.reset();
  await zd?.close();
  zd = await startFakeZendesk();
  const ops = zd.org.addUser({ email: 'ops@acme.test', name: 'Ops', role: 'admin', lastLoginAt: new Date(Date.now() - 86_400_000) });
  zd.addApiToken(ops.id, TOKEN);
  for (let i = 0; i < 5; i++) zd.org.addUser({ email: `agent${i}@acme.test`, name: `Agent ${i}`, role: 'agent', lastLoginAt: new Date(Date.now() - (10 + i * 30) * 86_400_000) });
});

const lastText = (s: SlackTestApp, id: string) => s.responses(id).map((r) => String(r.text ?? '')).join('\n');
const modals = () => [...botState(s.fake).views.values()].filter((v) => v.view.type === 'modal').length;
const dmsTo = (user: string) => botState(s.fake).messages.filter((m) => m.channel === `D${user.slice(1)}`);

async function createThroughModal(name = 'Acme Zendesk') {
  const cmd = await s.slashCommand('new zendesk');
  expect(cmd.status).toBe(200);
  await s.waitFor(() => s.latestView() !== undefined);
  const view = s.latestView()!;
  const reply = await s.viewSubmission(view, {
    displayName: name,
    baseUrl: zd.url,
    'conn:params.email': 'ops@acme.test',
    'conn:secrets.apiToken': TOKEN,
    subflows: ['downloadActivity', 'reclaim'],
  });
  expect(reply.status).toBe(200);
  expect(reply.text).toBe('');
  return (await s.services.profiles.resolve(name))!;
}

describe('profile modal', () => {
  it('reshapes the form when a vendor is chosen', async () => {
    await s.slashCommand('new');
    await s.waitFor(() => s.latestView() !== undefined);
    const blank = s.latestView()!;
    expect(JSON.stringify(blank.view)).not.toContain('conn:params.email');
    await s.blockAction('profile_vendor_select', '', ADMIN, { view: blank, selectedOption: 'zendesk' });
    await s.waitFor(() => (s.latestView()?.history.length ?? 0) > 1);
    const reshaped = s.latestView()!;
    expect(reshaped.id).toBe(blank.id);
    const ids = (reshaped.view.blocks as Array<{ block_id?: string }>).map((b) => b.block_id);
    expect(ids).toEqual(expect.arrayContaining(['displayName', 'baseUrl', 'authKind', 'conn:params.email', 'conn:secrets.apiToken', 'subflows', 'analyzeFrom']));
  });

  it('returns every bad field inline and saves nothing; a good submission creates the profile and DMs the admin', async () => {
    await s.slashCommand('new zendesk');
    await s.waitFor(() => s.latestView() !== undefined);
    const view = s.latestView()!;
    const bad = await s.viewSubmission(view, { displayName: '', baseUrl: 'not a url', 'conn:params.email': 'nope', 'conn:secrets.apiToken': TOKEN });
    expect(bad.status).toBe(200);
    const body = bad.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['baseUrl', 'conn:params.email', 'displayName']);
    expect(JSON.stringify(body)).not.toContain(TOKEN);
    expect(await s.services.profiles.list()).toHaveLength(0);

    const profile = await createThroughModal();
    expect(profile.vendor).toBe('zendesk');
    expect(profile.status).toBe('draft');
    const stored = await s.t.ctx.repos.connections.get(profile.id);
    expect(s.t.ctx.secrets.openJson(stored!.secretsEncrypted!)).toMatchObject({ apiToken: TOKEN });
    expect(stored!.secretsEncrypted).not.toContain(TOKEN);
    await s.waitFor(() => dmsTo(ADMIN).some((m) => m.text.includes('created')));
    await s.waitFor(() => botState(s.fake).homes.has(ADMIN));
  });

  it('a name that is taken comes back on the display name field', async () => {
    await createThroughModal('Support Desk');
    await s.slashCommand('new zendesk');
    await s.waitFor(() => modals() >= 2);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'support desk', baseUrl: zd.url, 'conn:params.email': 'ops@acme.test', 'conn:secrets.apiToken': TOKEN });
    expect((reply.json as { errors: Record<string, string> }).errors.displayName).toMatch(/taken/i);
  });

  it('the edit form never shows a saved secret and keeps it when left blank', async () => {
    const profile = await createThroughModal();
    await s.slashCommand('edit ACME zendesk');
    await s.waitFor(() => modals() >= 2);
    const edit = s.latestView()!;
    const json = JSON.stringify(edit.view);
    expect(json).not.toContain(TOKEN);
    expect(json).toContain('saved — leave blank to keep');
    const reply = await s.viewSubmission(edit, { displayName: 'Acme Support', 'conn:secrets.apiToken': null });
    expect(reply.text).toBe('');
    const after = await s.services.profiles.get(profile.id);
    expect(after.displayName).toBe('Acme Support');
    const { report } = await s.services.profiles.validate(ADMIN, profile.id);
    expect(report.ok).toBe(true);
  });
});

describe('validate, publish, sync', () => {
  it('runs each after the ack and reports back through response_url', async () => {
    const profile = await createThroughModal();
    const draftSync = await s.slashCommand('sync acme zendesk');
    await s.waitFor(() => s.responses(draftSync.responseId).length > 0);
    expect(lastText(s, draftSync.responseId)).toContain('is a draft: validate and publish it before you sync it');
    const v = await s.slashCommand('validate acme ZENDESK');
    expect(v.status).toBe(200);
    await s.waitFor(() => lastText(s, v.responseId).includes('is connected'));
    expect((await s.services.profiles.get(profile.id)).validatedAt).not.toBeNull();

    const p = await s.slashCommand('publish Acme Zendesk');
    await s.waitFor(() => lastText(s, p.responseId).includes('published'));
    expect((await s.services.profiles.get(profile.id)).status).toBe('published');

    const sync = await s.slashCommand('sync acme zendesk');
    await s.waitFor(() => /seats —/.test(lastText(s, sync.responseId)), 20_000);
    expect(lastText(s, sync.responseId)).toMatch(/6 seats/);
    expect(zd.calls.some((c) => c.path.includes('/users'))).toBe(true);
    expect(await s.t.ctx.repos.subscriptions.countByStatus(profile.id)).toMatchObject({ active: 6 });
    expect(lastText(s, sync.responseId)).toContain('Started: Download Acme Zendesk Subscriptions.');

    // What the sync left behind, read back through the other subcommands.
    const jobs = await s.slashCommand('jobs acme zendesk');
    await s.waitFor(() => s.responses(jobs.responseId).length > 0);
    expect(JSON.stringify(s.responses(jobs.responseId))).toMatch(/Download Acme Zendesk Subscriptions — succeeded/);
    // 3 of 5 agents is more than the default share one run may propose: the batch waits for a confirmation.
    expect((await s.services.evaluation.heldBatch(profile.id))?.models).toHaveLength(1);
    await s.services.evaluation.confirmHeld(profile.id, ADMIN);
    const candidates = await s.slashCommand('candidates acme zendesk', APPROVER);
    await s.waitFor(() => s.responses(candidates.responseId).length > 0);
    const listed = JSON.stringify(s.responses(candidates.responseId));
    // Agents idle for 70, 100 and 130 days; not the ones seen 10 and 40 days ago.
    for (const i of [2, 3, 4]) expect(listed).toContain(`agent${i}@acme.test`);
    for (const i of [0, 1]) expect(listed).not.toContain(`agent${i}@acme.test`);
    const [agentModel] = (await s.services.entitlements.listForProfile(profile.id)).filter((m) => m.model.licenseType === 'agent');
    await s.services.entitlements.create(ADMIN, { modelId: agentModel!.model.id, quantity: '10', unitCost: '49', currency: 'USD', period: 'monthly', renewalDate: '2030-01-31' });
    const ents = await s.slashCommand('entitlements', APPROVER);
    await s.waitFor(() => s.responses(ents.responseId).length > 0);
    expect(JSON.stringify(s.responses(ents.responseId))).toContain('renews 2030-01-31');
    const audit = await s.slashCommand('audit', APPROVER);
    await s.waitFor(() => s.responses(audit.responseId).length > 0);
    expect(JSON.stringify(s.responses(audit.responseId))).toContain('sync.requested');
  }, 30_000);

  it('an unknown or misspelt profile name gets the close ones', async () => {
    await createThroughModal();
    const r = await s.slashCommand('validate acme zendsk');
    await s.waitFor(() => s.responses(r.responseId).length > 0);
    expect(lastText(s, r.responseId)).toContain('Did you mean "Acme Zendesk"');
  });

  it('malformed input gets usage help in the ack itself', async () => {
    const r = await s.slashCommand('publsh');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.json)).toContain('publish');
    const missing = await s.slashCommand('validate');
    expect(JSON.stringify(missing.json)).toContain('Usage');
  });
});

describe('roles', () => {
  it("refuses a non-admin's publish and unpublish, audits the refusal, and changes nothing", async () => {
    const profile = await createThroughModal();
    await s.services.profiles.validate(ADMIN, profile.id);
    const before = await s.services.profiles.get(profile.id);

    const r = await s.slashCommand('publish acme zendesk', STRANGER);
    await s.waitFor(() => s.responses(r.responseId).length > 0);
    expect(lastText(s, r.responseId)).toMatch(/only an admin/i);
    const asApprover = await s.slashCommand('publish acme zendesk', APPROVER);
    await s.waitFor(() => s.responses(asApprover.responseId).length > 0);
    expect(lastText(s, asApprover.responseId)).toMatch(/only an admin/i);

    const after = await s.services.profiles.get(profile.id);
    expect(after.status).toBe('draft');
    expect(after.version).toBe(before.version);
    expect(await s.t.scheduler.listJobs({ profileId: profile.id })).toHaveLength(0);
    const refusals = (await s.t.ctx.repos.audit.listRecent({ limit: 10 })).filter((e) => e.action === 'refused');
    expect(refusals.map((e) => e.actor).sort()).toEqual([APPROVER, STRANGER].sort());
    expect(refusals[0]!.details).toMatchObject({ requiredRole: 'admin' });
  });

  it("refuses a non-admin's modal submission inline and creates nothing", async () => {
    await s.slashCommand('new zendesk');
    await s.waitFor(() => s.latestView() !== undefined);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'Sneaky', baseUrl: zd.url, 'conn:params.email': 'ops@acme.test', 'conn:secrets.apiToken': TOKEN }, STRANGER);
    expect((reply.json as { response_action: string }).response_action).toBe('errors');
    expect(await s.services.profiles.list()).toHaveLength(0);
  });

  it('approvers may read; strangers get a polite refusal', async () => {
    const ok = await s.slashCommand('status', APPROVER);
    await s.waitFor(() => s.responses(ok.responseId).length > 0);
    expect(lastText(s, ok.responseId)).toContain('status');
    const no = await s.slashCommand('candidates', STRANGER);
    await s.waitFor(() => s.responses(no.responseId).length > 0);
    expect(lastText(s, no.responseId)).toMatch(/^Sorry, only an approver/);
  });
});
