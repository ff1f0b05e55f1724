// Channel approvals and holder DMs end to end: a sync against the fake Zendesk posts the digest to the fake
// Slack; clicks arrive as signed HTTP requests at the bot's server; the reclaim executor (the job's body) sends
// the reclaims to the fake Zendesk; the digest is updated in place. PGlite, or PostgreSQL with TEST_DATABASE_URL.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createServices } from '../../src/services/index.js';
import { createSlackApp } from '../../src/slack/app.js';
import { ACTION_APPROVE } from '../../src/slack/blocks/digest.js';
import { ACTION_HOLDER_KEEP, ACTION_HOLDER_RELEASE, KEEP_DAYS_BLOCK, KEEP_DAYS_INPUT, KEEP_REASON_BLOCK, KEEP_REASON_INPUT } from '../../src/slack/blocks/holder-dm.js';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import {
  ADMIN,
  APPROVAL_CHANNEL,
  APPROVER,
  SIGNING_SECRET,
  buttonValues,
  candidateLine,
  channelMessages,
  clickButton,
  dms,
  ephemerals,
  excludeByClick,
  slackIdOf,
  STRANGER,
  staleAgents,
  startHarness,
  submitView,
  syncWithHolderDms,
  zendeskProfile,
  zendeskReclaims,
  type Harness,
} from '../slack/approvals-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await h.reset();
});

async function candidateByEmail(profileId: string, email: string) {
  const views = await h.services.reclamation.list({ profileId });
  const found = views.find((v) => v.user.email === email);
  if (!found) throw new Error(`no candidate for ${email}`);
  return found;
}

describe('channel approvals', () => {
  it('posts the digest after a sync, takes two approvals and one exclusion by click, reclaims exactly the two and updates the message', async () => {
    const profile = await zendeskProfile(h);
    const agents = staleAgents(h, 3);
    h.zendesk.org.addUser({ email: 'busy@acme.test', name: 'Busy Agent', role: 'agent', lastLoginAt: new Date() });

    const sync = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(sync.evaluation?.created).toBe(3);

    // One digest in the approval channel, with the three stale agents and nobody else.
    expect(channelMessages(h)).toHaveLength(1);
    const digest = channelMessages(h)[0]!;
    const ids = await Promise.all(agents.map(async (a) => (await candidateByEmail(profile.id, a.email)).id));
    expect(buttonValues(digest, ACTION_APPROVE).sort()).toEqual([...ids].sort());
    expect(digest.text).toContain('Acme Zendesk');
    expect(JSON.stringify(digest.blocks)).not.toContain('busy@acme.test');
    for (const id of ids) expect(await h.services.reclamation.get(id)).toMatchObject({ slackChannel: digest.channel, slackTs: digest.ts });

    // Told twice (a retried job): nothing is posted again.
    await h.services.notifier.candidatesCreated(profile.id, ids);
    expect(channelMessages(h)).toHaveLength(1);

    const [first, second, third] = ids as [string, string, string];
    expect((await clickButton(h, APPROVER, digest, ACTION_APPROVE, first)).status).toBe(200);
    expect((await clickButton(h, APPROVER, digest, ACTION_APPROVE, second)).status).toBe(200);
    expect((await excludeByClick(h, APPROVER, digest, third, 'Covers the support queue in August')).status).toBe(200);

    expect(candidateLine(digest, first)).toContain(`Approved by <@${APPROVER}>`);
    expect(candidateLine(digest, second)).toContain(`Approved by <@${APPROVER}>`);
    expect(candidateLine(digest, third)).toContain(`Excluded by <@${APPROVER}>`);
    // The decided rows lose their buttons; nothing is left to approve.
    expect(buttonValues(digest, ACTION_APPROVE)).toEqual([]);

    // The reclaim executor (what the scheduled job runs) sends exactly the two approved reclaims.
    await h.services.reclamation.executeApproved();
    expect(zendeskReclaims(h).sort()).toEqual([agents[0]!.id, agents[1]!.id].sort());
    expect(agents[2]!.role).toBe('agent');

    expect(candidateLine(digest, first)).toContain('reclaimed ✓');
    expect(candidateLine(digest, second)).toContain('reclaimed ✓');
    expect(candidateLine(digest, third)).not.toContain('reclaimed');
    expect(JSON.stringify(digest.blocks)).toContain('2 reclaimed');
    // Still one message: every change was an update in place.
    expect(channelMessages(h)).toHaveLength(1);
    expect(digest.history.length).toBeGreaterThan(3);

    const audit = await h.t.ctx.repos.audit.listRecent({ profileId: profile.id, limit: 200 });
    expect(audit.filter((e) => e.action === 'candidate.approved' && e.actor === APPROVER).map((e) => e.targetId).sort()).toEqual([first, second].sort());
    expect(audit.filter((e) => e.action === 'candidate.excluded' && e.actor === APPROVER).map((e) => e.targetId)).toEqual([third]);
    const [exclusion] = await h.services.rules.listExclusions(profile.id);
    expect(exclusion).toMatchObject({ reason: 'Covers the support queue in August', vendorUserId: String(agents[2]!.id), expiresAt: null });
  });

  it("refuses a non-approver's Approve politely, audits it and changes nothing", async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 1);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const digest = channelMessages(h)[0]!;
    const [id] = buttonValues(digest, ACTION_APPROVE) as [string];
    const versions = digest.history.length;

    expect((await clickButton(h, STRANGER, digest, ACTION_APPROVE, id)).status).toBe(200);

    expect(ephemerals(h)).toHaveLength(1);
    expect(ephemerals(h)[0]).toMatchObject({ channel: digest.channel, user: STRANGER });
    expect(ephemerals(h)[0]!.text).toMatch(/^Sorry, only an approver/);
    expect((await h.services.reclamation.get(id)).state).toBe('pending');
    expect(digest.history.length).toBe(versions);
    const refused = (await h.t.ctx.repos.audit.listRecent({ targetId: id })).filter((e) => e.action === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: STRANGER, profileId: profile.id, details: { attempted: 'approve seat reclamations', requiredRole: 'approver' } });
    await h.services.reclamation.executeApproved();
    expect(zendeskReclaims(h)).toEqual([]);
  });
});

describe('DMs to seat holders', () => {
  it("Keep it opens the reason modal; the submission creates a time-limited exclusion and nothing is reclaimed", async () => {
    const profile = await zendeskProfile(h);
    const { agents, ids } = await syncWithHolderDms(h, profile, 1);
    const [agent, id] = [agents[0]!, ids[0]!];

    const holder = slackIdOf(h, agent.email);
    expect(dms(h)).toHaveLength(1);
    const dm = dms(h)[0]!;
    expect(buttonValues(dm, ACTION_HOLDER_KEEP)).toEqual([id]);
    const asked = await h.services.reclamation.get(id);
    // The candidate row holds whom the DM was for (checked on every click); the audit entry is the record.
    expect(asked).toMatchObject({ state: 'awaiting_user', dmUserId: holder, dmChannel: dm.channel, dmTs: dm.ts });
    const notified = (await h.services.audit.recent({ targetId: id })).find((e) => e.action === 'candidate.holder_notified');
    expect(notified?.details).toMatchObject({ dmUserId: holder, dmChannel: dm.channel, dmTs: dm.ts });
    // The approvers see the candidate too, waiting for the holder.
    expect(candidateLine(channelMessages(h)[0]!, id)).toContain('Holder asked');

    expect((await clickButton(h, holder, dm, ACTION_HOLDER_KEEP, id)).status).toBe(200);
    const modal = [...botState(h.slack).views.values()].at(-1)!;
    expect(modal.view.callback_id).toBe('holder_keep_modal');

    // An empty reason comes back inline.
    const empty = await submitView(h, holder, modal.view, { [KEEP_REASON_BLOCK]: { [KEEP_REASON_INPUT]: { type: 'plain_text_input', value: ' ' } } });
    expect(await empty.json()).toMatchObject({ response_action: 'errors', errors: { [KEEP_REASON_BLOCK]: expect.any(String) } });
    expect((await h.services.reclamation.get(id)).state).toBe('awaiting_user');

    const ok = await submitView(h, holder, modal.view, {
      [KEEP_REASON_BLOCK]: { [KEEP_REASON_INPUT]: { type: 'plain_text_input', value: 'I cover the queue in May' } },
      [KEEP_DAYS_BLOCK]: { [KEEP_DAYS_INPUT]: { type: 'static_select', selected_option: { value: '30', text: { type: 'plain_text', text: '30 days' } } } },
    });
    expect(ok.status).toBe(200);
    expect((await h.services.reclamation.get(id)).state).toBe('kept');
    const exclusions = await h.services.rules.listExclusions(profile.id);
    expect(exclusions).toHaveLength(1);
    expect(exclusions[0]!.reason).toContain('I cover the queue in May');
    const days = (exclusions[0]!.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    // The DM shows the answer without buttons; the digest shows the seat as kept.
    expect(buttonValues(dm, ACTION_HOLDER_KEEP)).toEqual([]);
    expect(JSON.stringify(dm.blocks)).toContain('I cover the queue in May');
    expect(candidateLine(channelMessages(h)[0]!, id)).toContain(`Kept by the holder by <@${holder}>`);

    await h.services.reclamation.executeApproved();
    expect(zendeskReclaims(h)).toEqual([]);
  });

  it('Release it approves at once and leads to a reclaim', async () => {
    const profile = await zendeskProfile(h);
    const { agents, ids } = await syncWithHolderDms(h, profile, 1);
    const [agent, id] = [agents[0]!, ids[0]!];
    const dm = dms(h)[0]!;

    expect((await clickButton(h, slackIdOf(h, agent.email), dm, ACTION_HOLDER_RELEASE, id)).status).toBe(200);
    expect((await h.services.reclamation.get(id)).state).toBe('approved');
    expect(JSON.stringify(dm.blocks)).toContain('You released this seat');

    await h.services.reclamation.executeApproved();
    expect(zendeskReclaims(h)).toEqual([agent.id]);
    expect(candidateLine(channelMessages(h)[0]!, id)).toContain('reclaimed ✓');
  });

  it("refuses anyone but the holder on the holder's DM, and audits it", async () => {
    const profile = await zendeskProfile(h);
    const { ids } = await syncWithHolderDms(h, profile, 1);
    const id = ids[0]!;
    const dm = dms(h)[0]!;

    // Even an approver cannot answer for the holder.
    for (const [user, action] of [
      [APPROVER, ACTION_HOLDER_RELEASE],
      [STRANGER, ACTION_HOLDER_KEEP],
    ] as const) {
      expect((await clickButton(h, user, dm, action, id)).status).toBe(200);
    }
    expect(ephemerals(h).map((e) => [e.user, e.text])).toEqual([
      [APPROVER, expect.stringContaining('only the holder of that seat can answer it')],
      [STRANGER, expect.stringContaining('only the holder of that seat can answer it')],
    ]);
    expect(botState(h.slack).views.size).toBe(0);
    expect((await h.services.reclamation.get(id)).state).toBe('awaiting_user');
    const refused = (await h.t.ctx.repos.audit.listRecent({ targetId: id })).filter((e) => e.action === 'refused');
    expect(refused.map((e) => e.actor).sort()).toEqual([APPROVER, STRANGER].sort());
  });
});

describe('wiring', () => {
  it('createSlackApp installs the SlackNotifier and the candidate listeners on the bot server', async () => {
    const services = createServices(h.t.ctx);
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-fake-bot-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: h.slack.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      SLACK_ADMIN_IDS: ADMIN,
      SLACK_APPROVER_IDS: APPROVER,
    });
    const slackApp = await createSlackApp({ services, config, logger: silentLogger, botId: 'B0FAKEBOT1', botUserId: 'U0FAKEBOT1', retryConfig: { retries: 0 } });
    const server = createServer(slackApp.requestListener!);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const app = { ...h, services, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      const profile = await zendeskProfile(app);
      staleAgents(app, 1);
      await services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
      const digest = channelMessages(h)[0]!;
      const [id] = buttonValues(digest, ACTION_APPROVE) as [string];
      expect((await clickButton(app, APPROVER, digest, ACTION_APPROVE, id)).status).toBe(200);
      // The app acks first and works after: wait for the decision and the message update.
      await expect.poll(async () => (await services.reclamation.get(id)).state).toBe('approved');
      await expect.poll(() => candidateLine(digest, id)).toContain(`Approved by <@${APPROVER}>`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
