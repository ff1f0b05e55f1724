// Reads the profile modal's submitted state into ProfileService input, and maps field errors to block ids.
import type { ViewStateValue } from '@slack/bolt';
import type { FieldError } from '../../../connectors/registry.js';
import type { Vendor } from '../../../domain/vendor.js';
import type { ConnectionForm, ProfileFields } from '../../../services/profile-service.js';
import { AUTH_KINDS_BY_VENDOR } from '../../../connectors/registry.js';
import { connBlockId, connectionFields, VALUE, type ProfileModalMetadata } from '../../blocks/profile-modal.js';

export type ViewValues = Record<string, Record<string, ViewStateValue>>;

export interface ProfileForm {
  fields: Partial<ProfileFields> & { displayName: string };
  connection: ConnectionForm;
  /** Problems found before any service call (block id → message). */
  errors: Record<string, string>;
}

const text = (values: ViewValues, blockId: string): string => {
  const v = values[blockId]?.[VALUE];
  return (v?.value ?? '').trim();
};

export function readProfileForm(values: ViewValues, meta: ProfileModalMetadata, vendor: Vendor, now: Date): ProfileForm {
  const errors: Record<string, string> = {};
  const authKinds = AUTH_KINDS_BY_VENDOR[vendor];
  const chosenAuth = values.authKind?.[Object.keys(values.authKind ?? {})[0] ?? '']?.selected_option?.value ?? meta.authKind;
  const authKind = chosenAuth && authKinds.includes(chosenAuth) ? chosenAuth : authKinds[0]!;

  const params: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const f of connectionFields(vendor, authKind)) {
    const value = text(values, connBlockId(f.path));
    const [kind, key] = f.path.split('.') as ['params' | 'secrets', string];
    if (value !== '') (kind === 'params' ? params : secrets)[key] = value;
  }

  const switches = new Set((values.subflows?.[VALUE]?.selected_options ?? []).map((o) => o.value));
  const fields: ProfileForm['fields'] = {
    displayName: text(values, 'displayName'),
    downloadActivity: switches.has('downloadActivity'),
    reclaim: switches.has('reclaim'),
    downloadConsumption: switches.has('downloadConsumption'),
  };
  const analyzeFrom = values.analyzeFrom?.[VALUE]?.selected_date;
  if (analyzeFrom) {
    const d = new Date(`${analyzeFrom}T00:00:00Z`);
    if (Number.isNaN(d.getTime())) errors.analyzeFrom = 'Pick a date';
    else if (d.getTime() > now.getTime()) errors.analyzeFrom = 'The analysis start cannot be in the future';
    else fields.analyzeFrom = d;
  }
  const days = text(values, 'defaultInactivityDays');
  if (days !== '') {
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 3650) errors.defaultInactivityDays = 'Enter a whole number of days between 1 and 3650';
    else fields.defaultInactivityDays = n;
  }
  if (fields.displayName === '') errors.displayName = 'Enter a display name';
  return { fields, connection: { baseUrl: text(values, 'baseUrl'), authKind, params, secrets }, errors };
}

/**
 * Field paths (ServiceError.fields, zod issue paths) → the input block that shows them. A path names its block
 * exactly ("displayName", "params.email" → "conn:params.email") or by prefix ("params.definition.auth.kind" →
 * "conn:params.definition"). Paths with no block land on `fallback` so the message is never lost.
 */
export function errorsForBlocks(fields: FieldError[], blockIds: Set<string>, fallback: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const block = blockFor(f.path, blockIds);
    const id = block ?? fallback;
    const message = block ? f.message : `${f.path}: ${f.message}`;
    out[id] = out[id] ? `${out[id]}; ${message}` : message;
  }
  for (const id of Object.keys(out)) out[id] = out[id]!.slice(0, 2000);
  return out;
}

function blockFor(path: string, blockIds: Set<string>): string | undefined {
  const alias: Record<string, string> = { downloadActivity: 'subflows', reclaim: 'subflows', downloadConsumption: 'subflows', vendor: 'vendor' };
  if (alias[path] && blockIds.has(alias[path])) return alias[path];
  if (blockIds.has(path)) return path;
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const candidate = connBlockId(parts.slice(0, n).join('.'));
    if (blockIds.has(candidate)) return candidate;
  }
  return undefined;
}
