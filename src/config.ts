// The one place that reads the environment. Each bad or missing variable is named in one line.
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const idList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : [])),
);

/** 32 bytes as 64 hex characters or as base64 (44 characters). */
export function parseEncryptionKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  return null;
}

const encryptionKey = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .refine((v) => v === undefined || parseEncryptionKey(v) !== null, {
      message: 'must be 32 bytes as 64 hex characters or base64 (generate one: openssl rand -hex 32)',
    }),
);

const databaseUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .refine(
      (v) => {
        if (v === undefined || v === 'memory://') return true;
        try {
          const u = new URL(v);
          return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
        } catch {
          return false;
        }
      },
      { message: 'must be postgres://user@host:port/db, memory://, or unset for the embedded database' },
    ),
);

const urlString = z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional());

export const configSchema = z.object({
  DATABASE_URL: databaseUrl,
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  ENCRYPTION_KEY: encryptionKey,
  /** Keys that older records may still be encrypted with, comma-separated (key rotation). */
  ENCRYPTION_KEY_PREVIOUS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .refine((v) => v === undefined || v.split(',').every((k) => parseEncryptionKey(k) !== null), {
        message: 'must be a comma-separated list of 32-byte keys (hex or base64)',
      }),
  ),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number({ message: 'must be a port number' }).int({ message: 'must be a port number' }).min(0, { message: 'must be a port number' }).max(65535, { message: 'must be a port number' }).default(3000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  PUBLIC_URL: urlString,
  /** Sandbox mode only: 'off' starts without the demo company (empty sandbox). */
  SANDBOX_DEMO: z.preprocess(emptyToUndefined, z.enum(['on', 'off'], { message: 'must be on or off' }).default('on')),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: urlString,
  SLACK_APPROVAL_CHANNEL: optionalString,
  SLACK_ADMIN_IDS: idList,
  SLACK_APPROVER_IDS: idList,
  SLACK_ADMIN_GROUP: optionalString,
  SLACK_APPROVER_GROUP: optionalString,
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  /** No Slack credentials: embedded database, simulated vendors and a fake Slack. */
  sandbox: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const c = parsed.data;
  const hasBotToken = Boolean(c.SLACK_BOT_TOKEN);
  const hasSecret = Boolean(c.SLACK_SIGNING_SECRET) || Boolean(c.SLACK_APP_TOKEN);
  if (hasBotToken !== hasSecret) {
    throw new ConfigError(
      hasBotToken
        ? 'Invalid configuration: SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) is required with SLACK_BOT_TOKEN'
        : 'Invalid configuration: SLACK_BOT_TOKEN is required with SLACK_SIGNING_SECRET / SLACK_APP_TOKEN',
    );
  }
  return { ...c, sandbox: !hasBotToken };
}
