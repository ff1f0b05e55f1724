// Submit of the create/edit profile modal. Field problems come back inline (response_action: errors) from the
// form itself, the vendor's connection schema, or ProfileService's ServiceError.fields; the ack waits for the
// save (one transaction, milliseconds) so that errors can be shown, and the rest happens after it.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { InputBlock } from '@slack/types';
import { checkConnection } from '../../../connectors/registry.js';
import { parseCustomDefinition } from '../../../connectors/custom/definition.js';
import { VENDORS, type Vendor } from '../../../domain/vendor.js';
import { isOAuthVendor } from '../../../http/oauth.js';
import { ServiceError } from '../../../services/errors.js';
import type { ConnectionForm } from '../../../services/profile-service.js';
import type { IntegrationProfile } from '../../../services/types.js';
import type { SlackDeps } from '../../app.js';
import { profileSavedMessage, textMessage } from '../../blocks/messages.js';
import { VENDOR_LABELS, type ProfileModalMetadata } from '../../blocks/profile-modal.js';
import { publishHomeFor } from '../events/app-home-opened.js';
import { dmUser, userMessageOf } from '../support.js';
import { errorsForBlocks, readProfileForm, type ViewValues } from './profile-form.js';

export function parseProfileMetadata(raw: string | undefined): ProfileModalMetadata {
  try {
    const m = JSON.parse(raw ?? '{}') as Partial<ProfileModalMetadata>;
    return {
      mode: m.mode === 'edit' ? 'edit' : 'create',
      ...(typeof m.profileId === 'string' ? { profileId: m.profileId } : {}),
      ...(typeof m.vendor === 'string' && (VENDORS as readonly string[]).includes(m.vendor) ? { vendor: m.vendor } : {}),
      ...(typeof m.authKind === 'string' ? { authKind: m.authKind } : {}),
      ...(typeof m.channelId === 'string' ? { channelId: m.channelId } : {}),
      ...(Array.isArray(m.secretsSet) ? { secretsSet: m.secretsSet.filter((s): s is string => typeof s === 'string') } : {}),
    };
  } catch {
    return { mode: 'create' };
  }
}

/** Authorization-code connections whose tokens come from the browser step (nothing pasted). */
export function needsBrowserConnect(vendor: Vendor, c: ConnectionForm): boolean {
  if (vendor === 'salesforce') return c.authKind === 'oauth_authorization_code' && !c.secrets.refreshToken;
  if (vendor === 'zendesk') return c.authKind === 'oauth_authorization_code' && !c.secrets.accessToken;
  if (vendor === 'custom') {
    const parsed = parseCustomDefinition(c.params.definition ?? '');
    return parsed.ok && parsed.definition.auth.kind === 'oauth_authorization_code' && !c.secrets.accessToken && !c.secrets.refreshToken;
  }
  return false;
}

export function profileSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const user = body.user.id;
    const meta = parseProfileMetadata(view.private_metadata);
    const values = view.state.values as ViewValues;
    const blockIds = new Set((view.blocks as InputBlock[]).filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!));
    const firstInput = [...blockIds][0] ?? 'displayName';
    const inline = (errors: Record<string, string>) => ack({ response_action: 'errors', errors });

    const check = await deps.roles.check(user, 'admin', meta.mode === 'create' ? 'create integration profiles' : 'edit integration profiles', { type: 'profile', id: meta.profileId ?? null, profileId: meta.profileId ?? null });
    if (!check.ok) return void (await inline({ [firstInput]: check.message }));

    const chosenVendor = values.vendor?.['profile_vendor_select']?.selected_option?.value ?? meta.vendor;
    if (!chosenVendor || !(VENDORS as readonly string[]).includes(chosenVendor)) return void (await inline({ [blockIds.has('vendor') ? 'vendor' : firstInput]: 'Choose a vendor' }));
    const vendor = chosenVendor as Vendor;
    const form = readProfileForm(values, meta, vendor, deps.services.ctx.now());
    const browser = needsBrowserConnect(vendor, form.connection);
    // Creating: check the whole connection now so every bad field shows at once (an edit may keep stored secrets).
    const checked = meta.mode === 'create' && !browser ? checkConnection({ vendor, ...form.connection }) : null;
    const early = { ...(checked && !checked.ok ? errorsForBlocks(checked.errors, blockIds, firstInput) : {}), ...restrict(form.errors, blockIds, firstInput) };
    if (Object.keys(early).length > 0) return void (await inline(early));

    let profile: IntegrationProfile;
    try {
      if (meta.mode === 'create') {
        profile = await deps.services.profiles.create(user, vendor, form.fields, browser ? undefined : form.connection);
      } else {
        if (!meta.profileId) return void (await inline({ [firstInput]: 'This form lost its profile: open it again.' }));
        profile = await deps.services.profiles.update(user, meta.profileId, form.fields, browser ? undefined : form.connection);
      }
      if (browser) await deps.services.profiles.saveOAuthClient(user, profile.id, form.connection);
    } catch (err) {
      if (err instanceof ServiceError) {
        const errors = err.fields.length > 0 ? errorsForBlocks(err.fields, blockIds, firstInput) : { [firstInput]: err.message.slice(0, 2000) };
        return void (await inline(errors));
      }
      deps.logger.error({ err }, 'saving a profile failed');
      return void (await inline({ [firstInput]: userMessageOf(err) }));
    }
    await ack();

    const oauthUrl = browser && isOAuthVendor(vendor) && deps.oauthLink ? deps.oauthLink(vendor, profile.id, user) : undefined;
    const saved = profileSavedMessage(profile, { created: meta.mode === 'create', ...(oauthUrl ? { oauthUrl, vendorLabel: VENDOR_LABELS[vendor] } : {}) });
    if (browser && !oauthUrl) saved.blocks.unshift(textMessage('Browser connection is not configured here (PUBLIC_URL); paste the tokens instead.').blocks[0]!);
    await dmUser(client, deps.logger, user, saved);
    await publishHomeFor(deps, client, user);
  };
}

/** Errors may only name input blocks of the view; others move to the first input. */
function restrict(errors: Record<string, string>, blockIds: Set<string>, fallback: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, msg] of Object.entries(errors)) {
    const key = blockIds.has(id) ? id : fallback;
    out[key] = out[key] ? `${out[key]}; ${msg}` : msg;
  }
  return out;
}
