// Credentials at rest: AES-256-GCM, a fresh 12-byte nonce per record, and the id of the key in each record so
// keys can be rotated (new key current, old key kept as previous until every record is re-sealed).
// Format: v1:<keyId>:<nonce b64>:<tag b64>:<ciphertext b64>; "v1:<keyId>" is authenticated as associated data,
// so a record cannot be relabelled to another key or version without failing to open.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Messages never contain the plaintext or a key (a key id is a hash prefix and safe to show). */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

export interface SecretBox {
  /** Id of the current key: first 8 hex characters of sha256(key). */
  readonly keyId: string;
  seal(plaintext: string | object): string;
  open(sealed: string): string;
  openJson<T>(sealed: string): T;
  /** True when the record was sealed with a previous key (or is in an older format): re-seal it. */
  needsRotation(sealed: string): boolean;
  /** A 32-byte key for another purpose (e.g. signing OAuth state), derived from the current key with HKDF. */
  deriveKey(purpose: string): Buffer;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A new random key as 64 hex characters (what ENCRYPTION_KEY expects). */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('hex');
}

interface ParsedRecord {
  keyId: string;
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseRecord(sealed: string): ParsedRecord {
  if (typeof sealed !== 'string' || sealed === '') throw new SecretBoxError('No encrypted secret to open');
  const parts = sealed.split(':');
  if (parts[0] !== VERSION) {
    throw new SecretBoxError('The stored secret is not in a known encrypted format (expected v1:...)');
  }
  const [, keyId, nonce, tag, ciphertext] = parts;
  if (parts.length !== 5 || !keyId || !nonce || !tag || ciphertext === undefined) {
    throw new SecretBoxError('The stored secret is malformed (expected v1:<keyId>:<nonce>:<tag>:<ciphertext>)');
  }
  if (![nonce, tag, ciphertext].every((p) => B64.test(p))) {
    throw new SecretBoxError('The stored secret is malformed (bad base64)');
  }
  const record = {
    keyId,
    nonce: Buffer.from(nonce, 'base64'),
    tag: Buffer.from(tag, 'base64'),
    ciphertext: Buffer.from(ciphertext, 'base64'),
  };
  if (record.nonce.length !== NONCE_BYTES || record.tag.length !== TAG_BYTES) {
    throw new SecretBoxError('The stored secret is malformed (wrong nonce or tag length)');
  }
  return record;
}

function checkKey(key: Buffer, label: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new SecretBoxError(`The ${label} encryption key must be ${KEY_BYTES} bytes`);
  }
}

export function createSecretBox(current: Buffer, previous: Buffer[] = []): SecretBox {
  checkKey(current, 'current');
  previous.forEach((k, i) => checkKey(k, `previous (#${i + 1})`));
  const currentId = keyIdOf(current);
  // Several keys could share an 8-hex id; try each one that matches.
  const keysById = new Map<string, Buffer[]>();
  for (const key of [current, ...previous]) {
    const id = keyIdOf(key);
    keysById.set(id, [...(keysById.get(id) ?? []), key]);
  }

  function seal(plaintext: string | object): string {
    const text = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}:${currentId}`));
    const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, currentId, nonce.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
  }

  function open(sealed: string): string {
    const record = parseRecord(sealed);
    const candidates = keysById.get(record.keyId);
    if (!candidates) {
      throw new SecretBoxError(
        `The secret was encrypted with key ${record.keyId}, which is neither the current key (${currentId}) nor a ` +
          'previous one: set the old key in ENCRYPTION_KEY_PREVIOUS, or enter the credentials again',
      );
    }
    for (const key of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, record.nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(`${VERSION}:${record.keyId}`));
        decipher.setAuthTag(record.tag);
        return Buffer.concat([decipher.update(record.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // wrong key with a colliding id, or tampered data: try the next, then report below
      }
    }
    throw new SecretBoxError(
      `The secret (key ${record.keyId}) could not be decrypted: it was altered or the key is wrong`,
    );
  }

  function openJson<T>(sealed: string): T {
    const text = open(sealed);
    try {
      return JSON.parse(text) as T;
    } catch {
      // JSON.parse messages quote the input: never pass them on.
      throw new SecretBoxError('The decrypted secret is not valid JSON');
    }
  }

  function needsRotation(sealed: string): boolean {
    if (!sealed.startsWith(`${VERSION}:`)) return true;
    return parseRecord(sealed).keyId !== currentId;
  }

  function deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', current, Buffer.alloc(0), `saas-license-bot:${purpose}`, KEY_BYTES));
  }

  return { keyId: currentId, seal, open, openJson, needsRotation, deriveKey };
}
