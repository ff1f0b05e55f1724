import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEncryptionKey } from '../../src/config.js';
import { SecretBoxError, createSecretBox, generateKey, keyIdOf } from '../../src/domain/crypto.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const SECRET = 'xoxp-super-secret-token-123';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

/** Neither the plaintext nor any key may leak into a message. */
function expectClean(err: Error, ...secrets: string[]) {
  expect(err).toBeInstanceOf(SecretBoxError);
  for (const s of [...secrets, keyA.toString('hex'), keyB.toString('hex'), keyA.toString('base64'), keyB.toString('base64')]) {
    expect(err.message).not.toContain(s);
  }
}

/** Flip one bit of one base64 field of a sealed record. */
function flip(sealed: string, field: 2 | 3 | 4): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[field]!, 'base64');
  bytes[0]! ^= 0x01;
  parts[field] = bytes.toString('base64');
  return parts.join(':');
}

describe('SecretBox', () => {
  it('round-trips strings, unicode and objects', () => {
    const box = createSecretBox(keyA);
    expect(box.open(box.seal(SECRET))).toBe(SECRET);
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('clé 🔑 ключ'))).toBe('clé 🔑 ключ');
    const creds = { clientId: 'abc', clientSecret: 's3cr3t', refreshToken: 'r' };
    expect(box.openJson<typeof creds>(box.seal(creds))).toEqual(creds);
  });

  it('writes v1:<keyId>:<nonce>:<tag>:<ciphertext> with the key id from sha256(key)', () => {
    const sealed = createSecretBox(keyA).seal(SECRET);
    const expectedId = createHash('sha256').update(keyA).digest('hex').slice(0, 8);
    expect(keyIdOf(keyA)).toBe(expectedId);
    const [version, keyId, nonce, tag, ciphertext, ...rest] = sealed.split(':');
    expect(rest).toEqual([]);
    expect(version).toBe('v1');
    expect(keyId).toBe(expectedId);
    expect(Buffer.from(nonce!, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64')).toHaveLength(16);
    expect(Buffer.from(ciphertext!, 'base64')).toHaveLength(Buffer.byteLength(SECRET));
    expect(sealed).not.toContain(SECRET);
  });

  it('uses a fresh nonce for every record', () => {
    const box = createSecretBox(keyA);
    const nonces = new Set(Array.from({ length: 50 }, () => box.seal(SECRET).split(':')[2]));
    expect(nonces.size).toBe(50);
  });

  it.each([
    ['nonce', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ] as const)('detects a flipped bit in the %s', (_field, index) => {
    const box = createSecretBox(keyA);
    const err = thrown(() => box.open(flip(box.seal(SECRET), index)));
    expect(err.message).toMatch(/altered or the key is wrong/);
    expectClean(err, SECRET);
  });

  it('detects a record relabelled to another known key', () => {
    const box = createSecretBox(keyA, [keyB]);
    const sealed = box.seal(SECRET);
    const relabelled = sealed.replace(`:${keyIdOf(keyA)}:`, `:${keyIdOf(keyB)}:`);
    expect(() => box.open(relabelled)).toThrow(/altered or the key is wrong/);
  });

  it('refuses a record sealed with an unknown key, naming key ids only', () => {
    const sealed = createSecretBox(keyA).seal(SECRET);
    const err = thrown(() => createSecretBox(keyB).open(sealed));
    expect(err.message).toContain(keyIdOf(keyA));
    expect(err.message).toContain('ENCRYPTION_KEY_PREVIOUS');
    expectClean(err, SECRET);
  });

  it('rotates: the new box opens old records, flags them, and re-sealing clears the flag', () => {
    const oldRecord = createSecretBox(keyA).seal(SECRET);
    const rotated = createSecretBox(keyB, [keyA]);
    expect(rotated.open(oldRecord)).toBe(SECRET);
    expect(rotated.needsRotation(oldRecord)).toBe(true);
    const resealed = rotated.seal(rotated.open(oldRecord));
    expect(rotated.needsRotation(resealed)).toBe(false);
    expect(resealed.split(':')[1]).toBe(keyIdOf(keyB));
    // Once every record is re-sealed the old key can go.
    expect(createSecretBox(keyB).open(resealed)).toBe(SECRET);
    expect(() => createSecretBox(keyB).open(oldRecord)).toThrow(SecretBoxError);
  });

  it('flags records in an unknown format for rotation', () => {
    expect(createSecretBox(keyA).needsRotation('plain-text-from-before-encryption')).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['not versioned', 'hello'],
    ['unknown version', 'v2:abcd1234:AAAA:AAAA:AAAA'],
    ['missing parts', 'v1:abcd1234:AAAA'],
    ['bad base64', 'v1:abcd1234:!!!!:AAAA:AAAA'],
    ['short nonce', `v1:${keyIdOf(keyA)}:AAAA:${Buffer.alloc(16).toString('base64')}:AAAA`],
  ])('refuses a malformed record (%s) with a clear error', (_name, sealed) => {
    const err = thrown(() => createSecretBox(keyA).open(sealed));
    expectClean(err);
    expect(err.message.length).toBeGreaterThan(10);
  });

  it('refuses keys that are not 32 bytes, without echoing them', () => {
    const short = Buffer.from('0123456789abcdef');
    const err = thrown(() => createSecretBox(short));
    expect(err.message).toBe('The current encryption key must be 32 bytes');
    expect(() => createSecretBox(keyA, [Buffer.alloc(31)])).toThrow('The previous (#1) encryption key must be 32 bytes');
  });

  it('openJson never quotes the decrypted text when it is not JSON', () => {
    const box = createSecretBox(keyA);
    const err = thrown(() => box.openJson(box.seal(SECRET)));
    expect(err.message).toBe('The decrypted secret is not valid JSON');
    expectClean(err, SECRET, 'xoxp');
  });
});

describe('generateKey', () => {
  it('makes 64 hex characters that ENCRYPTION_KEY accepts and that work as a key', () => {
    const hex = generateKey();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(generateKey()).not.toBe(hex);
    const key = parseEncryptionKey(hex);
    expect(key).not.toBeNull();
    const box = createSecretBox(key!);
    expect(box.open(box.seal(SECRET))).toBe(SECRET);
  });

  it('works with random base64 keys parsed by the config too', () => {
    const key = parseEncryptionKey(randomBytes(32).toString('base64'))!;
    expect(createSecretBox(key).keyId).toBe(keyIdOf(key));
  });
});
