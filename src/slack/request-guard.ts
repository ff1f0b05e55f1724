// What Bolt's HTTP receiver leaves to the app (measured against Bolt 5.1.0, see TESTING.md): it accepts a
// signed request whose timestamp is far in the future, and it processes the same signed request again when
// it is replayed inside the 5-minute window. This wrapper sits in front of Bolt's request listener and answers
// 401 to both. Everything else (bad signatures, stale timestamps, ssl_check, size limits) stays Bolt's job:
// requests this wrapper cannot verify are passed on untouched, and Bolt refuses them.
//
// The replay set lives in this process. With several replicas behind a load balancer a replay can reach
// another replica; closing that needs a shared store (e.g. a table with a unique key on the signature and a
// TTL), which this bot does not have yet.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

/** Slack's window: "reject requests more than five minutes away from local time". */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;
/** Bolt's own body limit (HTTPModuleFunctions.defaultBodyLimit): larger bodies get 413 as Bolt would answer. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** Far above what Slack sends one app in 5 minutes; past it the oldest entries go first (and are logged). */
const DEFAULT_MAX_REMEMBERED = 100_000;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  logger: Logger;
  /** Seconds since the epoch (tests move the clock). */
  nowSeconds?: () => number;
  maxRemembered?: number;
}

/** Signatures of verified requests, each kept until its timestamp leaves the window. */
export class SeenSignatures {
  // Insertion order is (nearly) expiry order: timestamps are within a few seconds of arrival.
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Records the signature; false when it was already seen and has not expired. */
  remember(signature: string, timestampSec: number, nowSec: number): { fresh: boolean; evicted: number } {
    this.forgetExpired(nowSec);
    const known = this.expiries.get(signature);
    if (known !== undefined && known >= nowSec) return { fresh: false, evicted: 0 };
    let evicted = 0;
    while (this.expiries.size >= this.maxEntries) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
      evicted++;
    }
    this.expiries.set(signature, timestampSec + SIGNATURE_WINDOW_SECONDS);
    return { fresh: true, evicted };
  }

  private forgetExpired(nowSec: number): void {
    for (const [signature, expiresAt] of this.expiries) {
      if (expiresAt >= nowSec) break;
      this.expiries.delete(signature);
    }
  }
}

type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

export function guardSlackRequests(listener: RequestListener, opts: SlackRequestGuardOptions): RequestListener {
  const nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const seen = new SeenSignatures(opts.maxRemembered ?? DEFAULT_MAX_REMEMBERED);

  const refuse = (res: ServerResponse, why: string, req: IncomingMessage) => {
    opts.logger.warn({ path: req.url, why }, 'refused a Slack request');
    res.writeHead(401).end();
  };

  return (req, res) => {
    if (req.method !== 'POST') return void listener(req, res);
    readBody(req, BODY_LIMIT_BYTES)
      .then((body) => {
        if (body === null) {
          res.writeHead(413).end();
          return;
        }
        // Bolt reads the body from here instead of the (consumed) stream.
        (req as BufferedRequest).rawBody = body;
        const signature = header(req, 'x-slack-signature');
        const timestamp = Number(header(req, 'x-slack-request-timestamp'));
        if (!signature || !Number.isInteger(timestamp) || !validSignature(opts.signingSecret, signature, timestamp, body)) return void listener(req, res);
        // Only genuine signatures reach the set, so forged requests cannot push real ones out of it.
        const now = nowSeconds();
        if (timestamp - now > SIGNATURE_WINDOW_SECONDS) return refuse(res, 'timestamp in the future', req);
        if (now - timestamp > SIGNATURE_WINDOW_SECONDS) return void listener(req, res);
        const { fresh, evicted } = seen.remember(signature, timestamp, now);
        if (evicted > 0) opts.logger.warn({ evicted, remembered: seen.size }, 'replay protection is full: forgot the oldest signatures');
        if (!fresh) return refuse(res, 'replayed signature', req);
        listener(req, res);
      })
      .catch((err: unknown) => {
        opts.logger.warn({ err }, 'could not read a Slack request');
        if (!res.headersSent) res.writeHead(400).end();
      });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function validSignature(secret: string, signature: string, timestamp: number, body: Buffer): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The whole body, or null past `limit` bytes (the rest is drained unread, so the 413 can still be sent). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size <= limit ? Buffer.concat(chunks) : null));
    req.once('error', reject);
  });
}
