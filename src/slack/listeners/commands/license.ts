// `/license <subcommand>`: parse (pure), ack within Slack's 3 s, check the role, then one service call whose
// result comes back through response_url (ephemeral). Modals open right after the ack, with the trigger id.
import type { AllMiddlewareArgs, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ServiceError } from '../../../services/errors.js';
import type { LabelledJobRun, SyncRequest } from '../../../services/sync-service.js';
import type { SlackDeps } from '../../app.js';
import {
  auditMessage,
  entitlementsMessage,
  helpMessage,
  jobsMessage,
  profilesMessage,
  reportMessage,
  rulesMessage,
  statusMessage,
  textMessage,
  usageMessage,
  validationMessage,
  type EntitlementLine,
  type SlackMessage,
} from '../../blocks/messages.js';
import { profileModal } from '../../blocks/profile-modal.js';
import { openCandidatesMessage } from '../../candidate-list.js';
import { loadOverview } from '../../overview.js';
import type { Role } from '../../roles.js';
import { afterAck, ephemeral } from '../support.js';
import { openEditProfileModal } from '../views/open-profile-modal.js';
import { publishHomeFor } from '../events/app-home-opened.js';
import { parseLicenseCommand, type LicenseCommand } from './parse-license.js';

/** The role each subcommand needs; null: anyone. */
export const REQUIRED_ROLE: Record<LicenseCommand['kind'], Role | null> = {
  help: null,
  status: 'approver',
  profiles: 'approver',
  new: 'admin',
  edit: 'admin',
  validate: 'admin',
  publish: 'admin',
  unpublish: 'admin',
  sync: 'admin',
  candidates: 'approver',
  rules: 'approver',
  exclude: 'approver',
  entitlements: 'approver',
  report: 'approver',
  jobs: 'approver',
  audit: 'approver',
};

const ATTEMPTED: Partial<Record<LicenseCommand['kind'], string>> = {
  new: 'create integration profiles',
  edit: 'edit integration profiles',
  validate: 'validate integration profiles',
  publish: 'publish integration profiles',
  unpublish: 'unpublish integration profiles',
  sync: 'start a sync',
  exclude: 'exclude people from reclaims',
};

interface Run {
  deps: SlackDeps;
  user: string;
  channelId: string;
  triggerId: string;
  client: WebClient;
  reply(msg: SlackMessage): Promise<unknown>;
}

export function licenseCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseLicenseCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack(ephemeral(usageMessage(parsed.message)));
      return;
    }
    if (parsed.command.kind === 'help') {
      await ack(ephemeral(helpMessage(parsed.command.topic)));
      return;
    }
    await ack();
    const reply = (msg: SlackMessage) => respond(ephemeral(msg));
    const run: Run = { deps, user: command.user_id, channelId: command.channel_id, triggerId: command.trigger_id, client, reply };
    await afterAck(deps.logger, `/license ${parsed.command.kind}`, () => runLicenseCommand(parsed.command, run, command.text ?? ''), (text) => tell(respond, text));
  };
}

const tell = (respond: RespondFn, text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });

export async function runLicenseCommand(cmd: LicenseCommand, run: Run, rawText: string): Promise<void> {
  const { deps, user } = run;
  const { services } = deps;
  const role = REQUIRED_ROLE[cmd.kind];
  if (role) {
    const check = await deps.roles.check(user, role, ATTEMPTED[cmd.kind] ?? `use \`/license ${cmd.kind}\``, { type: 'command', id: `/license ${rawText.trim()}`.slice(0, 200) });
    if (!check.ok) {
      await run.reply(textMessage(check.message));
      return;
    }
  }
  switch (cmd.kind) {
    case 'help':
      return void (await run.reply(helpMessage(cmd.topic)));
    case 'status':
      return void (await run.reply(statusMessage(await loadOverview(services))));
    case 'report':
      return void (await run.reply(reportMessage(await loadOverview(services))));
    case 'profiles':
      return void (await run.reply(profilesMessage(await services.profiles.list())));
    case 'new':
      await run.client.views.open({ trigger_id: run.triggerId, view: profileModal({ mode: 'create', channelId: run.channelId, ...(cmd.vendor ? { vendor: cmd.vendor } : {}) }) });
      return;
    case 'edit': {
      const profile = await services.profiles.resolve(cmd.profile);
      await openEditProfileModal(deps, run.client, run.triggerId, profile.id, run.channelId);
      return;
    }
    case 'validate': {
      const profile = await services.profiles.resolve(cmd.profile);
      await run.reply(textMessage(`Validating "${profile.displayName}"…`));
      const { profile: after, report } = await services.profiles.validate(user, profile.id);
      await run.reply(validationMessage(after, report));
      await publishHomeFor(deps, run.client, user);
      return;
    }
    case 'publish':
    case 'unpublish': {
      const profile = await services.profiles.resolve(cmd.profile);
      const after = cmd.kind === 'publish' ? await services.profiles.publish(user, profile.id) : await services.profiles.unpublish(user, profile.id);
      await run.reply(
        textMessage(
          cmd.kind === 'publish'
            ? `"${after.displayName}" is published: its first download runs now, then daily.`
            : `"${after.displayName}" is back to draft; its scheduled jobs are removed.`,
        ),
      );
      await publishHomeFor(deps, run.client, user);
      return;
    }
    case 'sync': {
      const targets = cmd.profile === null ? await services.profiles.list().then((all) => all.filter((p) => p.status === 'published')) : [await services.profiles.resolve(cmd.profile)];
      if (targets.length === 0) return void (await run.reply(textMessage('No published profiles to sync.')));
      // Long work runs as the profile's job (one at a time per profile, on whichever replica picks it up).
      const requests: SyncRequest[] = [];
      for (const p of targets) requests.push(await services.sync.requestSync(p.id, user));
      await run.reply(textMessage(`Started: ${requests.map((r) => r.label).join(', ')}. I will report back here.`));
      // Reporting back waits for the jobs; it runs on its own so that waiting never holds up other commands.
      for (const r of requests) {
        void waitForRun(deps, r, user)
          .then((finished) => run.reply(textMessage(finished ? describeRun(finished) : `${r.label} is still running: \`/license jobs ${r.profile.displayName}\` shows it when done.`)))
          .catch((err: unknown) => deps.logger.warn({ err, profileId: r.profile.id }, 'could not report a sync back'));
      }
      return;
    }
    case 'candidates': {
      const profile = cmd.profile ? await services.profiles.resolve(cmd.profile) : null;
      await run.reply(await openCandidatesMessage(services, profile));
      return;
    }
    case 'rules': {
      const rules = services.rules;
      const profiles = cmd.profile ? [await services.profiles.resolve(cmd.profile)] : await services.profiles.list();
      const ruleRows = (await Promise.all(profiles.map((p) => rules.listReclamationRules(p.id)))).flat();
      const exclusions = cmd.profile ? await rules.listExclusions(profiles[0]!.id) : await rules.listExclusions(null);
      await run.reply(rulesMessage(cmd.profile ? profiles[0]!.displayName : 'all profiles', ruleRows, exclusions));
      return;
    }
    case 'exclude': {
      const profile = cmd.profile ? await services.profiles.resolve(cmd.profile) : null;
      let email: string | null = 'email' in cmd.target ? cmd.target.email : null;
      const slackUserId = 'slackUserId' in cmd.target ? cmd.target.slackUserId : null;
      if (slackUserId) {
        const info = await run.client.users.info({ user: slackUserId });
        email = info.user?.profile?.email?.toLowerCase() ?? null;
        if (!email && profile?.vendor !== 'slack_grid') throw new ServiceError('invalid', `I cannot see <@${slackUserId}>'s email (the bot needs users:read.email): give the email instead.`);
      }
      const rule = await services.rules.createUserExclusion(user, {
        profileId: profile?.id ?? null,
        emailPattern: email,
        // On the Slack Grid profile the member id is the vendor user id itself.
        vendorUserId: profile?.vendor === 'slack_grid' && slackUserId ? slackUserId : null,
        reason: cmd.reason ?? `Excluded from Slack by <@${user}>`,
      });
      await run.reply(textMessage(`Excluded ${rule.emailPattern ?? rule.vendorUserId} from reclaims${profile ? ` of "${profile.displayName}"` : ' of every profile'}.`));
      return;
    }
    case 'entitlements': {
      const lines: EntitlementLine[] = [];
      for (const p of await services.profiles.list()) {
        for (const { model, entitlements } of await services.entitlements.listForProfile(p.id)) {
          for (const e of entitlements) {
            lines.push({ profile: p.displayName, model: model.name, quantity: e.quantity, unitCost: e.unitCost, currency: e.currency, period: e.period === 'annual' ? 'year' : 'month', renewalDate: e.renewalDate });
          }
        }
      }
      await run.reply(entitlementsMessage(lines));
      return;
    }
    case 'jobs': {
      const profile = await services.profiles.resolve(cmd.profile);
      await run.reply(jobsMessage(await services.sync.jobHistory(profile.id, { limit: 20 })));
      return;
    }
    case 'audit':
      await run.reply(auditMessage(await services.audit.recent({ limit: 30 })));
      return;
  }
}

const RUN_POLL_MS = 500;
const RUN_WAIT_MS = 10 * 60_000;

/** The download run this user asked for, once finished (whichever replica ran it); null after the wait. */
async function waitForRun(deps: SlackDeps, request: SyncRequest, actor: string, waitMs = RUN_WAIT_MS): Promise<LabelledJobRun | null> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const mine = await deps.services.sync.requestedRun(request, actor);
    if (mine?.finishedAt) return mine;
    await new Promise((r) => setTimeout(r, RUN_POLL_MS));
  }
  return null;
}

function describeRun(run: LabelledJobRun): string {
  const c = run.counts;
  if (run.status !== 'succeeded') return `:x: ${run.label} failed: ${run.error ?? run.status}`;
  return `:white_check_mark: ${run.label}: ${c.seats ?? 0} seats — ${c.new ?? 0} new, ${c.updated ?? 0} updated, ${c.removed ?? 0} removed, ${c.unchanged ?? 0} unchanged.`;
}
