// Shared pieces of the sync and evaluation tests: a notifier that records what it was told, and published
// profiles over the fake vendors.
import type { CandidateNotifier } from '../../src/services/notifier.js';
import type { Services } from '../../src/services/index.js';
import type { ConnectionForm, ProfileFields } from '../../src/services/profile-service.js';
import type { Vendor } from '../../src/domain/vendor.js';
import type { IntegrationProfile } from '../../src/store/index.js';

export interface RecordingNotifier extends CandidateNotifier {
  created: Array<{ profileId: string; ids: string[] }>;
  changed: string[][];
  failures: Array<{ profileId: string | null; label: string; message: string }>;
  clear(): void;
}

export function recordingNotifier(): RecordingNotifier {
  const n: RecordingNotifier = {
    created: [],
    changed: [],
    failures: [],
    async candidatesCreated(profileId, ids) {
      n.created.push({ profileId, ids });
    },
    async candidatesChanged(ids) {
      n.changed.push(ids);
    },
    async graceExpired() {},
    async jobFailed(profileId, label, message) {
      n.failures.push({ profileId, label, message });
    },
    clear() {
      n.created.length = 0;
      n.changed.length = 0;
      n.failures.length = 0;
    },
  };
  return n;
}

/** Creates, validates and publishes a profile; fails the test with the validation report when it does not pass. */
export async function publishedProfile(
  services: Services,
  vendor: Vendor,
  fields: Partial<ProfileFields> & { displayName: string },
  connection: ConnectionForm,
): Promise<IntegrationProfile> {
  const created = await services.profiles.create('U_ADMIN', vendor, fields, connection);
  const { report } = await services.profiles.validate('U_ADMIN', created.id);
  if (!report.ok) throw new Error(`validation failed: ${JSON.stringify(report.checks)}`);
  return services.profiles.publish('U_ADMIN', created.id);
}

export const DAY_MS = 86_400_000;
export const daysAgo = (days: number, from = Date.now()) => new Date(from - days * DAY_MS);
