import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../app.js';
import { PROFILE_MODAL } from '../../blocks/profile-modal.js';
import { ENTITLEMENT_MODAL, EXCLUSION_MODAL, RULE_MODAL } from '../../blocks/rule-modals.js';
import { profileSubmission } from './profile-submission.js';
import { entitlementSubmission, exclusionSubmission, ruleSubmission } from './rule-submissions.js';

export function registerViews(app: App, deps: SlackDeps): void {
  app.view(PROFILE_MODAL, profileSubmission(deps));
  app.view(RULE_MODAL, ruleSubmission(deps));
  app.view(EXCLUSION_MODAL, exclusionSubmission(deps));
  app.view(ENTITLEMENT_MODAL, entitlementSubmission(deps));
}
