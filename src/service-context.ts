// Builds the services' context over an opened database the same way for the bot and the CLI.
import type { Config } from './config.js';
import { createConnector } from './connectors/registry.js';
import { createScheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';
import { loadSecretBox } from './secrets-key.js';
import type { ServiceContext } from './services/context.js';
import { createRepositories, type Database } from './store/index.js';

export async function createServiceContext(database: Database, config: Config, logger: Logger): Promise<{ ctx: ServiceContext; generatedKeyFile: string | null }> {
  const { box, generated, source } = loadSecretBox(config);
  const scheduler = await createScheduler({
    backend: database.kind === 'pg' ? { kind: 'pg', pool: database.pool! } : { kind: 'pglite', pglite: database.pglite! },
    logger,
  });
  const ctx: ServiceContext = {
    database,
    repos: createRepositories(database.db),
    scheduler,
    secrets: box,
    logger,
    connectors: createConnector,
    now: () => new Date(),
  };
  return { ctx, generatedKeyFile: generated ? source : null };
}
