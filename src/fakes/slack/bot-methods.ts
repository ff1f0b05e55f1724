// The bot's Web API surface on the fake Slack: messages, ephemerals, modals, App Home, DMs, users, user groups
// and response_url posts. Everything posted is kept (per fake) so tests and the sandbox can read it back.
import type { FakeSlack, SlackMethodCall, SlackMethodDef, SlackMethodReply } from './server.js';
import { slackError } from './server.js';

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  /** Every version the message had (chat.update), oldest first. */
  history: Array<{ text: string; blocks: unknown[] }>;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
}

export interface FakeView {
  id: string;
  /** The trigger that opened it, or the user whose home it is. */
  openedBy: string;
  view: Record<string, unknown>;
  /** Every version (views.update), oldest first. */
  history: Array<Record<string, unknown>>;
  hash: string;
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
}

export interface FakeBotState {
  messages: FakeMessage[];
  ephemerals: FakeEphemeral[];
  views: Map<string, FakeView>;
  /** views.publish per user id: the current App Home. */
  homes: Map<string, FakeView>;
  responses: FakeResponse[];
  /** usergroups.users.list answers: group id → member ids. */
  usergroups: Map<string, string[]>;
}

const states = new WeakMap<FakeSlack, FakeBotState>();

/** The bot-side state of a fake (created on first use). */
export function botState(fake: FakeSlack): FakeBotState {
  let s = states.get(fake);
  if (!s) {
    s = { messages: [], ephemerals: [], views: new Map(), homes: new Map(), responses: [], usergroups: new Map() };
    states.set(fake, s);
  }
  return s;
}

let counter = 0;
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;
const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(8, '0')}`;

function json(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function blocksOf(call: SlackMethodCall): unknown[] | 'invalid' {
  if (call.args.blocks === undefined) return [];
  const parsed = json(call.args.blocks);
  return Array.isArray(parsed) ? parsed : 'invalid';
}

const postMessage: SlackMethodDef = {
  scope: 'chat:write',
  handle(call) {
    const { channel, text = '', thread_ts: threadTs } = call.args;
    if (!channel) return slackError('channel_not_found');
    const blocks = blocksOf(call);
    if (blocks === 'invalid') return slackError('invalid_blocks');
    if (text === '' && blocks.length === 0) return slackError('no_text');
    const msg: FakeMessage = { channel, ts: nextTs(), text, blocks, history: [{ text, blocks }], ...(threadTs ? { threadTs } : {}) };
    botState(call.fake).messages.push(msg);
    return { ok: true, channel, ts: msg.ts, message: { type: 'message', text, blocks, ts: msg.ts, ...(threadTs ? { thread_ts: threadTs } : {}) } };
  },
};

const update: SlackMethodDef = {
  scope: 'chat:write',
  handle(call) {
    const { channel, ts, text } = call.args;
    const msg = botState(call.fake).messages.find((m) => m.channel === channel && m.ts === ts);
    if (!msg) return slackError('message_not_found');
    const blocks = blocksOf(call);
    if (blocks === 'invalid') return slackError('invalid_blocks');
    if (text !== undefined) msg.text = text;
    if (call.args.blocks !== undefined) msg.blocks = blocks;
    msg.history.push({ text: msg.text, blocks: msg.blocks });
    return { ok: true, channel, ts, text: msg.text };
  },
};

const postEphemeral: SlackMethodDef = {
  scope: 'chat:write',
  handle(call) {
    const { channel, user, text = '' } = call.args;
    if (!channel) return slackError('channel_not_found');
    if (!user) return slackError('user_not_in_channel');
    const blocks = blocksOf(call);
    if (blocks === 'invalid') return slackError('invalid_blocks');
    botState(call.fake).ephemerals.push({ channel, user, text, blocks });
    return { ok: true, message_ts: nextTs() };
  },
};

function storeView(call: SlackMethodCall, existing: FakeView | undefined, openedBy: string): SlackMethodReply {
  const view = json(call.args.view);
  if (!view || typeof view !== 'object') return slackError('invalid_arguments');
  const v = view as Record<string, unknown>;
  if (v.type !== 'modal' && v.type !== 'home') return slackError('invalid_arguments');
  const hash = `${Date.now()}.${++counter}`;
  const stored: FakeView = existing ?? { id: nextId('V'), openedBy, view: v, history: [], hash };
  stored.view = v;
  stored.hash = hash;
  stored.history.push(v);
  botState(call.fake).views.set(stored.id, stored);
  return { ok: true, view: { ...v, id: stored.id, hash, state: { values: {} } } };
}

const viewsOpen: SlackMethodDef = {
  handle(call) {
    if (!call.args.trigger_id) return slackError('invalid_trigger_id');
    return storeView(call, undefined, call.args.trigger_id);
  },
};

const viewsPush: SlackMethodDef = viewsOpen;

const viewsUpdate: SlackMethodDef = {
  handle(call) {
    const state = botState(call.fake);
    const existing = call.args.view_id ? state.views.get(call.args.view_id) : [...state.views.values()].find((v) => v.view.external_id === call.args.external_id);
    if (!existing) return slackError('not_found');
    if (call.args.hash && call.args.hash !== existing.hash) return slackError('hash_conflict');
    return storeView(call, existing, existing.openedBy);
  },
};

const viewsPublish: SlackMethodDef = {
  handle(call) {
    const user = call.args.user_id;
    if (!user) return slackError('invalid_arguments');
    const state = botState(call.fake);
    const reply = storeView(call, state.homes.get(user), user);
    const stored = [...state.views.values()].find((v) => v.openedBy === user && v.view.type === 'home');
    if (stored) state.homes.set(user, stored);
    return reply;
  },
};

const conversationsOpen: SlackMethodDef = {
  scope: 'im:write',
  handle(call) {
    const users = (call.args.users ?? '').split(',').filter(Boolean);
    if (users.length !== 1) return slackError(users.length === 0 ? 'users_list_not_supplied' : 'not_implemented');
    if (!call.fake.org.user(users[0]!) && !users[0]!.startsWith('U')) return slackError('user_not_found');
    return { ok: true, channel: { id: `D${users[0]!.slice(1)}` } };
  },
};

const usersInfo: SlackMethodDef = {
  scope: 'users:read',
  handle(call) {
    const u = call.args.user ? call.fake.org.user(call.args.user) : undefined;
    if (!u) return slackError('user_not_found');
    return {
      ok: true,
      user: {
        id: u.id,
        name: u.username,
        real_name: u.fullName,
        deleted: !u.active,
        is_bot: u.isBot,
        profile: { email: u.email, real_name: u.fullName, display_name: u.username },
      },
    };
  },
};

const usergroupsUsersList: SlackMethodDef = {
  scope: 'usergroups:read',
  handle(call) {
    const members = call.args.usergroup ? botState(call.fake).usergroups.get(call.args.usergroup) : undefined;
    if (!members) return slackError('no_such_subteam');
    return { ok: true, users: members };
  },
};

/** response_url target: `${fake.apiUrl}response?id=<id>` (respond() posts JSON there). */
const response: SlackMethodDef = {
  auth: 'none',
  handle(call) {
    const { id = '', ...rest } = call.args;
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) body[k] = json(v) ?? v;
    botState(call.fake).responses.push({ id, body });
    return { ok: true };
  },
};

export const BOT_METHODS: Record<string, SlackMethodDef> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'views.open': viewsOpen,
  'views.update': viewsUpdate,
  'views.push': viewsPush,
  'views.publish': viewsPublish,
  'conversations.open': conversationsOpen,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupsUsersList,
  response,
};

export interface BotIdentity {
  token: string;
  botId: string;
  botUserId: string;
  teamId: string;
}

/** Registers the bot methods and a bot token whose auth.test answers with bot_id and user_id. */
export function installBot(fake: FakeSlack, identity: Partial<BotIdentity> = {}): BotIdentity {
  const bot: BotIdentity = { token: 'xoxb-fake-bot-token', botId: 'B0FAKEBOT1', botUserId: 'U0FAKEBOT1', teamId: 'T0DEMO0001', ...identity };
  fake.registerMethods(BOT_METHODS);
  fake.addToken(bot.token, { userId: bot.botUserId, botId: bot.botId, teamId: bot.teamId, enterprise: false, scopes: 'all' });
  return bot;
}

/** A response_url the app can be given in a signed payload; what is posted there lands in botState().responses. */
export function responseUrl(fake: FakeSlack, id: string = nextId('R')): string {
  return `${fake.apiUrl}response?id=${encodeURIComponent(id)}`;
}
