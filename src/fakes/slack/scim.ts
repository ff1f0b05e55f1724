// SCIM v2 Users at /scim/v2/: list (startIndex/count), read, DELETE = deactivate (204), PATCH active.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-server.js';
import type { FakeSlackUser } from './org.js';
import { scimErrorBody, type FakeSlack } from './server.js';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function scimUser(fake: FakeSlack, u: FakeSlackUser) {
  const [givenName, ...rest] = u.fullName.split(' ');
  return {
    schemas: [SCIM_USER],
    id: u.id,
    externalId: '',
    userName: u.username,
    nickName: u.username,
    name: { givenName: givenName ?? '', familyName: rest.join(' ') },
    displayName: u.fullName,
    active: u.active,
    emails: [{ value: u.email, primary: true }],
    userType: u.isUltraRestricted ? 'single_channel_guest' : u.isRestricted ? 'multi_channel_guest' : 'member',
    meta: { created: new Date(u.createdTs * 1000).toISOString(), location: `${fake.scimUrl}Users/${u.id}` },
  };
}

const fail = (res: ServerResponse, status: number, detail: string) => sendJson(res, status, scimErrorBody(status, detail));

export function handleScim(fake: FakeSlack, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, token: string | undefined): void {
  const identity = token ? fake.tokens.get(token) : undefined;
  if (!identity || identity.expired) return fail(res, 401, 'invalid_authentication');
  if (identity.scopes !== 'all' && !identity.scopes.includes('admin')) return fail(res, 403, 'missing_scope: admin');
  const method = req.method ?? 'GET';
  const write = method !== 'GET';
  if (fake.limitExceeded('scim', res, true)) return;
  if (write && fake.limitExceeded('scim:write', res, true)) return;

  const path = url.pathname.replace(/^\/scim\/v2\//, '');
  if (path === 'Users' && method === 'GET') {
    const start = Math.max(1, Number(url.searchParams.get('startIndex') ?? 1) || 1);
    const count = Math.min(1000, Math.max(0, Number(url.searchParams.get('count') ?? 10) || 10));
    const page = fake.org.users.slice(start - 1, start - 1 + count).map((u) => scimUser(fake, u));
    return sendJson(res, 200, { schemas: [LIST_RESPONSE], totalResults: fake.org.users.length, itemsPerPage: page.length, startIndex: start, Resources: page });
  }
  const m = /^Users\/([^/]+)$/.exec(path);
  if (!m) return fail(res, 404, 'unknown endpoint');
  const user = fake.org.user(decodeURIComponent(m[1]!));
  if (!user) return fail(res, 404, 'User not found');
  if (method === 'GET') return sendJson(res, 200, scimUser(fake, user));
  if (method === 'DELETE') {
    if (user.isPrimaryOwner) return fail(res, 403, 'cannot deactivate the primary owner');
    fake.org.setActive(user.id, false);
    res.writeHead(204);
    res.end();
    return;
  }
  if (method === 'PATCH') {
    const ops = (body as { Operations?: Array<{ op?: string; path?: string; value?: unknown }> })?.Operations;
    if (!Array.isArray(ops)) return fail(res, 400, 'Operations is required');
    for (const op of ops) {
      const active = op.path === 'active' ? op.value : (op.value as { active?: unknown } | undefined)?.active;
      if (op.op?.toLowerCase() === 'replace' && typeof active === 'boolean') fake.org.setActive(user.id, active);
    }
    return sendJson(res, 200, scimUser(fake, user));
  }
  return fail(res, 405, `method ${method} not supported`);
}
