// Subscription sync against the fake vendors with their documented rate limits on: wall time next to the
// rate-limit floor, CPU, peak RSS and rows/s into the database, on PGlite and on PostgreSQL.
//
//   npm run bench -- (all benchmarks)   |   npx tsx scripts/bench-sync.ts [--quick] [--sizes=5000,100000]
//     [--vendors=slack_grid,salesforce,zendesk,custom] [--backends=pglite,postgres] [--json=out.json]
//   BENCH_QUICK=1 is --quick (5,000 seats only). BENCH_DATABASE_URL / TEST_DATABASE_URL name the PostgreSQL server.
//
// Three kinds of process keep the figures honest: the fake vendors run in one child (their 100k in-memory users
// are not the bot's memory), and every measurement runs in a child of its own (a fresh PGlite, a fresh heap).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createConnector } from '../src/connectors/registry.js';
import type { Connector, Vendor, VendorSeat } from '../src/domain/vendor.js';
import { FakeRateLimit } from '../src/fakes/http-server.js';
import { demoConnection, demoDefinition, DEMO_TOKEN, startFakeCustom, type FakeCustom } from '../src/fakes/custom/index.js';
import { startFakeSalesforce, type FakeSalesforce } from '../src/fakes/salesforce/index.js';
import { FAKE_SLACK_ADMIN_TOKEN, seedDemoOrg, startFakeSlack, type FakeSlack } from '../src/fakes/slack/index.js';
import { startFakeZendesk, type FakeZendesk } from '../src/fakes/zendesk/index.js';
import { createServices } from '../src/services/index.js';
import type { ConnectionForm } from '../src/services/profile-service.js';
import {
  argValue,
  emitResult,
  fmt,
  hasFlag,
  int,
  postgresUnavailable,
  postgresUrl,
  redactUrl,
  runChild,
  openBenchContext,
  startSampling,
  table,
  type Backend,
  type ResourceFigures,
} from './bench-lib.js';

const SCRIPT = 'scripts/bench-sync.ts';
const ALL_VENDORS: Vendor[] = ['slack_grid', 'salesforce', 'zendesk', 'custom'];
const WINDOW_S = 60;

/**
 * The vendors' documented per-minute limits on the listing call, as the fakes enforce them (fixed one-minute
 * windows). Salesforce has none: a rolling 24-hour allocation instead.
 */
const LIMITS: Record<Vendor, { perMinute: number | null; what: string }> = {
  slack_grid: { perMinute: 100, what: 'admin.users.list Tier 4, 100/min' },
  zendesk: { perMinute: 400, what: 'Growth/Professional 400/min (Enterprise Plus 2,500/min)' },
  salesforce: { perMinute: null, what: 'no per-minute limit; 24-hour allocation 100,000 + 1,000 per licence' },
  custom: { perMinute: Number((demoDefinition('http://x').rateLimit as { requestsPerMinute: number }).requestsPerMinute), what: 'demo definition: 6,000/min' },
};

/** Page sizes: each vendor's maximum (Slack's admin.users.list: the fake's cap of 1,000; unverified for the real API). */
const PAGE_SIZES: Record<Vendor, number> = { slack_grid: 1000, salesforce: 2000, zendesk: 100, custom: 100 };

/** Minimum time a fixed window of `perWindow` requests allows for `requests`: all windows but the last are waited out. */
export function fixedWindowFloorSeconds(requests: number, perWindow: number | null, windowSeconds = WINDOW_S): number {
  if (perWindow === null || requests <= 0) return 0;
  return (Math.ceil(requests / perWindow) - 1) * windowSeconds;
}

// ---------------------------------------------------------------------------------------------------------------
// The fake vendors' process

interface FakeTarget {
  vendor: Vendor;
  size: number;
  url: string;
  /** Slack: SCIM URL; Salesforce: client id/secret; Zendesk: admin email + token. */
  extra: Record<string, string>;
}

interface FakesReady {
  control: string;
  targets: FakeTarget[];
}

const targetKey = (vendor: string, size: number) => `${vendor}-${size}`;

async function serveFakes(sizes: number[], vendors: Vendor[]): Promise<void> {
  const handles = new Map<string, { reset(): void; stats(): { requests: number; refused: number; note?: string }; close(): Promise<void> }>();
  const targets: FakeTarget[] = [];
  const now = new Date();
  for (const size of sizes) {
    for (const vendor of vendors) {
      if (vendor === 'slack_grid') {
        const fake: FakeSlack = await startFakeSlack();
        seedDemoOrg(fake.org, size, { seed: 42, now: now.getTime() });
        const listing = () => fake.calls.filter((c) => c.apiMethod === 'admin.users.list');
        handles.set(targetKey(vendor, size), {
          reset() {
            fake.calls.length = 0;
            fake.useSlackTiers();
          },
          stats: () => ({ requests: listing().filter((c) => c.status !== 429).length, refused: listing().filter((c) => c.status === 429).length }),
          close: () => fake.close(),
        });
        targets.push({ vendor, size, url: fake.apiUrl, extra: { scimUrl: fake.scimUrl } });
      } else if (vendor === 'salesforce') {
        const fake: FakeSalesforce = await startFakeSalesforce();
        fake.seedDemo(size, { seed: 42, now });
        const allocation = 100_000 + 1_000 * size;
        handles.set(targetKey(vendor, size), {
          reset() {
            fake.calls.length = 0;
            fake.setDailyAllocation(allocation);
          },
          stats: () => ({ requests: fake.calls.filter((c) => c.path.startsWith('/services/data/')).length, refused: 0, note: `daily allocation used ${fake.allocation.used} of ${allocation}` }),
          close: () => fake.close(),
        });
        targets.push({ vendor, size, url: fake.url, extra: { clientId: fake.clientId, clientSecret: fake.clientSecret } });
      } else if (vendor === 'zendesk') {
        const fake: FakeZendesk = await startFakeZendesk();
        const admin = fake.org.addUser({ email: 'bench-admin@bench.example', role: 'admin', lastLoginAt: now });
        fake.addApiToken(admin.id, 'bench-zendesk-token');
        seedZendeskSeats(fake, size - 1, now);
        handles.set(targetKey(vendor, size), {
          reset() {
            fake.calls.length = 0;
            fake.setRateLimit(LIMITS.zendesk.perMinute);
          },
          stats: () => ({ requests: fake.calls.filter((c) => c.path.startsWith('/api/v2/')).length - fake.refused, refused: fake.refused }),
          close: () => fake.close(),
        });
        targets.push({ vendor, size, url: fake.url, extra: { email: admin.email, apiToken: 'bench-zendesk-token' } });
      } else {
        const fake: FakeCustom = await startFakeCustom();
        fake.org.seedDemo(size, { seed: 42, now });
        // The custom fake keeps its limiter private; the same fixed window through a fault gives the refusal count.
        let limiter = new FakeRateLimit(LIMITS.custom.perMinute!);
        const retry: Record<string, string> = { 'retry-after': '1' };
        fake.faults.add({
          times: Number.POSITIVE_INFINITY,
          status: 429,
          headers: retry,
          body: JSON.stringify({ error: 'rate_limited' }),
          match: () => {
            const wait = limiter.check();
            if (wait === undefined) return false;
            retry['retry-after'] = String(wait);
            return true;
          },
        });
        handles.set(targetKey(vendor, size), {
          reset() {
            fake.calls.length = 0;
            limiter = new FakeRateLimit(LIMITS.custom.perMinute!);
          },
          stats: () => ({ requests: fake.calls.length - limiter.refused, refused: limiter.refused }),
          close: () => fake.close(),
        });
        targets.push({ vendor, size, url: fake.url, extra: {} });
      }
    }
  }
  const control = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handle = handles.get(url.searchParams.get('target') ?? '');
    if (!handle) {
      res.writeHead(404).end();
      return;
    }
    if (url.pathname === '/reset') handle.reset();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(url.pathname === '/stats' ? handle.stats() : { ok: true }));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const ready: FakesReady = { control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`, targets };
  emitResult(ready);
  // The parent closes stdin... it has none; it kills this process when done.
  await new Promise(() => {});
}

/** `n` Zendesk seat holders: 72% agents, 22% light agents, 3% admins, 3% suspended agents; logins over a year. */
function seedZendeskSeats(fake: FakeZendesk, n: number, now: Date): void {
  let a = 42;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const r = rand();
    const login = rand();
    fake.org.addUser({
      email: `agent${i}@bench.example`,
      name: `Agent ${i}`,
      role: r < 0.03 ? 'admin' : 'agent',
      lightAgent: r >= 0.75 && r < 0.97,
      suspended: r >= 0.97,
      lastLoginAt: login < 0.08 ? null : new Date(now.getTime() - Math.floor(login * login * 365 * 86_400_000)),
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One measurement (its own process)

interface MeasureSpec {
  backend: Backend;
  target: FakeTarget;
  control: string;
}

export interface SyncFigures extends ResourceFigures {
  backend: Backend;
  vendor: Vendor;
  size: number;
  status: string;
  error?: string;
  seats: number;
  pages: number;
  /** Requests the vendor answered (the ones its limit counts) and the ones it refused with 429. */
  requests: number;
  refused: number;
  floorSeconds: number;
  /** wall / floor; null when the floor is 0 (every request fits in the first window). */
  ratio: number | null;
  /** Seconds spent waiting for the vendor's pages (rate-limit waits included). */
  vendorSeconds: number;
  /** Seats per second of the time not spent waiting for the vendor (normalizing, upserts, bookkeeping). */
  rowsPerSecond: number;
  note?: string;
}

function connectionFor(t: FakeTarget): ConnectionForm {
  switch (t.vendor) {
    case 'slack_grid':
      return { baseUrl: t.url, authKind: 'oauth_user_token', params: { scimUrl: t.extra.scimUrl! }, secrets: { accessToken: FAKE_SLACK_ADMIN_TOKEN } };
    case 'salesforce':
      return { baseUrl: t.url, authKind: 'oauth_client_credentials', params: { clientId: t.extra.clientId! }, secrets: { clientSecret: t.extra.clientSecret! } };
    case 'zendesk':
      return { baseUrl: t.url, authKind: 'api_token', params: { email: t.extra.email! }, secrets: { apiToken: t.extra.apiToken! } };
    case 'custom': {
      const c = demoConnection(t.url);
      return { baseUrl: c.baseUrl, authKind: c.authKind, params: c.params, secrets: { token: DEMO_TOKEN } };
    }
  }
}

/** Times how long the sync waits on the vendor's pages, without changing what it receives. */
function timedConnector(connector: Connector, timing: { vendorMs: number }): Connector {
  async function* subscriptions(): AsyncIterable<VendorSeat[]> {
    const it = connector.subscriptions()[Symbol.asyncIterator]();
    for (;;) {
      const t = performance.now();
      const next = await it.next();
      timing.vendorMs += performance.now() - t;
      if (next.done) return;
      yield next.value;
    }
  }
  return new Proxy(connector, {
    get(target, prop) {
      if (prop === 'subscriptions') return subscriptions;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function measure(spec: MeasureSpec): Promise<SyncFigures> {
  const { backend, target } = spec;
  const timing = { vendorMs: 0 };
  const { ctx, close } = await openBenchContext(backend, 'bench_sync', (opts) => timedConnector(createConnector(opts), timing));
  try {
    const services = createServices(ctx);
    const profile = await services.profiles.create(
      'bench',
      target.vendor,
      { displayName: `Bench ${target.vendor} ${target.size}`, downloadActivity: false, downloadConsumption: false, settings: target.vendor === 'slack_grid' ? { pageSize: PAGE_SIZES.slack_grid } : {} },
      connectionFor(target),
    );
    const { report } = await services.profiles.validate('bench', profile.id);
    if (!report.ok) throw new Error(`validation failed: ${JSON.stringify(report.checks)}`);
    await services.profiles.publish('bench', profile.id);

    await fetch(`${spec.control}/reset?target=${targetKey(target.vendor, target.size)}`, { method: 'POST' });
    timing.vendorMs = 0;
    (globalThis as { gc?: () => void }).gc?.();
    const sampling = startSampling();
    const result = await services.sync.syncSubscriptions(profile.id, { actor: 'bench' }, { followUp: false });
    const figures = sampling.stop();
    const stats = (await (await fetch(`${spec.control}/stats?target=${targetKey(target.vendor, target.size)}`)).json()) as { requests: number; refused: number; note?: string };

    const floorSeconds = fixedWindowFloorSeconds(stats.requests, LIMITS[target.vendor].perMinute);
    const vendorSeconds = timing.vendorMs / 1000;
    const localSeconds = Math.max(0.001, figures.wallSeconds - vendorSeconds);
    return {
      ...figures,
      backend,
      vendor: target.vendor,
      size: target.size,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      seats: result.counts.seats,
      pages: result.counts.pages,
      requests: stats.requests,
      refused: stats.refused,
      floorSeconds,
      ratio: floorSeconds > 0 ? figures.wallSeconds / floorSeconds : null,
      vendorSeconds,
      rowsPerSecond: result.counts.seats / localSeconds,
      ...(stats.note ? { note: stats.note } : {}),
    };
  } finally {
    await close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The orchestrator

export interface SyncBenchOutput {
  results: SyncFigures[];
  skipped: string[];
}

function listArg(name: string): string[] | undefined {
  return argValue(name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function orchestrate(): Promise<SyncBenchOutput> {
  const quick = hasFlag('quick') || process.env.BENCH_QUICK === '1';
  const sizes = (listArg('sizes') ?? (quick ? ['5000'] : ['5000', '100000'])).map(Number);
  const vendors = (listArg('vendors') ?? ALL_VENDORS) as Vendor[];
  const wanted = (listArg('backends') ?? ['pglite', 'postgres']) as Backend[];
  const skipped: string[] = [];
  if (quick && !listArg('sizes')) skipped.push('100,000 seats: skipped by --quick / BENCH_QUICK=1 (the 100k runs wait out several minutes of rate limits)');

  const backends: Backend[] = [];
  for (const b of wanted) {
    if (b !== 'postgres') {
      backends.push(b);
      continue;
    }
    const why = await postgresUnavailable(postgresUrl());
    if (why) skipped.push(`PostgreSQL: skipped, ${redactUrl(postgresUrl())} is not reachable (${why}); set BENCH_DATABASE_URL`);
    else backends.push(b);
  }

  console.log(`bench-sync: sizes ${sizes.map(int).join(', ')} × ${vendors.join(', ')} on ${backends.join(', ')}`);
  console.log('  starting the fake vendors (seeding takes a few seconds for 100,000 users each)...');
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const fakes = spawn(process.execPath, [tsx, SCRIPT, '--serve-fakes', '--sizes', sizes.join(','), '--vendors', vendors.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<FakesReady>((resolve, reject) => {
    let out = '';
    fakes.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)) as FakesReady);
    });
    fakes.once('exit', (code) => reject(new Error(`the fake vendors exited (${code})`)));
  });

  const results: SyncFigures[] = [];
  try {
    for (const backend of backends) {
      for (const size of sizes) {
        for (const vendor of vendors) {
          const target = ready.targets.find((t) => t.vendor === vendor && t.size === size)!;
          process.stdout.write(`  ${backend} ${vendor} ${int(size)}: `);
          const spec: MeasureSpec = { backend, target, control: ready.control };
          try {
            const r = await runChild<SyncFigures>(SCRIPT, ['--measure', JSON.stringify(spec)]);
            results.push(r);
            console.log(`${r.status}, ${int(r.seats)} seats in ${fmt(r.wallSeconds)} s (floor ${fmt(r.floorSeconds, 0)} s), peak RSS ${fmt(r.peakRssMb, 0)} MB`);
          } catch (err) {
            console.log(`failed: ${err instanceof Error ? err.message : String(err)}`);
            skipped.push(`${backend} ${vendor} ${int(size)}: failed (${err instanceof Error ? err.message : String(err)})`);
          }
        }
      }
    }
  } finally {
    fakes.kill('SIGTERM');
  }
  return { results, skipped };
}

export function printSyncReport(out: SyncBenchOutput): void {
  console.log('\nSubscription sync against the fakes with the vendors’ rate limits on');
  console.log(
    table(
      ['backend', 'vendor', 'seats', 'requests', '429s', 'wall s', 'floor s', 'wall/floor', 'CPU s', 'peak RSS MB', 'vendor wait s', 'rows/s (local)'],
      out.results.map((r) => [
        r.backend,
        r.vendor,
        int(r.seats),
        int(r.requests),
        int(r.refused),
        fmt(r.wallSeconds),
        fmt(r.floorSeconds, 0),
        r.ratio === null ? 'n/a (floor 0)' : `${fmt(r.ratio, 2)}x`,
        fmt(r.cpuSeconds),
        fmt(r.peakRssMb, 0),
        fmt(r.vendorSeconds),
        int(r.rowsPerSecond),
      ]),
    ),
  );
  console.log('Limits:');
  for (const v of ALL_VENDORS) console.log(`  ${v}: ${LIMITS[v].what}; page size ${PAGE_SIZES[v]}`);
  console.log('  floor = (ceil(requests / per-minute limit) - 1) × 60 s: a fixed one-minute window lets a whole minute’s requests through at once.');
  console.log('  rows/s (local) = seats / (wall - time waiting for the vendor’s pages): normalizing, model bookkeeping and bulk upserts.');
  console.log('  peak RSS is the bot’s process only (the fakes run in another); on PGlite it includes the embedded database.');
  const failed = out.results.filter((r) => r.status !== 'succeeded');
  for (const r of failed) console.log(`  FAILED ${r.backend} ${r.vendor} ${int(r.size)}: ${r.error}`);
  for (const r of out.results.filter((x) => x.note)) console.log(`  ${r.backend} ${r.vendor} ${int(r.size)}: ${r.note}`);
  for (const s of out.skipped) console.log(`  note: ${s}`);
}

async function main(): Promise<void> {
  if (hasFlag('serve-fakes')) {
    await serveFakes((listArg('sizes') ?? []).map(Number), (listArg('vendors') ?? ALL_VENDORS) as Vendor[]);
    return;
  }
  const spec = argValue('measure');
  if (spec) {
    emitResult(await measure(JSON.parse(spec) as MeasureSpec));
    process.exit(0);
  }
  const out = await orchestrate();
  printSyncReport(out);
  const json = argValue('json');
  if (json) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(json, JSON.stringify(out, null, 2));
  }
  process.exit(out.results.some((r) => r.status !== 'succeeded') ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
