import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { CandidateState } from '../../src/domain/candidate-state.js';
import {
  ACTION_APPROVE,
  ACTION_APPROVE_ALL,
  ACTION_EXCLUDE,
  pageCandidates,
  renderDigestPage,
  renderDigestParent,
  renderGraceExpiredNotice,
  renderJobFailed,
  summarize,
  USERS_ON_PARENT,
  USERS_PER_THREAD_PAGE,
  type DigestCandidate,
  type DigestProfile,
} from '../../src/slack/blocks/digest.js';
import {
  ACTION_HOLDER_KEEP,
  ACTION_HOLDER_RELEASE,
  parseKeepDays,
  parseKeepModalMeta,
  renderHolderDm,
  renderHolderDmAnswered,
  renderKeepModal,
  VIEW_HOLDER_KEEP,
} from '../../src/slack/blocks/holder-dm.js';
import { scrubSecrets } from '../../src/slack/notifier.js';
import { modelMonthlyCost } from '../../src/services/approval-digest-service.js';
import { parseExcludeModalMeta, parseExcludeUntil, renderExcludeModal, VIEW_CANDIDATE_EXCLUDE } from '../../src/slack/blocks/exclude-modal.js';
import { blockProblems, LIMITS, modalProblems } from './digest-limits.js';

const profile: DigestProfile = { id: '6f1c0a52-1111-4a4a-8a8a-000000000001', displayName: 'Acme Zendesk', reclaim: true };
const LONG = 'x'.repeat(5000);

function candidate(n: number, over: Partial<DigestCandidate> = {}): DigestCandidate {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    state: 'pending',
    holderName: `Agent ${n}`,
    holderEmail: `agent${n}@acme.example`,
    vendorUserId: String(1000 + n),
    licenseName: 'Zendesk Agent',
    lastActivityAt: new Date('2024-01-02T00:00:00Z'),
    inactiveDays: 95,
    decidedBy: null,
    lastError: null,
    graceUntil: null,
    monthlyCost: { amount: 49, currency: 'USD' },
    ...over,
  };
}

const many = (n: number, over: Partial<DigestCandidate> = {}) => Array.from({ length: n }, (_, i) => candidate(i + 1, over));

function render(all: DigestCandidate[]) {
  const pages = pageCandidates(all);
  const summary = summarize(all);
  return pages.map((page, i) => (i === 0 ? renderDigestParent(profile, summary, page, pages.length) : renderDigestPage(profile, page, i + 1, pages.length)));
}

function buttonsOf(blocks: KnownBlock[]): Button[] {
  return blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements.filter((e): e is Button => e.type === 'button'));
}

function allText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

describe('approval digest paging', () => {
  it.each([0, 1, USERS_ON_PARENT, USERS_ON_PARENT + 1, USERS_ON_PARENT + USERS_PER_THREAD_PAGE + 1, 115, 500])(
    'puts %i users on pages that each respect Slack limits, every user exactly once',
    (n) => {
      const all = many(n);
      const messages = render(all);
      const expectedPages = n <= USERS_ON_PARENT ? 1 : 1 + Math.ceil((n - USERS_ON_PARENT) / USERS_PER_THREAD_PAGE);
      expect(messages).toHaveLength(expectedPages);
      for (const m of messages) {
        expect(blockProblems(m.blocks, LIMITS.messageBlocks)).toEqual([]);
        expect(m.text.length).toBeLessThanOrEqual(LIMITS.messageText);
        expect(m.text.length).toBeGreaterThan(0);
      }
      const approveValues = messages.flatMap((m) => buttonsOf(m.blocks)).filter((b) => b.action_id === ACTION_APPROVE).map((b) => b.value);
      expect(approveValues).toEqual(all.map((c) => c.id));
    },
  );

  it('fills the parent and the thread pages up to the 50-block limit', () => {
    const messages = render(many(USERS_ON_PARENT + USERS_PER_THREAD_PAGE));
    expect(messages[0]!.blocks.length).toBeLessThanOrEqual(50);
    expect(messages[0]!.blocks.length).toBeGreaterThanOrEqual(48);
    expect(messages[1]!.blocks.length).toBeGreaterThanOrEqual(48);
    expect(messages[1]!.blocks.length).toBeLessThanOrEqual(50);
  });

  it('keeps limits with very long names, license names and vendor errors, and escapes mrkdwn', () => {
    const all = [
      candidate(1, { holderName: `<!channel> ${LONG}`, holderEmail: LONG, licenseName: LONG }),
      candidate(2, { state: 'failed', lastError: `<@U123> ${LONG}` }),
      candidate(3, { holderName: null, holderEmail: null, vendorUserId: LONG }),
    ];
    const longProfile = { ...profile, displayName: LONG };
    const pages = pageCandidates(all);
    const parent = renderDigestParent(longProfile, summarize(all), pages[0]!, 1);
    expect(blockProblems(parent.blocks, LIMITS.messageBlocks)).toEqual([]);
    expect(allText(parent.blocks)).not.toContain('<!channel>');
    expect(allText(parent.blocks)).toContain('&lt;!channel&gt;');
    expect(allText(parent.blocks)).not.toContain('<@U123>');
    const page = renderDigestPage(longProfile, all, 2, 2);
    expect(blockProblems(page.blocks, LIMITS.messageBlocks)).toEqual([]);
  });
});

describe('approval digest content', () => {
  it('summarises counts and potential savings per currency, and says when a cost is unknown', () => {
    const all = [
      candidate(1),
      candidate(2, { monthlyCost: { amount: 25.5, currency: 'USD' } }),
      candidate(3, { monthlyCost: { amount: 10, currency: 'EUR' } }),
      candidate(4, { monthlyCost: null }),
      // Closed ones do not count towards savings.
      candidate(5, { state: 'excluded', monthlyCost: { amount: 1000, currency: 'USD' } }),
      candidate(6, { state: 'kept', monthlyCost: { amount: 1000, currency: 'USD' } }),
    ];
    const s = summarize(all);
    expect(s.total).toBe(6);
    expect(s.byState).toEqual({ pending: 4, excluded: 1, kept: 1 });
    expect(s.savings).toEqual([
      { currency: 'USD', amount: 74.5 },
      { currency: 'EUR', amount: 10 },
    ]);
    expect(s.costUnknown).toBe(1);
    const parent = renderDigestParent(profile, s, all, 1);
    const summaryBlock = parent.blocks.find((b) => b.block_id === 'digest_summary') as SectionBlock;
    expect(summaryBlock.text!.text).toContain('$74.50/month');
    expect(summaryBlock.text!.text).toContain('€10.00/month');
    expect(summaryBlock.text!.text).toContain('cost unknown for 1 seat');
    expect(summaryBlock.text!.text).toContain('4 waiting for a decision');
  });

  it('says "cost unknown" when no seat has a cost', () => {
    const s = summarize(many(3, { monthlyCost: null }));
    const parent = renderDigestParent(profile, s, [], 1);
    expect(allText(parent.blocks)).toContain('Potential savings: cost unknown');
  });

  it('offers Approve and Exclude only while a decision is possible, and shows who decided and the result', () => {
    const states: CandidateState[] = ['pending', 'awaiting_user', 'released', 'approved', 'excluded', 'reclaiming', 'reclaimed', 'failed', 'kept', 'restored'];
    const all = states.map((state, i) => candidate(i + 1, { state, decidedBy: state === 'pending' ? null : 'U0APPROVER', lastError: state === 'failed' ? 'HTTP 403: You do not have access' : null }));
    const parent = renderDigestParent(profile, summarize(all), all, 1);
    const buttons = buttonsOf(parent.blocks);
    const byCandidate = (id: string) => buttons.filter((b) => b.value === id).map((b) => b.action_id);
    expect(byCandidate(all[0]!.id)).toEqual([ACTION_APPROVE, ACTION_EXCLUDE]);
    expect(byCandidate(all[1]!.id)).toEqual([ACTION_APPROVE, ACTION_EXCLUDE]);
    expect(byCandidate(all[2]!.id)).toEqual([ACTION_APPROVE, ACTION_EXCLUDE]);
    expect(byCandidate(all[3]!.id)).toEqual([]);
    expect(byCandidate(all[7]!.id)).toEqual([ACTION_EXCLUDE]);
    const textOf = (id: string) => (parent.blocks.find((b) => b.block_id === `cand_${id}`) as SectionBlock).text!.text;
    expect(textOf(all[3]!.id)).toContain('Approved by <@U0APPROVER>');
    expect(textOf(all[4]!.id)).toContain('Excluded by <@U0APPROVER>');
    expect(textOf(all[6]!.id)).toContain('reclaimed ✓');
    expect(textOf(all[7]!.id)).toContain('reclaim failed: HTTP 403: You do not have access');
    // Approve all counts the undecided ones (pending, awaiting_user, released) and carries the profile id.
    const approveAll = buttons.find((b) => b.action_id === ACTION_APPROVE_ALL)!;
    expect(approveAll.value).toBe(profile.id);
    expect(approveAll.text.text).toBe('Approve all (3)');
  });

  it('drops Approve all once nothing waits for a decision', () => {
    const all = many(3, { state: 'reclaimed', decidedBy: 'U1' });
    const parent = renderDigestParent(profile, summarize(all), all, 1);
    expect(buttonsOf(parent.blocks)).toEqual([]);
    expect(blockProblems(parent.blocks, LIMITS.messageBlocks)).toEqual([]);
  });

  it('notes a profile whose Reclaim switch is off', () => {
    const parent = renderDigestParent({ ...profile, reclaim: false }, summarize(many(1)), many(1), 1);
    expect(allText(parent.blocks)).toContain('Reclaim is off');
  });

  it('renders grace expiry and job failure notices within limits', () => {
    const notice = renderGraceExpiredNotice(profile, many(60));
    expect(blockProblems(notice.blocks, LIMITS.messageBlocks)).toEqual([]);
    expect(notice.text).toContain('60 holders');
    expect(notice.text).toContain('and 40 more');
    const failed = renderJobFailed('Download Acme Zendesk Subscriptions', 'The vendor rejected the credentials: HTTP 401');
    expect(failed.text).toBe('Download Acme Zendesk Subscriptions failed: The vendor rejected the credentials: HTTP 401');
    expect(blockProblems(renderJobFailed(LONG, LONG).blocks, LIMITS.messageBlocks)).toEqual([]);
  });
});

describe('holder DM', () => {
  const data = {
    candidateId: candidate(1).id,
    profileName: 'Acme Zendesk',
    licenseName: 'Zendesk Agent',
    lastActivityAt: new Date('2024-01-02T00:00:00Z'),
    inactiveDays: 95,
    graceUntil: new Date('2024-04-14T00:00:00Z'),
    monthlyCost: { amount: 49, currency: 'USD' },
  };

  it('asks with Keep it / Release it carrying the candidate id, and names the deadline', () => {
    const dm = renderHolderDm(data);
    expect(blockProblems(dm.blocks, LIMITS.messageBlocks)).toEqual([]);
    expect(buttonsOf(dm.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ACTION_HOLDER_KEEP, data.candidateId],
      [ACTION_HOLDER_RELEASE, data.candidateId],
    ]);
    expect(allText(dm.blocks)).toContain('2024-04-14');
    expect(allText(dm.blocks)).toContain('$49.00 a month');
  });

  it('drops the buttons once answered and quotes the reason, escaped', () => {
    const kept = renderHolderDmAnswered(data, { kind: 'kept', reason: '<!here> on call in May' });
    expect(buttonsOf(kept.blocks)).toEqual([]);
    expect(allText(kept.blocks)).toContain('&lt;!here&gt; on call in May');
    expect(blockProblems(renderHolderDmAnswered({ ...data, profileName: LONG, licenseName: LONG }, { kind: 'kept', reason: LONG }).blocks, LIMITS.messageBlocks)).toEqual([]);
    expect(allText(renderHolderDmAnswered(data, { kind: 'released' }).blocks)).toContain('You released this seat');
  });

  it('keeps the reason modal within modal limits and round-trips its metadata', () => {
    const meta = { candidateId: data.candidateId, channel: 'D0HOLDER', ts: '1712345678.000100' };
    const modal = renderKeepModal(meta, LONG, LONG);
    expect(modal.callback_id).toBe(VIEW_HOLDER_KEEP);
    expect(modalProblems(modal)).toEqual([]);
    expect(parseKeepModalMeta(modal.private_metadata!)).toEqual(meta);
    expect(parseKeepModalMeta('not json')).toBeNull();
    expect(parseKeepModalMeta('{"candidateId":5}')).toBeNull();
    expect(parseKeepDays('30')).toBe(30);
    expect(parseKeepDays('9999')).toBe(90);
    expect(parseKeepDays(undefined)).toBe(90);
  });

  it("keeps the approver's exclude modal within modal limits and round-trips its metadata", () => {
    const modal = renderExcludeModal({ candidateId: data.candidateId }, { holder: LONG, licenseName: LONG, profileName: LONG });
    expect(modal.callback_id).toBe(VIEW_CANDIDATE_EXCLUDE);
    expect(modalProblems(modal)).toEqual([]);
    expect(parseExcludeModalMeta(modal.private_metadata)).toEqual({ candidateId: data.candidateId });
    expect(parseExcludeModalMeta('{"candidateId":""}')).toBeNull();
    expect(parseExcludeModalMeta(undefined)).toBeNull();
    expect(parseExcludeUntil('2031-02-03')).toEqual(new Date('2031-02-03T00:00:00Z'));
    expect(parseExcludeUntil(null)).toBeNull();
    expect(parseExcludeUntil('03/02/2031')).toBe('invalid');
  });
});

describe('costs and secrets', () => {
  const model = { id: 'm', profileId: 'p', licenseType: 'agent', name: 'Agent', isFree: false, unitCost: 20, currency: 'EUR', createdAt: new Date(), updatedAt: new Date() };
  const entitlement = (period: 'monthly' | 'annual', unitCost: number) => ({
    id: 'e',
    modelId: 'm',
    quantity: 10,
    unitCost,
    currency: 'USD',
    period,
    startDate: null,
    renewalDate: null,
    notes: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  });

  it('takes the entitlement cost (annual / 12) over the model cost, and knows when there is none', () => {
    expect(modelMonthlyCost(model, [entitlement('annual', 600)])).toEqual({ amount: 50, currency: 'USD' });
    expect(modelMonthlyCost(model, [entitlement('monthly', 30)])).toEqual({ amount: 30, currency: 'USD' });
    expect(modelMonthlyCost(model, [])).toEqual({ amount: 20, currency: 'EUR' });
    expect(modelMonthlyCost({ ...model, unitCost: null }, [])).toBeNull();
    expect(modelMonthlyCost({ ...model, isFree: true }, [])).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('scrubs tokens from job failure messages', () => {
    const scrubbed = scrubSecrets('HTTP 401 with Bearer abc.def-123 and xoxb-1234-abcd and ?access_token=s3cret&x=1');
    expect(scrubbed).not.toMatch(/abc\.def-123|xoxb-1234|s3cret/);
    expect(scrubbed).toContain('HTTP 401');
  });
});
