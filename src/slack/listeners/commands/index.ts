import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../app.js';
import { licenseCommand } from './license.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/license', licenseCommand(deps));
}
