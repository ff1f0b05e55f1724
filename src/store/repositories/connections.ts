import { eq } from 'drizzle-orm';
import type { Db } from '../database.js';
import { connections, type Connection } from '../schema.js';
import { isUuid } from './ids.js';

export interface ConnectionInput {
  baseUrl: string;
  authKind: string;
  params?: Record<string, unknown>;
  /** Ciphertext from the crypto module. */
  secretsEncrypted?: string | null;
  keyId?: string | null;
  tokenExpiresAt?: Date | null;
}

export interface ConnectionSecrets {
  secretsEncrypted: string | null;
  keyId: string | null;
  tokenExpiresAt?: Date | null;
}

export class ConnectionRepository {
  constructor(private readonly db: Db) {}

  /** One connection per profile: creates it or replaces every field given. */
  async upsert(profileId: string, input: ConnectionInput): Promise<Connection> {
    const values = {
      baseUrl: input.baseUrl,
      authKind: input.authKind,
      params: input.params ?? {},
      secretsEncrypted: input.secretsEncrypted ?? null,
      keyId: input.keyId ?? null,
      tokenExpiresAt: input.tokenExpiresAt ?? null,
    };
    const [row] = await this.db
      .insert(connections)
      .values({ profileId, ...values })
      .onConflictDoUpdate({ target: connections.profileId, set: { ...values, updatedAt: new Date() } })
      .returning();
    return row!;
  }

  async get(profileId: string): Promise<Connection | null> {
    if (!isUuid(profileId)) return null;
    const [row] = await this.db.select().from(connections).where(eq(connections.profileId, profileId));
    return row ?? null;
  }

  /** After a token refresh or a key rotation: only the secret fields change. */
  async updateSecrets(profileId: string, secrets: ConnectionSecrets): Promise<Connection | null> {
    const [row] = await this.db
      .update(connections)
      .set({
        secretsEncrypted: secrets.secretsEncrypted,
        keyId: secrets.keyId,
        ...(secrets.tokenExpiresAt !== undefined ? { tokenExpiresAt: secrets.tokenExpiresAt } : {}),
      })
      .where(eq(connections.profileId, profileId))
      .returning();
    return row ?? null;
  }

  /** Every connection, e.g. to re-encrypt under a new key. */
  async list(): Promise<Connection[]> {
    return this.db.select().from(connections);
  }
}
