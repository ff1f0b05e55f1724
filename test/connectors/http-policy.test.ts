import { afterEach, describe, expect, it } from 'vitest';
import { HttpPolicy, PageGuard, parseRetryAfter } from '../../src/connectors/http.js';
import { VendorError } from '../../src/domain/errors.js';
import { FaultInjector, sendJson, startHttpServer, type RunningServer } from '../../src/fakes/http-server.js';
import { steppedClock } from '../support/stepped-clock.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(faults: FaultInjector) {
  let hits = 0;
  server = await startHttpServer(async (req, res, body, url) => {
    hits++;
    if (await faults.apply(req, res, url, body)) return;
    sendJson(res, 200, { ok: true, hits });
  });
  return { url: server.url, hits: () => hits };
}

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('HttpPolicy.request', () => {
  it('waits for Retry-After on 429 and then succeeds', async () => {
    const faults = new FaultInjector();
    faults.add({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down', contentType: 'text/plain' });
    const { url, hits } = await serve(faults);
    const clock = steppedClock();
    const policy = new HttpPolicy({ vendor: 'test', now: clock.now, sleep: clock.sleep });
    const res = await policy.request<{ ok: boolean }>({ url: `${url}/x` });
    expect(res.body.ok).toBe(true);
    expect(hits()).toBe(2);
    expect(clock.waits).toEqual([1000]);
  });

  it('backs off on 5xx a bounded number of times, then fails as vendor_down', async () => {
    const faults = new FaultInjector();
    faults.add({ status: 503, times: Infinity });
    const { url, hits } = await serve(faults);
    const policy = new HttpPolicy({ vendor: 'test', maxAttempts: 3, baseDelayMs: 1 });
    const err = await policy.request({ url: `${url}/x` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).kind).toBe('vendor_down');
    expect(hits()).toBe(3);
  });

  it('does not retry 401 and 403', async () => {
    const faults = new FaultInjector();
    faults.add({ status: 401, body: JSON.stringify({ error: 'invalid token' }) });
    faults.add({ status: 403 });
    const { url, hits } = await serve(faults);
    const policy = new HttpPolicy({ vendor: 'test', baseDelayMs: 1 });
    await expect(policy.request({ url: `${url}/a` })).rejects.toMatchObject({ kind: 'auth' });
    await expect(policy.request({ url: `${url}/b` })).rejects.toMatchObject({ kind: 'permission' });
    expect(hits()).toBe(2);
  });

  it('times out slow answers and retries them', async () => {
    const faults = new FaultInjector();
    faults.add({ delayMs: 300, delayOnly: true });
    const { url, hits } = await serve(faults);
    const policy = new HttpPolicy({ vendor: 'test', timeoutMs: 100, baseDelayMs: 1 });
    const res = await policy.request<{ ok: boolean }>({ url: `${url}/x` });
    expect(res.body.ok).toBe(true);
    expect(hits()).toBe(2);
  });

  it('reports malformed JSON as bad_response', async () => {
    const faults = new FaultInjector();
    faults.add({ status: 200, body: '{"users": [', contentType: 'application/json' });
    const { url } = await serve(faults);
    const policy = new HttpPolicy({ vendor: 'test' });
    await expect(policy.request({ url: `${url}/x` })).rejects.toMatchObject({ kind: 'bad_response' });
  });

  it('keeps no more requests in flight than maxConcurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    server = await startHttpServer(async (_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      sendJson(res, 200, {});
    });
    const policy = new HttpPolicy({ vendor: 'test', maxConcurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => policy.request({ url: `${server!.url}/x` })));
    expect(peak).toBe(2);
  });

  it('spaces requests to the configured rate', async () => {
    let clock = 0;
    const waits: number[] = [];
    const policy = new HttpPolicy({
      vendor: 'test',
      requestsPerMinute: 60,
      burst: 1,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    for (let i = 0; i < 3; i++) await policy.run(async () => i);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(2000);
  });
});

describe('PageGuard', () => {
  it('stops a repeating cursor', () => {
    const guard = new PageGuard('test', 'users');
    guard.next('a');
    guard.next('b');
    expect(() => guard.next('a')).toThrow(/already returned/);
  });
});
