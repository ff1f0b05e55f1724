// The approval surface over real parts: a real database and services, a Bolt app (HTTP receiver) with the
// candidate listeners on a real HTTP server on 127.0.0.1, the SlackNotifier, the fake Slack Web API with the
// bot methods and users.lookupByEmail, and a fake Zendesk. Requests reach the bot only as correctly signed
// HTTP posts, as Slack sends them.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { botState, installBot, responseUrl, type FakeMessage } from '../../src/fakes/slack/bot-methods.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { installLookupMethods } from '../../src/fakes/slack/lookup-methods.js';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskUser } from '../../src/fakes/zendesk/index.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { registerCandidateActions } from '../../src/slack/listeners/actions/candidate-actions.js';
import { SlackNotifier } from '../../src/slack/notifier.js';
import { Roles } from '../../src/slack/roles.js';
import type { IntegrationProfile } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';

export const SIGNING_SECRET = 'approvals-test-signing-secret';
export const APPROVAL_CHANNEL = 'C0APPROVALS';
export const ADMIN = 'U0ADMIN01';
export const APPROVER = 'U0APPROVE1';
export const STRANGER = 'U0STRANGE1';
const ZENDESK_TOKEN = 'zd-approvals-token-1a2b3c';
export const DAY_MS = 86_400_000;
/** APPROVALS_TEST_LOG=debug shows what the listeners and the notifier log. */
const logger = process.env.APPROVALS_TEST_LOG ? createLogger({ level: process.env.APPROVALS_TEST_LOG }) : silentLogger;
export const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

export interface Harness {
  t: TestContext;
  services: Services;
  slack: FakeSlack;
  zendesk: FakeZendesk;
  url: string;
  /** Fresh fakes and tables for the next test. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const t = await createTestContext();
  const services = createServices(t.ctx);
  const h: Harness = { t, services, slack: undefined!, zendesk: undefined!, url: '', reset, close };
  let server: Server | undefined;

  async function startSlackSide(): Promise<void> {
    h.slack = await startFakeSlack();
    const bot = installBot(h.slack);
    installLookupMethods(h.slack);
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, processBeforeResponse: true, unhandledRequestTimeoutMillis: 2000 });
    const app = new App({
      token: bot.token,
      botId: bot.botId,
      botUserId: bot.botUserId,
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } },
    });
    const roles = new Roles({ adminIds: [ADMIN], approverIds: [APPROVER], client: app.client, services, logger });
    registerCandidateActions(app, { services, logger, roles });
    services.notifier = new SlackNotifier({ client: app.client, services, logger, approvalChannel: APPROVAL_CHANNEL, adminIds: [ADMIN] });
    server = createServer(receiver.requestListener);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function reset(): Promise<void> {
    await stopSides();
    await t.reset();
    await startSlackSide();
    h.zendesk = await startFakeZendesk();
  }

  async function stopSides(): Promise<void> {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await h.slack?.close();
    await h.zendesk?.close();
  }

  async function close(): Promise<void> {
    await stopSides();
    await t.close();
  }

  await reset();
  return h;
}

/** A published Zendesk profile whose integration user is a recent admin; returns it after no sync. */
export async function zendeskProfile(h: Harness, displayName = 'Acme Zendesk'): Promise<IntegrationProfile> {
  const admin = h.zendesk.org.addUser({ email: 'ops@acme.test', name: 'Ops Integration', role: 'admin', lastLoginAt: daysAgo(1) });
  h.zendesk.addApiToken(admin.id, ZENDESK_TOKEN);
  // Every stale agent may become a candidate in one run (the default per-run cap would hold small test orgs).
  const created = await h.services.profiles.create(ADMIN, 'zendesk', { displayName, maxReclaimShare: 1 }, {
    baseUrl: h.zendesk.url,
    authKind: 'api_token',
    params: { email: admin.email },
    secrets: { apiToken: ZENDESK_TOKEN },
  });
  const { report } = await h.services.profiles.validate(ADMIN, created.id);
  if (!report.ok) throw new Error(`validation failed: ${JSON.stringify(report.checks)}`);
  return h.services.profiles.publish(ADMIN, created.id);
}

/** `n` agents inactive for 61+ days, each also a member of the fake Slack org with the same email. */
export function staleAgents(h: Harness, n: number, opts: { inSlack?: boolean } = {}): FakeZendeskUser[] {
  return Array.from({ length: n }, (_, i) => {
    const email = `agent${i}@acme.test`;
    if (opts.inSlack !== false) h.slack.org.addUser({ email, fullName: `Agent ${i}`, username: `agent${i}` });
    return h.zendesk.org.addUser({ email, name: `Agent ${i}`, role: 'agent', lastLoginAt: daysAgo(61 + i) });
  });
}

/**
 * Stale agents whose rule DMs the holder: a first sync with one active agent creates the agent model and its
 * default rule, the rules are switched to "notify the user", then `n` stale agents arrive and a second sync
 * proposes them.
 */
export async function syncWithHolderDms(h: Harness, profile: IntegrationProfile, n: number, graceDays = 7): Promise<{ agents: FakeZendeskUser[]; ids: string[] }> {
  h.zendesk.org.addUser({ email: 'busy@acme.test', name: 'Busy Agent', role: 'agent', lastLoginAt: daysAgo(1) });
  await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
  for (const rule of await h.services.rules.listReclamationRules(profile.id)) {
    await h.services.rules.updateReclamationRule(ADMIN, rule.id, { notifyUser: true, graceDays });
  }
  const agents = staleAgents(h, n);
  const result = await h.services.sync.syncSubscriptions(profile.id, { actor: 'scheduler' });
  return { agents, ids: result.evaluation?.createdIds ?? [] };
}

export function slackIdOf(h: Harness, email: string): string {
  return h.slack.org.users.find((u) => u.email === email)!.id;
}

// ---- Signed requests, as Slack sends them ----

export async function signedPost(h: Harness, body: string, opts: { secret?: string; timestamp?: number } = {}): Promise<Response> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', opts.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(`${h.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) },
    body,
  });
}

const payloadBody = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

/** A button click on a message the bot posted (the digest or a DM). */
export async function clickButton(h: Harness, userId: string, message: FakeMessage, actionId: string, value: string): Promise<Response> {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0DEMO0001' },
    api_app_id: 'A0APPROVALS',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `trigger.${userId}.${Date.now()}`,
    team: { id: 'T0DEMO0001', domain: 'demo-hq' },
    channel: { id: message.channel, name: message.channel.startsWith('D') ? 'directmessage' : 'approvals' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks, user: 'U0FAKEBOT1' },
    response_url: responseUrl(h.slack),
    actions: [{ type: 'button', action_id: actionId, block_id: `b_${value}`, value, text: { type: 'plain_text', text: actionId }, action_ts: `${Date.now() / 1000}` }],
  };
  return signedPost(h, payloadBody(payload));
}

/** Submits a modal the bot opened, with the given state values. */
export async function submitView(h: Harness, userId: string, view: Record<string, unknown>, values: Record<string, Record<string, unknown>>): Promise<Response> {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0DEMO0001', domain: 'demo-hq' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0DEMO0001' },
    api_app_id: 'A0APPROVALS',
    token: 'legacy-verification-token',
    trigger_id: `trigger.${userId}.${Date.now()}`,
    view: {
      id: 'V0KEEPMODAL',
      team_id: 'T0DEMO0001',
      app_id: 'A0APPROVALS',
      bot_id: 'B0FAKEBOT1',
      type: 'modal',
      hash: '1.1',
      root_view_id: 'V0KEEPMODAL',
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      ...view,
      state: { values },
    },
  };
  return signedPost(h, payloadBody(payload));
}

/** The modal the bot opened last (views.open on the fake), as Slack would echo it in a submission. */
export function latestModal(h: Harness): Record<string, unknown> {
  const view = [...botState(h.slack).views.values()].at(-1);
  if (!view) throw new Error('no modal was opened');
  return view.view as Record<string, unknown>;
}

/** Exclude on a digest row: the click opens the reason modal, which is submitted with `reason` (and `until`). */
export async function excludeByClick(h: Harness, userId: string, message: FakeMessage, candidateId: string, reason: string, until?: string): Promise<Response> {
  const before = botState(h.slack).views.size;
  const click = await clickButton(h, userId, message, 'candidate_exclude', candidateId);
  if (click.status !== 200 || botState(h.slack).views.size === before) return click;
  return submitView(h, userId, latestModal(h), {
    exclude_reason: { reason: { type: 'plain_text_input', value: reason } },
    exclude_until: { until: { type: 'datepicker', selected_date: until ?? null } },
  });
}

// ---- Reading what the bot posted ----

export const messages = (h: Harness) => botState(h.slack).messages;
export const channelMessages = (h: Harness) => messages(h).filter((m) => m.channel === APPROVAL_CHANNEL);
export const dms = (h: Harness) => messages(h).filter((m) => m.channel.startsWith('D'));
export const ephemerals = (h: Harness) => botState(h.slack).ephemerals;

/** The button values with one action id in a message, in order. */
export function buttonValues(message: FakeMessage, actionId: string): string[] {
  const out: string[] = [];
  for (const b of message.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) if (e.action_id === actionId && e.value !== undefined) out.push(e.value);
  }
  return out;
}

export function messageText(message: FakeMessage): string {
  return JSON.stringify(message.blocks);
}

/** The candidate row's text (section block `cand_<id>`) in a digest message. */
export function candidateLine(message: FakeMessage, candidateId: string): string | undefined {
  const block = (message.blocks as Array<{ block_id?: string; text?: { text: string } }>).find((b) => b.block_id === `cand_${candidateId}`);
  return block?.text?.text;
}

/** PUT /api/v2/users/{id} calls the fake Zendesk received: the reclaims. */
export function zendeskReclaims(h: Harness): number[] {
  return h.zendesk.calls.filter((c) => c.method === 'PUT' && /\/users\/\d+/.test(c.path)).map((c) => Number(/\/users\/(\d+)/.exec(c.path)![1]));
}
