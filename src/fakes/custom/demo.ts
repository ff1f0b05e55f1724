// A ready definition and connection for the fake custom app, used by the sandbox's demo company.
import type { ConnectionInput } from '../../connectors/types.js';

export const DEMO_TOKEN = 'demo-custom-token';

/** Cursor-paged users, bearer auth, role → license type, deactivate/reactivate by PATCH. */
export function demoDefinition(baseUrl: string): Record<string, unknown> {
  return {
    name: 'Demo Co workspace',
    baseUrl,
    auth: { kind: 'bearer' },
    validate: { method: 'GET', path: '/me', expectStatus: 200, accountPath: 'account', userIdPath: 'id' },
    users: {
      path: '/cursor/users',
      recordsPath: 'items',
      idPath: 'id',
      emailPath: 'emails[primary=true].value',
      namePath: 'profile.display_name',
      licenseTypePath: 'role',
      licenseTypeMap: { owner: 'pro', admin: 'pro', member: 'standard', viewer: null },
      licenseNames: { pro: 'Pro', standard: 'Standard' },
      statusPath: 'status',
      activeValues: ['active'],
      lastActivityPath: 'last_login_at',
      lastActivityFormat: 'iso8601',
      flags: { owner: { path: 'role', values: ['owner'] }, admin: { path: 'role', values: ['owner', 'admin'] } },
      pagination: { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', hasMorePath: 'has_more', sizeParam: 'limit', pageSize: 100 },
    },
    reclaim: { method: 'PATCH', path: '/users/{id}', body: { status: 'deactivated' }, precheck: { path: '/users/{id}' } },
    restore: { method: 'PATCH', path: '/users/{id}', body: { status: 'active' }, precheck: { path: '/users/{id}' } },
    rateLimit: { maxConcurrency: 4, requestsPerMinute: 6000, burst: 50 },
  };
}

/** A connection the custom connector accepts for the fake's default credentials. */
export function demoConnection(baseUrl: string): ConnectionInput {
  return { vendor: 'custom', baseUrl, authKind: 'custom', params: { definition: JSON.stringify(demoDefinition(baseUrl)) }, secrets: { token: DEMO_TOKEN } };
}
