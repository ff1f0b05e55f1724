// Sandbox mode (`npm start` without Slack credentials): the demo company's fake vendors and a fake Slack in
// this process, the bot's Slack app pointed at that fake Slack, the demo profiles set up through the services
// an admin would use, a first sync and evaluation by the bot's own jobs, and a summary in the terminal.
//
//   const sandbox = await prepareSandbox({ config, logger });            // fakes up, Slack settings for the app
//   const app = await startApp({ config: sandbox.config, logger, routes: sandbox.routes });
//   await sandbox.run(app);                                               // profiles, first sync, summary
//   ... await app.stop(); await sandbox.close();
//
// The fakes listen on new ports on every start (no clashes with anything else on the machine); their users are
// re-seeded identically each time. A second start on the same data folder finds the profiles, does not create
// them again, and points their stored connections at this run's fake URLs.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { startApp, type RunningApp } from '../app.js';
import type { Config } from '../config.js';
import { describeError } from '../domain/errors.js';
import type { Vendor } from '../domain/vendor.js';
import { demoDefinition } from '../fakes/custom/index.js';
import { botState } from '../fakes/slack/bot-methods.js';
import type { Route } from '../http/server.js';
import { JOBS } from '../jobs/names.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import type { IntegrationProfile } from '../store/index.js';
import { DEMO_ADMIN_USER_ID, DEMO_APPROVAL_CHANNEL, startDemoVendors, type DemoProfile, type DemoSizes, type DemoVendors } from './demo-company.js';
import { sandboxRoutes } from './routes.js';
import { renderSummary, type PostedMessage } from './summary.js';

export { DEMO_SIZES, startDemoVendors } from './demo-company.js';
export type { DemoSizes, DemoVendors } from './demo-company.js';
export { renderBlocksAsText } from './render-blocks.js';

/** Who the audit log names for what the sandbox sets up. */
export const SANDBOX_ACTOR = 'sandbox';
const DAY_MS = 86_400_000;

export interface SandboxOptions {
  config: Config;
  logger: Logger;
  /** Smaller demo orgs for tests. */
  sizes?: Partial<DemoSizes>;
  /** Where the summary goes (default: stdout). */
  print?: (text: string) => void;
  /** Longest wait for the first sync and evaluation of every profile (default 90 s). */
  firstCycleTimeoutMs?: number;
}

export interface SandboxRun {
  /** true: profiles were created in this run; false: the data folder's profiles were reused. */
  seeded: boolean;
  profiles: IntegrationProfile[];
  /** Messages the bot posted to the approval channel in this run (top level). */
  digests: PostedMessage[];
  problems: string[];
  summary: string;
  seconds: number;
}

export interface Sandbox {
  /** The configuration to start the app with: Slack pointed at the fake Slack, a generated signing secret. */
  config: Config;
  /** Inspection routes for the bot's HTTP server (/sandbox, /sandbox/slack/messages, /sandbox/slack/homes). */
  routes: Route[];
  vendors: DemoVendors;
  /** Call once the app is up: sets up or reuses the demo company, waits for the first cycle, prints the summary. */
  run(app: RunningApp): Promise<SandboxRun>;
  close(): Promise<void>;
}

export async function prepareSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const started = performance.now();
  const vendors = await startDemoVendors(opts.sizes ? { sizes: opts.sizes } : {});
  const admins = opts.config.SLACK_ADMIN_IDS.length > 0 ? opts.config.SLACK_ADMIN_IDS : [DEMO_ADMIN_USER_ID];
  const config: Config = {
    ...opts.config,
    SLACK_BOT_TOKEN: vendors.bot.token,
    // Only the sandbox's own requests could be signed with it; nothing outside this process knows it.
    SLACK_SIGNING_SECRET: randomBytes(32).toString('hex'),
    SLACK_APP_TOKEN: undefined,
    SLACK_API_URL: vendors.slack.apiUrl,
    SLACK_APPROVAL_CHANNEL: opts.config.SLACK_APPROVAL_CHANNEL ?? DEMO_APPROVAL_CHANNEL,
    SLACK_ADMIN_IDS: admins,
    SLACK_APPROVER_IDS: opts.config.SLACK_APPROVER_IDS.length > 0 ? opts.config.SLACK_APPROVER_IDS : admins,
    sandbox: true,
  };
  const print = opts.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  let closed = false;
  return {
    config,
    routes: sandboxRoutes(vendors),
    vendors,
    async run(app) {
      const result = await runSandbox(app, vendors, config, opts, started);
      print(result.summary);
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await vendors.close();
    },
  };
}

/**
 * For the CLI in sandbox mode: the demo vendors only exist while a process runs them, so a `sync` or `reclaim`
 * from the CLI (with the bot stopped) starts them, re-seeded as the bot would, and points the stored
 * connections at them. Returns null when the data folder holds no profiles of the demo company.
 */
export async function startSandboxVendorsFor(services: Services): Promise<DemoVendors | null> {
  const profiles = (await services.profiles.list()).filter((p) => p.createdBy === SANDBOX_ACTOR);
  if (profiles.length === 0) return null;
  const vendors = await startDemoVendors();
  try {
    await relocateConnections(services, profiles, vendors);
  } catch (err) {
    await vendors.close();
    throw err;
  }
  return vendors;
}

export interface RunningSandbox {
  app: RunningApp;
  sandbox: Sandbox;
  run: SandboxRun;
  /** Stops the app (letting running jobs finish), then the fake vendors. */
  stop(): Promise<void>;
}

/**
 * What `npm start` does in sandbox mode: the fakes, the app pointed at them (Slack included), the demo company,
 * the first cycle and the summary. The app keeps running (and syncing on schedule) until stop().
 */
export async function startSandboxApp(opts: SandboxOptions): Promise<RunningSandbox> {
  const sandbox = await prepareSandbox(opts);
  let app: RunningApp;
  try {
    app = await startApp({ config: sandbox.config, logger: opts.logger, routes: sandbox.routes });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const stop = async () => {
    await app.stop();
    await sandbox.close();
  };
  try {
    return { app, sandbox, run: await sandbox.run(app), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function runSandbox(app: RunningApp, vendors: DemoVendors, config: Config, opts: SandboxOptions, started: number): Promise<SandboxRun> {
  const { services } = app;
  const logger = opts.logger.child({ component: 'sandbox' });
  const problems: string[] = [];
  const existing = await services.profiles.list();
  const seeded = existing.length === 0;
  let profiles: IntegrationProfile[];
  if (seeded) {
    logger.info('sandbox: setting up the demo company (four profiles, validated and published; the first sync runs as a job)');
    const since = new Date();
    profiles = [];
    for (const demo of vendors.profiles) {
      const profile = await setUpProfile(services, demo, problems);
      if (profile) profiles.push(profile);
    }
    await waitForFirstCycle(services, profiles.filter((p) => p.status === 'published'), since, opts.firstCycleTimeoutMs ?? 90_000, problems);
    for (const profile of profiles) {
      const demo = vendors.profiles.find((d) => d.displayName === profile.displayName)!;
      await addEntitlements(services, profile, demo, problems, logger);
    }
  } else {
    profiles = existing;
    const moved = await relocateConnections(services, existing, vendors);
    logger.info({ profiles: existing.length, relocated: moved }, 'sandbox: reusing the profiles in the data folder (the fake vendors were re-seeded; their connections now point at this run’s ports)');
  }

  const state = botState(vendors.slack);
  const channel = config.SLACK_APPROVAL_CHANNEL ?? DEMO_APPROVAL_CHANNEL;
  const inChannel = state.messages.filter((m) => m.channel === channel);
  const digests = inChannel.filter((m) => !m.threadTs);
  const recurring = await app.scheduler.listJobs({ name: JOBS.subscriptions, recurring: true });
  const next = recurring.map((j) => j.nextRunAt).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const seconds = (performance.now() - started) / 1000;
  const summary = renderSummary({
    overview: await services.reports.overview(),
    digests,
    threadReplies: inChannel.length - digests.length,
    approvalChannel: channel,
    userNames: vendors.userNames(),
    botUrl: app.url,
    fakes: { Slack: vendors.slack.url, Salesforce: vendors.salesforce.url, Zendesk: vendors.zendesk.url, 'custom app': vendors.custom.url },
    seconds,
    seeded,
    dataDir: config.DATABASE_URL ? null : resolve(config.DATA_DIR),
    nextSyncAt: next,
    problems,
  });
  return { seeded, profiles: await services.profiles.list(), digests, problems, summary, seconds };
}

/** Create, validate, publish: what an admin does in the profile modal. Publishing queues the first sync. */
async function setUpProfile(services: Services, demo: DemoProfile, problems: string[]): Promise<IntegrationProfile | null> {
  try {
    const created = await services.profiles.create(SANDBOX_ACTOR, demo.vendor, { displayName: demo.displayName, ...demo.fields }, demo.connection);
    // Licence types the plan includes for free are kept out of reclamation from the first evaluation on.
    for (const licenseType of demo.freeLicenseTypes ?? []) {
      await services.rules.createIdentifierExclusion(SANDBOX_ACTOR, { profileId: created.id, licenseType, reason: 'Included in the plan at no cost' });
    }
    const { report } = await services.profiles.validate(SANDBOX_ACTOR, created.id);
    if (!report.ok) {
      problems.push(`${demo.displayName}: validation failed (${report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; ')})`);
      return services.profiles.get(created.id);
    }
    return await services.profiles.publish(SANDBOX_ACTOR, created.id);
  } catch (err) {
    problems.push(`${demo.displayName}: ${describeError(err)}`);
    return null;
  }
}

/**
 * Waits until each published profile's first download has been evaluated (or has failed). The subscription job
 * runs activity and evaluation after itself; Salesforce's evaluation follows the download directly.
 */
async function waitForFirstCycle(services: Services, profiles: IntegrationProfile[], since: Date, timeoutMs: number, problems: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(profiles.map((p) => p.id));
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const runs = (await services.ctx.repos.jobRuns.listByProfile(id, { limit: 20 })).filter((r) => r.startedAt >= new Date(since.getTime() - 1000));
      const failed = runs.find((r) => r.status === 'failed');
      const evaluated = runs.find((r) => r.kind === 'evaluate' && r.status !== 'running');
      if (failed) {
        const name = profiles.find((p) => p.id === id)!.displayName;
        problems.push(`${name}: ${failed.kind} failed: ${failed.error ?? 'no detail'}`);
        pending.delete(id);
      } else if (evaluated) {
        pending.delete(id);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      for (const id of pending) problems.push(`${profiles.find((p) => p.id === id)!.displayName}: the first sync had not finished after ${Math.round(timeoutMs / 1000)} s (it goes on in the background)`);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * What the company bought, entered once the first sync has created the software models (as an admin would,
 * with /license entitlements). The digests already posted are then re-rendered so they show the savings.
 */
async function addEntitlements(services: Services, profile: IntegrationProfile, demo: DemoProfile, problems: string[], logger: Logger): Promise<void> {
  try {
    const models = await services.ctx.repos.models.list(profile.id);
    const renewal = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
    for (const e of demo.entitlements) {
      const model = models.find((m) => m.licenseType === e.licenseType);
      if (!model) continue;
      await services.entitlements.create(SANDBOX_ACTOR, {
        modelId: model.id,
        quantity: e.purchased,
        unitCost: e.monthlyUnitCost,
        currency: e.currency,
        period: 'monthly',
        renewalDate: renewal(e.renewsInDays),
      });
    }
    // ...and cost nothing in the reconciliation.
    for (const licenseType of demo.freeLicenseTypes ?? []) {
      const model = models.find((m) => m.licenseType === licenseType);
      if (model && !model.isFree) await services.entitlements.setModelFree(SANDBOX_ACTOR, model.id, true);
    }
    if (profile.vendor === 'salesforce' && profile.status === 'published') await services.sync.syncConsumption(profile.id, { actor: SANDBOX_ACTOR });
    const open = await services.ctx.repos.candidates.list({ profileId: profile.id, states: ['pending', 'awaiting_user'], limit: 100_000 });
    if (open.length > 0) await services.notifier.candidatesChanged(open.map((c) => c.id));
  } catch (err) {
    problems.push(`${profile.displayName}: entitlements not entered (${describeError(err)})`);
    logger.warn({ err: describeError(err), profileId: profile.id }, 'sandbox: entitlements failed');
  }
}

/** A stored connection on a loopback URL from an earlier run points at a port nobody listens on now. */
async function relocateConnections(services: Services, profiles: IntegrationProfile[], vendors: DemoVendors): Promise<number> {
  const { repos } = services.ctx;
  const urls: Record<Vendor, string> = { slack_grid: vendors.slack.apiUrl, salesforce: vendors.salesforce.url, zendesk: vendors.zendesk.url, custom: vendors.custom.url };
  let moved = 0;
  // Only the demo company's own profiles: one an admin made pointing at some other local service is left alone.
  for (const profile of profiles.filter((p) => p.createdBy === SANDBOX_ACTOR)) {
    const stored = await repos.connections.get(profile.id);
    if (!stored || !isLoopback(stored.baseUrl) || stored.baseUrl === urls[profile.vendor]) continue;
    const params: Record<string, unknown> = { ...stored.params };
    if (profile.vendor === 'slack_grid' && typeof params.scimUrl === 'string' && isLoopback(params.scimUrl)) params.scimUrl = vendors.slack.scimUrl;
    if (profile.vendor === 'custom' && typeof params.definition === 'string') params.definition = relocatedDefinition(params.definition, vendors.custom.url);
    await repos.connections.upsert(profile.id, {
      baseUrl: urls[profile.vendor],
      authKind: stored.authKind,
      params,
      secretsEncrypted: stored.secretsEncrypted,
      keyId: stored.keyId,
      tokenExpiresAt: stored.tokenExpiresAt,
    });
    await repos.audit.append({
      actor: SANDBOX_ACTOR,
      action: 'connection.relocated',
      targetType: 'profile',
      targetId: profile.id,
      profileId: profile.id,
      details: { from: stored.baseUrl, to: urls[profile.vendor], why: 'the sandbox’s fake vendors listen on new ports on every start' },
    });
    moved++;
  }
  return moved;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

function relocatedDefinition(json: string, baseUrl: string): string {
  try {
    const def = JSON.parse(json) as Record<string, unknown>;
    return JSON.stringify({ ...def, baseUrl });
  } catch {
    return JSON.stringify(demoDefinition(baseUrl));
  }
}
