// Telling the clicking user something only they see, and turning errors into sentences for them.
import type { WebClient } from '@slack/web-api';
import { describeError, VendorError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import { ServiceError } from '../../services/errors.js';
import type { Services } from '../../services/index.js';
import { clip } from '../blocks/text.js';

export interface ActionDeps {
  services: Services;
  logger: Logger;
  roles: {
    check(
      userId: string,
      role: 'admin' | 'approver',
      attempted: string,
      target?: { type: string; id?: string | null; profileId?: string | null },
    ): Promise<{ ok: true } | { ok: false; message: string }>;
  };
}

export interface ClickContext {
  client: WebClient;
  userId: string;
  channelId: string | undefined;
  respond?: (message: { text: string; response_type: 'ephemeral'; replace_original: false }) => Promise<unknown>;
}

/** An ephemeral line in the channel or DM the click came from (response_url when there is no channel). */
export async function tellUser(click: ClickContext, text: string, logger: Logger): Promise<void> {
  const clipped = clip(text, 3000);
  try {
    if (click.channelId) await click.client.chat.postEphemeral({ channel: click.channelId, user: click.userId, text: clipped });
    else if (click.respond) await click.respond({ text: clipped, response_type: 'ephemeral', replace_original: false });
  } catch (err) {
    logger.warn({ err: (err as { data?: { error?: string } }).data?.error ?? String(err) }, 'could not send an ephemeral reply');
  }
}

/** Service and vendor errors are written for people; anything else is logged and summarised. */
export function readableError(err: unknown, logger: Logger, what: string): string {
  if (err instanceof ServiceError) return err.message;
  if (err instanceof VendorError) return describeError(err);
  logger.error({ err }, `${what} failed`);
  return `Sorry, that did not work (${what}). The details are in the bot's log.`;
}
