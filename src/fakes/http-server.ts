// Plumbing shared by the fake vendor servers: a loopback HTTP server, body reading, JSON replies,
// injected faults and a vendor-style rate limit. The fakes run in tests, benchmarks and the sandbox.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => Promise<void> | void;

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(handler: Handler, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => handler(req, res, body, new URL(req.url ?? '/', 'http://127.0.0.1')))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'fake_server_error', message: String(err) });
        else res.end();
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A fault a test asks for: served instead of the real answer to the next `times` matching requests. */
export interface Fault {
  /** Which requests it applies to; default all. */
  match?: (req: IncomingMessage, url: URL, body: string) => boolean;
  status?: number;
  /** Raw body; default a vendor-neutral JSON error. */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (slow responses, timeouts). */
  delayMs?: number;
  /** How many requests it applies to; default 1. Infinity for all. */
  times?: number;
  /** Answer normally after the delay instead of with status/body. */
  delayOnly?: boolean;
}

export class FaultInjector {
  private readonly faults: Array<Required<Pick<Fault, 'times'>> & Fault> = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** Applies the first matching fault. Returns true when the fault answered the request. */
  async apply(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
    const i = this.faults.findIndex((f) => !f.match || f.match(req, url, body));
    if (i < 0) return false;
    const f = this.faults[i]!;
    f.times -= 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.delayOnly) return false;
    const text = f.body ?? JSON.stringify({ error: 'injected_fault' });
    res.writeHead(f.status ?? 500, { 'content-type': f.contentType ?? 'application/json', ...f.headers });
    res.end(text);
    return true;
  }
}

/**
 * A vendor-style rate limit: at most `limit` requests per `windowMs`, fixed windows as the vendors
 * document them. `check` returns the seconds to wait (for Retry-After) when the request is over.
 */
export class FakeRateLimit {
  private windowStart = 0;
  private count = 0;
  /** Requests refused with 429, for tests and benchmarks. */
  refused = 0;

  constructor(
    public limit: number,
    public windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  check(): number | undefined {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.count = 0;
    }
    if (this.count < this.limit) {
      this.count++;
      return undefined;
    }
    this.refused++;
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - t) / 1000));
  }
}
