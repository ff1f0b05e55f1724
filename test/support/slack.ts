// Drives the whole Slack app the way Slack does: correctly signed, form-encoded HTTP requests to the bot's own
// HTTP server (the one /healthz and /oauth/* share), with the Web API pointed at the fake Slack.
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { InputBlock, View } from '@slack/types';
import { loadConfig, type Config } from '../../src/config.js';
import { botState, installBot, responseUrl, type BotIdentity, type FakeView } from '../../src/fakes/slack/bot-methods.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { installLookupMethods } from '../../src/fakes/slack/lookup-methods.js';
import { closeServer, createHttpServer, listen } from '../../src/http/server.js';
import { defineJobs } from '../../src/jobs/define-jobs.js';
import { createLogger, silentLogger, type Logger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { mountSlack, type MountedSlack } from '../../src/slack/mount.js';
import { createTestContext, type TestContext } from './context.js';

export const SIGNING_SECRET = 'slack-test-signing-secret';
export const ADMIN = 'U0ADMIN001';
export const APPROVER = 'U0APPROVR1';
export const STRANGER = 'U0STRANGR1';
export const TEAM = 'T0DEMO0001';

/** SLACK_TEST_LOG=debug shows what the app logs. */
const testLogger: Logger = process.env.SLACK_TEST_LOG ? createLogger({ level: process.env.SLACK_TEST_LOG as 'debug' }) : silentLogger;

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPostOptions {
  timestamp?: number;
  /** Sign with another secret (a forged request). */
  secret?: string;
  /** Replace the signature header. */
  signatureHeader?: string;
  contentType?: string;
}

export interface SlackReply {
  status: number;
  text: string;
  json: unknown;
}

export interface SlackTestApp {
  t: TestContext;
  services: Services;
  config: Config;
  fake: FakeSlack;
  bot: BotIdentity;
  mounted: MountedSlack;
  /** http://127.0.0.1:PORT of the bot's server. */
  url: string;
  post(body: string, opts?: SignedPostOptions): Promise<SlackReply>;
  /** `/license <text>` as `user`; the reply's response_url lands in the fake under `responseId`. */
  slashCommand(text: string, user?: string, opts?: { responseId?: string; triggerId?: string }): Promise<SlackReply & { responseId: string }>;
  /** A button click (or a select in a modal when `view` is given). */
  blockAction(actionId: string, value: string, user: string, opts?: { message?: { ts: string; channel: string }; view?: FakeView; selectedOption?: string; responseId?: string }): Promise<SlackReply & { responseId: string }>;
  /** Submits a view the app opened, with inputs given by block id (see fillValues). */
  viewSubmission(view: FakeView, inputs: Record<string, FormInput>, user?: string): Promise<SlackReply>;
  /** What the app posted to a response_url. */
  responses(responseId: string): Array<Record<string, unknown>>;
  /** The latest modal the app opened or updated. */
  latestView(): FakeView | undefined;
  waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export type FormInput = string | string[] | null;

export interface SlackTestAppOptions {
  adminIds?: string[];
  approverIds?: string[];
  /** Run the scheduler's jobs (sync after publish); default false. */
  runJobs?: boolean;
  env?: Record<string, string>;
}

export async function startSlackTestApp(opts: SlackTestAppOptions = {}): Promise<SlackTestApp> {
  const t = await createTestContext();
  const services = createServices(t.ctx);
  if (opts.runJobs) {
    defineJobs(t.scheduler, services);
    await t.scheduler.start();
  }
  const fake = await startFakeSlack();
  const bot = installBot(fake);
  installLookupMethods(fake);
  for (const u of [ADMIN, APPROVER, STRANGER]) fake.org.addUser({ id: u, username: u.toLowerCase(), email: `${u.toLowerCase()}@acme.example` });
  const config = loadConfig({
    SLACK_BOT_TOKEN: bot.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ADMIN_IDS: (opts.adminIds ?? [ADMIN]).join(','),
    SLACK_APPROVER_IDS: (opts.approverIds ?? [APPROVER]).join(','),
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('hex'),
    PORT: '0',
    ...opts.env,
  });
  const mounted = await mountSlack({ services, config, logger: testLogger, slack: { unhandledRequestTimeoutMillis: 1500, retryConfig: { retries: 0 } } });
  const server: Server = createHttpServer({ logger: testLogger, routes: mounted.routes, ...(mounted.fallback ? { fallback: mounted.fallback } : {}) });
  const port = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  mounted.setServerUrl(url);
  let ids = 0;

  async function post(body: string, o: SignedPostOptions = {}): Promise<SlackReply> {
    const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': o.signatureHeader ?? signature(o.secret ?? SIGNING_SECRET, ts, body),
      },
      body,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  const user = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM });
  const interaction = (payload: Record<string, unknown>) => post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());

  const app: SlackTestApp = {
    t,
    services,
    config,
    fake,
    bot,
    mounted,
    url,
    post,
    async slashCommand(text, userId = ADMIN, o = {}) {
      const responseId = o.responseId ?? `cmd-${++ids}`;
      const body = new URLSearchParams({
        token: 'legacy-verification-token',
        team_id: TEAM,
        team_domain: 'demo-hq',
        channel_id: 'C0GENERAL1',
        channel_name: 'general',
        user_id: userId,
        user_name: userId.toLowerCase(),
        command: '/license',
        text,
        api_app_id: 'A0LICENSE1',
        is_enterprise_install: 'false',
        response_url: responseUrl(fake, responseId),
        trigger_id: o.triggerId ?? `trigger-${ids}`,
      }).toString();
      return { ...(await post(body)), responseId };
    },
    async blockAction(actionId, value, userId, o = {}) {
      const responseId = o.responseId ?? `act-${++ids}`;
      const action = o.view && o.selectedOption !== undefined
        ? { type: 'static_select', action_id: actionId, block_id: 'b', selected_option: { text: { type: 'plain_text', text: o.selectedOption }, value: o.selectedOption }, action_ts: '1.2' }
        : { type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: actionId }, action_ts: '1.2' };
      const payload: Record<string, unknown> = {
        type: 'block_actions',
        user: user(userId),
        api_app_id: 'A0LICENSE1',
        token: 'legacy-verification-token',
        team: { id: TEAM, domain: 'demo-hq' },
        trigger_id: `trigger-${++ids}`,
        actions: [action],
      };
      if (o.view) {
        payload.container = { type: 'view', view_id: o.view.id };
        payload.view = { ...o.view.view, id: o.view.id, hash: o.view.hash, state: { values: {} } };
      } else if (o.message) {
        payload.container = { type: 'message', message_ts: o.message.ts, channel_id: o.message.channel };
        payload.channel = { id: o.message.channel, name: 'channel' };
        payload.message = { ts: o.message.ts, type: 'message', text: '' };
        payload.response_url = responseUrl(fake, responseId);
      } else {
        payload.container = { type: 'view', view_id: 'VHOME' };
        payload.view = { id: 'VHOME', type: 'home', blocks: [], hash: 'h', state: { values: {} } };
      }
      return { ...(await interaction(payload)), responseId };
    },
    async viewSubmission(view, inputs, userId = ADMIN) {
      return interaction({
        type: 'view_submission',
        team: { id: TEAM, domain: 'demo-hq' },
        user: user(userId),
        api_app_id: 'A0LICENSE1',
        token: 'legacy-verification-token',
        trigger_id: `trigger-${++ids}`,
        view: { ...view.view, id: view.id, hash: view.hash, team_id: TEAM, state: { values: fillValues(view.view as unknown as View, inputs) } },
        response_urls: [],
      });
    },
    responses(responseId) {
      return botState(fake).responses.filter((r) => r.id === responseId).map((r) => r.body);
    },
    latestView() {
      return [...botState(fake).views.values()].filter((v) => v.view.type === 'modal').at(-1);
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > until) throw new Error('waitFor timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async reset() {
      await t.reset();
      const s = botState(fake);
      s.messages.length = 0;
      s.ephemerals.length = 0;
      s.views.clear();
      s.homes.clear();
      s.responses.length = 0;
      fake.calls.length = 0;
    },
    async close() {
      await closeServer(server);
      await fake.close();
      await t.close();
    },
  };
  return app;
}

/**
 * State values as Slack sends them for the view's input blocks: text inputs take a string, selects the option
 * value, checkboxes an array of values, datepickers YYYY-MM-DD, users_select a user id; null leaves it empty.
 */
export function fillValues(view: View, inputs: Record<string, FormInput>): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks as InputBlock[]) {
    if (block.type !== 'input' || !block.block_id) continue;
    const el = block.element as { type: string; action_id: string; options?: Array<{ value: string; text: unknown }>; initial_option?: unknown; initial_options?: unknown[]; initial_value?: string; initial_date?: string };
    const given = inputs[block.block_id];
    const has = block.block_id in inputs;
    let v: Record<string, unknown>;
    switch (el.type) {
      case 'static_select': {
        const opt = has ? el.options?.find((o) => o.value === given) ?? (given ? { value: given, text: { type: 'plain_text', text: given } } : null) : (el.initial_option ?? null);
        v = { type: el.type, selected_option: opt };
        break;
      }
      case 'checkboxes':
        v = { type: el.type, selected_options: has ? (el.options ?? []).filter((o) => (given as string[] | null)?.includes(o.value)) : (el.initial_options ?? []) };
        break;
      case 'datepicker':
        v = { type: el.type, selected_date: has ? given : (el.initial_date ?? null) };
        break;
      case 'users_select':
        v = { type: el.type, selected_user: has ? given : null };
        break;
      default:
        v = { type: el.type, value: has ? given : (el.initial_value ?? null) };
    }
    values[block.block_id] = { [el.action_id]: v };
  }
  return values;
}
