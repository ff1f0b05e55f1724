// What the registry hands a vendor connector: the decrypted connection and the profile's options.
import type { Logger } from '../logger.js';
import type { HttpPolicyOptions } from './http.js';
import type { Vendor } from '../domain/vendor.js';

/** A profile's connection with its secrets decrypted. Secrets never leave the connector. */
export interface ConnectionInput {
  vendor: Vendor;
  /** Vendor API base (Slack API URL, Salesforce instance or login URL, Zendesk https://x.zendesk.com, custom base). */
  baseUrl: string;
  /** How to authenticate; each vendor documents its own values (api_token, oauth_client_credentials, ...). */
  authKind: string;
  /** Non-secret settings: email, clientId, teamId, loginUrl, scimUrl, apiVersion, custom definition JSON... */
  params: Record<string, string>;
  /** Secret values: apiToken, clientSecret, accessToken, refreshToken, password... */
  secrets: Record<string, string>;
}

export interface ConnectorOptions {
  connection: ConnectionInput;
  /** Profile options a connector may need (Zendesk: reclaimTo 'end-user' | 'light-agent'). */
  settings?: Record<string, unknown>;
  /** Overrides for the shared HTTP policy (tests shorten backoff; benchmarks switch rate limits). */
  http?: Partial<HttpPolicyOptions>;
  logger?: Logger;
  /** Called when the connector obtains new tokens (OAuth refresh) so they can be stored encrypted. */
  onTokens?: (secrets: Record<string, string>) => Promise<void> | void;
}
