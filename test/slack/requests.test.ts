// What reaches the bot's HTTP server that Slack did not sign, or signed long ago, or cannot be read.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, SIGNING_SECRET, signature, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

let s: SlackTestApp;
beforeAll(async () => {
  s = await startSlackTestApp();
}, 60_000);
afterAll(async () => s?.close());
beforeEach(async () => s.reset());

const command = (text: string) => new URLSearchParams({ command: '/license', text, user_id: ADMIN, team_id: 'T0DEMO0001', channel_id: 'C1', trigger_id: 't', response_url: `${s.fake.apiUrl}response?id=x` }).toString();

describe('request signing', () => {
  it('accepts a correctly signed command', async () => {
    const r = await s.post(command('help'));
    expect(r.status).toBe(200);
    expect(r.text).toContain('/license');
  });

  it('answers 401 to a bad signature, another secret, a tampered body and a stale timestamp', async () => {
    const body = command('help');
    expect((await s.post(body, { signatureHeader: 'v0=deadbeef' })).status).toBe(401);
    expect((await s.post(body, { secret: 'not-the-signing-secret' })).status).toBe(401);
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await s.post(command('publish x'), { timestamp: ts, signatureHeader: signature(SIGNING_SECRET, ts, body) });
    expect(tampered.status).toBe(401);
    expect((await s.post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect(s.fake.calls.filter((c) => c.apiMethod !== 'auth.test')).toHaveLength(0);
  });
});

describe('malformed payloads', () => {
  it('answer with an error and the app keeps serving', async () => {
    const notJson = await s.post(new URLSearchParams({ payload: '{not json' }).toString());
    expect(notJson.status).toBe(400);

    // Measured: Bolt 5 throws on user: null inside its own middleware; the bot answers 400, not a crash.
    const nullUser = await s.post(new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: null, team: null, actions: [{ action_id: 'profile_validate', value: 'x' }] }) }).toString());
    expect(nullUser.status).toBe(400);

    const unknownType = await s.post(new URLSearchParams({ payload: JSON.stringify({ type: 'nonsense', user: { id: ADMIN } }) }).toString());
    expect(unknownType.status).toBeGreaterThanOrEqual(400);

    const ok = await s.post(command('help'));
    expect(ok.status).toBe(200);
  }, 15_000);

  it('an unknown subcommand or a payload with no text gets usage help, not an error', async () => {
    const r = await s.slashCommand('frobnicate all the things');
    expect(r.status).toBe(200);
    expect(r.text).toContain("I don't know");
    const empty = await s.post(new URLSearchParams({ command: '/license', user_id: ADMIN, team_id: 'T0DEMO0001', channel_id: 'C1', trigger_id: 't', response_url: `${s.fake.apiUrl}response?id=y` }).toString());
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('/license');
  });
});
