import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { afterAck, decideWithinAckBudget, setFollowUpConcurrency } from '../../src/slack/listeners/support.js';

const after = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe('decideWithinAckBudget', () => {
  it('gives a quick decision, or its refusal, to the form', async () => {
    expect(await decideWithinAckBudget(after(5, 'kept'), 200)).toEqual({ settled: true, ok: true, value: 'kept' });
    const refused = await decideWithinAckBudget(after(5, 'already decided', true), 200);
    expect(refused).toMatchObject({ settled: true, ok: false });
    expect(String((refused as { error: unknown }).error)).toContain('already decided');
  });

  it('answers in time when the decision is slow, and the decision still completes', async () => {
    const decided = await decideWithinAckBudget(after(300, 'kept'), 50);
    expect(decided.settled).toBe(false);
    await expect((decided as { outcome: Promise<string> }).outcome).resolves.toBe('kept');
  });
});

describe('afterAck', () => {
  it('one slow piece of work does not hold up the commands after it, even one at a time', async () => {
    setFollowUpConcurrency(1);
    const finished: string[] = [];
    const slow = afterAck(silentLogger, 'slow', () => after(3_000, null).then(() => void finished.push('slow')), async () => undefined);
    const quick = afterAck(silentLogger, 'quick', async () => void finished.push('quick'), async () => undefined);
    await quick;
    expect(finished).toEqual(['quick']);
    await slow;
    expect(finished).toEqual(['quick', 'slow']);
  });

  it('tells the user in one readable line when the work fails', async () => {
    const told: string[] = [];
    await afterAck(silentLogger, 'boom', async () => Promise.reject(new Error('socket hang up')), async (text) => void told.push(text));
    expect(told).toEqual([':warning: Something went wrong on our side. It is in the log; try again in a moment.']);
  });
});
