// Shared by listeners: readable error messages, DMs, ephemeral replies, and running work after the ack.
import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { describeError, VendorError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import { ServiceError } from '../../services/errors.js';
import type { SlackMessage } from '../blocks/messages.js';
import { section } from '../blocks/text.js';

/** What the user reads: service and vendor errors are written for people; anything else is only logged. */
export function userMessageOf(err: unknown): string {
  if (err instanceof ServiceError) return err.message;
  if (err instanceof VendorError) return describeError(err);
  return 'Something went wrong on our side. It is in the log; try again in a moment.';
}

export function ephemeral(msg: SlackMessage) {
  return { response_type: 'ephemeral' as const, replace_original: false, text: msg.text, blocks: msg.blocks };
}

/** A message that is one line of text (blocks say the same, for clients that show blocks). */
export function plainMessage(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}

/** A DM from the bot (conversations.open, then chat.postMessage). Delivery problems are logged, not thrown. */
export async function dmUser(client: WebClient, logger: Logger, userId: string, msg: SlackMessage): Promise<void> {
  try {
    const opened = await client.conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks });
  } catch (err) {
    logger.error({ err, userId }, 'could not DM the user');
  }
}

/**
 * Work that follows acks runs through a queue, each piece started from a fresh turn of the event loop. With the
 * embedded database (PGlite runs its queries on this thread) one piece at a time means a new request's ack
 * waits behind at most one piece of earlier work, not behind all of it; with a PostgreSQL server the queries
 * wait on the network and several pieces can run at once.
 */
class FollowUpQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(public limit: number) {}

  /** When the latest ack left: while requests keep arriving, their acks go before queued work. */
  private lastAckAt = 0;

  async run(work: () => Promise<void>): Promise<void> {
    this.lastAckAt = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    await this.quietMoment();
    const done = work();
    // A piece that waits long (a vendor call, a job it reports back on) gives its slot up after SLOT_MS and
    // carries on outside the queue: the queue paces quick work, it must not make one slow command stall the rest.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, SLOT_MS)))]);
    clearTimeout(timer);
    const next = this.waiting.shift();
    // The slot passes to the next piece on a later turn, so requests that arrived meanwhile are acked first.
    if (next) setImmediate(next);
    else this.running--;
    await done;
  }

  /** Waits until no ack has left for QUIET_MS (at most MAX_DEFER_MS), so a burst of commands is acked first. */
  private async quietMoment(): Promise<void> {
    const started = performance.now();
    while (performance.now() - this.lastAckAt < QUIET_MS && performance.now() - started < MAX_DEFER_MS) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    }
  }
}

const QUIET_MS = 5;
const MAX_DEFER_MS = 250;
const SLOT_MS = 500;

const followUps = new FollowUpQueue(1);

/** How many pieces of after-ack work may run at once (1 for the embedded database). */
export function setFollowUpConcurrency(limit: number): void {
  followUps.limit = Math.max(1, Math.floor(limit));
}

/** Runs a listener's work after its ack; a failure reaches the user as one readable line and the log in full. */
export async function afterAck(logger: Logger, what: string, work: () => Promise<void>, tell: (text: string) => Promise<unknown>): Promise<void> {
  await followUps.run(async () => {
    try {
      await work();
    } catch (err) {
      if (!(err instanceof ServiceError)) logger.error({ err, what }, 'Slack listener failed');
      try {
        await tell(`:warning: ${userMessageOf(err)}`);
      } catch (tellErr) {
        logger.error({ err: tellErr, what }, 'could not tell the user about a failure');
      }
    }
  });
}

export function respondText(respond: RespondFn) {
  return (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
}

/** How long a view submission may wait for its decision before the form must be answered anyway. */
export const ACK_BUDGET_MS = 2_000;

export type Decided<T> = { settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown } | { settled: false; outcome: Promise<T> };

/**
 * Slack gives a view submission 3 s. A decision that can be refused is awaited, so that the refusal shows
 * inline in the form, but only for ACK_BUDGET_MS: past that the caller closes the form and reports the
 * outcome later (the decision itself still completes).
 */
export async function decideWithinAckBudget<T>(work: Promise<T>, budgetMs = ACK_BUDGET_MS): Promise<Decided<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
  const settled = work.then(
    (value) => ({ settled: true as const, ok: true as const, value }),
    (error: unknown) => ({ settled: true as const, ok: false as const, error }),
  );
  const first = await Promise.race([settled, late]);
  clearTimeout(timer);
  return first === 'late' ? { settled: false, outcome: work } : first;
}
