import { describe, expect, it } from 'vitest';
import { decideWithinAckBudget } from '../../src/slack/listeners/support.js';

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
