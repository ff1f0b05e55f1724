// Every Slack screen leads somewhere (issue 11, item 5), driven only by signed HTTP requests: field errors a
// person can act on, lists that name people, totals that are true, and a next step from each list.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startSlackTestApp, type SlackTestApp } from '../support/slack.js';

let s: SlackTestApp;
beforeAll(async () => {
  s = await startSlackTestApp();
}, 60_000);
afterAll(async () => s?.close());
beforeEach(async () => s.reset());

describe('connection fields', () => {
  it('a missing API token reads as "API token is required", not the validator text', async () => {
    await s.slashCommand('new zendesk');
    await s.waitFor(() => s.latestView() !== undefined);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'Acme Zendesk', baseUrl: 'https://acme.zendesk.com', 'conn:params.email': 'ops@acme.test', 'conn:secrets.apiToken': null });
    const body = reply.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors).toEqual({ 'conn:secrets.apiToken': 'API token is required' });
    expect(await s.services.profiles.list()).toHaveLength(0);
  });

  it('the grant type with a client id and secret names both fields when they are left out', async () => {
    await s.slashCommand('new salesforce', ADMIN);
    await s.waitFor(() => s.latestView() !== undefined);
    const reply = await s.viewSubmission(s.latestView()!, { displayName: 'Acme CRM', baseUrl: 'https://acme.my.salesforce.com', 'conn:params.clientId': null, 'conn:secrets.clientSecret': null });
    const { errors } = reply.json as { errors: Record<string, string> };
    expect(errors['conn:params.clientId']).toBe('Consumer key is required');
    expect(errors['conn:secrets.clientSecret']).toBe('Consumer secret is required');
    expect(JSON.stringify(errors)).not.toMatch(/Invalid input|expected string/);
  });
});
