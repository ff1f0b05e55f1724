import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEncryptionKey } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to sandbox mode on the embedded database', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe('./data');
    expect(c.PORT).toBe(3000);
    expect(c.LOG_LEVEL).toBe('info');
  });

  it('names a bad DATABASE_URL in one line without echoing it', () => {
    const err = (() => {
      try {
        loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/^Invalid configuration: DATABASE_URL must be/);
    expect(message).not.toContain('hunter2');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('names a malformed ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: 'short' })).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(/(?=.*PORT must be a port number)(?=.*LOG_LEVEL must be one of fatal, error)/);
  });

  it('accepts hex and base64 keys of 32 bytes only', () => {
    expect(parseEncryptionKey('a'.repeat(64))?.length).toBe(32);
    expect(parseEncryptionKey(Buffer.alloc(32, 7).toString('base64'))?.length).toBe(32);
    expect(parseEncryptionKey(Buffer.alloc(16, 7).toString('base64'))).toBeNull();
  });

  it('needs a signing secret or app token with a bot token', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    const c = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_ADMIN_IDS: 'U1, U2' });
    expect(c.sandbox).toBe(false);
    expect(c.SLACK_ADMIN_IDS).toEqual(['U1', 'U2']);
  });
});
