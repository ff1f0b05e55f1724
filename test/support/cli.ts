// Runs the CLI as a user does (`npx tsx src/cli.ts …`) in a child process with a clean environment.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is laid over the parent's environment with the bot's own variables removed first. */
export function runCli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: '' };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'ENCRYPTION_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'TEST_DATABASE_URL']) delete base[k];
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli.ts', ...args], { cwd: REPO, env: { ...base, ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
