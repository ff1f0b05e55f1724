// What every service is built from. Built once at start-up (src/app.ts) or in a test.
import type { ConnectorFactory } from '../connectors/registry.js';
import type { HttpPolicyOptions } from '../connectors/http.js';
import type { SecretBox } from '../domain/crypto.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../logger.js';
import type { Database, Repositories } from '../store/index.js';

export interface ServiceContext {
  database: Database;
  repos: Repositories;
  scheduler: Scheduler;
  secrets: SecretBox;
  logger: Logger;
  connectors: ConnectorFactory;
  /** Overrides of the vendor HTTP policy (tests shorten backoff, benchmarks switch rate limits). */
  connectorHttp?: Partial<HttpPolicyOptions>;
  now: () => Date;
}
