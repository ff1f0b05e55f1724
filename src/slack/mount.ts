// Puts the Slack surface on the bot's HTTP server: the Bolt app (its request listener as the server's fallback),
// the vendor OAuth routes, and the Slack notifier in place of the silent one. Used by src/app.ts and tests.
import type { RequestListener } from 'node:http';
import type { Config } from '../config.js';
import { oauthRoutes, oauthStartUrl } from '../http/oauth.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { createSlackApp, type CreateSlackAppOptions, type SlackApp } from './app.js';
import { oauthOutcomeMessage } from './blocks/messages.js';
import { dmUser } from './listeners/support.js';
import { SlackNotifier } from './notifier.js';
import { guardSlackRequests } from './request-guard.js';

export interface MountedSlack {
  slack: SlackApp;
  routes: Route[];
  /** The HTTP server's fallback in HTTP mode (null in Socket Mode). */
  fallback: RequestListener | undefined;
  /** The server's own URL once it listens: the OAuth redirect base when PUBLIC_URL is not set. */
  setServerUrl(url: string): void;
}

export interface MountSlackOptions {
  services: Services;
  config: Config;
  logger: Logger;
  slack?: Partial<Omit<CreateSlackAppOptions, 'services' | 'config' | 'logger' | 'oauthLink'>>;
}

export async function mountSlack({ services, config, logger, slack: slackOptions = {} }: MountSlackOptions): Promise<MountedSlack> {
  let serverUrl = '';
  const publicUrl = () => config.PUBLIC_URL ?? serverUrl;
  const stateKey = services.ctx.secrets.deriveKey('oauth-state');
  const slack = await createSlackApp({
    services,
    config,
    logger,
    oauthLink: (vendor, profileId, admin) => oauthStartUrl({ publicUrl, stateKey }, vendor, profileId, admin),
    ...slackOptions,
  });
  const routes = oauthRoutes({
    services,
    logger,
    publicUrl,
    stateKey,
    notify: (outcome) => dmUser(slack.client, logger, outcome.adminUserId, oauthOutcomeMessage(outcome)),
  });
  services.notifier = new SlackNotifier({ client: slack.client, services, logger, approvalChannel: config.SLACK_APPROVAL_CHANNEL, adminIds: config.SLACK_ADMIN_IDS });
  return {
    slack,
    routes,
    fallback: guarded(slack.requestListener, config.SLACK_SIGNING_SECRET, logger),
    setServerUrl(url) {
      serverUrl = url;
    },
  };
}

/** HTTP mode only (Socket Mode requests carry no signature); createSlackApp refuses HTTP mode without a secret. */
function guarded(listener: RequestListener | null, signingSecret: string | undefined, logger: Logger): RequestListener | undefined {
  if (!listener) return undefined;
  return signingSecret ? guardSlackRequests(listener, { signingSecret, logger }) : listener;
}
