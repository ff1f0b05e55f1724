// Opens the edit form of a profile with its current values; secrets show only as "saved".
import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../../app.js';
import { profileModal, type ProfileFormState } from '../../blocks/profile-modal.js';

export async function editProfileState(deps: SlackDeps, profileId: string, channelId?: string): Promise<ProfileFormState> {
  const profile = await deps.services.profiles.get(profileId);
  const conn = await deps.services.profiles.connectionSummary(profile.id);
  return {
    mode: 'edit',
    profileId: profile.id,
    vendor: profile.vendor,
    ...(conn ? { authKind: conn.authKind } : {}),
    ...(channelId ? { channelId } : {}),
    secretsSet: conn?.secretsSet ?? [],
    values: {
      displayName: profile.displayName,
      ...(conn ? { baseUrl: conn.baseUrl, params: conn.params } : {}),
      downloadActivity: profile.downloadActivity,
      analyzeFrom: profile.analyzeFrom ? profile.analyzeFrom.toISOString().slice(0, 10) : null,
      reclaim: profile.reclaim,
      downloadConsumption: profile.downloadConsumption,
      defaultInactivityDays: profile.defaultInactivityDays,
    },
  };
}

export async function openEditProfileModal(deps: SlackDeps, client: WebClient, triggerId: string, profileId: string, channelId?: string): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: profileModal(await editProfileState(deps, profileId, channelId)) });
}
