// The Bolt app: HTTP mode (a receiver whose request listener the bot's own HTTP server falls back to, so
// /slack/events, /healthz and /oauth/* share one port) or Socket Mode when SLACK_APP_TOKEN is set. Every Web
// API client points at SLACK_API_URL when it is set (tests, sandbox, staging use a fake Slack).
import type { RequestListener } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient, type RetryOptions, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../config.js';
import type { OAuthVendor } from '../http/oauth.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { boltLogger } from './bolt-logger.js';
import { registerListeners } from './listeners/index.js';
import { setFollowUpConcurrency } from './listeners/support.js';
import { SlackNotifier } from './notifier.js';
import { Roles } from './roles.js';

/** What every listener receives. */
export interface SlackDeps {
  services: Services;
  config: Config;
  logger: Logger;
  roles: Roles;
  /** Builds the "Connect with <vendor>" link (signed state); absent when OAuth routes are not served. */
  oauthLink?: (vendor: OAuthVendor, profileId: string, adminUserId: string) => string;
}

export interface CreateSlackAppOptions {
  services: Services;
  config: Config;
  logger: Logger;
  oauthLink?: SlackDeps['oauthLink'];
  /** Skip auth.test at start-up when both are known. */
  botId?: string;
  botUserId?: string;
  /** Answer requests no listener acknowledged after this long (Slack's limit is 3 s; tests use less). */
  unhandledRequestTimeoutMillis?: number;
  /** Web API retries (default: 3 quick retries, so a Slack outage cannot hold a handler for 30 minutes). */
  retryConfig?: RetryOptions;
  /** Seconds a user group's members are cached for role checks (default 60). */
  groupTtlMs?: number;
}

export interface SlackApp {
  app: App;
  /** The bot-token client (the same one listeners get), for the notifier and OAuth DMs. */
  client: WebClient;
  deps: SlackDeps;
  mode: 'http' | 'socket';
  /** HTTP mode: hand requests no other route takes to this (POST /slack/events). */
  requestListener: RequestListener | null;
  /** Socket Mode: connects; HTTP mode: nothing to do (the bot's server is already listening). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class SlackStartError extends Error {
  override readonly name = 'SlackStartError';
}

export const DEFAULT_SLACK_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000, randomize: true };

/** Options for every WebClient the app builds (Bolt's own, the Socket Mode client's, any other). */
export function slackClientOptions(config: Pick<Config, 'SLACK_API_URL'>, logger: Logger, retryConfig: RetryOptions = DEFAULT_SLACK_RETRY): WebClientOptions {
  return {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL.endsWith('/') ? config.SLACK_API_URL : `${config.SLACK_API_URL}/` } : {}),
    retryConfig,
    timeout: 10_000,
    logger: boltLogger(logger),
  };
}

export async function createSlackApp(opts: CreateSlackAppOptions): Promise<SlackApp> {
  const { config, services } = opts;
  const logger = opts.logger.child({ component: 'slack' });
  if (!config.SLACK_BOT_TOKEN) throw new SlackStartError('SLACK_BOT_TOKEN is not set');
  const socket = Boolean(config.SLACK_APP_TOKEN);
  if (!socket && !config.SLACK_SIGNING_SECRET) throw new SlackStartError('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  const clientOptions = slackClientOptions(config, logger, opts.retryConfig);
  const bLogger = boltLogger(logger);
  // The embedded database runs on this thread: after-ack work one piece at a time keeps acks prompt.
  setFollowUpConcurrency(config.DATABASE_URL?.startsWith('postgres') ? 8 : 1);

  const receiver = socket
    ? new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN!, logger: bLogger, installerOptions: { clientOptions } })
    : new HTTPReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET!,
        endpoints: '/slack/events',
        logger: bLogger,
        processBeforeResponse: false,
        unhandledRequestTimeoutMillis: opts.unhandledRequestTimeoutMillis ?? 3_001,
        // A payload Bolt cannot read (e.g. user: null) throws inside Bolt: answer 400, keep serving.
        processEventErrorHandler: async ({ error, response }) => {
          if (response.headersSent) return false;
          const name = (error as { name?: string; code?: string }).code ?? error.name;
          if (name === 'slack_bolt_authorization_error') {
            response.writeHead(401).end();
            return true;
          }
          logger.warn({ err: error }, 'could not process a Slack request');
          const malformed = error instanceof TypeError || name === 'slack_bolt_unknown_error';
          response.writeHead(malformed ? 400 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: malformed ? 'malformed_payload' : 'internal_error' }));
          return false;
        },
      });

  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    logger: bLogger,
    clientOptions,
    ...(opts.botId && opts.botUserId ? { botId: opts.botId, botUserId: opts.botUserId } : {}),
    // auth.test happens in init() below, where a failure is one readable error instead of an unhandled rejection.
    deferInitialization: true,
    ...(socket ? { socketMode: true } : {}),
  });
  try {
    await app.init();
  } catch (err) {
    const detail = (err as { data?: { error?: string } }).data?.error ?? (err instanceof Error ? err.message : String(err));
    throw new SlackStartError(`Slack did not accept SLACK_BOT_TOKEN (auth.test: ${detail})`);
  }
  const client = app.client;
  const roles = new Roles({
    adminIds: config.SLACK_ADMIN_IDS,
    approverIds: config.SLACK_APPROVER_IDS,
    adminGroup: config.SLACK_ADMIN_GROUP,
    approverGroup: config.SLACK_APPROVER_GROUP,
    client,
    services,
    logger,
    ...(opts.groupTtlMs !== undefined ? { groupTtlMs: opts.groupTtlMs } : {}),
  });
  const deps: SlackDeps = { services, config, logger, roles, ...(opts.oauthLink ? { oauthLink: opts.oauthLink } : {}) };
  // The engine tells people about candidates through the notifier: from here on, through Slack.
  services.notifier = new SlackNotifier({ client, services, logger, approvalChannel: config.SLACK_APPROVAL_CHANNEL, adminIds: config.SLACK_ADMIN_IDS });
  registerListeners(app, deps);
  app.error(async (err) => {
    logger.error({ err }, 'unhandled error in a Slack listener');
  });

  let started = false;
  return {
    app,
    client,
    deps,
    mode: socket ? 'socket' : 'http',
    requestListener: receiver instanceof HTTPReceiver ? receiver.requestListener : null,
    async start() {
      if (!socket || started) return;
      await (receiver as SocketModeReceiver).client.start();
      started = true;
    },
    async stop() {
      if (socket && started) await (receiver as SocketModeReceiver).client.disconnect();
      started = false;
    },
  };
}

/** A bot-token WebClient with the same base URL and retry policy (for code outside listeners). */
export function createSlackClient(config: Pick<Config, 'SLACK_API_URL' | 'SLACK_BOT_TOKEN'>, logger: Logger): WebClient {
  return new WebClient(config.SLACK_BOT_TOKEN, slackClientOptions(config, logger));
}
