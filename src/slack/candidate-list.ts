// The open candidates as `/license candidates` and the Home tab's Candidates button show them: the true count
// per state, and the first LIST_LIMIT rows.
import { OPEN_STATES } from '../domain/candidate-state.js';
import type { Services } from '../services/index.js';
import type { IntegrationProfile } from '../services/types.js';
import { candidatesMessage, type SlackMessage } from './blocks/messages.js';

export const LIST_LIMIT = 200;

export async function openCandidatesMessage(services: Services, profile: IntegrationProfile | null, limit = LIST_LIMIT): Promise<SlackMessage> {
  const filter = profile ? { profileId: profile.id } : {};
  const [rows, counts] = await Promise.all([services.reclamation.list({ ...filter, states: OPEN_STATES, limit }), services.reclamation.countByState(profile?.id)]);
  return candidatesMessage(profile?.displayName ?? null, rows, counts);
}
