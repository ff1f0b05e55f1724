// Reclaiming a Salesforce seat: deactivate the user (frees the user licence and permission-set
// licences) and delete its managed-package licence rows, which deactivation does not free
// (VENDORS.md corrections 1 and 5). Restore reactivates the user.
import { VendorError } from '../../domain/errors.js';
import type { ReclaimOutcome, SeatRef } from '../../domain/vendor.js';
import type { Logger } from '../../logger.js';
import type { SalesforceClient } from './client.js';
import { isSalesforceId } from './seats.js';
import { userPackageLicenseRecordSchema, userStateRecordSchema, type UserPackageLicenseRecord, type UserStateRecord } from './wire.js';

function checkedId(seat: SeatRef): string {
  if (!isSalesforceId(seat.userId)) {
    throw new VendorError('invalid_request', `"${seat.userId.slice(0, 40)}" is not a Salesforce user id`, { vendor: 'salesforce' });
  }
  return seat.userId;
}

async function readUser(client: SalesforceClient, id: string): Promise<UserStateRecord> {
  const [user] = await client.queryAll(`SELECT Id, Username, IsActive FROM User WHERE Id = '${id}'`, userStateRecordSchema, 'user lookup');
  if (!user) throw new VendorError('not_found', `no Salesforce user with id ${id}`, { vendor: 'salesforce', code: 'NOT_FOUND' });
  return user;
}

function previousPackageIds(seat: SeatRef): string[] {
  const ids = seat.restoreData?.packageLicenseIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

export async function reclaimSalesforceSeat(client: SalesforceClient, seat: SeatRef): Promise<ReclaimOutcome> {
  const id = checkedId(seat);
  const user = await readUser(client, id);
  const packageSeats = await client.queryAll(
    `SELECT Id, PackageLicenseId, PackageLicense.NamespacePrefix FROM UserPackageLicense WHERE UserId = '${id}'`,
    userPackageLicenseRecordSchema,
    'package licences of the user',
  );

  // Deactivate first: if Salesforce refuses, the user keeps working with every licence intact.
  let deactivated = false;
  if (user.IsActive) {
    try {
      await client.patch(`/sobjects/User/${id}`, { IsActive: false });
    } catch (err) {
      if (err instanceof VendorError && err.kind === 'invalid_request') {
        throw new VendorError('invalid_request', `Salesforce would not deactivate ${user.Username}: ${err.message}`, { ...err.details, cause: err });
      }
      throw err;
    }
    deactivated = true;
  }

  const removed: UserPackageLicenseRecord[] = [];
  for (const row of packageSeats) {
    try {
      await client.delete(`/sobjects/UserPackageLicense/${row.Id}`);
      removed.push(row);
    } catch (err) {
      if (err instanceof VendorError && err.kind === 'not_found') continue; // already gone
      const prefix = deactivated || !user.IsActive ? `${user.Username} is deactivated, but` : '';
      throw new VendorError(
        err instanceof VendorError ? err.kind : 'vendor_down',
        `${prefix} removing the ${namespace(row)} package licence failed (a second reclaim finishes the job): ${err instanceof Error ? err.message : String(err)}`.trim(),
        { ...(err instanceof VendorError ? err.details : {}), cause: err },
      );
    }
  }

  const changed = deactivated || removed.length > 0;
  if (!changed) return { changed: false, detail: `${user.Username} was already inactive and holds no package licences: nothing to change` };

  const packageLicenseIds = [...new Set([...previousPackageIds(seat), ...removed.map((r) => r.PackageLicenseId)])];
  const parts: string[] = [];
  if (deactivated) parts.push(`Deactivated ${user.Username} (IsActive=false), which frees the user licence and permission-set licences`);
  else parts.push(`${user.Username} was already inactive`);
  if (removed.length > 0) {
    parts.push(
      `removed ${removed.length} managed-package licence${removed.length === 1 ? '' : 's'} (${removed.map(namespace).join(', ')}). ` +
        'Restoring reactivates the user but does not reassign package licences: reassign them under Setup > Installed Packages > Manage Licenses',
    );
  }
  return { changed: true, restoreData: { packageLicenseIds }, detail: `${parts.join('; ')}.` };
}

function namespace(row: UserPackageLicenseRecord): string {
  return row.PackageLicense?.NamespacePrefix ?? row.PackageLicenseId;
}

export async function restoreSalesforceSeat(client: SalesforceClient, seat: SeatRef, logger?: Logger): Promise<void> {
  const id = checkedId(seat);
  const user = await readUser(client, id);
  if (!user.IsActive) {
    try {
      await client.patch(`/sobjects/User/${id}`, { IsActive: true });
    } catch (err) {
      if (err instanceof VendorError && err.kind === 'invalid_request') {
        throw new VendorError('invalid_request', `Salesforce would not reactivate ${user.Username}: ${err.message}`, { ...err.details, cause: err });
      }
      throw err;
    }
  }
  const packages = previousPackageIds(seat);
  if (packages.length > 0) {
    logger?.warn({ userId: id, packageLicenseIds: packages }, 'salesforce: user reactivated; managed-package licences removed at reclaim were not reassigned');
  }
}
