// Opens what the CLI needs the way the bot does (same DATABASE_URL / DATA_DIR, same encryption key), with the
// scheduler created but not started: jobs the CLI queues (a reclaim after an approval) run in the bot.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createServices, type Services } from '../services/index.js';
import { DatabaseLockedError, openDatabase } from '../store/index.js';
import { createServiceContext } from '../service-context.js';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface OpenedServices {
  services: Services;
  close(): Promise<void>;
}

export async function openServices(config: Config, logger: Logger): Promise<OpenedServices> {
  let database;
  try {
    database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
  } catch (err) {
    if (err instanceof DatabaseLockedError) {
      throw new CliError(
        `the embedded database in ${err.dataDir} is in use by another process (pid ${err.pid}), most likely the bot. ` +
          'Use the bot (/license …) while it runs, or stop it and run this command again. ' +
          'To use both at once, keep the data in PostgreSQL (set DATABASE_URL).',
      );
    }
    throw err;
  }
  try {
    const { ctx } = await createServiceContext(database, config, logger);
    const { scheduler } = ctx;
    return {
      services: createServices(ctx),
      async close() {
        try {
          await scheduler.close({ timeoutMs: 1000 });
        } finally {
          await database.close();
        }
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
