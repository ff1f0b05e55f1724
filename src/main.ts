// `npm start`: read the config, start the bot, stop cleanly on Ctrl-C / SIGTERM. Start-up failures are one line.
import { startApp, type RunningApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startSandboxApp } from './sandbox/index.js';
import { DatabaseConnectError, DatabaseLockedError } from './store/index.js';

const EXPECTED_STARTUP_ERRORS = [ConfigError, DatabaseLockedError, DatabaseConnectError];

function fail(message: string): never {
  process.stderr.write(`saas-license-bot: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });

  let app: RunningApp;
  let stopAll: () => Promise<void>;
  try {
    if (config.sandbox && config.SANDBOX_DEMO === 'on') {
      // The fake Slack and vendors first, the app pointed at them, then the demo company and the summary.
      const sandbox = await startSandboxApp({ config, logger });
      app = sandbox.app;
      stopAll = sandbox.stop;
    } else {
      app = await startApp({ config, logger });
      stopAll = () => app.stop();
    }
  } catch (err) {
    if (EXPECTED_STARTUP_ERRORS.some((E) => err instanceof E)) fail((err as Error).message);
    throw err;
  }

  if (config.sandbox) {
    logger.info(
      `sandbox mode: no Slack credentials, so the bot runs on the ${config.DATABASE_URL ? 'configured' : 'embedded'} database with simulated vendors. ` +
        'To connect a real workspace, create a Slack app from manifest.json and set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and ENCRYPTION_KEY (see README.md).',
    );
  }
  logger.info(`health check: ${app.url}/healthz`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: letting running jobs finish');
    stopAll()
      .then(() => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`saas-license-bot: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
