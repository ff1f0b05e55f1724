// Fake Slack for tests, benchmarks and the sandbox: the Grid admin methods and SCIM, with a method table
// other surfaces extend (`fake.registerMethods({...})`).
import { GRID_ADMIN_METHODS } from './admin-methods.js';
import { seedDemoOrg } from './seed.js';
import { startFakeSlackServer, type FakeSlack } from './server.js';

export { FakeSlack, RawReply, slackError, scimErrorBody, FAKE_SLACK_ADMIN_TOKEN, FAKE_SLACK_INSTALLER_ID, SLACK_METHOD_TIERS } from './server.js';
export type { FakeSlackCall, FakeSlackToken, SlackMethodCall, SlackMethodDef, SlackMethodReply, RateLimitRule } from './server.js';
export { FakeSlackOrg, toUtcDay } from './org.js';
export type { FakeSlackUser, FakeSlackWorkspace, NewFakeSlackUser } from './org.js';
export { GRID_ADMIN_METHODS, adminUser, usersListMember } from './admin-methods.js';
export { scimUser } from './scim.js';
export { seedDemoOrg } from './seed.js';

/** Starts the fake with the Grid admin methods registered and one org-admin token (FAKE_SLACK_ADMIN_TOKEN). */
export async function startFakeSlack(opts: { port?: number; demoUsers?: number } = {}): Promise<FakeSlack> {
  const fake = await startFakeSlackServer(opts);
  fake.registerMethods(GRID_ADMIN_METHODS);
  if (opts.demoUsers) seedDemoOrg(fake.org, opts.demoUsers);
  return fake;
}

/** Adds `n` demo members to the fake's org. */
export function seedDemo(fake: FakeSlack, n: number, opts?: { seed?: number }) {
  return seedDemoOrg(fake.org, n, opts);
}
