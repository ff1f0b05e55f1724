// Ack latency of /license commands: the whole Slack app (Bolt HTTP receiver on the bot's server, services,
// PGlite or PostgreSQL with TEST_DATABASE_URL, the fake Slack Web API on 127.0.0.1) driven by signed requests
// as Slack sends them. The requests come from a worker thread, so the bot's own work after the ack (PGlite runs
// on the main thread) does not delay the client's reading of the ack.
// Usage: npx tsx scripts/bench-slack.ts [sequential=200] [concurrent=50]
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { botState, responseUrl } from '../src/fakes/slack/bot-methods.js';
import { ADMIN, SIGNING_SECRET, startSlackTestApp } from '../test/support/slack.js';

/** The client: signs and sends `count` commands at once, answers the milliseconds each took to be acked. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const { performance } = require('node:perf_hooks');
// Slack gives every request its own trigger_id; the bot's replay guard refuses two identical signed bodies.
let seq = 0;
parentPort.on('message', async ({ id, text, count, responseUrl }) => {
  const one = async () => {
    const body = new URLSearchParams({ command: '/license', text, user_id: workerData.user, team_id: 'T0DEMO0001', channel_id: 'C0BENCH', trigger_id: 'bench.' + (++seq), response_url: responseUrl }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const sig = 'v0=' + createHmac('sha256', workerData.secret).update('v0:' + ts + ':' + body).digest('hex');
    const t0 = performance.now();
    const res = await fetch(workerData.url + '/slack/events', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
    await res.text();
    if (res.status !== 200) throw new Error('HTTP ' + res.status);
    return performance.now() - t0;
  };
  try {
    parentPort.postMessage({ id, ms: await Promise.all(Array.from({ length: count }, one)) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err) });
  }
});
`;

const SEQUENTIAL = Number(process.argv[2] ?? 200);
const CONCURRENT = Number(process.argv[3] ?? 50);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${label.padEnd(44)} n=${String(s.length).padStart(3)}  p50 ${percentile(s, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(s, 99).toFixed(1).padStart(6)} ms  max ${s.at(-1)!.toFixed(1).padStart(6)} ms`;
}


async function main(): Promise<void> {
  const startedAt = performance.now();
  const app = await startSlackTestApp();
  console.log(`app up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (${app.t.testDb.backend}, fake Slack at ${app.fake.url})`);
  for (let i = 0; i < 20; i++) await app.services.profiles.create(ADMIN, 'zendesk', { displayName: `Bench Zendesk ${i}` });
  // Warm-up: JIT, first queries, connection reuse.
  for (let i = 0; i < 20; i++) await app.slashCommand('status');

  const worker = new Worker(CLIENT, { eval: true, workerData: { url: app.url, secret: SIGNING_SECRET, user: ADMIN } });
  let nextId = 0;
  const send = (text: string, count = 1) =>
    new Promise<number[]>((resolve, reject) => {
      const id = ++nextId;
      const onMessage = (m: { id: number; ms?: number[]; error?: string }) => {
        if (m.id !== id) return;
        worker.off('message', onMessage);
        if (m.error) reject(new Error(m.error));
        else resolve(m.ms!);
      };
      worker.on('message', onMessage);
      worker.postMessage({ id, text, count, responseUrl: responseUrl(app.fake, `bench-${id}`) });
    });
  const lines: string[] = [];
  let expected = 20;
  const drain = () => app.waitFor(() => botState(app.fake).responses.length >= expected, 120_000);
  await drain();

  // 1. One at a time, the next after the previous reply arrived: the ack alone.
  let ms: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    ms.push(...(await send('status')));
    expected++;
    await drain();
  }
  lines.push(summary('sequential status, each after its reply', ms));

  // 2. Back to back: the next command arrives while earlier follow-up work still runs.
  ms = [];
  for (let i = 0; i < SEQUENTIAL; i++) ms.push(...(await send('status')));
  expected += SEQUENTIAL;
  lines.push(summary('sequential status, back to back', ms));
  await drain();

  // 3. Concurrent.
  ms = await send('status', CONCURRENT);
  expected += CONCURRENT;
  lines.push(summary('concurrent status', ms));
  await drain();

  // 4. Answered in the ack itself (no follow-up work).
  ms = [];
  for (let i = 0; i < SEQUENTIAL; i++) ms.push(...(await send('help')));
  lines.push(summary('sequential help (answer in the ack)', ms));
  ms = await send('help', CONCURRENT);
  lines.push(summary('concurrent help (answer in the ack)', ms));
  lines.push(`follow-up replies delivered: ${botState(app.fake).responses.length}/${expected}`);
  console.log(lines.join('\n'));
  await worker.terminate();
  await app.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
