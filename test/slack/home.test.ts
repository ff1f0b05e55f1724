// App Home: published on app_home_opened (an Events API request) with the profiles, their state and the
// common actions; its buttons answer by DM.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { botState } from '../../src/fakes/slack/bot-methods.js';
import { ADMIN, STRANGER, TEAM, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

let s: SlackTestApp;
beforeAll(async () => {
  s = await startSlackTestApp();
}, 60_000);
afterAll(async () => s?.close());
beforeEach(async () => s.reset());

function homeOpened(user: string) {
  return s.post(
    JSON.stringify({
      token: 'legacy',
      team_id: TEAM,
      api_app_id: 'A0LICENSE1',
      type: 'event_callback',
      event_id: `Ev${Date.now()}${user}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM, user_id: s.bot.botUserId, is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
    }),
    { contentType: 'application/json' },
  );
}

const homeOf = (user: string) => JSON.stringify(botState(s.fake).homes.get(user)?.view ?? null);

describe('App Home', () => {
  it('shows profiles with their state and the actions the user may take', async () => {
    await s.services.profiles.create(ADMIN, 'zendesk', { displayName: 'Acme Zendesk' });
    expect((await homeOpened(ADMIN)).status).toBe(200);
    await s.waitFor(() => botState(s.fake).homes.has(ADMIN));
    const home = homeOf(ADMIN);
    expect(home).toContain('Acme Zendesk');
    expect(home).toContain('draft');
    expect(home).toContain('home_new_profile');
    expect(home).toContain('home_report');

    await homeOpened(STRANGER);
    await s.waitFor(() => botState(s.fake).homes.has(STRANGER));
    expect(homeOf(STRANGER)).not.toContain('home_new_profile');
  });

  it('the Report button answers by DM; a stranger is refused and audited', async () => {
    await s.services.profiles.create(ADMIN, 'zendesk', { displayName: 'Acme Zendesk' });
    await s.blockAction('home_report', '', ADMIN);
    await s.waitFor(() => botState(s.fake).messages.some((m) => m.channel === `D${ADMIN.slice(1)}` && m.text === 'License report'));
    await s.blockAction('home_new_profile', '', STRANGER);
    await s.waitFor(() => botState(s.fake).messages.some((m) => m.channel === `D${STRANGER.slice(1)}` && m.text.startsWith('Sorry')));
    expect([...botState(s.fake).views.values()].filter((v) => v.view.type === 'modal')).toHaveLength(0);
    const refused = (await s.t.ctx.repos.audit.listRecent()).filter((e) => e.action === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: STRANGER, targetId: 'home_new_profile' });
  });
});
