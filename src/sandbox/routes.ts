// HTTP routes on the bot's own server that show the sandbox's fake Slack and vendors: what the bot posted
// (as JSON or rendered as text), the App Home views it published, and where the fakes listen.
import type { Route } from '../http/server.js';
import { sendJson } from '../http/server.js';
import { botState } from '../fakes/slack/bot-methods.js';
import type { DemoVendors } from './demo-company.js';
import { renderBlocksAsText } from './render-blocks.js';

function sendText(res: Parameters<Route['handle']>[1], text: string): void {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sandboxRoutes(vendors: DemoVendors): Route[] {
  return [
    {
      method: 'GET',
      path: '/sandbox',
      handle(_req, res) {
        const state = botState(vendors.slack);
        sendJson(res, 200, {
          mode: 'sandbox',
          fakes: {
            slack: { api: vendors.slack.apiUrl, scim: vendors.slack.scimUrl, members: vendors.slack.org.users.length },
            salesforce: { url: vendors.salesforce.url },
            zendesk: { url: vendors.zendesk.url, users: vendors.zendesk.org.size },
            custom: { url: vendors.custom.url, users: vendors.custom.org.users.length },
          },
          slack: { messages: state.messages.length, ephemerals: state.ephemerals.length, homes: state.homes.size, views: state.views.size },
          endpoints: ['/sandbox/slack/messages', '/sandbox/slack/messages?format=text', '/sandbox/slack/messages?channel=C…', '/sandbox/slack/homes'],
        });
      },
    },
    {
      method: 'GET',
      path: '/sandbox/slack/messages',
      handle(_req, res, url) {
        const channel = url.searchParams.get('channel');
        const messages = botState(vendors.slack).messages.filter((m) => !channel || m.channel === channel);
        if (url.searchParams.get('format') === 'text') {
          const users = vendors.userNames();
          const text = messages
            .map((m) => {
              const where = m.threadTs ? `#${m.channel} (thread ${m.threadTs})` : `#${m.channel}`;
              const edited = m.history.length > 1 ? `, updated ${m.history.length - 1}×` : '';
              const body = m.blocks.length > 0 ? renderBlocksAsText(m.blocks, { users, indent: '  ' }) : `  ${m.text}`;
              return `── ${where} at ${m.ts}${edited}\n${body}`;
            })
            .join('\n\n');
          sendText(res, messages.length === 0 ? 'The bot has posted nothing yet.\n' : `${text}\n`);
          return;
        }
        sendJson(res, 200, {
          messages: messages.map((m) => ({ channel: m.channel, ts: m.ts, threadTs: m.threadTs ?? null, text: m.text, blocks: m.blocks, versions: m.history.length })),
        });
      },
    },
    {
      method: 'GET',
      path: '/sandbox/slack/homes',
      handle(_req, res, url) {
        const homes = [...botState(vendors.slack).homes.entries()];
        if (url.searchParams.get('format') === 'text') {
          const users = vendors.userNames();
          const text = homes.map(([user, v]) => `── App Home of ${users[user] ?? user}\n${renderBlocksAsText((v.view.blocks as unknown[]) ?? [], { users, indent: '  ' })}`).join('\n\n');
          sendText(res, homes.length === 0 ? 'No App Home has been published yet.\n' : `${text}\n`);
          return;
        }
        sendJson(res, 200, { homes: homes.map(([user, v]) => ({ user, view: v.view })) });
      },
    },
  ];
}
