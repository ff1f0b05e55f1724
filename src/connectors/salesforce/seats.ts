// Which Salesforce users hold a human seat, and how a User record becomes a VendorSeat.
import type { SeatFlags, VendorSeat } from '../../domain/vendor.js';
import type { UserSeatRecord } from './wire.js';

/** Portal, community, Chatter-only and guest users are not paid internal seats (baton-salesforce's list). */
const NON_HUMAN_USER_TYPES = new Set(['CspLitePortal', 'CustomerSuccess', 'PowerCustomerSuccess', 'CsnOnly', 'Guest']);

/** Chatter Free (correction 4): a seat that costs nothing. */
const FREE_LICENSE_KEYS = new Set(['CSN_User']);

export const USER_SEAT_FIELDS = [
  'Id',
  'Name',
  'Email',
  'Username',
  'IsActive',
  'UserType',
  'LastLoginDate',
  'CreatedDate',
  'Profile.Name',
  'Profile.UserLicense.LicenseDefinitionKey',
  'Profile.UserLicense.Name',
];

/** Why a user is not a seat we manage, or undefined when it is one. */
export function skipReason(rec: UserSeatRecord): string | undefined {
  const userType = rec.UserType ?? '';
  if (userType === '') return 'empty UserType';
  if (NON_HUMAN_USER_TYPES.has(userType)) return `UserType ${userType}`;
  const key = rec.Profile?.UserLicense?.LicenseDefinitionKey;
  if (!key) return 'no user licence on the profile';
  if (key.startsWith('PID_DigitalAgent')) return 'agent licence';
  if (key.endsWith('_INTEGRATION_USER')) return 'integration licence';
  if (key === 'PID_XOrg_Proxy_User') return 'cross-org proxy licence';
  return undefined;
}

export function toVendorSeat(rec: UserSeatRecord, integrationUserId: string | undefined): VendorSeat {
  const license = rec.Profile?.UserLicense;
  const key = license?.LicenseDefinitionKey ?? '';
  const flags: SeatFlags = {};
  if (integrationUserId !== undefined && sameId(rec.Id, integrationUserId)) flags.integrationUser = true;
  if (rec.Profile?.Name === 'System Administrator') flags.admin = true;
  if (FREE_LICENSE_KEYS.has(key)) flags.free = true;
  const seat: VendorSeat = {
    userId: rec.Id,
    email: rec.Email ?? null,
    name: rec.Name ?? null,
    licenseType: key,
    active: rec.IsActive,
    lastActivityAt: rec.LastLoginDate ?? null,
    flags,
  };
  if (license?.Name) seat.licenseName = license.Name;
  return seat;
}

/** 15- and 18-character ids name the same record when the first 15 characters match. */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/** A Salesforce record id (15 or 18 alphanumerics): also what keeps it safe inside a SOQL literal. */
export function isSalesforceId(id: string): boolean {
  return /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id);
}
