// Who holds which Slack seat: license type and flags from an admin.users.list user.
import type { VendorSeat } from '../../domain/vendor.js';
import type { AdminUser } from './wire.js';

export const SLACK_LICENSE_TYPES = {
  full_member: 'Full member',
  multi_channel_guest: 'Multi-channel guest',
  single_channel_guest: 'Single-channel guest',
  bot: 'Bot',
} as const;
export type SlackLicenseType = keyof typeof SLACK_LICENSE_TYPES;

/** Slackbot is not flagged is_bot but holds no seat. */
export const SLACKBOT_ID = 'USLACKBOT';

export function licenseTypeOf(u: AdminUser): SlackLicenseType {
  if (u.id === SLACKBOT_ID || u.is_bot || u.is_app_user) return 'bot';
  if (u.is_ultra_restricted) return 'single_channel_guest';
  if (u.is_restricted) return 'multi_channel_guest';
  return 'full_member';
}

/** Paid under Slack's billing: full members (owners and admins included) and multi-channel guests. */
const FREE: ReadonlySet<SlackLicenseType> = new Set(['single_channel_guest', 'bot']);

export function seatFromAdminUser(u: AdminUser, integrationUserId: string | undefined): VendorSeat {
  const licenseType = licenseTypeOf(u);
  const active = u.is_active ?? !u.deactivated_ts;
  return {
    userId: u.id,
    email: u.email || null,
    name: u.full_name || u.username || null,
    licenseType,
    licenseName: SLACK_LICENSE_TYPES[licenseType],
    active,
    flags: {
      owner: Boolean(u.is_owner || u.is_primary_owner),
      primaryOwner: Boolean(u.is_primary_owner),
      admin: Boolean(u.is_admin),
      bot: licenseType === 'bot',
      guest: licenseType === 'single_channel_guest' || licenseType === 'multi_channel_guest',
      free: FREE.has(licenseType),
      integrationUser: u.id === integrationUserId,
    },
  };
}
