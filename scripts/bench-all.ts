// `npm run bench`: the sync benchmark against rate-limited fakes, local processing of 100,000 seats, and the
// Slack ack latency benchmark, then one table of the issue's goals next to the measured figures.
//
//   npm run bench                 everything (about 10-12 minutes: the 100k syncs wait out real rate limits)
//   npm run bench -- --quick      5,000-seat syncs only (BENCH_QUICK=1 does the same)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasFlag, fmt, int, postgresUrl, redactUrl, table } from './bench-lib.js';
import { LOCAL_GOAL_SECONDS, printEvaluateReport, type EvaluateBenchOutput } from './bench-evaluate.js';
import { printSyncReport, type SyncBenchOutput, type SyncFigures } from './bench-sync.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const RATIO_GOAL = 1.2;
const ACK_P99_GOAL_MS = 100;

interface ScriptRun {
  code: number | null;
  output: string;
  seconds: number;
}

/**
 * Runs a benchmark script with its output shown as it comes. `doneWhen`: a line after which the script has
 * printed everything (a script that leaves timers behind is stopped a few seconds later instead of waited for).
 */
function runScript(script: string, args: string[], doneWhen?: RegExp): Promise<ScriptRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, script, ...args], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer, to: NodeJS.WriteStream) => {
      const text = chunk.toString();
      output += text;
      to.write(text);
      if (doneWhen && !killTimer && doneWhen.test(output)) killTimer = setTimeout(() => child.kill('SIGTERM'), 5_000);
    };
    child.stdout.on('data', (c: Buffer) => onData(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => onData(c, process.stderr));
    child.once('exit', (code) => {
      clearTimeout(killTimer);
      resolve({ code: killTimer && code === null ? 0 : code, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

interface AckFigures {
  label: string;
  n: number;
  p50: number;
  p99: number;
}

function parseAcks(output: string): AckFigures[] {
  const re = /^(.+?)\s+n=\s*(\d+)\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms/gm;
  return [...output.matchAll(re)].map((m) => ({ label: m[1]!.trim(), n: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]) }));
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'MISSED');

async function main(): Promise<void> {
  const quick = hasFlag('quick') || process.env.BENCH_QUICK === '1';
  const dir = mkdtempSync(join(tmpdir(), 'slb-bench-'));
  const started = performance.now();
  console.log(`npm run bench${quick ? ' --quick' : ''}: PostgreSQL at ${redactUrl(postgresUrl())} (BENCH_DATABASE_URL / TEST_DATABASE_URL to change)\n`);
  try {
    console.log('== 1/3 subscription sync against rate-limited fakes (scripts/bench-sync.ts)');
    const syncRun = await runScript('scripts/bench-sync.ts', [...(quick ? ['--quick'] : []), '--json', join(dir, 'sync.json')]);
    const sync = readJson<SyncBenchOutput>(join(dir, 'sync.json'));

    console.log('\n== 2/3 local processing of 100,000 seats (scripts/bench-evaluate.ts)');
    const evalRun = await runScript('scripts/bench-evaluate.ts', ['--json', join(dir, 'evaluate.json')]);
    const evaluate = readJson<EvaluateBenchOutput>(join(dir, 'evaluate.json'));

    console.log('\n== 3/3 Slack ack latency (scripts/bench-slack.ts, 200 sequential and 50 concurrent /license commands)');
    const slackRun = await runScript('scripts/bench-slack.ts', ['200', '50'], /follow-up replies delivered/);
    const acks = parseAcks(slackRun.output);

    console.log(`\n${'='.repeat(100)}\nAll figures (${fmt((performance.now() - started) / 60_000, 1)} minutes in all)`);
    if (sync) printSyncReport(sync);
    else console.log(`\nbench-sync produced no figures (exit ${syncRun.code})`);
    if (evaluate) printEvaluateReport(evaluate);
    else console.log(`\nbench-evaluate produced no figures (exit ${evalRun.code})`);
    console.log('\nSlack ack latency');
    if (acks.length > 0) console.log(table(['run', 'n', 'p50 ms', 'p99 ms'], acks.map((a) => [a.label, a.n, fmt(a.p50), fmt(a.p99)])));
    else console.log(`  bench-slack produced no figures (exit ${slackRun.code})`);

    console.log(`\nGoals (issue 6)`);
    console.log(table(['goal', 'measured', 'verdict'], goalRows(sync, evaluate, acks), { leftAligned: true }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function goalRows(sync: SyncBenchOutput | null, evaluate: EvaluateBenchOutput | null, acks: AckFigures[]): string[][] {
  const rows: string[][] = [];
  const limited = (sync?.results ?? []).filter((r) => r.ratio !== null);
  const worst = limited.reduce<SyncFigures | null>((w, r) => (w === null || r.ratio! > w.ratio! ? r : w), null);
  rows.push([
    `sync wall time within ${RATIO_GOAL}x of the rate-limit floor`,
    limited.length === 0
      ? 'no run had a floor above 0 s (every request fit in the first window)'
      : limited.map((r) => `${r.backend} ${r.vendor} ${int(r.seats)}: ${fmt(r.ratio!, 2)}x`).join('; '),
    verdict(worst ? worst.ratio! <= RATIO_GOAL : null),
  ]);

  const pg = evaluate?.results.find((r) => r.backend === 'postgres');
  rows.push([`local processing of 100,000 seats (upsert + evaluation) < ${LOCAL_GOAL_SECONDS} s on PostgreSQL`, pg ? `${fmt(pg.localSeconds, 2)} s` : 'PostgreSQL not measured', verdict(pg ? pg.localSeconds < LOCAL_GOAL_SECONDS : null)]);

  // PostgreSQL runs keep the database out of the process: what is left is the bot's own memory.
  const sizes = [...new Set((sync?.results ?? []).map((r) => r.size))].sort((a, b) => a - b);
  const pgSync = (sync?.results ?? []).filter((r) => r.backend === 'postgres');
  if (sizes.length >= 2 && pgSync.length > 0) {
    const small = sizes[0]!;
    const large = sizes.at(-1)!;
    const pairs = [...new Set(pgSync.map((r) => r.vendor))].flatMap((vendor) => {
      const a = pgSync.find((r) => r.vendor === vendor && r.size === small);
      const b = pgSync.find((r) => r.vendor === vendor && r.size === large);
      return a && b ? [{ vendor, a: a.peakRssMb, b: b.peakRssMb }] : [];
    });
    const growth = Math.max(...pairs.map((p) => p.b / p.a));
    rows.push([
      'peak RSS independent of org size (apart from the database)',
      `PostgreSQL, ${int(small)} → ${int(large)} seats: ${pairs.map((p) => `${p.vendor} ${fmt(p.a, 0)} → ${fmt(p.b, 0)} MB`).join('; ')}`,
      verdict(pairs.length > 0 ? growth <= 1.25 : null),
    ]);
  } else {
    rows.push(['peak RSS independent of org size (apart from the database)', 'needs two sizes on PostgreSQL (not run with --quick)', verdict(null)]);
  }

  const concurrent = acks.find((a) => /concurrent status/.test(a.label)) ?? acks.find((a) => a.n === 50);
  rows.push([`ack p99 < ${ACK_P99_GOAL_MS} ms with 50 concurrent commands`, concurrent ? `p99 ${fmt(concurrent.p99)} ms (p50 ${fmt(concurrent.p50)} ms)` : 'not measured', verdict(concurrent ? concurrent.p99 < ACK_P99_GOAL_MS : null)]);
  return rows;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
