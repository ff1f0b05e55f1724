// The approval digest leads somewhere after a decision (issue 11, item 5): the loser of two Approve all clicks
// reads who approved, and a reclaimed seat can be given back from its line. Signed requests to a real Bolt app,
// real database, fake Slack and Zendesk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_APPROVE_ALL } from '../../src/slack/blocks/digest.js';
import { ADMIN, APPROVER, channelMessages, clickButton, ephemerals, staleAgents, startHarness, zendeskProfile, type Harness } from './approvals-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => h?.close());
beforeEach(async () => h.reset());

describe('Approve all', () => {
  it('two approvers click at once: one approves every seat, the other reads who already did', async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 4);
    const sync = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    expect(sync.evaluation!.createdIds).toHaveLength(4);
    const digest = channelMessages(h)[0]!;
    await Promise.all([clickButton(h, APPROVER, digest, ACTION_APPROVE_ALL, profile.id), clickButton(h, ADMIN, digest, ACTION_APPROVE_ALL, profile.id)]);
    const texts = ephemerals(h).map((e) => e.text);
    expect(texts).toHaveLength(2);
    expect(texts.join('\n')).not.toContain('Approved 0 seats');
    const states = (await h.services.reclamation.list({ profileId: profile.id })).map((c) => c.state);
    expect(new Set(states)).toEqual(new Set(['approved']));
    const deciders = new Set((await h.services.reclamation.list({ profileId: profile.id })).map((c) => c.decidedBy));
    // Each seat was approved once; whoever approved none is told who did.
    const winners = ephemerals(h).filter((e) => /^Approved \d+ seats?\./.test(e.text));
    const losers = ephemerals(h).filter((e) => e.text.startsWith('Nothing left to approve'));
    expect(winners.length + losers.length).toBe(2);
    for (const l of losers) {
      const other = l.user === ADMIN ? APPROVER : ADMIN;
      expect(l.text).toContain(`<@${other}>`);
      expect(deciders).toEqual(new Set([other]));
    }
  });

  it('a second click after everything was decided says so', async () => {
    const profile = await zendeskProfile(h);
    staleAgents(h, 2);
    await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
    const digest = channelMessages(h)[0]!;
    await clickButton(h, APPROVER, digest, ACTION_APPROVE_ALL, profile.id);
    await clickButton(h, ADMIN, digest, ACTION_APPROVE_ALL, profile.id);
    expect(ephemerals(h).map((e) => [e.user, e.text])).toEqual([
      [APPROVER, 'Approved 2 seats.'],
      [ADMIN, `Nothing left to approve: these seats were already decided by <@${APPROVER}>. The digest shows where each one stands.`],
    ]);
  });
});
