// The in-memory Salesforce org behind the fake: users, profiles, user / permission-set / package
// licences and package assignments, plus the SOQL evaluation over them. Tests seed and inspect it.
import { SoqlError, type SoqlCondition, type SoqlQuery, type SoqlValue } from './soql.js';

export type SfRecord = Record<string, unknown> & { Id: string };

export interface SfUser extends SfRecord {
  FirstName: string | null;
  LastName: string;
  Name: string;
  Email: string | null;
  Username: string;
  IsActive: boolean;
  UserType: string;
  /** Salesforce's format: 2024-01-31T12:34:56.000+0000; null when the user never logged in. */
  LastLoginDate: string | null;
  CreatedDate: string;
  ProfileId: string;
}

export interface SfProfile extends SfRecord {
  Name: string;
  UserLicenseId: string;
}

export interface SfUserLicense extends SfRecord {
  Name: string;
  MasterLabel: string;
  LicenseDefinitionKey: string;
  Status: string;
  TotalLicenses: number;
}

export interface SfPermissionSetLicense extends SfRecord {
  MasterLabel: string;
  DeveloperName: string;
  PermissionSetLicenseKey: string;
  Status: string;
  TotalLicenses: number;
  UsedLicenses: number;
  ExpirationDate: string | null;
}

export interface SfPackageLicense extends SfRecord {
  NamespacePrefix: string;
  Status: string;
  /** -1 = licensed for the whole org (site licence). */
  AllowedLicenses: number;
  ExpirationDate: string | null;
}

export interface SfUserPackageLicense extends SfRecord {
  UserId: string;
  PackageLicenseId: string;
}

/** What the fake enforces for the user a token runs as. */
export interface UserPermissions {
  apiEnabled: boolean;
  viewSetup: boolean;
  manageUsers: boolean;
}

export interface NewUser {
  firstName?: string | null;
  lastName: string;
  email?: string | null;
  username?: string;
  /** Profile by name; default the first profile of `licenseKey`, else "Standard User". */
  profileName?: string;
  licenseKey?: string;
  isActive?: boolean;
  userType?: string;
  lastLoginAt?: Date | null;
  createdAt?: Date;
}

export function formatSfDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

const USER_TYPE_BY_LICENSE: Record<string, string> = {
  CSN_User: 'CsnOnly',
  PID_Customer_Community: 'CspLitePortal',
  PID_Partner_Community: 'PowerPartner',
  PID_Guest_User: 'Guest',
};

interface Relation {
  object: string;
  resolve(rec: SfRecord): SfRecord | null;
}

interface ObjectDef {
  name: string;
  fields: Map<string, string>; // lower-case → canonical
  relations: Map<string, [string, Relation]>;
  records(): SfRecord[];
  /** Records come back already in Id order, so ORDER BY Id needs no sort. */
  idOrdered: boolean;
}

export class FakeSalesforceOrg {
  readonly organizationId = '00D000000000001AAA';
  readonly users: SfUser[] = [];
  private readonly usersById = new Map<string, SfUser>();
  private usersSorted = true;
  readonly profiles: SfProfile[] = [];
  readonly userLicenses: SfUserLicense[] = [];
  readonly permissionSetLicenses: SfPermissionSetLicense[] = [];
  readonly packageLicenses: SfPackageLicense[] = [];
  readonly userPackageLicenses = new Map<string, SfUserPackageLicense>();
  readonly permissions = new Map<string, UserPermissions>();
  /** Users Salesforce refuses to deactivate (default workflow user, hierarchy reference...), with the reason. */
  readonly cannotDeactivate = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly defs: Map<string, ObjectDef>;
  /** The user a client-credentials token runs as, and the owner of issued refresh tokens by default. */
  integrationUser: SfUser;

  constructor(readonly domain = 'acme-demo.example') {
    this.addUserLicense('SFDC', 'Salesforce', 100);
    this.addUserLicense('AUL', 'Salesforce Platform', 50);
    this.addUserLicense('CSN_User', 'Chatter Free', 5000);
    this.addUserLicense('PID_Customer_Community', 'Customer Community', 1000);
    this.addUserLicense('SFDC_INTEGRATION_USER', 'Salesforce Integration', 5);
    this.addUserLicense('PID_Guest_User', 'Guest User License', 25);
    this.addProfile('System Administrator', 'SFDC');
    this.addProfile('Standard User', 'SFDC');
    this.addProfile('Standard Platform User', 'AUL');
    this.addProfile('Chatter Free User', 'CSN_User');
    this.addProfile('Customer Community User', 'PID_Customer_Community');
    this.addProfile('Minimum Access - API Only Integrations', 'SFDC_INTEGRATION_USER');
    this.addProfile('Site Guest User', 'PID_Guest_User');
    this.integrationUser = this.addUser({
      firstName: 'Integration',
      lastName: 'User',
      email: `integration@${domain}`,
      username: `integration@${domain}`,
      profileName: 'System Administrator',
      lastLoginAt: new Date(),
    });
    this.defs = this.buildDefs();
  }

  newId(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}000000${n.toString(36).toUpperCase().padStart(6, '0')}AAA`;
  }

  addUserLicense(key: string, name: string, total: number, status = 'Active'): SfUserLicense {
    const lic: SfUserLicense = { Id: this.newId('100'), Name: name, MasterLabel: name, LicenseDefinitionKey: key, Status: status, TotalLicenses: total };
    this.userLicenses.push(lic);
    return lic;
  }

  userLicense(key: string): SfUserLicense {
    const lic = this.userLicenses.find((l) => l.LicenseDefinitionKey === key);
    if (!lic) throw new Error(`fake org: no user licence ${key}`);
    return lic;
  }

  addProfile(name: string, licenseKey: string): SfProfile {
    const profile: SfProfile = { Id: this.newId('00e'), Name: name, UserLicenseId: this.userLicense(licenseKey).Id };
    this.profiles.push(profile);
    return profile;
  }

  private profileFor(input: NewUser): SfProfile {
    if (input.profileName) {
      const p = this.profiles.find((x) => x.Name === input.profileName);
      if (!p) throw new Error(`fake org: no profile ${input.profileName}`);
      return p;
    }
    if (input.licenseKey) {
      const licId = this.userLicense(input.licenseKey).Id;
      const p = this.profiles.find((x) => x.UserLicenseId === licId && x.Name !== 'System Administrator') ?? this.profiles.find((x) => x.UserLicenseId === licId);
      if (!p) throw new Error(`fake org: no profile for licence ${input.licenseKey}`);
      return p;
    }
    return this.profiles.find((x) => x.Name === 'Standard User')!;
  }

  licenseOfProfile(profileId: string): SfUserLicense | null {
    const p = this.profiles.find((x) => x.Id === profileId);
    return p ? (this.userLicenses.find((l) => l.Id === p.UserLicenseId) ?? null) : null;
  }

  addUser(input: NewUser & { id?: string }): SfUser {
    const profile = this.profileFor(input);
    const license = this.userLicenses.find((l) => l.Id === profile.UserLicenseId)!;
    const id = input.id ?? this.newId('005');
    const first = input.firstName ?? null;
    const email = input.email === undefined ? `${(first ?? 'user').toLowerCase()}.${input.lastName.toLowerCase()}@${this.domain}` : input.email;
    const user: SfUser = {
      Id: id,
      FirstName: first,
      LastName: input.lastName,
      Name: first ? `${first} ${input.lastName}` : input.lastName,
      Email: email,
      Username: input.username ?? `${id.toLowerCase()}.${email ?? 'user'}`,
      IsActive: input.isActive ?? true,
      UserType: input.userType ?? USER_TYPE_BY_LICENSE[license.LicenseDefinitionKey] ?? 'Standard',
      LastLoginDate: input.lastLoginAt ? formatSfDateTime(input.lastLoginAt) : null,
      CreatedDate: formatSfDateTime(input.createdAt ?? new Date(Date.now() - 400 * 86_400_000)),
      ProfileId: profile.Id,
    };
    const last = this.users[this.users.length - 1];
    if (last && last.Id > id) this.usersSorted = false;
    this.users.push(user);
    this.usersById.set(id, user);
    this.permissions.set(id, { apiEnabled: true, viewSetup: true, manageUsers: true });
    return user;
  }

  getUser(id: string): SfUser | undefined {
    return this.usersById.get(id);
  }

  setPermissions(userId: string, perms: Partial<UserPermissions>): void {
    const current = this.permissions.get(userId) ?? { apiEnabled: true, viewSetup: true, manageUsers: true };
    this.permissions.set(userId, { ...current, ...perms });
  }

  addPermissionSetLicense(key: string, label: string, total: number, used: number): SfPermissionSetLicense {
    const psl: SfPermissionSetLicense = {
      Id: this.newId('0PL'),
      MasterLabel: label,
      DeveloperName: key,
      PermissionSetLicenseKey: key,
      Status: 'Active',
      TotalLicenses: total,
      UsedLicenses: used,
      ExpirationDate: null,
    };
    this.permissionSetLicenses.push(psl);
    return psl;
  }

  addPackageLicense(namespace: string, allowed: number, status = 'Active'): SfPackageLicense {
    const pkg: SfPackageLicense = { Id: this.newId('050'), NamespacePrefix: namespace, Status: status, AllowedLicenses: allowed, ExpirationDate: null };
    this.packageLicenses.push(pkg);
    return pkg;
  }

  assignPackageLicense(userId: string, packageLicenseId: string): SfUserPackageLicense {
    const upl: SfUserPackageLicense = { Id: this.newId('051'), UserId: userId, PackageLicenseId: packageLicenseId };
    this.userPackageLicenses.set(upl.Id, upl);
    return upl;
  }

  packageLicensesOf(userId: string): SfUserPackageLicense[] {
    return [...this.userPackageLicenses.values()].filter((u) => u.UserId === userId);
  }

  /** Active users holding each user licence, the way Salesforce counts UsedLicenses. */
  usedUserLicenses(): Map<string, number> {
    const licenseByProfile = new Map(this.profiles.map((p) => [p.Id, p.UserLicenseId]));
    const used = new Map<string, number>();
    for (const u of this.users) {
      if (!u.IsActive) continue;
      const lic = licenseByProfile.get(u.ProfileId);
      if (lic) used.set(lic, (used.get(lic) ?? 0) + 1);
    }
    return used;
  }

  private usedPackageLicenses(): Map<string, number> {
    const used = new Map<string, number>();
    for (const upl of this.userPackageLicenses.values()) used.set(upl.PackageLicenseId, (used.get(upl.PackageLicenseId) ?? 0) + 1);
    return used;
  }

  private buildDefs(): Map<string, ObjectDef> {
    const byId = <T extends SfRecord>(list: T[]) => (id: unknown) => list.find((r) => r.Id === id) ?? null;
    const def = (name: string, fields: string[], relations: Record<string, Relation>, records: () => SfRecord[], idOrdered = true): ObjectDef => ({
      name,
      fields: new Map(fields.map((f) => [f.toLowerCase(), f])),
      relations: new Map(Object.entries(relations).map(([k, r]) => [k.toLowerCase(), [k, r]])),
      records,
      idOrdered,
    });
    const defs: ObjectDef[] = [
      def(
        'User',
        ['Id', 'FirstName', 'LastName', 'Name', 'Email', 'Username', 'IsActive', 'UserType', 'LastLoginDate', 'CreatedDate', 'ProfileId'],
        { Profile: { object: 'Profile', resolve: (r) => byId(this.profiles)(r.ProfileId) } },
        () => {
          if (!this.usersSorted) {
            this.users.sort((a, b) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
            this.usersSorted = true;
          }
          return this.users;
        },
      ),
      def('Profile', ['Id', 'Name', 'UserLicenseId'], { UserLicense: { object: 'UserLicense', resolve: (r) => byId(this.userLicenses)(r.UserLicenseId) } }, () => this.profiles),
      def('UserLicense', ['Id', 'Name', 'MasterLabel', 'LicenseDefinitionKey', 'Status', 'TotalLicenses', 'UsedLicenses'], {}, () => {
        const used = this.usedUserLicenses();
        return this.userLicenses.map((l) => ({ ...l, UsedLicenses: used.get(l.Id) ?? 0 }));
      }),
      def(
        'PermissionSetLicense',
        ['Id', 'MasterLabel', 'DeveloperName', 'PermissionSetLicenseKey', 'Status', 'TotalLicenses', 'UsedLicenses', 'ExpirationDate'],
        {},
        () => this.permissionSetLicenses,
      ),
      def('PackageLicense', ['Id', 'NamespacePrefix', 'Status', 'AllowedLicenses', 'UsedLicenses', 'ExpirationDate'], {}, () => {
        const used = this.usedPackageLicenses();
        return this.packageLicenses.map((p) => ({ ...p, UsedLicenses: used.get(p.Id) ?? 0 }));
      }),
      def(
        'UserPackageLicense',
        ['Id', 'UserId', 'PackageLicenseId'],
        { PackageLicense: { object: 'PackageLicense', resolve: (r) => byId(this.packageLicenses)(r.PackageLicenseId) } },
        () => [...this.userPackageLicenses.values()],
      ),
    ];
    return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
  }

  objectDef(name: string): ObjectDef {
    const d = this.defs.get(name.toLowerCase());
    if (!d) {
      throw new SoqlError(
        'INVALID_TYPE',
        `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    }
    return d;
  }

  /** Canonical path segments for a field reference, or INVALID_FIELD as Salesforce words it. */
  resolvePath(def: ObjectDef, path: string): string[] {
    const parts = path.split('.');
    const out: string[] = [];
    let current = def;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1) {
        const f = current.fields.get(part.toLowerCase());
        if (!f) throw new SoqlError('INVALID_FIELD', `No such column '${part}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
        out.push(f);
      } else {
        const rel = current.relations.get(part.toLowerCase());
        if (!rel) throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${part}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`);
        out.push(rel[0]);
        current = this.objectDef(rel[1].object);
      }
    }
    return out;
  }

  private valueAt(def: ObjectDef, rec: SfRecord | null, path: string[]): unknown {
    let d = def;
    let r = rec;
    for (let i = 0; i < path.length - 1; i++) {
      if (!r) return null;
      const rel = d.relations.get(path[i]!.toLowerCase())![1];
      r = rel.resolve(r);
      d = this.objectDef(rel.object);
    }
    return r ? (r[path[path.length - 1]!] ?? null) : null;
  }

  /** Runs a parsed query: the matching records in order, and the paths to serialise for each. */
  select(q: SoqlQuery): { def: ObjectDef; rows: SfRecord[]; paths: string[][] } {
    const def = this.objectDef(q.object);
    const paths = q.fields.map((f) => this.resolvePath(def, f));
    const conds = q.where.map((c) => ({ c, path: this.resolvePath(def, c.field) }));
    // A user looked up by Id (every reclaim does it) should not scan 100,000 users.
    const byId = def.name === 'User' ? conds.find(({ c, path }) => c.op === '=' && path.length === 1 && path[0] === 'Id') : undefined;
    let rows: SfRecord[] = byId ? [this.usersById.get(String(byId.c.values[0]))].filter((u): u is SfUser => u !== undefined) : def.records();
    if (conds.length > 0) rows = rows.filter((r) => conds.every(({ c, path }) => matches(c, this.valueAt(def, r, path))));
    if (q.orderBy) {
      const path = this.resolvePath(def, q.orderBy.field);
      const alreadyOrdered = def.idOrdered && path.length === 1 && path[0] === 'Id' && !q.orderBy.descending;
      if (!alreadyOrdered) {
        const dir = q.orderBy.descending ? -1 : 1;
        rows = [...rows].sort((a, b) => dir * compare(this.valueAt(def, a, path), this.valueAt(def, b, path)));
      }
    }
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    return { def, rows, paths };
  }

  /** One record the way the REST API sends it: `attributes` plus the selected fields, relationships nested. */
  serialize(def: ObjectDef, rec: SfRecord, paths: string[][], apiVersion: string): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: { type: def.name, url: `/services/data/v${apiVersion}/sobjects/${def.name}/${rec.Id}` } };
    const nested = new Map<string, string[][]>();
    for (const p of paths) {
      if (p.length === 1) out[p[0]!] = rec[p[0]!] ?? null;
      else nested.set(p[0]!, [...(nested.get(p[0]!) ?? []), p.slice(1)]);
    }
    for (const [name, sub] of nested) {
      const rel = def.relations.get(name.toLowerCase())![1];
      const related = rel.resolve(rec);
      out[name] = related ? this.serialize(this.objectDef(rel.object), related, sub, apiVersion) : null;
    }
    return out;
  }
}

function matches(c: SoqlCondition, v: unknown): boolean {
  const eq = (x: SoqlValue) => (x === null ? v === null || v === undefined : v === x);
  switch (c.op) {
    case '=':
      return eq(c.values[0]!);
    case '!=':
      return !eq(c.values[0]!);
    case 'IN':
      return c.values.some(eq);
    case 'NOT IN':
      return !c.values.some(eq);
  }
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}
