// Local processing of 100,000 seats, no vendor in the way: the subscription download's upserts (through the
// product's SyncService, fed by an in-process source of generated seats) and the evaluation of the reclamation
// rules (EvaluationService: load seats, selectCandidates, create candidates), on PGlite and on PostgreSQL.
// Goal from the issue: upsert + evaluation of 100,000 seats under 15 s on PostgreSQL.
//
//   npx tsx scripts/bench-evaluate.ts [--seats=100000] [--backends=pglite,postgres] [--json=out.json]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { compileRules, selectCandidates, type RuleSeat } from '../src/domain/rules.js';
import type { Connector, VendorSeat } from '../src/domain/vendor.js';
import { seededRandom } from '../src/fakes/demo-random.js';
import { toRuleSeat } from '../src/services/rule-inputs.js';
import { createServices } from '../src/services/index.js';
import {
  argValue,
  emitResult,
  fmt,
  int,
  postgresUnavailable,
  postgresUrl,
  redactUrl,
  runChild,
  openBenchContext,
  startSampling,
  table,
  type Backend,
} from './bench-lib.js';

const SCRIPT = 'scripts/bench-evaluate.ts';
const PAGE = 1_000;
const DAY_MS = 86_400_000;
export const LOCAL_GOAL_SECONDS = 15;

/** 100k seats of a support desk: 75% agents, 20% light agents, 5% admins; 15% idle over 60 days, 3% never active. */
function generatedSeats(total: number, now: number): VendorSeat[][] {
  const rand = seededRandom(7);
  const pages: VendorSeat[][] = [];
  for (let start = 0; start < total; start += PAGE) {
    const page: VendorSeat[] = [];
    for (let i = start; i < Math.min(total, start + PAGE); i++) {
      const r = rand();
      const a = rand();
      const licenseType = r < 0.75 ? 'agent' : r < 0.95 ? 'light_agent' : 'admin';
      const days = a < 0.03 ? null : a < 0.18 ? 61 + rand() * 300 : rand() * 59;
      page.push({
        userId: String(10_000_000_000 + i),
        email: `agent${i}@bench.example`,
        name: `Agent ${i}`,
        licenseType,
        licenseName: licenseType.replace('_', ' '),
        active: rand() > 0.01,
        lastActivityAt: days === null ? null : new Date(now - days * DAY_MS),
        flags: licenseType === 'admin' ? { admin: true } : {},
      });
    }
    pages.push(page);
  }
  return pages;
}

/** A connector over seats already in memory: the sync's own code path without a network or a rate limit. */
function inMemoryConnector(pages: VendorSeat[][]): Connector {
  return {
    vendor: 'zendesk',
    async validate() {
      return { ok: true, checks: [{ name: 'in-memory source', ok: true }], account: 'bench', integrationUserId: '1' };
    },
    async *subscriptions() {
      for (const page of pages) yield page;
    },
    async reclaim() {
      return { changed: false };
    },
  };
}

export interface EvaluateFigures {
  backend: Backend;
  seats: number;
  /** First download: every seat new (models and rules created on the way). */
  upsertSeconds: number;
  upsertRowsPerSecond: number;
  /** First evaluation: load seats, selectCandidates, insert candidates. */
  evaluateSeconds: number;
  candidatesCreated: number;
  /** upsert + evaluation: the "local processing". */
  localSeconds: number;
  /** A second download of the same seats (the daily steady state: all unchanged). */
  resyncSeconds: number;
  /** A second evaluation (every idle seat already a candidate: nothing inserted). */
  reevaluateSeconds: number;
  /** The domain alone over the same seats in memory (compile + evaluate + cap), no database. */
  domainMilliseconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  startRssMb: number;
}

async function measure(backend: Backend, total: number): Promise<EvaluateFigures> {
  const pages = generatedSeats(total, Date.now());
  const { ctx, close } = await openBenchContext(backend, 'bench_eval', () => inMemoryConnector(pages));
  try {
    const services = createServices(ctx);
    const profile = await services.profiles.create(
      'bench',
      'zendesk',
      { displayName: 'Bench evaluation', maxReclaimShare: 1 },
      { baseUrl: 'https://bench.zendesk.com', authKind: 'api_token', params: { email: 'bench@bench.example' }, secrets: { apiToken: 'bench-token' } },
    );
    await services.profiles.validate('bench', profile.id);
    await services.profiles.publish('bench', profile.id);

    (globalThis as { gc?: () => void }).gc?.();
    const sampling = startSampling();
    let t = performance.now();
    const sync = await services.sync.syncSubscriptions(profile.id, { actor: 'bench' }, { followUp: false });
    if (sync.status !== 'succeeded') throw new Error(`sync failed: ${sync.error}`);
    const upsertSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const evaluation = await services.evaluation.evaluate(profile.id, { actor: 'bench' });
    if (evaluation.status !== 'succeeded') throw new Error(`evaluation failed: ${evaluation.error}`);
    const evaluateSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await services.sync.syncSubscriptions(profile.id, { actor: 'bench' }, { followUp: false });
    const resyncSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await services.evaluation.evaluate(profile.id, { actor: 'bench' });
    const reevaluateSeconds = (performance.now() - t) / 1000;
    const figures = sampling.stop();

    // The domain alone, on the stored seats and rules.
    const stored = await ctx.repos.subscriptions.list(profile.id, { limit: total + 10 });
    const rules = await ctx.repos.reclamationRules.listByProfile(profile.id, { activeOnly: true });
    const seats: RuleSeat[] = stored.map(toRuleSeat);
    t = performance.now();
    const ruleCtx = {
      rules: rules.map((r) => ({ id: r.id, name: r.name, modelId: r.modelId, inactivityDays: r.inactivityDays, notifyUser: r.notifyUser, graceDays: r.graceDays, autoApprove: r.autoApprove, active: r.active })),
      exclusions: [],
      integrationUserId: '1',
    };
    compileRules(ruleCtx);
    selectCandidates(seats, ruleCtx, { now: new Date(), maxShare: 1 });
    const domainMilliseconds = performance.now() - t;

    return {
      backend,
      seats: sync.counts.seats,
      upsertSeconds,
      upsertRowsPerSecond: sync.counts.seats / upsertSeconds,
      evaluateSeconds,
      candidatesCreated: evaluation.created,
      localSeconds: upsertSeconds + evaluateSeconds,
      resyncSeconds,
      reevaluateSeconds,
      domainMilliseconds,
      cpuSeconds: figures.cpuSeconds,
      peakRssMb: figures.peakRssMb,
      startRssMb: figures.startRssMb,
    };
  } finally {
    await close();
  }
}

export interface EvaluateBenchOutput {
  results: EvaluateFigures[];
  skipped: string[];
}

export function printEvaluateReport(out: EvaluateBenchOutput): void {
  console.log('\nLocal processing (no vendor): upsert through SyncService, then EvaluationService');
  console.log(
    table(
      ['backend', 'seats', 'upsert s', 'rows/s', 'evaluate s', 'candidates', 'upsert+evaluate s', 'goal', 're-sync s', 're-evaluate s', 'domain only ms', 'CPU s', 'peak RSS MB'],
      out.results.map((r) => [
        r.backend,
        int(r.seats),
        fmt(r.upsertSeconds, 2),
        int(r.upsertRowsPerSecond),
        fmt(r.evaluateSeconds, 2),
        int(r.candidatesCreated),
        fmt(r.localSeconds, 2),
        r.backend === 'postgres' ? (r.localSeconds < LOCAL_GOAL_SECONDS ? `< ${LOCAL_GOAL_SECONDS} s: met` : `< ${LOCAL_GOAL_SECONDS} s: MISSED`) : '(PostgreSQL only)',
        fmt(r.resyncSeconds, 2),
        fmt(r.reevaluateSeconds, 2),
        int(r.domainMilliseconds),
        fmt(r.cpuSeconds),
        fmt(r.peakRssMb, 0),
      ]),
    ),
  );
  console.log('  upsert = first download (all new, models and default rules created); re-sync = the same seats again (all unchanged);');
  console.log('  evaluate = load the 100k seats, selectCandidates, insert the candidates; re-evaluate = nothing new to insert.');
  for (const s of out.skipped) console.log(`  note: ${s}`);
}

async function main(): Promise<void> {
  const seats = Number(argValue('seats') ?? 100_000);
  const child = argValue('measure');
  if (child) {
    emitResult(await measure(child as Backend, seats));
    process.exit(0);
  }
  const wanted = (argValue('backends')?.split(',') ?? ['pglite', 'postgres']) as Backend[];
  const skipped: string[] = [];
  const results: EvaluateFigures[] = [];
  console.log(`bench-evaluate: ${int(seats)} seats on ${wanted.join(', ')}`);
  for (const backend of wanted) {
    if (backend === 'postgres') {
      const why = await postgresUnavailable(postgresUrl());
      if (why) {
        skipped.push(`PostgreSQL: skipped, ${redactUrl(postgresUrl())} is not reachable (${why}); set BENCH_DATABASE_URL`);
        continue;
      }
    }
    process.stdout.write(`  ${backend}: `);
    try {
      const r = await runChild<EvaluateFigures>(SCRIPT, ['--measure', backend, '--seats', String(seats)]);
      results.push(r);
      console.log(`upsert ${fmt(r.upsertSeconds, 2)} s + evaluate ${fmt(r.evaluateSeconds, 2)} s = ${fmt(r.localSeconds, 2)} s (${int(r.candidatesCreated)} candidates)`);
    } catch (err) {
      console.log('failed');
      skipped.push(`${backend}: failed (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const out = { results, skipped };
  printEvaluateReport(out);
  const json = argValue('json');
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  process.exit(results.length === 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
