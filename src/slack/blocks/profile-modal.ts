// The create/edit profile modal: vendor and auth kind reshape the form (views.update); secrets are never shown.
import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { AUTH_KINDS_BY_VENDOR } from '../../connectors/registry.js';
import { VENDORS, type Vendor } from '../../domain/vendor.js';
import { hasActivitySubflow, hasConsumptionSubflow } from '../../services/profile-service.js';
import { clip, context, MAX, option, plain, section } from './text.js';

export const PROFILE_MODAL = 'profile_modal';
/** Every input's action id; block ids name the field ("displayName", "conn:params.email", ...). */
export const VALUE = 'value';
export const VENDOR_SELECT = 'profile_vendor_select';
export const AUTH_SELECT = 'profile_auth_select';

export const VENDOR_LABELS: Record<Vendor, string> = {
  slack_grid: 'Slack Enterprise Grid',
  salesforce: 'Salesforce',
  zendesk: 'Zendesk',
  custom: 'Custom REST app',
};

const AUTH_LABELS: Record<string, string> = {
  oauth_user_token: 'OAuth user token (org-wide install)',
  oauth_client_credentials: 'OAuth client credentials',
  oauth_authorization_code: 'OAuth authorization code (connect in the browser)',
  api_token: 'API token',
  custom: 'As the definition says',
};

const BASE_URL_HINTS: Record<Vendor, { label: string; placeholder: string; optional: boolean }> = {
  slack_grid: { label: 'Slack API URL', placeholder: 'https://slack.com/api/', optional: true },
  salesforce: { label: 'My Domain URL', placeholder: 'https://acme.my.salesforce.com', optional: false },
  zendesk: { label: 'Zendesk address', placeholder: 'https://acme.zendesk.com', optional: false },
  custom: { label: 'Base URL (if the definition has none)', placeholder: 'https://api.example.com', optional: true },
};

export interface ConnectionFieldSpec {
  /** "params.x" or "secrets.x": the path in the connection input (and in ServiceError.fields). */
  path: string;
  label: string;
  optional: boolean;
  placeholder?: string;
  multiline?: boolean;
  hint?: string;
}

const isSecret = (path: string) => path.startsWith('secrets.');

/** The connection fields a vendor and auth kind need, in form order. */
export function connectionFields(vendor: Vendor, authKind: string): ConnectionFieldSpec[] {
  switch (vendor) {
    case 'slack_grid':
      return [
        { path: 'secrets.accessToken', label: 'Org-wide user token (xoxp-…)', optional: false },
        { path: 'params.teamId', label: 'Workspace id (only for a single workspace)', optional: true, placeholder: 'T0123ABCD' },
        { path: 'params.scimUrl', label: 'SCIM base URL', optional: true, placeholder: 'https://api.slack.com/scim/v2/' },
        { path: 'params.clientId', label: 'App client id (token rotation)', optional: true },
        { path: 'secrets.clientSecret', label: 'App client secret (token rotation)', optional: true },
        { path: 'secrets.refreshToken', label: 'Refresh token (token rotation)', optional: true },
      ];
    case 'salesforce':
      return [
        { path: 'params.clientId', label: 'Consumer key', optional: false },
        { path: 'secrets.clientSecret', label: 'Consumer secret', optional: false },
        ...(authKind === 'oauth_authorization_code'
          ? [{ path: 'secrets.refreshToken', label: 'Refresh token', optional: true, hint: 'Leave blank and use "Connect with Salesforce" after saving.' }]
          : []),
        { path: 'params.apiVersion', label: 'API version', optional: true, placeholder: '62.0' },
      ];
    case 'zendesk':
      if (authKind === 'api_token') {
        return [
          { path: 'params.email', label: 'Agent email the token belongs to', optional: false, placeholder: 'ops@acme.com' },
          { path: 'secrets.apiToken', label: 'API token', optional: false },
        ];
      }
      if (authKind === 'oauth_client_credentials') {
        return [
          { path: 'params.clientId', label: 'OAuth client id', optional: false },
          { path: 'secrets.clientSecret', label: 'OAuth client secret', optional: false },
          { path: 'params.scope', label: 'Scope', optional: true, placeholder: 'read write' },
        ];
      }
      return [
        { path: 'params.clientId', label: 'OAuth client id', optional: false },
        { path: 'secrets.clientSecret', label: 'OAuth client secret', optional: false, hint: 'Then use "Connect with Zendesk" after saving.' },
      ];
    case 'custom':
      return [
        { path: 'params.definition', label: 'App definition (JSON)', optional: false, multiline: true, hint: 'See docs: endpoints, paging, auth, reclaim template.' },
        { path: 'params.username', label: 'User name (basic auth)', optional: true },
        { path: 'params.clientId', label: 'OAuth client id', optional: true },
        { path: 'secrets.apiKey', label: 'API key / password', optional: true },
        { path: 'secrets.token', label: 'Bearer token', optional: true },
        { path: 'secrets.clientSecret', label: 'OAuth client secret', optional: true },
      ];
  }
}

export interface ProfileFormState {
  mode: 'create' | 'edit';
  profileId?: string;
  vendor?: Vendor;
  authKind?: string;
  /** Where to tell the admin how it went (the command's channel); the DM is used when absent. */
  channelId?: string;
  /** Current values (edit, or values kept across a reshape). Never secret values. */
  values?: {
    displayName?: string;
    baseUrl?: string;
    params?: Record<string, string>;
    downloadActivity?: boolean;
    analyzeFrom?: string | null;
    reclaim?: boolean;
    downloadConsumption?: boolean;
    defaultInactivityDays?: number;
  };
  /** Edit: which secrets are stored (shown as "saved — leave blank to keep"). */
  secretsSet?: string[];
}

/** What the modal carries between requests (Slack returns it on every action and on submit). */
export interface ProfileModalMetadata {
  mode: 'create' | 'edit';
  profileId?: string;
  vendor?: Vendor;
  authKind?: string;
  channelId?: string;
  secretsSet?: string[];
}

export function connBlockId(path: string): string {
  return `conn:${path}`;
}

function textInput(blockId: string, label: string, opts: { optional?: boolean; initial?: string; placeholder?: string; multiline?: boolean; hint?: string; maxLength?: number }): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plain(label, MAX.labelText),
    ...(opts.hint ? { hint: plain(opts.hint, MAX.labelText) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: VALUE,
      ...(opts.multiline ? { multiline: true } : {}),
      ...(opts.maxLength ? { max_length: opts.maxLength } : {}),
      ...(opts.initial ? { initial_value: clip(opts.initial, MAX.initialValue) } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, MAX.placeholder) } : {}),
    },
  };
}

export function profileModal(state: ProfileFormState): ModalView {
  const { vendor, mode } = state;
  const v = state.values ?? {};
  const authKinds = vendor ? AUTH_KINDS_BY_VENDOR[vendor] : [];
  const authKind = state.authKind && authKinds.includes(state.authKind) ? state.authKind : authKinds[0];
  const blocks: KnownBlock[] = [];

  if (mode === 'create') {
    const vendorOptions: PlainTextOption[] = VENDORS.map((x) => option(VENDOR_LABELS[x], x));
    blocks.push({
      type: 'input',
      block_id: 'vendor',
      dispatch_action: true,
      label: plain('Vendor'),
      element: {
        type: 'static_select',
        action_id: VENDOR_SELECT,
        placeholder: plain('Choose the app'),
        options: vendorOptions,
        ...(vendor ? { initial_option: vendorOptions.find((o) => o.value === vendor)! } : {}),
      },
    });
  } else if (vendor) {
    blocks.push(context(`Vendor: *${VENDOR_LABELS[vendor]}* (a profile keeps its vendor)`));
  }
  if (!vendor) {
    blocks.push(context('Choose a vendor to see its connection fields.'));
    return wrap(state, blocks, false);
  }

  blocks.push(textInput('displayName', 'Display name', { initial: v.displayName, placeholder: `e.g. Acme ${VENDOR_LABELS[vendor]}`, maxLength: 80 }));
  const hint = BASE_URL_HINTS[vendor];
  blocks.push(textInput('baseUrl', hint.label, { optional: hint.optional, initial: v.baseUrl, placeholder: hint.placeholder }));
  if (authKinds.length > 1) {
    const authOptions = authKinds.map((k) => option(AUTH_LABELS[k] ?? k, k));
    blocks.push({
      type: 'input',
      block_id: 'authKind',
      dispatch_action: true,
      label: plain('Grant type'),
      element: { type: 'static_select', action_id: AUTH_SELECT, options: authOptions, initial_option: authOptions.find((o) => o.value === authKind)! },
    });
  }
  const secretsSet = new Set(state.secretsSet ?? []);
  for (const f of connectionFields(vendor, authKind ?? '')) {
    const saved = isSecret(f.path) && secretsSet.has(f.path.slice('secrets.'.length));
    blocks.push(
      textInput(connBlockId(f.path), f.label, {
        // On an edit a saved secret may stay blank (kept); a new one is required only when none is saved.
        optional: f.optional || saved || (mode === 'edit' && isSecret(f.path)),
        initial: isSecret(f.path) ? undefined : v.params?.[f.path.slice('params.'.length)],
        placeholder: saved ? 'saved — leave blank to keep' : f.placeholder,
        multiline: f.multiline,
        hint: f.hint,
      }),
    );
  }

  blocks.push({ type: 'divider' });
  blocks.push(section('*Subflows*'));
  const switches: PlainTextOption[] = [];
  if (hasActivitySubflow(vendor)) switches.push(option('Download activity', 'downloadActivity'));
  switches.push(option('Reclaim (off: candidates are proposed, never reclaimed)', 'reclaim'));
  if (hasConsumptionSubflow(vendor)) switches.push(option('Download consumption', 'downloadConsumption'));
  const on = switches.filter((o) => {
    const key = o.value as 'downloadActivity' | 'reclaim' | 'downloadConsumption';
    return v[key] ?? (key === 'downloadActivity' ? hasActivitySubflow(vendor) : key === 'reclaim' ? true : hasConsumptionSubflow(vendor));
  });
  blocks.push({
    type: 'input',
    block_id: 'subflows',
    optional: true,
    label: plain('Switches'),
    element: { type: 'checkboxes', action_id: VALUE, options: switches, ...(on.length > 0 ? { initial_options: on } : {}) },
  });
  if (hasActivitySubflow(vendor)) {
    blocks.push({
      type: 'input',
      block_id: 'analyzeFrom',
      optional: true,
      label: plain('Analyze activity from'),
      hint: plain('Default: 60 days back'),
      element: { type: 'datepicker', action_id: VALUE, ...(v.analyzeFrom ? { initial_date: v.analyzeFrom } : {}) },
    });
  }
  blocks.push({
    type: 'input',
    block_id: 'defaultInactivityDays',
    optional: true,
    label: plain('Unused after (days) for generated rules'),
    element: { type: 'number_input', action_id: VALUE, is_decimal_allowed: false, min_value: '1', max_value: '3650', initial_value: String(v.defaultInactivityDays ?? 60) },
  });
  return wrap(state, blocks, true);
}

function wrap(state: ProfileFormState, blocks: KnownBlock[], canSubmit: boolean): ModalView {
  const meta: ProfileModalMetadata = {
    mode: state.mode,
    ...(state.profileId ? { profileId: state.profileId } : {}),
    ...(state.vendor ? { vendor: state.vendor } : {}),
    ...(state.authKind ? { authKind: state.authKind } : {}),
    ...(state.channelId ? { channelId: state.channelId } : {}),
    ...(state.secretsSet ? { secretsSet: state.secretsSet } : {}),
  };
  return {
    type: 'modal',
    callback_id: PROFILE_MODAL,
    title: plain(state.mode === 'create' ? 'New profile' : 'Edit profile', MAX.modalTitle),
    close: plain('Cancel', MAX.modalButton),
    ...(canSubmit ? { submit: plain(state.mode === 'create' ? 'Create' : 'Save', MAX.modalButton) } : {}),
    private_metadata: JSON.stringify(meta),
    blocks: blocks.slice(0, MAX.viewBlocks),
  };
}

/** Block ids of the inputs present for a vendor and auth kind (errors may only name these). */
export function inputBlockIds(view: ModalView): Set<string> {
  return new Set(view.blocks.filter((b): b is InputBlock => b.type === 'input').map((b) => b.block_id!));
}
