// users.lookupByEmail on the fake Slack: how the bot finds a seat holder's Slack account to DM them.
import type { FakeSlack, SlackMethodDef } from './server.js';
import { slackError } from './server.js';

const usersLookupByEmail: SlackMethodDef = {
  scope: 'users:read.email',
  handle(call) {
    const email = (call.args.email ?? '').trim().toLowerCase();
    if (email === '') return slackError('invalid_arguments');
    const u = call.fake.org.users.find((x) => x.email.toLowerCase() === email);
    // Slack answers users_not_found for deactivated accounts too.
    if (!u || !u.active) return slackError('users_not_found');
    return {
      ok: true,
      user: {
        id: u.id,
        name: u.username,
        real_name: u.fullName,
        deleted: false,
        is_bot: u.isBot,
        profile: { email: u.email, real_name: u.fullName, display_name: u.username },
      },
    };
  },
};

export const LOOKUP_METHODS: Record<string, SlackMethodDef> = {
  'users.lookupByEmail': usersLookupByEmail,
};

export function installLookupMethods(fake: FakeSlack): void {
  fake.registerMethods(LOOKUP_METHODS);
}
