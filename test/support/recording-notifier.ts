// A CandidateNotifier that records what the engine told it, for engine tests without Slack.
import type { CandidateNotifier } from '../../src/services/notifier.js';

export interface RecordingNotifier extends CandidateNotifier {
  created: Array<{ profileId: string; ids: string[] }>;
  changed: string[][];
  graceExpiredIds: string[][];
  failures: Array<{ profileId: string | null; label: string; message: string }>;
  clear(): void;
}

export function recordingNotifier(): RecordingNotifier {
  const n: RecordingNotifier = {
    created: [],
    changed: [],
    graceExpiredIds: [],
    failures: [],
    async candidatesCreated(profileId, ids) {
      n.created.push({ profileId, ids });
    },
    async candidatesChanged(ids) {
      n.changed.push(ids);
    },
    async graceExpired(ids) {
      n.graceExpiredIds.push(ids);
    },
    async jobFailed(profileId, label, message) {
      n.failures.push({ profileId, label, message });
    },
    clear() {
      n.created.length = 0;
      n.changed.length = 0;
      n.graceExpiredIds.length = 0;
      n.failures.length = 0;
    },
  };
  return n;
}
