// The key that encrypts vendor credentials: ENCRYPTION_KEY, or in sandbox mode one generated once and kept
// in the data folder (mode 0600) so a restart can still read what it stored.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseEncryptionKey, type Config } from './config.js';
import { createSecretBox, generateKey, type SecretBox } from './domain/crypto.js';

export const SANDBOX_KEY_FILE = 'encryption.key';

export function loadSecretBox(config: Config): { box: SecretBox; generated: boolean; source: string } {
  const previous = (config.ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((k) => k.trim() !== '')
    .map((k) => parseEncryptionKey(k)!);
  if (config.ENCRYPTION_KEY) {
    return { box: createSecretBox(parseEncryptionKey(config.ENCRYPTION_KEY)!, previous), generated: false, source: 'ENCRYPTION_KEY' };
  }
  if (!config.sandbox) {
    throw new ConfigError('Invalid configuration: ENCRYPTION_KEY is required when Slack credentials are set (generate one: openssl rand -hex 32)');
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const file = join(config.DATA_DIR, SANDBOX_KEY_FILE);
  let generated = false;
  if (!existsSync(file)) {
    writeFileSync(file, `${generateKey()}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = parseEncryptionKey(readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`Invalid configuration: ${file} does not hold a 32-byte key; delete it only if the data folder holds no credentials you need`);
  return { box: createSecretBox(key, previous), generated, source: file };
}
