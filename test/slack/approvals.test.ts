// The approval digest and holder DMs beyond the happy path: thread pages, Approve all, late clicks, grace
// expiry, holders without a Slack account, Slack failures, the channel setting, job failure notices.
// Real database (PGlite, or PostgreSQL with TEST_DATABASE_URL), real Bolt over signed HTTP, fake Slack and Zendesk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { ACTION_APPROVE, ACTION_APPROVE_ALL, ACTION_EXCLUDE, USERS_ON_PARENT } from '../../src/slack/blocks/digest.js';
import { WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../src/slack/notifier.js';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import {
  ADMIN,
  APPROVAL_CHANNEL,
  APPROVER,
  buttonValues,
  candidateLine,
  channelMessages,
  clickButton,
  DAY_MS,
  daysAgo,
  dms,
  ephemerals,
  excludeByClick,
  latestModal,
  messages,
  submitView,
  STRANGER,
  staleAgents,
  startHarness,
  syncWithHolderDms,
  zendeskProfile,
  type Harness,
} from './approvals-harness.js';

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

const digestText = (i = 0) => JSON.stringify(channelMessages(h)[i]!.blocks);

describe('digest pages', () => {
  it('puts the users beyond the first page in the thread, and updates the right page and the summary in place', async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, USERS_ON_PARENT + 8);
    const sync = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const ids = sync.evaluation!.createdIds;
    expect(ids).toHaveLength(USERS_ON_PARENT + 8);

    const [parent, page2] = channelMessages(h);
    expect(channelMessages(h)).toHaveLength(2);
    expect(parent!.threadTs).toBeUndefined();
    expect(page2!.threadTs).toBe(parent!.ts);
    expect(parent!.blocks.length).toBeLessThanOrEqual(50);
    expect(page2!.blocks.length).toBeLessThanOrEqual(50);
    const onParent = buttonValues(parent!, ACTION_APPROVE);
    const onPage2 = buttonValues(page2!, ACTION_APPROVE);
    expect(onParent).toHaveLength(USERS_ON_PARENT);
    expect([...onParent, ...onPage2].sort()).toEqual([...ids].sort());
    expect(digestText()).toContain(`${ids.length} seats`);
    for (const id of onPage2) expect((await h.services.reclamation.get(id)).slackTs).toBe(page2!.ts);

    const parentVersions = parent!.history.length;
    const target = onPage2[3]!;
    await clickButton(h, APPROVER, page2!, ACTION_APPROVE, target);
    expect(candidateLine(page2!, target)).toContain(`Approved by <@${APPROVER}>`);
    expect(parent!.history.length).toBe(parentVersions + 1);
    expect(digestText()).toContain('1 approved');
    expect(channelMessages(h)).toHaveLength(2);

    // Approve all on the parent: every undecided seat of this digest, both pages re-rendered.
    await clickButton(h, APPROVER, parent!, ACTION_APPROVE_ALL, profile.id);
    expect(ephemerals(h).at(-1)).toMatchObject({ user: APPROVER, text: `Approved ${ids.length - 1} seats.` });
    expect(buttonValues(parent!, ACTION_APPROVE)).toEqual([]);
    expect(buttonValues(page2!, ACTION_APPROVE)).toEqual([]);
    expect(buttonValues(parent!, ACTION_APPROVE_ALL)).toEqual([]);
    const states = await Promise.all(ids.map(async (id) => (await h.services.reclamation.get(id)).state));
    expect(new Set(states)).toEqual(new Set(['approved']));
  });

  it("refuses a non-approver's Approve all and Exclude, and audits both", async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 2);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const digest = channelMessages(h)[0]!;
    const [id] = buttonValues(digest, ACTION_EXCLUDE);

    await clickButton(h, STRANGER, digest, ACTION_APPROVE_ALL, profile.id);
    await clickButton(h, STRANGER, digest, ACTION_EXCLUDE, id!);
    expect(ephemerals(h).map((e) => e.user)).toEqual([STRANGER, STRANGER]);
    expect((await h.services.reclamation.list({ profileId: profile.id })).map((c) => c.state)).toEqual(['pending', 'pending']);
    const refused = (await h.t.ctx.repos.audit.listRecent({ profileId: profile.id })).filter((e) => e.action === 'refused');
    expect(refused.map((e) => [e.actor, e.targetType, e.details.attempted]).sort()).toEqual([
      [STRANGER, 'candidate', 'exclude seats from reclamation'],
      [STRANGER, 'profile', 'approve seat reclamations'],
    ]);
    expect(await h.services.rules.listExclusions(profile.id)).toEqual([]);
    // The refused Exclude opened no form.
    expect(botState(h.slack).views.size).toBe(0);
  });

  it('tells an approver who clicks a seat someone already decided, and changes nothing', async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 1);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const digest = channelMessages(h)[0]!;
    const [id] = buttonValues(digest, ACTION_APPROVE) as [string];
    // Two approvers look at the same (old) message: one excludes, the other approves a moment later.
    await excludeByClick(h, ADMIN, digest, id, 'Needed for the audit');
    await clickButton(h, APPROVER, { ...digest, blocks: digest.history[0]!.blocks }, ACTION_APPROVE, id);
    expect(ephemerals(h)).toEqual([expect.objectContaining({ user: APPROVER, text: 'Cannot approve: this candidate is excluded from reclamation' })]);
    expect((await h.services.reclamation.get(id)).state).toBe('excluded');
    expect(candidateLine(digest, id)).toContain(`Excluded by <@${ADMIN}>`);
  });
});

describe('exclude with a reason', () => {
  it('asks the reason in a modal: blank and past dates come back inline, a valid one creates the exclusion', async () => {
    const profile = await zendeskProfile(h);
    const [agent] = staleAgents(h, 1);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const digest = channelMessages(h)[0]!;
    const [id] = buttonValues(digest, ACTION_EXCLUDE) as [string];

    expect((await clickButton(h, APPROVER, digest, ACTION_EXCLUDE, id)).status).toBe(200);
    const modal = latestModal(h);
    expect(modal.callback_id).toBe('candidate_exclude_modal');
    expect(JSON.stringify(modal.blocks)).toContain('Agent 0');
    // Nothing decided by the click alone.
    expect((await h.services.reclamation.get(id)).state).toBe('pending');

    const submit = (reason: string | null, until: string | null, user = APPROVER) =>
      submitView(h, user, modal, {
        exclude_reason: { reason: { type: 'plain_text_input', value: reason } },
        exclude_until: { until: { type: 'datepicker', selected_date: until } },
      });
    const blank = await submit('   ', null);
    expect(blank.status).toBe(200);
    expect(await blank.json()).toEqual({ response_action: 'errors', errors: { exclude_reason: expect.stringContaining('why') } });
    const past = await submit('On leave', '2020-01-01');
    expect(await past.json()).toEqual({ response_action: 'errors', errors: { exclude_until: expect.stringContaining('future') } });
    // A form submitted by someone who is not an approver is refused in the form (and audited).
    const stranger = await submit('Mine now', null, STRANGER);
    expect(await stranger.json()).toMatchObject({ response_action: 'errors', errors: { exclude_reason: expect.stringMatching(/^Sorry, only an approver/) } });
    expect((await h.services.reclamation.get(id)).state).toBe('pending');
    expect(await h.services.rules.listExclusions(profile.id)).toEqual([]);

    const until = new Date(Date.now() + 40 * DAY_MS).toISOString().slice(0, 10);
    const ok = await submit('  On parental leave until autumn ', until);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
    expect((await h.services.reclamation.get(id)).state).toBe('excluded');
    const [rule] = await h.services.rules.listExclusions(profile.id);
    expect(rule).toMatchObject({ kind: 'user', vendorUserId: String(agent!.id), reason: 'On parental leave until autumn', createdBy: APPROVER });
    expect(rule!.expiresAt!.toISOString()).toBe(`${until}T00:00:00.000Z`);
    expect(candidateLine(digest, id)).toContain(`Excluded by <@${APPROVER}>`);
    const audit = await h.services.audit.recent({ profileId: profile.id, limit: 100 });
    expect(audit.find((e) => e.action === 'candidate.excluded')?.details).toMatchObject({ reason: 'On parental leave until autumn', expiresAt: `${until}T00:00:00.000Z` });
    expect(audit.filter((e) => e.action === 'refused').map((e) => e.actor)).toEqual([STRANGER]);

    // The same form sent again, or Exclude clicked on the decided row: refused, nothing more is created.
    const again = await submit('Twice', null);
    expect(await again.json()).toEqual({ response_action: 'errors', errors: { exclude_reason: expect.stringContaining('excluded') } });
    const views = botState(h.slack).views.size;
    await clickButton(h, APPROVER, digest, ACTION_EXCLUDE, id);
    expect(botState(h.slack).views.size).toBe(views);
    expect(ephemerals(h).at(-1)).toMatchObject({ user: APPROVER, text: expect.stringContaining('excluded') });
    expect(await h.services.rules.listExclusions(profile.id)).toHaveLength(1);
  });
});

describe('holders and the grace period', () => {
  it('sends holders who did not answer in time back to the approvers, with a note in the thread', async () => {
    const profile = await zendeskProfile(h);
    const { ids } = await syncWithHolderDms(h, profile, 2, 0);
    expect(dms(h)).toHaveLength(2);
    const digest = channelMessages(h)[0]!;
    expect(candidateLine(digest, ids[0]!)).toContain('Holder asked');

    const expired = await h.services.reclamation.expireGrace(new Date(Date.now() + 60_000));
    expect(expired.toApprovers.sort()).toEqual([...ids].sort());
    expect(candidateLine(digest, ids[0]!)).toContain('Waiting for a decision');
    const notice = channelMessages(h).find((m) => m.threadTs === digest.ts)!;
    expect(notice.text).toContain('2 holders of Acme Zendesk seats did not answer within the grace period');
    // The approvers can decide as usual.
    await clickButton(h, APPROVER, digest, ACTION_APPROVE, ids[0]!);
    expect((await h.services.reclamation.get(ids[0]!)).state).toBe('approved');
  });

  it('leaves a holder without a Slack account with the approvers (no DM, still in the digest)', async () => {
    const profile = await zendeskProfile(h);
    h.zendesk.org.addUser({ email: 'busy@acme.test', name: 'Busy Agent', role: 'agent', lastLoginAt: daysAgo(1) });
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    for (const rule of await h.services.rules.listReclamationRules(profile.id)) await h.services.rules.updateReclamationRule(ADMIN, rule.id, { notifyUser: true });
    const [ghost] = staleAgents(h, 1, { inSlack: false });
    const sync = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const [id] = sync.evaluation!.createdIds as [string];
    expect(dms(h)).toEqual([]);
    expect((await h.services.reclamation.get(id)).state).toBe('pending');
    expect(buttonValues(channelMessages(h)[0]!, ACTION_APPROVE)).toEqual([id]);
    expect(h.slack.callsTo('users.lookupByEmail').map((c) => (c.body as { email: string }).email)).toEqual([ghost!.email]);
  });

  it('DMs each holder once even when told twice', async () => {
    const profile = await zendeskProfile(h);
    const { ids } = await syncWithHolderDms(h, profile, 2);
    await h.services.notifier.candidatesCreated(profile.id, ids);
    expect(dms(h)).toHaveLength(2);
    expect(channelMessages(h)).toHaveLength(1);
  });
});

describe('delivery', () => {
  it('does not fail the sync when Slack refuses the digest, and posts it on the next call', async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 2);
    h.slack.failNextWithSlackError('chat.postMessage', 'channel_not_found');
    const sync = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(sync.status).toBe('succeeded');
    expect(channelMessages(h)).toEqual([]);
    const ids = sync.evaluation!.createdIds;
    for (const id of ids) expect((await h.services.reclamation.get(id)).slackTs).toBeNull();

    await h.services.notifier.candidatesCreated(profile.id, ids);
    expect(channelMessages(h)).toHaveLength(1);
    expect(buttonValues(channelMessages(h)[0]!, ACTION_APPROVE).sort()).toEqual([...ids].sort());
  });

  it('posts to the channel named in the settings over the environment', async () => {
    await h.t.ctx.repos.settings.set('slack.approval_channel', 'C0SETTINGS');
    const profile = await zendeskProfile(h);
    staleAgents(h, 1);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(messages(h).map((m) => m.channel)).toEqual(['C0SETTINGS']);
  });

  it('reports a failed job in one readable line without secrets, to the channel or else to the admins', async () => {
    await h.services.notifier.jobFailed(null, 'Download Acme Zendesk Subscriptions', 'The vendor rejected the credentials: HTTP 401 (token xoxb-123-secret)');
    expect(channelMessages(h).map((m) => m.text)).toEqual(['Download Acme Zendesk Subscriptions failed: The vendor rejected the credentials: HTTP 401 (token [redacted])']);

    const client = new WebClient('xoxb-fake-bot-token', { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    const noChannel = new SlackNotifier({ client, services: h.services, logger: silentLogger, adminIds: [ADMIN] });
    await noChannel.jobFailed(null, 'Refresh Acme Zendesk Activity', 'The vendor is down: HTTP 503');
    expect(dms(h).map((m) => [m.channel, m.text])).toEqual([[`D${ADMIN.slice(1)}`, 'Refresh Acme Zendesk Activity failed: The vendor is down: HTTP 503']]);
    expect(messages(h)[0]!.channel).toBe(APPROVAL_CHANNEL);
  });
});
