// Roles from configured ids and from user groups (usergroups.users.list on the fake Slack, cached briefly).
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botState, installBot } from '../../src/fakes/slack/bot-methods.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { silentLogger } from '../../src/logger.js';
import type { Services } from '../../src/services/index.js';
import { Roles } from '../../src/slack/roles.js';

let fake: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  fake = await startFakeSlack();
  const bot = installBot(fake);
  client = new WebClient(bot.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(async () => fake?.close());

// has() never writes; check() refusals are covered end to end in profile-flow.test.ts.
const noServices = {} as Services;

describe('Roles', () => {
  it('ids and groups; admins are approvers; group members are cached', async () => {
    botState(fake).usergroups.set('S0ADMINS', ['U0GROUPADM']);
    botState(fake).usergroups.set('S0APPROVE', ['U0GROUPAPR']);
    let now = 0;
    const roles = new Roles({ adminIds: ['U0ADMIN'], approverIds: ['U0APPR'], adminGroup: 'S0ADMINS', approverGroup: 'S0APPROVE', client, services: noServices, logger: silentLogger, groupTtlMs: 60_000, now: () => now });
    expect(await roles.has('U0ADMIN', 'admin')).toBe(true);
    expect(await roles.has('U0ADMIN', 'approver')).toBe(true);
    expect(await roles.has('U0APPR', 'approver')).toBe(true);
    expect(await roles.has('U0APPR', 'admin')).toBe(false);
    expect(await roles.has('U0GROUPADM', 'admin')).toBe(true);
    expect(await roles.has('U0GROUPADM', 'approver')).toBe(true);
    expect(await roles.has('U0GROUPAPR', 'approver')).toBe(true);
    expect(await roles.has('U0GROUPAPR', 'admin')).toBe(false);
    expect(await roles.has('U0NOBODY', 'approver')).toBe(false);
    const calls = fake.callsTo('usergroups.users.list').length;
    expect(calls).toBe(2);

    botState(fake).usergroups.set('S0ADMINS', ['U0NEWADMIN']);
    expect(await roles.has('U0NEWADMIN', 'admin')).toBe(false); // cached
    now += 61_000;
    expect(await roles.has('U0NEWADMIN', 'admin')).toBe(true);
    expect(await roles.has('U0GROUPADM', 'admin')).toBe(false);
  });

  it('a failed group lookup keeps the last known members and grants nothing new', async () => {
    botState(fake).usergroups.set('S0OPS', ['U0OPS']);
    let now = 0;
    const roles = new Roles({ adminIds: [], approverIds: [], adminGroup: 'S0OPS', client, services: noServices, logger: silentLogger, now: () => now });
    expect(await roles.has('U0OPS', 'admin')).toBe(true);
    now += 120_000;
    fake.failNextWithSlackError('usergroups.users.list', 'internal_error');
    expect(await roles.has('U0OPS', 'admin')).toBe(true);
    const fresh = new Roles({ adminIds: [], approverIds: [], adminGroup: 'S0MISSING', client, services: noServices, logger: silentLogger });
    expect(await fresh.has('U0OPS', 'admin')).toBe(false);
    expect(fresh.unconfigured).toBe(false);
    expect(new Roles({ adminIds: [], approverIds: ['U1'], client, services: noServices, logger: silentLogger }).unconfigured).toBe(true);
  });
});
