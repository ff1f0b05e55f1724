// What every connector speaks: the vendor-neutral shapes of seats, activity, consumption and outcomes.

export const VENDORS = ['slack_grid', 'salesforce', 'zendesk', 'custom'] as const;
export type Vendor = (typeof VENDORS)[number];

export const VENDOR_LABELS: Record<Vendor, string> = {
  slack_grid: 'Slack Enterprise Grid',
  salesforce: 'Salesforce CRM',
  zendesk: 'Zendesk',
  custom: 'Custom app',
};

/** Flags the guards and rules look at; a connector sets the ones its vendor knows. */
export interface SeatFlags {
  owner?: boolean;
  primaryOwner?: boolean;
  admin?: boolean;
  bot?: boolean;
  guest?: boolean;
  suspended?: boolean;
  /** The account the integration itself signs in with: never reclaimed. */
  integrationUser?: boolean;
  /** The seat costs nothing (single-channel guest, Chatter Free...). */
  free?: boolean;
}

/** One license held by one user, as the vendor reports it. */
export interface VendorSeat {
  /** The vendor's id for the user (Slack W…/U…, Salesforce 005…, Zendesk number as string). */
  userId: string;
  email: string | null;
  name: string | null;
  /** The vendor's identifier for the license type (e.g. "SFDC", "agent", "full_member"). */
  licenseType: string;
  /** Human name of the license type, used when a software model is created for it. */
  licenseName?: string;
  /** false when the vendor reports the account deactivated: it then holds no seat. */
  active: boolean;
  lastActivityAt?: Date | null;
  flags: SeatFlags;
  /** Vendor fields needed to restore a reclaimed seat (previous role, custom role id...). */
  restoreData?: Record<string, unknown>;
}

export interface VendorActivity {
  userId: string;
  lastActivityAt: Date;
}

export interface LicenseCount {
  licenseType: string;
  licenseName: string;
  /** user | permission_set | package */
  kind: 'user' | 'permission_set' | 'package';
  used: number;
  total: number;
  status?: string;
}

export interface SeatRef {
  userId: string;
  email: string | null;
  licenseType: string;
  restoreData?: Record<string, unknown>;
}

export interface ReclaimOutcome {
  /** true when this call changed the vendor; false when the seat was already free (idempotent success). */
  changed: boolean;
  /** What to keep to restore the seat later (e.g. the role before a downgrade). */
  restoreData?: Record<string, unknown>;
  detail?: string;
}

export interface ValidationCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ValidationReport {
  ok: boolean;
  checks: ValidationCheck[];
  /** Who the credentials belong to, shown to the admin ("ops@acme.com on acme.zendesk.com"). */
  account?: string;
  /** The vendor user id of the integration itself, so the guards never reclaim it. */
  integrationUserId?: string;
}

/** The one interface each vendor folder implements. */
export interface Connector {
  readonly vendor: Vendor;
  validate(): Promise<ValidationReport>;
  /** Streamed pages; a thrown error means the download is incomplete. */
  subscriptions(): AsyncIterable<VendorSeat[]>;
  activity?(since: Date): AsyncIterable<VendorActivity[]>;
  consumption?(): Promise<LicenseCount[]>;
  /** Idempotent: a seat that is already free is a success with changed=false. */
  reclaim(seat: SeatRef): Promise<ReclaimOutcome>;
  restore?(seat: SeatRef): Promise<void>;
}
