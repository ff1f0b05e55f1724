// The one place for job names, their default schedules and the shape of per-profile job data.
//
// Agenda's job name is the job type. Several profiles share one name (every published profile has a
// "download subscriptions" job); their rows differ by data.profileId. A recurring per-profile row also carries
// `recurring: true` so that a one-off "run now" for the same profile is never mistaken for (or merged into)
// the recurring schedule.

export const JOBS = {
  subscriptions: 'profile:download-subscriptions',
  activity: 'profile:refresh-activity',
  consumption: 'profile:download-consumption',
  evaluate: 'profile:evaluate',
  reclaim: 'reclaim:execute',
  reconcile: 'reconcile',
} as const;

export type JobKey = keyof typeof JOBS;
export type JobName = (typeof JOBS)[JobKey];

/** Default intervals (Agenda human-interval strings). Services may pass others. */
export const SCHEDULES = {
  subscriptions: '1 day',
  activity: '1 day',
  consumption: '1 day',
  evaluate: '1 day',
  reclaim: '5 minutes',
  reconcile: '1 day',
} as const satisfies Record<JobKey, string>;

/** Jobs that exist once per integration profile. */
export const PER_PROFILE_JOBS: readonly JobName[] = [JOBS.subscriptions, JOBS.activity, JOBS.consumption, JOBS.evaluate];

/** Jobs that exist once per installation. */
export const GLOBAL_JOBS: readonly JobName[] = [JOBS.reclaim, JOBS.reconcile];

export function isPerProfileJob(name: string): boolean {
  return (PER_PROFILE_JOBS as readonly string[]).includes(name);
}

const DISPLAY: Record<JobName, (profile: string) => string> = {
  [JOBS.subscriptions]: (p) => `Download ${p} Subscriptions`,
  [JOBS.activity]: (p) => `Refresh ${p} Activity`,
  [JOBS.consumption]: (p) => `Download ${p} Consumption`,
  [JOBS.evaluate]: (p) => `Evaluate ${p} Reclamation Rules`,
  [JOBS.reclaim]: () => 'Execute Approved Reclamations',
  [JOBS.reconcile]: () => 'Reconcile Entitlements',
};

/** The name an admin sees, e.g. "Refresh Acme Slack Activity" (the seeds' "Refresh <display name> Activity"). */
export function jobDisplayName(name: string, profileDisplayName = ''): string {
  const render = DISPLAY[name as JobName];
  return render ? render(profileDisplayName) : name;
}

export interface PerProfileJobData {
  profileId: string;
  /** Present on the recurring row only; one-off runs leave it out. */
  recurring?: true;
  [key: string]: unknown;
}

/** Data for a one-off run of a per-profile job. */
export function profileRunData(profileId: string, extra: Record<string, unknown> = {}): PerProfileJobData {
  return { ...extra, profileId };
}

/** Data stored on a profile's recurring job row. */
export function recurringProfileData(profileId: string, extra: Record<string, unknown> = {}): PerProfileJobData {
  return { ...extra, profileId, recurring: true };
}

/**
 * Agenda `unique` key selecting a profile's recurring row of one job name (Agenda adds `name = …` itself).
 * Values are compared as text (`data->>'key' = value`), hence the string 'true'.
 */
export function recurringProfileUnique(profileId: string): Record<string, string> {
  return { 'data.profileId': profileId, 'data.recurring': 'true' };
}
