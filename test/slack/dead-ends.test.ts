// Every Slack screen leads somewhere (issue 11, item 5), driven only by signed HTTP requests: field errors a
// person can act on, lists that name people, totals that are true, and a next step from each list.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeZendesk, type FakeZendesk } from '../../src/fakes/zendesk/index.js';
import type { IntegrationProfile } from '../../src/services/types.js';
import { ADMIN, APPROVER, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

const DAY_MS = 86_400_000;
const TOKEN = 'zd-dead-ends-token-5f2a';
let s: SlackTestApp;
let zd: FakeZendesk;
beforeAll(async () => {
  s = await startSlackTestApp();
}, 60_000);
afterAll(async () => {
  await zd?.close();
  await s?.close();
});
beforeEach(async () => {
  await s.reset();
  await zd?.close();
  zd = await startFakeZendesk();
});

/** A published Zendesk profile whose `stale` agents (idle 61+ days) are proposed by its first sync. */
async function zendeskWithCandidates(stale: number, displayName = 'Acme Zendesk'): Promise<IntegrationProfile> {
  const ops = zd.org.addUser({ email: `ops@${displayName.replace(/\W/g, '').toLowerCase()}.test`, name: 'Ops', role: 'admin', lastLoginAt: new Date(Date.now() - DAY_MS) });
  zd.addApiToken(ops.id, TOKEN);
  for (let i = 0; i < stale; i++) zd.org.addUser({ email: `agent${i}@acme.test`, name: `Agent ${i}`, role: 'agent', lastLoginAt: new Date(Date.now() - (61 + i) * DAY_MS) });
  const created = await s.services.profiles.create(ADMIN, 'zendesk', { displayName, maxReclaimShare: 1 }, { baseUrl: zd.url, authKind: 'api_token', params: { email: ops.email }, secrets: { apiToken: TOKEN } });
  await s.services.profiles.validate(ADMIN, created.id);
  const profile = await s.services.profiles.publish(ADMIN, created.id);
  await s.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
  return profile;
}

async function reply(text: string, user = APPROVER): Promise<string> {
  const r = await s.slashCommand(text, user);
  await s.waitFor(() => s.responses(r.responseId).length > 0);
  return JSON.stringify(s.responses(r.responseId));
}

describe('connection fields', () => {
  it('a missing API token reads as "API token is required", not the validator text', async () => {
    await s.slashCommand('new zendesk');
    await s.waitFor(() => s.latestView() !== undefined);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'Acme Zendesk', baseUrl: 'https://acme.zendesk.com', 'conn:params.email': 'ops@acme.test', 'conn:secrets.apiToken': null });
    const body = reply.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors).toEqual({ 'conn:secrets.apiToken': 'API token is required' });
    expect(await s.services.profiles.list()).toHaveLength(0);
  });

  it('the grant type with a client id and secret names both fields when they are left out', async () => {
    await s.slashCommand('new salesforce', ADMIN);
    await s.waitFor(() => s.latestView() !== undefined);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'Acme CRM', baseUrl: 'https://acme.my.salesforce.com', 'conn:params.clientId': null, 'conn:secrets.clientSecret': null });
    const { errors } = reply.json as { errors: Record<string, string> };
    expect(errors['conn:params.clientId']).toBe('Consumer key is required');
    expect(errors['conn:secrets.clientSecret']).toBe('Consumer secret is required');
    expect(JSON.stringify(errors)).not.toMatch(/Invalid input|expected string/);
  });
});

describe('/license candidates', () => {
  it('gives the true total per state, calls only undecided seats "waiting for a decision", and says where the list stops', async () => {
    const profile = await zendeskWithCandidates(205);
    const rows = await s.services.reclamation.list({ profileId: profile.id, limit: 3 });
    for (const c of rows) await s.services.reclamation.approve(c.id, APPROVER);
    const all = await reply('candidates');
    expect(all).toContain('Candidates (205)');
    expect(all).toContain('202 waiting for a decision · 3 approved, reclaim queued');
    expect(all).toContain('The list stops after 200 of 205');
    expect(all).toContain('…and 5 more');
    // The approved seats are listed as approved, not as waiting.
    for (const c of rows) expect(all).toMatch(new RegExp(`\\(${c.user.email!.replace('.', '\\.')}\\) — [^•]*· approved, reclaim queued`));
    expect(all.match(/· waiting for a decision/g)).toHaveLength(197);
  }, 30_000);

  it('with nothing proposed it says so', async () => {
    expect(await reply('candidates')).toContain('No seats are proposed for reclaim right now.');
  });
});
