import { describe, expect, it } from 'vitest';
import {
  PROFILE_EVENT_TYPES,
  isProfileValidated,
  transitionProfile,
  type ProfileEventType,
  type ProfileSnapshot,
} from '../../src/domain/profile-state.js';

// State codes: d/p = draft/published, v/V = not validated/validated, a/A = download activity off/on.
// A published profile is always validated (publishing needs it, and everything that clears it also drafts).
function decode(code: string): ProfileSnapshot {
  return { status: code[0] === 'p' ? 'published' : 'draft', validated: code[1] === 'V', downloadActivity: code[2] === 'A' };
}

// The whole machine, written out by hand: "<state> <event> -> <next> [effects]" or "<state> <event> ! <reason>".
const TABLE = `
dva validate_ok -> dVa
dva validate_failed -> dva
dva publish ! Validate the connection before publishing
dva unpublish ! The profile is not published
dva edit_connection -> dva
dva turn_off_download_activity ! Download activity is already off
dva turn_on_download_activity -> dvA
dva edit_other -> dva
dvA validate_ok -> dVA
dvA validate_failed -> dvA
dvA publish ! Validate the connection before publishing
dvA unpublish ! The profile is not published
dvA edit_connection -> dvA
dvA turn_off_download_activity -> dva
dvA turn_on_download_activity ! Download activity is already on
dvA edit_other -> dvA
dVa validate_ok -> dVa
dVa validate_failed -> dva
dVa publish -> pVa schedule_jobs
dVa unpublish ! The profile is not published
dVa edit_connection -> dva
dVa turn_off_download_activity ! Download activity is already off
dVa turn_on_download_activity -> dVA
dVa edit_other -> dVa
dVA validate_ok -> dVA
dVA validate_failed -> dvA
dVA publish -> pVA schedule_jobs
dVA unpublish ! The profile is not published
dVA edit_connection -> dvA
dVA turn_off_download_activity -> dVa
dVA turn_on_download_activity ! Download activity is already on
dVA edit_other -> dVA
pVa validate_ok -> pVa
pVa validate_failed -> pVa
pVa publish ! The profile is already published
pVa unpublish -> dVa cancel_all_jobs
pVa edit_connection -> dva cancel_all_jobs
pVa turn_off_download_activity ! Download activity is already off
pVa turn_on_download_activity -> pVA schedule_activity_job
pVa edit_other -> pVa
pVA validate_ok -> pVA
pVA validate_failed -> pVA
pVA publish ! The profile is already published
pVA unpublish -> dVA cancel_all_jobs
pVA edit_connection -> dvA cancel_all_jobs
pVA turn_off_download_activity -> dva cancel_all_jobs
pVA turn_on_download_activity ! Download activity is already on
pVA edit_other -> pVA
`;

interface Row {
  from: string;
  event: ProfileEventType;
  next?: string;
  effects?: string[];
  reason?: string;
}

const ROWS: Row[] = TABLE.trim()
  .split('\n')
  .map((line) => {
    const [from, event, arrow, ...rest] = line.split(' ');
    if (arrow === '->') return { from: from!, event: event as ProfileEventType, next: rest[0]!, effects: rest.slice(1) };
    return { from: from!, event: event as ProfileEventType, reason: rest.join(' ') };
  });

describe('profile state machine: full table', () => {
  it('covers every reachable state with every event', () => {
    const states = ['dva', 'dvA', 'dVa', 'dVA', 'pVa', 'pVA'];
    const covered = new Set(ROWS.map((r) => `${r.from} ${r.event}`));
    for (const s of states) for (const e of PROFILE_EVENT_TYPES) expect(covered.has(`${s} ${e}`), `${s} ${e}`).toBe(true);
    expect(ROWS).toHaveLength(states.length * PROFILE_EVENT_TYPES.length);
  });

  it.each(ROWS.map((r) => [`${r.from} ${r.event}`, r] as const))('%s', (_name, row) => {
    const result = transitionProfile(decode(row.from), { type: row.event });
    if (row.reason !== undefined) {
      expect(result).toEqual({ ok: false, reason: row.reason });
    } else {
      expect(result).toEqual({ ok: true, next: decode(row.next!), effects: row.effects });
    }
  });
});

describe('profile state machine: key cases', () => {
  it('publishes only a validated draft', () => {
    const draft: ProfileSnapshot = { status: 'draft', validated: false, downloadActivity: true };
    expect(transitionProfile(draft, { type: 'publish' })).toEqual({
      ok: false,
      reason: 'Validate the connection before publishing',
    });
    const validated = transitionProfile(draft, { type: 'validate_ok' });
    expect(validated.ok && validated.next.validated).toBe(true);
    if (!validated.ok) throw new Error('validate_ok refused');
    const published = transitionProfile(validated.next, { type: 'publish' });
    expect(published).toEqual({
      ok: true,
      next: { status: 'published', validated: true, downloadActivity: true },
      effects: ['schedule_jobs'],
    });
  });

  it('turning Download activity off after publishing drafts the profile, clears validation and stops its jobs', () => {
    const result = transitionProfile(
      { status: 'published', validated: true, downloadActivity: true },
      { type: 'turn_off_download_activity' },
    );
    expect(result).toEqual({
      ok: true,
      next: { status: 'draft', validated: false, downloadActivity: false },
      effects: ['cancel_all_jobs'],
    });
    if (!result.ok) return;
    expect(transitionProfile(result.next, { type: 'publish' })).toMatchObject({ ok: false });
  });

  it('editing the connection of a published profile needs a new validation before republishing', () => {
    const edited = transitionProfile({ status: 'published', validated: true, downloadActivity: false }, { type: 'edit_connection' });
    expect(edited).toMatchObject({ ok: true, next: { status: 'draft', validated: false }, effects: ['cancel_all_jobs'] });
  });

  it('does not mutate its input', () => {
    const current: ProfileSnapshot = { status: 'published', validated: true, downloadActivity: true };
    transitionProfile(current, { type: 'edit_connection' });
    expect(current).toEqual({ status: 'published', validated: true, downloadActivity: true });
  });
});

describe('isProfileValidated', () => {
  const t = (iso: string) => new Date(iso);
  it('is false without a validation', () => expect(isProfileValidated(null, null)).toBe(false));
  it('is true when validated and the connection never changed', () =>
    expect(isProfileValidated(t('2026-01-02T00:00:00Z'), null)).toBe(true));
  it('is true when validated after (or at) the last connection change', () => {
    expect(isProfileValidated(t('2026-01-02T00:00:00Z'), t('2026-01-01T00:00:00Z'))).toBe(true);
    expect(isProfileValidated(t('2026-01-02T00:00:00Z'), t('2026-01-02T00:00:00Z'))).toBe(true);
  });
  it('is false when the connection changed after the validation', () =>
    expect(isProfileValidated(t('2026-01-02T00:00:00Z'), t('2026-01-02T00:00:01Z'))).toBe(false));
});
