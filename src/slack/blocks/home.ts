// App Home: profiles with status and last sync, pending candidates, seats and cost per app, savings so far.
import type { ActionsBlock, Button, HomeView, KnownBlock } from '@slack/types';
import type { Overview, ProfileOverview } from '../overview.js';
import { VENDOR_LABELS } from './profile-modal.js';
import { clip, context, esc, formatDate, formatMoney, header, MAX, plain, section } from './text.js';

export const HOME_ACTIONS = {
  newProfile: 'home_new_profile',
  syncNow: 'home_sync_now',
  viewCandidates: 'home_view_candidates',
  report: 'home_report',
  refresh: 'home_refresh',
} as const;

/** Per profile: a section with its figures and an actions row. Blocks left for the header and totals. */
const BLOCKS_PER_PROFILE = 2;
const FIXED_BLOCKS = 8;

export function statusLine(p: Pick<ProfileOverview, 'status' | 'validated'>): string {
  if (p.status === 'published') return ':large_green_circle: published';
  return p.validated ? ':large_yellow_circle: draft (validated)' : ':white_circle: draft';
}

export function lastSyncLine(p: Pick<ProfileOverview, 'lastSyncAt' | 'lastSyncStatus'>): string {
  if (!p.lastSyncAt) return 'never synced';
  return `last sync ${formatDate(p.lastSyncAt)}: ${esc(clip(p.lastSyncStatus ?? 'unknown', 200))}`;
}

function button(text: string, actionId: string, value?: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', text: plain(text, MAX.buttonText), action_id: actionId, ...(value ? { value: clip(value, MAX.buttonValue) } : {}), ...(style ? { style } : {}) };
}

export function homeView(overview: Overview, opts: { isAdmin: boolean }): HomeView {
  const blocks: KnownBlock[] = [header('SaaS licenses')];
  const cur = overview.currency;
  blocks.push(
    section(
      `*${overview.profiles.length}* profiles · *${overview.pendingCandidates}* seats waiting for a decision · ` +
        `potential savings *${formatMoney(overview.potentialSavings, cur)}/yr* · saved so far *${formatMoney(overview.savingsSoFar, cur)}/yr* (${overview.reclaimedSeats} seats reclaimed)`,
    ),
  );
  const top: ActionsBlock = {
    type: 'actions',
    block_id: 'home_top',
    elements: [
      ...(opts.isAdmin ? [button('New profile', HOME_ACTIONS.newProfile, undefined, 'primary')] : []),
      button('View candidates', HOME_ACTIONS.viewCandidates),
      button('Report', HOME_ACTIONS.report),
      button('Refresh', HOME_ACTIONS.refresh),
    ],
  };
  blocks.push(top, { type: 'divider' });

  const room = Math.floor((MAX.viewBlocks - FIXED_BLOCKS) / BLOCKS_PER_PROFILE);
  const shown = overview.profiles.slice(0, room);
  if (overview.profiles.length === 0) blocks.push(section(opts.isAdmin ? 'No integration profiles yet. Press *New profile* to connect an app.' : 'No integration profiles yet.'));
  for (const p of shown) {
    const models = p.models
      .slice(0, 5)
      .map((m) => `${esc(clip(m.name, 60))}: ${m.seats} seats${m.unitCost !== null ? ` × ${formatMoney(m.unitCost, m.currency)}/yr` : ''}`)
      .join(' · ');
    const more = p.models.length > 5 ? ` · and ${p.models.length - 5} more` : '';
    blocks.push(
      section(
        `*${esc(clip(p.displayName, 80))}* (${VENDOR_LABELS[p.vendor]}) — ${statusLine(p)}\n` +
          `${lastSyncLine(p)} · ${p.seats} seats · spend ${formatMoney(p.cost, overview.currency)}/yr · ` +
          `*${p.pendingCandidates}* pending (${formatMoney(p.potentialSavings, overview.currency)}/yr unused)` +
          (models ? `\n${models}${more}` : ''),
      ),
    );
    blocks.push({
      type: 'actions',
      block_id: clip(`home_profile:${p.id}`, 255),
      elements: [
        ...(opts.isAdmin && p.status === 'published' ? [button('Sync now', HOME_ACTIONS.syncNow, p.id)] : []),
        button('Candidates', HOME_ACTIONS.viewCandidates, p.id),
        ...(opts.isAdmin ? [button('Edit', 'profile_edit', p.id), button('Validate', 'profile_validate', p.id)] : []),
      ],
    });
  }
  if (overview.profiles.length > shown.length) {
    blocks.push(context(`${overview.profiles.length - shown.length} more profiles: \`/license profiles\` lists them all.`));
  }
  blocks.push(context(`Updated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`/license help\` for every command`));
  return { type: 'home', blocks: blocks.slice(0, MAX.viewBlocks) };
}
