// The replay set on its own: entries last as long as their timestamp is inside Slack's window, and the set
// never grows past its bound.
import { describe, expect, it } from 'vitest';
import { SeenSignatures, SIGNATURE_WINDOW_SECONDS } from '../../src/slack/request-guard.js';

describe('SeenSignatures', () => {
  it('refuses a signature while its timestamp is in the window and forgets it after', () => {
    const seen = new SeenSignatures(10);
    const ts = 1_700_000_000;
    expect(seen.remember('v0=a', ts, ts).fresh).toBe(true);
    expect(seen.remember('v0=a', ts, ts + SIGNATURE_WINDOW_SECONDS).fresh).toBe(false);
    expect(seen.remember('v0=b', ts, ts + 1).fresh).toBe(true);
    // Past the window Bolt refuses the timestamp anyway; the entry is dropped.
    expect(seen.remember('v0=c', ts + SIGNATURE_WINDOW_SECONDS + 1, ts + SIGNATURE_WINDOW_SECONDS + 1).fresh).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('stays within its bound by forgetting the oldest entries first', () => {
    const seen = new SeenSignatures(3);
    const ts = 1_700_000_000;
    for (const sig of ['s1', 's2', 's3']) expect(seen.remember(sig, ts, ts).evicted).toBe(0);
    expect(seen.remember('s4', ts, ts)).toEqual({ fresh: true, evicted: 1 });
    expect(seen.size).toBe(3);
    expect(seen.remember('s2', ts, ts).fresh).toBe(false);
    expect(seen.remember('s1', ts, ts).fresh).toBe(true);
  });
});
