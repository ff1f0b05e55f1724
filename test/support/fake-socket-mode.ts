// A minimal Socket Mode endpoint for one smoke test: apps.connections.open on the fake Slack hands out a
// ws:// URL served here (RFC 6455 handshake, unfragmented text frames, ping/pong, close), sends `hello`,
// pushes envelopes and collects the acks the app sends back.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FakeSlack } from '../../src/fakes/slack/index.js';

export interface FakeSocketMode {
  appToken: string;
  /** Acks received: { envelope_id, payload? }. */
  acks: Array<{ envelope_id: string; payload?: unknown }>;
  connected(): boolean;
  push(envelope: { envelope_id: string; type: string; payload: unknown; accepts_response_payload?: boolean }): void;
  close(): Promise<void>;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  return Buffer.concat([head, payload]);
}

export async function startFakeSocketMode(fake: FakeSlack, appToken = 'xapp-1-fake-app-token'): Promise<FakeSocketMode> {
  let socket: Duplex | undefined;
  const acks: FakeSocketMode['acks'] = [];
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, sock: Duplex) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket = sock;
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const opcode = buf[0]! & 0x0f;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const masked = (buf[1]! & 0x80) !== 0;
        const need = off + (masked ? 4 : 0) + len;
        if (buf.length < need) return;
        const mask = masked ? buf.subarray(off, off + 4) : null;
        const data = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
        if (mask) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ mask[i % 4]!;
        buf = buf.subarray(need);
        if (opcode === 0x1) acks.push(JSON.parse(data.toString('utf8')));
        if (opcode === 0x9) sock.write(frame(0xa, data));
        if (opcode === 0x8) {
          sock.write(frame(0x8, Buffer.alloc(0)));
          sock.end();
          socket = undefined;
        }
      }
    });
    sock.on('error', () => undefined);
    sock.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0LICENSE1' } }))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.addToken(appToken, { userId: 'U0APPLEVEL', enterprise: false, scopes: ['connections:write'] });
  fake.registerMethods({ 'apps.connections.open': { scope: 'connections:write', handle: () => ({ ok: true, url: `ws://127.0.0.1:${port}/link` }) } });
  return {
    appToken,
    acks,
    connected: () => socket !== undefined,
    push(envelope) {
      socket!.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
    },
    async close() {
      socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
