// A clock for the HTTP policy (and anything else taking `now` + `sleep`) that moves only when the code under
// test sleeps. A wait computed from it is exact: time the test machine spends elsewhere (a loaded CI box) never
// shortens it, so a Retry-After of 1 s is recorded as 1000, not 999.
import { defaultSleep } from '../../src/connectors/http.js';

export interface SteppedClock {
  /** Every sleep asked for, in order. */
  readonly waits: number[];
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Moves the clock without a sleep (time passing while nothing waits). */
  advance(ms: number): void;
}

export interface SteppedClockOptions {
  start?: number;
  /**
   * Also wait for real: for fakes that enforce their limits on the real clock (their rate windows must
   * really pass). The recorded waits and the clock stay exact either way.
   */
  realWait?: boolean;
  /** Another list to record the waits in (a test's own). */
  record?: number[];
}

export function steppedClock(opts: SteppedClockOptions = {}): SteppedClock {
  let t = opts.start ?? 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    async sleep(ms) {
      waits.push(ms);
      opts.record?.push(ms);
      t += ms;
      // A tick even when not waiting for real, so loops around sleep() still yield to I/O.
      await (opts.realWait ? defaultSleep(ms) : new Promise<void>((resolve) => setImmediate(resolve)));
    },
    advance(ms) {
      t += ms;
    },
  };
}
