// Which Zendesk users hold a seat and of what kind: agents and admins do, light agents are their own type.
import type { VendorSeat } from '../../domain/vendor.js';
import type { ZendeskCustomRole, ZendeskUser } from './wire.js';

export const ZENDESK_LICENSE_NAMES = {
  agent: 'Zendesk agent',
  admin: 'Zendesk admin',
  light_agent: 'Zendesk light agent',
} as const;
export type ZendeskLicenseType = keyof typeof ZENDESK_LICENSE_NAMES;

/** role_type 1 is Zendesk's light agent. */
export const LIGHT_AGENT_ROLE_TYPE = 1;

/** The light-agent custom role: by role_type, else by its system name. */
export function findLightAgentRole(roles: ZendeskCustomRole[]): ZendeskCustomRole | undefined {
  return roles.find((r) => r.role_type === LIGHT_AGENT_ROLE_TYPE) ?? roles.find((r) => /^light agent$/i.test(r.name.trim()));
}

export function isLightAgent(user: ZendeskUser, lightAgentRoleId: number | undefined): boolean {
  if (user.role !== 'agent') return false;
  return user.role_type === LIGHT_AGENT_ROLE_TYPE || (lightAgentRoleId !== undefined && user.custom_role_id === lightAgentRoleId);
}

/** The seat a user holds, or undefined for end-users (not seats). */
export function licenseTypeOf(user: ZendeskUser, lightAgentRoleId: number | undefined): ZendeskLicenseType | undefined {
  if (user.role === 'admin') return 'admin';
  if (user.role !== 'agent') return undefined;
  return isLightAgent(user, lightAgentRoleId) ? 'light_agent' : 'agent';
}

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function lastActivityOf(user: ZendeskUser): Date | null {
  return parseDate(user.last_login_at);
}

/** What restore needs to put the user back: the role and the agent role before the downgrade. */
export function restoreDataOf(user: ZendeskUser): { role: string; custom_role_id: number | null } {
  return { role: user.role, custom_role_id: user.custom_role_id ?? null };
}

export function toVendorSeat(user: ZendeskUser, lightAgentRoleId: number | undefined, integrationUserId: number | undefined): VendorSeat | undefined {
  const licenseType = licenseTypeOf(user, lightAgentRoleId);
  if (!licenseType) return undefined;
  return {
    userId: String(user.id),
    email: user.email ?? null,
    name: user.name ?? null,
    licenseType,
    licenseName: ZENDESK_LICENSE_NAMES[licenseType],
    // active=false is a deleted user: it holds no seat. Suspended agents still do.
    active: user.active,
    lastActivityAt: lastActivityOf(user),
    flags: {
      admin: user.role === 'admin' || undefined,
      suspended: user.suspended === true || undefined,
      integrationUser: (integrationUserId !== undefined && user.id === integrationUserId) || undefined,
    },
    restoreData: restoreDataOf(user),
  };
}
