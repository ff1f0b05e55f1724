// A believable demo company for the fake Salesforce org: names, emails at the org's domain, a mix of
// licences and user types, logins spread over the last year (some never), a few package seats.
import type { FakeSalesforceOrg, SfUser } from './org.js';
import { seededRandom } from '../demo-random.js';

const FIRST = ['Ava', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Farid', 'Grace', 'Hiro', 'Isla', 'Jonas', 'Keira', 'Liam', 'Maya', 'Noah', 'Olga', 'Pedro', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wes', 'Xin', 'Yara', 'Zoe'];
const LAST = ['Anders', 'Brooks', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Gupta', 'Hughes', 'Ivanova', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Quispe', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Walsh', 'Yilmaz', 'Zhang'];

export interface DemoOptions {
  seed?: number;
  now?: Date;
}

/**
 * Adds `n` users: ~68% Salesforce (5% of them admins), 15% Platform, 8% Chatter Free, 4% community,
 * 3% inactive Salesforce users, 2% integration users; ~12% never logged in. A quarter of the Salesforce
 * users hold a CPQ package seat. Licence totals are raised to leave some headroom.
 */
export function seedDemoOrg(org: FakeSalesforceOrg, n: number, opts: DemoOptions = {}): SfUser[] {
  const rand = seededRandom(opts.seed ?? 42);
  const now = (opts.now ?? new Date()).getTime();
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
  const cpq = org.packageLicenses.find((p) => p.NamespacePrefix === 'SBQQ') ?? org.addPackageLicense('SBQQ', 0);
  if (!org.packageLicenses.some((p) => p.NamespacePrefix === 'dsfs')) org.addPackageLicense('dsfs', -1);
  if (!org.permissionSetLicenses.some((p) => p.PermissionSetLicenseKey === 'SalesforceCPQ_CPQStandardPerm')) {
    org.addPermissionSetLicense('SalesforceCPQ_CPQStandardPerm', 'Salesforce CPQ License', Math.ceil(n * 0.2) + 5, Math.ceil(n * 0.15));
  }
  const added: SfUser[] = [];
  let cpqSeats = 0;
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const r = rand();
    let profileName = 'Standard User';
    let isActive = true;
    if (r < 0.034) profileName = 'System Administrator';
    else if (r < 0.68) profileName = 'Standard User';
    else if (r < 0.83) profileName = 'Standard Platform User';
    else if (r < 0.91) profileName = 'Chatter Free User';
    else if (r < 0.95) profileName = 'Customer Community User';
    else if (r < 0.98) isActive = false;
    else profileName = 'Minimum Access - API Only Integrations';
    const never = rand() < 0.12;
    const lastLoginAt = never ? null : new Date(now - Math.floor(rand() * 365 * 86_400_000));
    const email = `${first.toLowerCase()}.${last.toLowerCase()}${i}@${org.domain}`;
    const user = org.addUser({
      firstName: first,
      lastName: last,
      email,
      username: email,
      profileName,
      isActive,
      lastLoginAt,
      createdAt: new Date(now - (400 + Math.floor(rand() * 1500)) * 86_400_000),
    });
    if (profileName === 'Standard User' && isActive && rand() < 0.25) {
      org.assignPackageLicense(user.Id, cpq.Id);
      cpqSeats++;
    }
    added.push(user);
  }
  if (cpq.AllowedLicenses >= 0) cpq.AllowedLicenses = Math.max(cpq.AllowedLicenses, Math.ceil(cpqSeats * 1.1) + 2);
  const used = org.usedUserLicenses();
  for (const lic of org.userLicenses) {
    const u = used.get(lic.Id) ?? 0;
    lic.TotalLicenses = Math.max(lic.TotalLicenses, Math.ceil(u * 1.1) + 5);
  }
  return added;
}
