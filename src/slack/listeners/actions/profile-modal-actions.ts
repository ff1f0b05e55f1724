// Inside the profile modal: choosing a vendor or a grant type reshapes the form (views.update with the hash,
// keeping what was typed except secrets).
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { VENDORS, type Vendor } from '../../../domain/vendor.js';
import type { SlackDeps } from '../../app.js';
import { AUTH_SELECT, connBlockId, profileModal, VALUE, VENDOR_SELECT, type ProfileFormState } from '../../blocks/profile-modal.js';
import { parseProfileMetadata } from '../views/profile-submission.js';
import type { ViewValues } from '../views/profile-form.js';

type Args = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;

export function reshapeProfileModal(deps: SlackDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const meta = parseProfileMetadata(view.private_metadata);
    const values = (view.state?.values ?? {}) as ViewValues;
    const chosen = action.selected_option?.value;
    let vendor = meta.vendor;
    let authKind = meta.authKind;
    if (action.action_id === VENDOR_SELECT && chosen && (VENDORS as readonly string[]).includes(chosen)) {
      if (chosen !== vendor) authKind = undefined;
      vendor = chosen as Vendor;
    }
    if (action.action_id === AUTH_SELECT && chosen) authKind = chosen;
    const text = (block: string) => values[block]?.[VALUE]?.value ?? undefined;
    const params: Record<string, string> = {};
    for (const [block, byAction] of Object.entries(values)) {
      if (block.startsWith(connBlockId('params.')) && byAction[VALUE]?.value) params[block.slice(connBlockId('params.').length)] = byAction[VALUE].value!;
    }
    const state: ProfileFormState = {
      mode: meta.mode,
      ...(meta.profileId ? { profileId: meta.profileId } : {}),
      ...(vendor ? { vendor } : {}),
      ...(authKind ? { authKind } : {}),
      ...(meta.channelId ? { channelId: meta.channelId } : {}),
      ...(meta.secretsSet ? { secretsSet: meta.secretsSet } : {}),
      values: { ...(text('displayName') ? { displayName: text('displayName')! } : {}), ...(text('baseUrl') ? { baseUrl: text('baseUrl')! } : {}), params },
    };
    try {
      await client.views.update({ view_id: view.id, hash: view.hash, view: profileModal(state) });
    } catch (err) {
      // hash_conflict: another change arrived first; the newer view stands.
      deps.logger.warn({ err }, 'could not reshape the profile modal');
    }
  };
}
