// A believable demo Grid org: names, emails at the demo domain, a mix of seat types and activity.
import type { FakeSlackOrg, FakeSlackUser } from './org.js';
import { seededRandom } from '../demo-random.js';

const FIRST = ['Ava', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Uma', 'Victor', 'Wen', 'Yara', 'Zane'];
const LAST = ['Adams', 'Brooks', 'Chen', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Kim', 'Lopez', 'Moreau', 'Novak', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Weber'];

const DAY = 86_400_000;

/**
 * Adds `n` members (plus Slackbot): ~2% admins, ~1% owners, 8% multi-channel and 5% single-channel guests,
 * 2% bots, 5% deactivated; last activity within a week (25%), a month (35%), half a year (20%), a year (12%),
 * never (8%).
 */
export function seedDemoOrg(org: FakeSlackOrg, n: number, opts: { seed?: number; now?: number } = {}): FakeSlackUser[] {
  const rand = seededRandom(opts.seed ?? 42);
  const now = opts.now ?? Date.now();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const added: FakeSlackUser[] = [];
  if (!org.user('USLACKBOT')) added.push(org.addUser({ id: 'USLACKBOT', username: 'slackbot', fullName: 'Slackbot', email: `slackbot@${org.domain}`, workspaces: org.workspaces.map((w) => w.id) }));
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const r = rand();
    const isBot = r < 0.02;
    const isUltra = !isBot && r < 0.07;
    const isRestricted = !isBot && r < 0.15;
    const role = rand();
    const a = rand();
    const lastActiveAgo = a < 0.25 ? 1 + rand() * 6 : a < 0.6 ? 7 + rand() * 23 : a < 0.8 ? 30 + rand() * 150 : a < 0.92 ? 180 + rand() * 185 : undefined;
    const activeDays: Date[] = [];
    if (lastActiveAgo !== undefined) {
      const lastDay = now - Math.floor(lastActiveAgo) * DAY;
      activeDays.push(new Date(lastDay));
      for (let k = 0; k < 3; k++) activeDays.push(new Date(lastDay - Math.floor(1 + rand() * 60) * DAY));
    }
    const workspaces = org.workspaces.filter((_, w) => w === 0 || rand() < 0.4).map((w) => w.id);
    const username = isBot ? `${last.toLowerCase()}-bot-${i + 1}` : `${first}.${last}${i + 1}`.toLowerCase();
    added.push(
      org.addUser({
        username,
        fullName: isBot ? `${last} Bot` : `${first} ${last}`,
        email: `${username}@${org.domain}`,
        isBot,
        isUltraRestricted: isUltra,
        isRestricted: isRestricted || isUltra,
        isAdmin: !isRestricted && !isBot && role < 0.03,
        isOwner: !isRestricted && !isBot && role < 0.01,
        active: rand() >= 0.05,
        createdTs: Math.floor((now - (400 + rand() * 900) * DAY) / 1000),
        workspaces,
        activeDays: isBot ? [] : activeDays,
      }),
    );
  }
  return added;
}
