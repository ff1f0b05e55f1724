// Connection input problems as people read them: "API token is required", not zod's "Invalid input: expected
// string, received undefined". The schemas keep their own messages where they wrote one; this fills in the rest.
import type { z } from 'zod';
import type { Vendor } from '../domain/vendor.js';

/** What each connection field is called on the profile form (keys of params/secrets, and baseUrl). */
const LABELS: Record<string, string> = {
  baseUrl: 'Address',
  email: 'Agent email',
  apiToken: 'API token',
  accessToken: 'Access token',
  refreshToken: 'Refresh token',
  clientId: 'OAuth client id',
  clientSecret: 'OAuth client secret',
  scope: 'Scope',
  apiVersion: 'API version',
  teamId: 'Workspace id',
  scimUrl: 'SCIM base URL',
  definition: 'App definition',
  username: 'User name',
  apiKey: 'API key',
  token: 'Bearer token',
};

const VENDOR_LABELS: Partial<Record<Vendor, Record<string, string>>> = {
  salesforce: { baseUrl: 'My Domain URL', clientId: 'Consumer key', clientSecret: 'Consumer secret' },
  zendesk: { baseUrl: 'Zendesk address' },
  slack_grid: { baseUrl: 'Slack API URL', accessToken: 'Org-wide user token', clientId: 'App client id', clientSecret: 'App client secret' },
};

/** The form's name for a connection field path ("secrets.apiToken" → "API token"). */
export function fieldLabel(vendor: Vendor, path: readonly PropertyKey[]): string {
  const key = String(path.length === 1 ? path[0] : (path[1] ?? path[0] ?? ''));
  return VENDOR_LABELS[vendor]?.[key] ?? LABELS[key] ?? key;
}

/**
 * A per-parse error map for a connection schema: a field that is missing or empty is "required"; every other
 * problem keeps zod's message unless the schema wrote its own (schema messages take precedence over this map).
 */
export function connectionErrorMap(vendor: Vendor): z.core.$ZodErrorMap {
  return (issue) => {
    const label = fieldLabel(vendor, issue.path ?? []);
    const missing = issue.input === undefined || issue.input === null || (typeof issue.input === 'string' && issue.input.trim() === '');
    if (missing && (issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'invalid_format')) return `${label} is required`;
    if (issue.code === 'invalid_type') return `${label} must be text`;
    return undefined;
  };
}

/**
 * Some schemas wrote their messages as what to enter ("the consumer secret"): those become an instruction
 * ("Enter the consumer secret"); other lower-case fragments start with a capital.
 */
export function asSentence(message: string): string {
  if (/^(the|a|an) /.test(message)) return `Enter ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}
