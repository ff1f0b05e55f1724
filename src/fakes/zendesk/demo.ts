// Believable demo users for the fake Zendesk: names, demo-domain emails, a mix of seat types, and
// last logins spread over the past year (some never). Deterministic for a given seed.
import type { FakeZendeskOrg, FakeZendeskUser, NewFakeUser } from './org.js';
import { seededRandom } from '../demo-random.js';

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Olivia', 'Mateo', 'Sofia', 'Lucas', 'Mia', 'Amir', 'Yuki', 'Priya', 'Chen', 'Fatima', 'Jonas', 'Elena', 'Kwame', 'Ines', 'Omar', 'Hana', 'Diego', 'Zoe', 'Ravi', 'Lena', 'Tomas', 'Aisha', 'Felix', 'Nora', 'Samuel', 'Ingrid'];
const LAST = ['Garcia', 'Smith', 'Nguyen', 'Müller', 'Rossi', 'Kowalski', 'Tanaka', 'Okafor', 'Silva', 'Johansson', 'Patel', 'Dubois', 'Kim', 'Haddad', 'Novak', 'Lopez', 'Brown', 'Schmidt', 'Mensah', 'Ivanova', 'Costa', 'Murphy', 'Sato', 'Hansen', 'Ali'];

export interface SeedDemoOptions {
  domain?: string;
  seed?: number;
  now?: Date;
}

const DAY_MS = 86_400_000;

/**
 * Adds `n` users: about 58% agents, 15% light agents, 5% admins, 17% end-users (not seats), with 3% of
 * agents suspended and 2% of all users deleted; 8% never logged in, the rest within the last 365 days,
 * skewed to recent logins with a long idle tail.
 */
export function seedDemoUsers(org: FakeZendeskOrg, n: number, opts: SeedDemoOptions = {}): FakeZendeskUser[] {
  const rand = seededRandom(opts.seed ?? 42);
  const domain = opts.domain ?? 'demo-company.example';
  const now = (opts.now ?? new Date()).getTime();
  const added: FakeZendeskUser[] = [];
  for (let i = 0; i < n; i++) {
    const first = FIRST[Math.floor(rand() * FIRST.length)]!;
    const last = LAST[Math.floor(rand() * LAST.length)]!;
    const local = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
    let email = `${local}@${domain}`;
    if (org.userByEmail(email)) email = `${local}${i}@${domain}`;
    const kind = rand();
    const input: NewFakeUser = { name: `${first} ${last}`, email };
    if (kind < 0.58) input.role = 'agent';
    else if (kind < 0.73) input.lightAgent = true;
    else if (kind < 0.78) input.role = 'admin';
    else input.role = 'end-user';
    if (input.role === 'agent' && rand() < 0.03) input.suspended = true;
    if (rand() < 0.02) input.active = false;
    const login = rand();
    // Squaring skews logins towards recent days; 8% never signed in.
    input.lastLoginAt = login < 0.08 ? null : new Date(now - Math.floor(((login - 0.08) / 0.92) ** 2 * 365 * DAY_MS) - Math.floor(rand() * DAY_MS));
    input.createdAt = new Date(now - 400 * DAY_MS - Math.floor(rand() * 1000) * DAY_MS);
    const user = org.addUser(input);
    if (input.active === false) org.deleteUser(user.id);
    added.push(user);
  }
  return added;
}
