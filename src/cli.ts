// `npm run cli -- <command>`: the engine without Slack — sync a profile, list candidates, approve, reclaim, and
// print the reconciliation report. Opens the bot's database; prints one line and exits 1 on errors.
import { userInfo } from 'node:os';
import { describeCliError, runCommand, USAGE } from './cli/commands.js';
import { openServices } from './cli/open.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startSandboxVendorsFor } from './sandbox/index.js';

/** Commands that talk to a vendor. */
const CALLS_VENDORS = new Set(['sync', 'reclaim']);

function fail(message: string): never {
  process.stderr.write(`saas-license-bot cli: ${message}\n`);
  process.exit(1);
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function main(args: string[]): Promise<void> {
  if (args.length === 0 || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  // Logs go to stderr and stay quiet unless asked: stdout is for the tables.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', pretty: false, destination: process.stderr });
  let opened;
  try {
    opened = await openServices(config, logger);
  } catch (err) {
    fail(describeCliError(err));
  }
  let exitCode = 0;
  let vendors: { close(): Promise<void> } | null = null;
  try {
    // Sandbox data: its vendors are simulated in-process, so commands that call a vendor start them here.
    if (config.sandbox && config.SANDBOX_DEMO === 'on' && CALLS_VENDORS.has(args[0]!)) vendors = await startSandboxVendorsFor(opened.services);
    const out = await runCommand(opened.services, cliActor(), args);
    process.stdout.write(`${out.text}\n`);
    exitCode = out.exitCode;
  } catch (err) {
    await vendors?.close().catch(() => undefined);
    await opened.close().catch(() => undefined);
    fail(describeCliError(err));
  }
  await vendors?.close();
  await opened.close();
  process.exit(exitCode);
}

main(process.argv.slice(2)).catch((err: unknown) => fail(describeCliError(err)));
