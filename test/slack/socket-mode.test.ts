// Socket Mode smoke test: with SLACK_APP_TOKEN the app opens a connection through apps.connections.open on
// the fake Slack (SLACK_API_URL reaches the Socket Mode client too), receives a slash command envelope and acks
// it over the socket; the follow-up goes to the response_url.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { botState, installBot, responseUrl } from '../../src/fakes/slack/bot-methods.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { silentLogger } from '../../src/logger.js';
import { createServices } from '../../src/services/index.js';
import { mountSlack, type MountedSlack } from '../../src/slack/mount.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startFakeSocketMode, type FakeSocketMode } from '../support/fake-socket-mode.js';

let t: TestContext;
let fake: FakeSlack;
let ws: FakeSocketMode;
let mounted: MountedSlack;

beforeAll(async () => {
  t = await createTestContext();
  fake = await startFakeSlack();
  const bot = installBot(fake);
  ws = await startFakeSocketMode(fake);
  const config = loadConfig({ SLACK_BOT_TOKEN: bot.token, SLACK_APP_TOKEN: ws.appToken, SLACK_API_URL: fake.apiUrl, SLACK_ADMIN_IDS: 'U0ADMIN001', ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('hex') });
  mounted = await mountSlack({ services: createServices(t.ctx), config, logger: silentLogger, slack: { retryConfig: { retries: 0 } } });
}, 60_000);
afterAll(async () => {
  await mounted?.slack.stop();
  await ws?.close();
  await fake?.close();
  await t?.close();
});

describe('Socket Mode', () => {
  it('connects, acks a slash command over the socket, and answers through response_url', async () => {
    expect(mounted.slack.mode).toBe('socket');
    expect(mounted.fallback).toBeUndefined();
    await mounted.slack.start();
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
    const base = { command: '/license', user_id: 'U0ADMIN001', team_id: 'T0DEMO0001', channel_id: 'C1', trigger_id: 't1', api_app_id: 'A0LICENSE1' };
    ws.push({ envelope_id: 'env-help', type: 'slash_commands', accepts_response_payload: true, payload: { ...base, text: 'help', response_url: responseUrl(fake, 'sm-help') } });
    ws.push({ envelope_id: 'env-status', type: 'slash_commands', accepts_response_payload: true, payload: { ...base, text: 'status', response_url: responseUrl(fake, 'sm-status') } });
    const until = Date.now() + 5000;
    while ((ws.acks.length < 2 || !botState(fake).responses.some((r) => r.id === 'sm-status')) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const help = ws.acks.find((a) => a.envelope_id === 'env-help');
    expect(JSON.stringify(help?.payload)).toContain('/license commands');
    expect(ws.acks.find((a) => a.envelope_id === 'env-status')).toBeDefined();
    expect(JSON.stringify(botState(fake).responses.find((r) => r.id === 'sm-status')?.body)).toContain('Status');
  });
});
