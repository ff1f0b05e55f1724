// The integration profile lifecycle: draft → (validated) → published, and what sends it back to draft.
// Follows ServiceNow SaaS License Management: publish needs a validated connection; editing the connection or
// turning Download activity off after publishing returns the profile to draft and needs a new validation.

export const PROFILE_STATUSES = ['draft', 'published'] as const;
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];

/** What the machine needs to know about a profile. */
export interface ProfileSnapshot {
  status: ProfileStatus;
  /** validated_at is set and the connection has not changed since (see isProfileValidated). */
  validated: boolean;
  downloadActivity: boolean;
}

export const PROFILE_EVENT_TYPES = [
  'validate_ok',
  'validate_failed',
  'publish',
  'unpublish',
  'edit_connection',
  'turn_off_download_activity',
  'turn_on_download_activity',
  /** Name, thresholds, the reclaim or consumption switches: nothing that invalidates the connection. */
  'edit_other',
] as const;
export type ProfileEventType = (typeof PROFILE_EVENT_TYPES)[number];
export interface ProfileEvent {
  type: ProfileEventType;
}

/**
 * Side effects the service runs after it has stored `next` (each is idempotent).
 * - schedule_jobs: create the profile's recurring jobs as its switches ask (subscriptions always, activity when
 *   downloadActivity, consumption when on).
 * - cancel_all_jobs: remove every recurring job of the profile, the activity job included (drafts are not synced).
 * - schedule_activity_job: create the activity job only.
 */
export const PROFILE_EFFECTS = ['schedule_jobs', 'cancel_all_jobs', 'schedule_activity_job'] as const;
export type ProfileEffect = (typeof PROFILE_EFFECTS)[number];

export type ProfileTransition =
  | { ok: true; next: ProfileSnapshot; effects: ProfileEffect[] }
  | { ok: false; reason: string };

const refuse = (reason: string): ProfileTransition => ({ ok: false, reason });
const accept = (next: ProfileSnapshot, effects: ProfileEffect[] = []): ProfileTransition => ({ ok: true, next, effects });

export function transitionProfile(current: ProfileSnapshot, event: ProfileEvent): ProfileTransition {
  const published = current.status === 'published';
  switch (event.type) {
    case 'validate_ok':
      return accept({ ...current, validated: true });
    case 'validate_failed':
      // A published profile was validated before publishing and its connection has not changed since (an edit
      // would have returned it to draft): a failed re-check (revoked token, vendor down) is reported by the
      // service and recorded by failing syncs, and does not unpublish by itself.
      return accept(published ? { ...current } : { ...current, validated: false });
    case 'publish':
      if (published) return refuse('The profile is already published');
      if (!current.validated) return refuse('Validate the connection before publishing');
      return accept({ ...current, status: 'published' }, ['schedule_jobs']);
    case 'unpublish':
      if (!published) return refuse('The profile is not published');
      // The connection did not change, so the validation still holds and it can be republished directly.
      return accept({ ...current, status: 'draft' }, ['cancel_all_jobs']);
    case 'edit_connection':
      return accept({ ...current, status: 'draft', validated: false }, published ? ['cancel_all_jobs'] : []);
    case 'turn_off_download_activity':
      if (!current.downloadActivity) return refuse('Download activity is already off');
      if (!published) return accept({ ...current, downloadActivity: false });
      return accept({ ...current, status: 'draft', validated: false, downloadActivity: false }, ['cancel_all_jobs']);
    case 'turn_on_download_activity':
      if (current.downloadActivity) return refuse('Download activity is already on');
      return accept({ ...current, downloadActivity: true }, published ? ['schedule_activity_job'] : []);
    case 'edit_other':
      return accept({ ...current });
  }
}

/** The `validated` flag from stored timestamps: validated after the connection's last change. */
export function isProfileValidated(validatedAt: Date | null, connectionChangedAt: Date | null): boolean {
  if (validatedAt === null) return false;
  return connectionChangedAt === null || validatedAt.getTime() >= connectionChangedAt.getTime();
}
