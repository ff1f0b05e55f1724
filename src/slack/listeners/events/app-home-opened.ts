// App Home: published on app_home_opened and after changes a user made.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../../app.js';
import { homeView } from '../../blocks/home.js';
import { loadOverview } from '../../overview.js';

/** Publishes the user's Home tab; failures are logged (a stale Home must not fail the action that changed data). */
export async function publishHomeFor(deps: SlackDeps, client: WebClient, userId: string): Promise<void> {
  try {
    const [overview, isAdmin] = await Promise.all([loadOverview(deps.services), deps.roles.has(userId, 'admin')]);
    await client.views.publish({ user_id: userId, view: homeView(overview, { isAdmin }) });
  } catch (err) {
    deps.logger.error({ err, userId }, 'could not publish App Home');
  }
}

export function appHomeOpened(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await publishHomeFor(deps, client, event.user);
  };
}
