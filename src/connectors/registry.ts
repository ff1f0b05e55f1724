// Builds a vendor connector from a profile's decrypted connection, and checks connection input per vendor.
import type { z } from 'zod';
import { VendorError } from '../domain/errors.js';
import type { Connector, Vendor } from '../domain/vendor.js';
import { asSentence, connectionErrorMap } from './field-messages.js';
import { createCustomConnector, customConnectionSchema } from './custom/index.js';
import { createSalesforceConnector, salesforceConnectionSchema } from './salesforce/index.js';
import { createSlackGridConnector, slackGridConnectionSchema } from './slack_grid/index.js';
import type { ConnectionInput, ConnectorOptions } from './types.js';
import { createZendeskConnector, zendeskConnectionSchema } from './zendesk/index.js';

const FACTORIES: Record<Vendor, (opts: ConnectorOptions) => Connector> = {
  slack_grid: createSlackGridConnector,
  salesforce: createSalesforceConnector,
  zendesk: createZendeskConnector,
  custom: createCustomConnector,
};

const SCHEMAS: Record<Vendor, z.ZodType> = {
  slack_grid: slackGridConnectionSchema,
  salesforce: salesforceConnectionSchema,
  zendesk: zendeskConnectionSchema,
  custom: customConnectionSchema,
};

/** Which auth kinds each vendor accepts, in the order a form offers them. */
export const AUTH_KINDS_BY_VENDOR: Record<Vendor, readonly string[]> = {
  slack_grid: ['oauth_user_token'],
  salesforce: ['oauth_client_credentials', 'oauth_authorization_code'],
  zendesk: ['api_token', 'oauth_client_credentials', 'oauth_authorization_code'],
  custom: ['custom'],
};

export interface FieldError {
  /** Dotted path into the connection input, e.g. "params.email" or "secrets.apiToken". */
  path: string;
  message: string;
}

export type CheckedConnection = { ok: true; connection: ConnectionInput } | { ok: false; errors: FieldError[] };

/** Validates connection input for its vendor; errors carry the path of each bad field (for inline modal errors). */
export function checkConnection(input: ConnectionInput): CheckedConnection {
  const schema = SCHEMAS[input.vendor];
  if (!schema) return { ok: false, errors: [{ path: 'vendor', message: `Unknown vendor "${String(input.vendor)}"` }] };
  const parsed = schema.safeParse(input, { error: connectionErrorMap(input.vendor) });
  if (parsed.success) {
    const c = parsed.data as Partial<ConnectionInput>;
    // Schemas may fill defaults (Slack's API URL); keep the shape ConnectionInput promises.
    return {
      ok: true,
      connection: {
        vendor: input.vendor,
        baseUrl: c.baseUrl ?? input.baseUrl,
        authKind: c.authKind ?? input.authKind,
        params: stringRecord(c.params ?? input.params),
        secrets: stringRecord(c.secrets ?? input.secrets),
      },
    };
  }
  // A field of its own gets a sentence; messages inside a custom app definition stay as the definition check wrote them.
  return { ok: false, errors: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.path.length <= 2 ? asSentence(i.message) : i.message })) };
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export type ConnectorFactory = (opts: ConnectorOptions) => Connector;

/** The product's connector factory: the real vendor connectors, nothing else. */
export const createConnector: ConnectorFactory = (opts) => {
  const factory = FACTORIES[opts.connection.vendor];
  if (!factory) throw new VendorError('config', `No connector for vendor "${String(opts.connection.vendor)}"`);
  return factory(opts);
};
