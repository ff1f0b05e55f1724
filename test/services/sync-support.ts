// Shared pieces of the sync and evaluation tests: a notifier that records what it was told, and published
// profiles over the fake vendors.
import type { Services } from '../../src/services/index.js';
import type { ConnectionForm, ProfileFields } from '../../src/services/profile-service.js';
import type { Vendor } from '../../src/domain/vendor.js';
import type { IntegrationProfile } from '../../src/store/index.js';
import { recordingNotifier, type RecordingNotifier } from '../support/recording-notifier.js';

export { recordingNotifier, type RecordingNotifier };


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
