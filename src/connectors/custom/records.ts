// Turns a custom app's user record into a VendorSeat through the definition's field paths.
import { VendorError } from '../../domain/errors.js';
import type { SeatFlags, VendorSeat } from '../../domain/vendor.js';
import { VENDOR } from './client.js';
import { parseActivityDate, type ActivityFormat } from './dates.js';
import type { CustomUsers } from './definition.js';
import { readPath } from './paths.js';

const asText = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Scalar equality as an admin means it in a definition: "true" matches true, "1" matches 1. */
export const sameValue = (a: unknown, b: unknown) => a === b || (a != null && b != null && String(a) === String(b));

export function readActivity(record: unknown, path: string, format: ActivityFormat, where: string, userId: string): Date | null {
  const raw = readPath(record, path);
  const date = parseActivityDate(raw, format);
  if (date === undefined) {
    throw new VendorError('bad_response', `${where}: ${JSON.stringify(raw)?.slice(0, 40)} for user ${userId} is not a ${format} date (check the format)`, { vendor: VENDOR });
  }
  return date;
}

export function readUserId(record: unknown, path: string, where: string): string {
  const id = readPath(record, path);
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new VendorError('bad_response', `${where}: a record has no id at "${path}"`, { vendor: VENDOR });
  }
  return String(id);
}

/** A seat, or null when the record's license type maps to "not a paid seat". */
export function recordToSeat(record: unknown, users: CustomUsers): VendorSeat | null {
  const userId = readUserId(record, users.idPath, 'users.idPath');
  let licenseType: string | null;
  let licenseValue: unknown;
  if (users.licenseTypePath) {
    licenseValue = readPath(record, users.licenseTypePath);
    const key = asText(licenseValue);
    const map = users.licenseTypeMap;
    if (map && key !== null && Object.hasOwn(map, key)) licenseType = map[key]!;
    else if (map && users.licenseTypeDefault !== undefined) licenseType = users.licenseTypeDefault;
    else licenseType = key;
    if (licenseType === null && !map) {
      throw new VendorError('bad_response', `users.licenseTypePath: user ${userId} has no value at "${users.licenseTypePath}"`, { vendor: VENDOR });
    }
  } else {
    licenseType = users.licenseType ?? null;
  }
  if (licenseType === null) return null;

  const email = users.emailPath ? asText(readPath(record, users.emailPath)) : null;
  const namePaths = users.namePath === undefined ? [] : Array.isArray(users.namePath) ? users.namePath : [users.namePath];
  const name = namePaths.map((p) => asText(readPath(record, p))).filter((v): v is string => v !== null).join(' ') || null;
  const active = users.statusPath ? (users.activeValues ?? []).some((v) => sameValue(readPath(record, users.statusPath!), v)) : true;
  const flags: SeatFlags = {};
  for (const [flag, rule] of Object.entries(users.flags ?? {})) {
    if (rule && rule.values.some((v) => sameValue(readPath(record, rule.path), v))) flags[flag as keyof SeatFlags] = true;
  }
  const seat: VendorSeat = { userId, email, name, licenseType, active, flags };
  const licenseName = users.licenseNames?.[licenseType];
  if (licenseName) seat.licenseName = licenseName;
  if (users.lastActivityPath) seat.lastActivityAt = readActivity(record, users.lastActivityPath, users.lastActivityFormat, 'users.lastActivityPath', userId);
  if (licenseValue !== undefined && licenseValue !== null) seat.restoreData = { licenseValue };
  return seat;
}
