// The bot's one HTTP server: health, vendor OAuth redirects, and Slack's requests (handed to Bolt).
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

export interface HttpServerOptions {
  routes: Route[];
  /** Requests no route takes (Slack's /slack/events go to Bolt's receiver). */
  fallback?: RequestListener;
  logger: Logger;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

export function createHttpServer(opts: HttpServerOptions): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = opts.routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (route) {
      Promise.resolve(route.handle(req, res, url)).catch((err: unknown) => {
        opts.logger.error({ err, path: url.pathname }, 'HTTP route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.end();
      });
      return;
    }
    if (opts.fallback) {
      opts.fallback(req, res);
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  });
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
