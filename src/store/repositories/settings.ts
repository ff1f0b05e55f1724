import { eq } from 'drizzle-orm';
import type { Db } from '../database.js';
import { settings } from '../schema.js';

/** Small JSON values by key (admins, approvers, channel...). The caller validates what it reads back. */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const [row] = await this.db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
    return row ? (row.value as T) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db
      .insert(settings)
      .values({ key, value })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.db.delete(settings).where(eq(settings.key, key)).returning({ key: settings.key });
    return rows.length > 0;
  }

  async all(): Promise<Record<string, unknown>> {
    const rows = await this.db.select().from(settings);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
