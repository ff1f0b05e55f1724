import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { SlackDeps } from '../../app.js';
import { AUTH_SELECT, VENDOR_SELECT } from '../../blocks/profile-modal.js';
import { registerCandidateActions } from './candidate-actions.js';
import { profileButtons } from './profile-actions.js';
import { reshapeProfileModal } from './profile-modal-actions.js';

export function registerActions(app: App, deps: SlackDeps): void {
  const reshape = reshapeProfileModal(deps);
  app.action<BlockAction<StaticSelectAction>>(VENDOR_SELECT, reshape);
  app.action<BlockAction<StaticSelectAction>>(AUTH_SELECT, reshape);
  for (const [actionId, handler] of Object.entries(profileButtons(deps))) app.action<BlockAction<ButtonAction>>(actionId, handler);
  registerCandidateActions(app, deps);
}
