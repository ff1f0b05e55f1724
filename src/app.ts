// The composition root: config → store (migrate) → scheduler → services → HTTP server → Slack.
import type { Server } from 'node:http';
import type { Config } from './config.js';
import { healthRoute } from './http/health.js';
import { closeServer, createHttpServer, listen, type Route } from './http/server.js';
import { defineJobs } from './jobs/define-jobs.js';
import { scheduleGlobalJobs } from './jobs/reclaim-jobs.js';
import type { Scheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';
import { createServices, type Services } from './services/index.js';
import { mountSlack, type MountedSlack } from './slack/mount.js';
import { openDatabase, type Database } from './store/index.js';
import { createServiceContext } from './service-context.js';

/** No job runs this long: a run still "running" after it was left by a process that died. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

export interface RunningApp {
  config: Config;
  services: Services;
  database: Database;
  scheduler: Scheduler;
  server: Server;
  port: number;
  /** Base URL of the HTTP server (health, OAuth redirects, Slack requests). */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Extra HTTP routes (the Slack layer's OAuth routes, the sandbox's inspection routes). */
  routes?: Route[];
}

export async function startApp({ config, logger, routes = [] }: StartOptions): Promise<RunningApp> {
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
  const cleanups: Array<() => Promise<void>> = [() => database.close()];
  try {
    const { ctx, generatedKeyFile } = await createServiceContext(database, config, logger);
    if (generatedKeyFile) logger.info({ file: generatedKeyFile }, 'generated an encryption key for the sandbox (kept with mode 0600)');
    const { scheduler } = ctx;
    cleanups.unshift(() => scheduler.close({ timeoutMs: 20_000 }));

    const services = createServices(ctx);
    // Slack credentials set: the Bolt app (HTTP or Socket Mode), vendor OAuth routes and the Slack notifier.
    // (The sandbox sets a bot token too: its Slack app talks to the fake Slack.)
    const slack: MountedSlack | null = config.SLACK_BOT_TOKEN ? await mountSlack({ services, config, logger }) : null;
    defineJobs(scheduler, services);
    // Runs a process that died mid-job left "running" are closed as failed, with the reason. The embedded
    // database has one process, so every such run is abandoned; on a server other replicas may be running
    // theirs, so only runs older than any job takes are.
    await ctx.repos.jobRuns.failAbandoned(database.kind === 'pglite' ? new Date() : new Date(Date.now() - ABANDONED_AFTER_MS));
    await scheduleGlobalJobs(scheduler);
    await scheduler.start();

    const server = createHttpServer({
      logger,
      routes: [
        healthRoute(
          [
            {
              name: 'database',
              async check() {
                await database.ping();
                return { ok: true, kind: database.kind === 'pg' ? 'postgresql' : 'pglite' };
              },
            },
            { name: 'scheduler', check: async () => ({ ...(await scheduler.status()) }) },
          ],
          { mode: config.sandbox ? 'sandbox' : 'slack' },
        ),
        ...(slack?.routes ?? []),
        ...routes,
      ],
      ...(slack?.fallback ? { fallback: slack.fallback } : {}),
    });
    const port = await listen(server, config.PORT, config.HOST);
    cleanups.unshift(() => closeServer(server));
    const url = `http://${config.HOST}:${port}`;
    if (slack) {
      slack.setServerUrl(url);
      await slack.slack.start();
      cleanups.unshift(() => slack.slack.stop());
      logger.info({ mode: slack.slack.mode }, slack.slack.mode === 'socket' ? 'Slack connected over Socket Mode' : `Slack requests: POST ${url}/slack/events`);
    }
    logger.info({ url, database: database.kind }, 'saas-license-bot is up');

    let stopped = false;
    return {
      config,
      services,
      database,
      scheduler,
      server,
      port,
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await runCleanups(cleanups, logger);
      },
    };
  } catch (err) {
    await runCleanups(cleanups, logger);
    throw err;
  }
}

async function runCleanups(cleanups: Array<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (err) {
      logger.warn({ err }, 'error while stopping');
    }
  }
}
