// Vendor OAuth (authorization code) through the bot's own HTTP server: the Slack modal saves the OAuth client
// and DMs a "Connect" link; /start redirects with a signed state; /callback exchanges the code at the fake
// vendor, stores the tokens encrypted and DMs the admin. Forged, expired and replayed states are refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import { startFakeSalesforce, type FakeSalesforce } from '../../src/fakes/salesforce/index.js';
import { startFakeZendesk, type FakeZendesk } from '../../src/fakes/zendesk/index.js';
import { oauthStartUrl, signOAuthState, verifyOAuthState } from '../../src/http/oauth.js';
import { ADMIN, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

let s: SlackTestApp;
let sf: FakeSalesforce;
let zd: FakeZendesk;

beforeAll(async () => {
  s = await startSlackTestApp();
  sf = await startFakeSalesforce();
  zd = await startFakeZendesk();
}, 60_000);
afterAll(async () => {
  await sf?.close();
  await zd?.close();
  await s?.close();
});
beforeEach(async () => s.reset());

const dms = () => botState(s.fake).messages.filter((m) => m.channel === `D${ADMIN.slice(1)}`);
const stateKey = () => s.services.ctx.secrets.deriveKey('oauth-state');

async function salesforceThroughModal(): Promise<{ profileId: string; link: string }> {
  await s.slashCommand('new salesforce');
  await s.waitFor(() => s.latestView() !== undefined);
  await s.blockAction('profile_auth_select', '', ADMIN, { view: s.latestView()!, selectedOption: 'oauth_authorization_code' });
  await s.waitFor(() => (s.latestView()?.history.length ?? 0) > 1);
  const view = s.latestView()!;
  expect(JSON.stringify(view.view)).toContain('Connect with Salesforce');
  const reply = await s.viewSubmission(view, { displayName: 'Acme Salesforce', baseUrl: sf.url, 'conn:params.clientId': sf.clientId, 'conn:secrets.clientSecret': sf.clientSecret });
  expect(reply.text).toBe('');
  await s.waitFor(() => dms().some((m) => JSON.stringify(m.blocks).includes('/oauth/salesforce/start')));
  const dm = dms().find((m) => JSON.stringify(m.blocks).includes('/oauth/salesforce/start'))!;
  const link = /"url":"([^"]+)"/.exec(JSON.stringify(dm.blocks))![1]!;
  const profile = await s.services.profiles.resolve('acme salesforce');
  return { profileId: profile.id, link };
}

async function follow(url: string) {
  return fetch(url, { redirect: 'manual' });
}

describe('authorization code through the browser', () => {
  it('redirects with a signed state, exchanges the code, stores the tokens encrypted and DMs the admin', async () => {
    const { profileId, link } = await salesforceThroughModal();
    const exchangesBefore = sf.tokenRequests.authorization_code ?? 0;
    expect(link.startsWith(`${s.url}/oauth/salesforce/start?profile=${profileId}`)).toBe(true);

    const start = await follow(link);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${sf.url}/services/oauth2/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(sf.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${s.url}/oauth/salesforce/callback`);
    const state = authorize.searchParams.get('state')!;
    expect(verifyOAuthState(stateKey(), state)).toMatchObject({ profileId, adminUserId: ADMIN, vendor: 'salesforce' });

    // The vendor sends the browser back with a code.
    const code = sf.issueAuthorizationCode();
    const cb = await follow(`${s.url}/oauth/salesforce/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
    expect(cb.status).toBe(200);
    expect(await cb.text()).toContain('Connected');
    expect(sf.tokenRequests.authorization_code).toBe(exchangesBefore + 1);

    const stored = await s.services.profiles.oauthClient(profileId);
    expect(stored?.secrets.refreshToken).toMatch(/^\S{8,}$/);
    const row = await s.t.ctx.repos.connections.get(profileId);
    expect(row!.secretsEncrypted).not.toContain(stored!.secrets.refreshToken!);
    await s.waitFor(() => dms().some((m) => m.text.includes('is connected')));
    const { report } = await s.services.profiles.validate(ADMIN, profileId);
    expect(report.ok).toBe(true);

    // The same state cannot be used twice.
    const replay = await follow(`${s.url}/oauth/salesforce/callback?code=x&state=${encodeURIComponent(state)}`);
    expect(replay.status).toBe(400);
  });

  it('a refused code is reported to the admin and stores nothing', async () => {
    const { profileId } = await salesforceThroughModal();
    const state = signOAuthState(stateKey(), { profileId, adminUserId: ADMIN, vendor: 'salesforce' });
    const cb = await follow(`${s.url}/oauth/salesforce/callback?code=not-a-code&state=${encodeURIComponent(state)}`);
    expect(cb.status).toBe(400);
    await s.waitFor(() => dms().some((m) => m.text.includes('could not be connected')));
    const dm = dms().find((m) => m.text.includes('could not be connected'))!;
    expect(JSON.stringify(dm.blocks)).toContain('invalid_grant');
    expect(JSON.stringify(dm.blocks)).not.toContain(sf.clientSecret);
    expect((await s.services.profiles.oauthClient(profileId))?.secrets.refreshToken).toBeUndefined();
    const denied = signOAuthState(stateKey(), { profileId, adminUserId: ADMIN, vendor: 'salesforce' });
    expect((await follow(`${s.url}/oauth/salesforce/callback?error=access_denied&state=${encodeURIComponent(denied)}`)).status).toBe(400);
  });

  it('refuses forged, expired and mismatched states', async () => {
    const { profileId } = await salesforceThroughModal();
    const exchangesBefore = sf.tokenRequests.authorization_code ?? 0;
    const forged = signOAuthState(Buffer.alloc(32, 1), { profileId, adminUserId: ADMIN, vendor: 'salesforce' });
    expect((await follow(`${s.url}/oauth/salesforce/start?profile=${profileId}&state=${encodeURIComponent(forged)}`)).status).toBe(400);
    const expired = signOAuthState(stateKey(), { profileId, adminUserId: ADMIN, vendor: 'salesforce' }, 1000, Date.now() - 60_000);
    expect((await follow(`${s.url}/oauth/salesforce/start?profile=${profileId}&state=${encodeURIComponent(expired)}`)).status).toBe(400);
    expect((await follow(`${s.url}/oauth/salesforce/callback?code=c&state=${encodeURIComponent(expired)}`)).status).toBe(400);
    const good = oauthStartUrl({ publicUrl: () => s.url, stateKey: stateKey() }, 'salesforce', profileId, ADMIN);
    expect((await follow(good.replace(`profile=${profileId}`, 'profile=someone-else'))).status).toBe(400);
    expect((await follow(good.replace('/oauth/salesforce/', '/oauth/zendesk/'))).status).toBe(400);
    expect(sf.tokenRequests.authorization_code ?? 0).toBe(exchangesBefore);
  });

  it('Zendesk: the code goes to /oauth/tokens as JSON and the access token is stored', async () => {
    const agent = zd.org.addUser({ email: 'ops@acme.test', name: 'Ops', role: 'admin', lastLoginAt: new Date() });
    const profile = await s.services.profiles.create(ADMIN, 'zendesk', { displayName: 'Acme Zendesk' });
    await s.services.profiles.saveOAuthClient(ADMIN, profile.id, { baseUrl: zd.url, authKind: 'oauth_authorization_code', params: { clientId: 'zd-client' }, secrets: { clientSecret: 'zd-secret' } });
    // The Zendesk fake has no authorization_code grant: its token endpoint answers once with tokens it issued.
    const issued = zd.issueTokens(agent.id, 'zd-client', ['read', 'write']);
    zd.faults.add({ match: (req, url) => req.method === 'POST' && url.pathname === '/oauth/tokens', status: 200, body: JSON.stringify({ access_token: issued.accessToken, refresh_token: issued.refreshToken, token_type: 'bearer' }) });
    const start = await follow(oauthStartUrl({ publicUrl: () => s.url, stateKey: stateKey() }, 'zendesk', profile.id, ADMIN));
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.pathname).toBe('/oauth/authorizations/new');
    const cb = await follow(`${s.url}/oauth/zendesk/callback?code=zd-code&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`);
    expect(cb.status).toBe(200);
    const posted = zd.calls.find((c) => c.path === '/oauth/tokens')!;
    expect(posted.body).toMatchObject({ grant_type: 'authorization_code', code: 'zd-code', client_id: 'zd-client', redirect_uri: `${s.url}/oauth/zendesk/callback` });
    expect((await s.services.profiles.oauthClient(profile.id))?.secrets.accessToken).toBe(issued.accessToken);
    const { report } = await s.services.profiles.validate(ADMIN, profile.id);
    expect(report.ok).toBe(true);
  });
});
