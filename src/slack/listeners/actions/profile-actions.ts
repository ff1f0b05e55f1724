// Buttons on profile messages and App Home: edit, validate, publish, sync; rule, exclusion and entitlement forms.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../../app.js';
import { reportMessage, textMessage, validationMessage, type SlackMessage } from '../../blocks/messages.js';
import { profileModal } from '../../blocks/profile-modal.js';
import { entitlementModal, exclusionModal, reclamationRuleModal, type ModelChoice } from '../../blocks/rule-modals.js';
import { HOME_ACTIONS } from '../../blocks/home.js';
import { openCandidatesMessage } from '../../candidate-list.js';
import { loadOverview } from '../../overview.js';
import { publishHomeFor } from '../events/app-home-opened.js';
import { openEditProfileModal } from '../views/open-profile-modal.js';
import { afterAck, dmUser, ephemeral } from '../support.js';
import type { Role } from '../../roles.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Message buttons answer in place of the message's thread (response_url); App Home buttons by DM. */
function replier(args: Args, deps: SlackDeps): (msg: SlackMessage) => Promise<unknown> {
  const user = args.body.user.id;
  return args.body.response_url ? (msg) => args.respond(ephemeral(msg)) : (msg) => dmUser(args.client, deps.logger, user, msg);
}

function button(deps: SlackDeps, role: Role, attempted: string, work: (args: Args, value: string, reply: (msg: SlackMessage) => Promise<unknown>) => Promise<void>) {
  return async (args: Args): Promise<void> => {
    await args.ack();
    const reply = replier(args, deps);
    const user = args.body.user.id;
    const value = args.action.value ?? '';
    await afterAck(
      deps.logger,
      args.action.action_id,
      async () => {
        const check = await deps.roles.check(user, role, attempted, { type: 'action', id: args.action.action_id, profileId: /^[0-9a-f-]{36}$/i.test(value) ? value : null });
        if (!check.ok) return void (await reply(textMessage(check.message)));
        await work(args, value, reply);
      },
      (text) => reply(textMessage(text)),
    );
  };
}

async function modelChoices(deps: SlackDeps, profileIds: string[]): Promise<ModelChoice[]> {
  const choices: ModelChoice[] = [];
  for (const id of profileIds) {
    const profile = await deps.services.profiles.get(id);
    for (const { model: m } of await deps.services.entitlements.listForProfile(id)) choices.push({ id: m.id, label: profileIds.length > 1 ? `${profile.displayName}: ${m.name}` : m.name });
  }
  return choices;
}

const triggerOf = (args: Args) => args.body.trigger_id;

export function profileButtons(deps: SlackDeps) {
  const syncNow = async (args: Args, id: string, reply: (msg: SlackMessage) => Promise<unknown>) => {
    const request = await deps.services.sync.requestSync(id, args.body.user.id);
    await reply(textMessage(`Started: ${request.label}.`));
  };
  const open = (client: WebClient, trigger: string, view: Parameters<WebClient['views']['open']>[0]['view']) => client.views.open({ trigger_id: trigger, view });
  return {
    profile_edit: button(deps, 'admin', 'edit integration profiles', async (args, id) => openEditProfileModal(deps, args.client, triggerOf(args), id)),
    profile_validate: button(deps, 'admin', 'validate integration profiles', async (args, id, reply) => {
      const { profile, report } = await deps.services.profiles.validate(args.body.user.id, id);
      await reply(validationMessage(profile, report));
      await publishHomeFor(deps, args.client, args.body.user.id);
    }),
    profile_publish: button(deps, 'admin', 'publish integration profiles', async (args, id, reply) => {
      const profile = await deps.services.profiles.publish(args.body.user.id, id);
      await reply(textMessage(`"${profile.displayName}" is published: its first download runs now, then daily.`));
      await publishHomeFor(deps, args.client, args.body.user.id);
    }),
    [HOME_ACTIONS.syncNow]: button(deps, 'admin', 'start a sync', syncNow),
    profile_sync: button(deps, 'admin', 'start a sync', syncNow),
    [HOME_ACTIONS.newProfile]: button(deps, 'admin', 'create integration profiles', async (args) => {
      await open(args.client, triggerOf(args), profileModal({ mode: 'create' }));
    }),
    [HOME_ACTIONS.viewCandidates]: button(deps, 'approver', 'see removal candidates', async (_args, id, reply) => {
      const profile = id ? await deps.services.profiles.get(id) : null;
      await reply(await openCandidatesMessage(deps.services, profile));
    }),
    [HOME_ACTIONS.report]: button(deps, 'approver', 'see the report', async (_args, _id, reply) => {
      await reply(reportMessage(await loadOverview(deps.services)));
    }),
    [HOME_ACTIONS.refresh]: async (args: Args) => {
      await args.ack();
      await publishHomeFor(deps, args.client, args.body.user.id);
    },
    rule_new: button(deps, 'admin', 'edit reclamation rules', async (args, name) => {
      const profile = await deps.services.profiles.resolve(name);
      await open(args.client, triggerOf(args), reclamationRuleModal(profile, await modelChoices(deps, [profile.id])));
    }),
    exclusion_new: button(deps, 'approver', 'exclude people from reclaims', async (args, name) => {
      const profiles = await deps.services.profiles.list();
      const chosen = profiles.find((p) => p.displayName.toLowerCase() === name.toLowerCase());
      await open(args.client, triggerOf(args), exclusionModal(profiles.map((p) => ({ id: p.id, label: p.displayName })), { profileId: chosen?.id ?? null }));
    }),
    entitlement_new: button(deps, 'admin', 'record entitlements', async (args) => {
      const profiles = await deps.services.profiles.list();
      await open(args.client, triggerOf(args), entitlementModal(await modelChoices(deps, profiles.map((p) => p.id))));
    }),
    /** A link button: Slack opens the URL and still sends the click; nothing to do but ack. */
    profile_oauth_link: async (args: Args) => {
      await args.ack();
    },
  };
}
