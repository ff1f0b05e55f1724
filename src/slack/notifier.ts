// SlackNotifier: the engine's CandidateNotifier over Slack. After an evaluation it DMs the holders whose rule
// asks and posts one approval digest per profile (thread replies for more pages); later changes re-render the
// digest's messages in place; failed jobs become one readable line for the admins. Delivery problems are
// logged, never thrown: a Slack outage must not fail a sync or a reclaim.
import type { WebClient } from '@slack/web-api';
import { OPEN_STATES } from '../domain/candidate-state.js';
import type { Logger } from '../logger.js';
import type { CandidateView } from '../services/candidate-views.js';
import type { Services } from '../services/index.js';
import type { CandidateNotifier } from '../services/notifier.js';
import {
  pageCandidates,
  renderDigestPage,
  renderDigestParent,
  renderGraceExpiredNotice,
  renderJobFailed,
  summarize,
  type DigestProfile,
  type RenderedMessage,
} from './blocks/digest.js';
import { renderHolderDm } from './blocks/holder-dm.js';
import { DigestData, type PostedDigest } from './approvals/digest-data.js';

const DAY_MS = 86_400_000;

export interface SlackNotifierOptions {
  client: WebClient;
  services: Services;
  logger: Logger;
  /** SLACK_APPROVAL_CHANNEL; a `slack.approval_channel` setting wins over it. */
  approvalChannel?: string | undefined;
  /** Told of failed jobs by DM when no approval channel is configured. */
  adminIds?: readonly string[];
  now?: () => Date;
}

export class SlackNotifier implements CandidateNotifier {
  private readonly data: DigestData;

  constructor(private readonly opts: SlackNotifierOptions) {
    this.data = new DigestData(opts.services);
  }

  private get approvals() {
    return this.opts.services.approvals;
  }
  private get client() {
    return this.opts.client;
  }
  private get logger() {
    return this.opts.logger;
  }
  private now(): Date {
    return (this.opts.now ?? this.opts.services.ctx.now)();
  }

  async candidatesCreated(profileId: string, candidateIds: string[]): Promise<void> {
    await this.safely('holder DMs', () => this.dmHolders(candidateIds));
    await this.safely('approval digest', () => this.postDigest(profileId, candidateIds));
  }

  async candidatesChanged(candidateIds: string[]): Promise<void> {
    await this.safely('digest update', () => this.updateDigests(candidateIds));
  }

  async graceExpired(candidateIds: string[]): Promise<void> {
    await this.safely('grace expiry', async () => {
      const views = await this.data.views(candidateIds);
      const posted = views.filter((v) => v.slackTs !== null);
      await this.updateDigests(posted.map((v) => v.id));
      await this.postGraceNotices(posted);
      // Candidates never shown to approvers (Slack was down when they were created) get a digest now.
      const unposted = views.filter((v) => v.slackTs === null);
      for (const profileId of new Set(unposted.map((v) => v.profileId))) {
        await this.postDigest(profileId, unposted.filter((v) => v.profileId === profileId).map((v) => v.id));
      }
    });
  }

  async jobFailed(profileId: string | null, jobLabel: string, message: string): Promise<void> {
    await this.safely('job failure notice', async () => {
      const rendered = renderJobFailed(jobLabel, scrubSecrets(message));
      const channel = await this.approvals.approvalChannel(this.opts.approvalChannel);
      if (channel) {
        await this.client.chat.postMessage({ channel, ...rendered });
        return;
      }
      for (const admin of this.opts.adminIds ?? []) {
        const dm = await this.client.conversations.open({ users: admin });
        if (dm.channel?.id) await this.client.chat.postMessage({ channel: dm.channel.id, ...rendered });
      }
      if ((this.opts.adminIds ?? []).length === 0) this.logger.warn({ profileId, jobLabel }, 'job failed and nobody to tell in Slack: set SLACK_APPROVAL_CHANNEL or SLACK_ADMIN_IDS');
    });
  }

  /** DMs each holder whose rule asks, once; candidates whose holder has no Slack account stay with the approvers. */
  private async dmHolders(candidateIds: readonly string[]): Promise<void> {
    const views = (await this.data.viewsInOrder(candidateIds)).filter((v) => v.state === 'pending' && v.dmTs === null);
    if (views.length === 0) return;
    const costs = await this.approvals.monthlyCosts(views.map((v) => v.profileId));
    const profileNames = new Map<string, string>();
    for (const v of views) {
      const rule = await this.approvals.ruleOf(v.ruleId);
      if (!rule?.notifyUser) continue;
      const slackUserId = await this.findSlackUser(v);
      if (!slackUserId) continue;
      if (!profileNames.has(v.profileId)) profileNames.set(v.profileId, (await this.opts.services.profiles.get(v.profileId)).displayName);
      const opened = await this.client.conversations.open({ users: slackUserId });
      const channel = opened.channel?.id;
      if (!channel) continue;
      const graceUntil = new Date(this.now().getTime() + rule.graceDays * DAY_MS);
      const message = renderHolderDm({
        candidateId: v.id,
        profileName: profileNames.get(v.profileId)!,
        licenseName: v.licenseName,
        lastActivityAt: v.lastActivityAt,
        inactiveDays: v.inactiveDays,
        graceUntil,
        monthlyCost: v.modelId ? (costs.get(v.modelId) ?? null) : null,
      });
      const posted = await this.client.chat.postMessage({ channel, ...message });
      // The candidate row keeps whom the DM was for: only that user's Keep it / Release it counts.
      await this.opts.services.reclamation.markNotified(v.id, { dmUserId: slackUserId, dmChannel: posted.channel ?? channel, dmTs: posted.ts!, graceUntil });
    }
  }

  private async findSlackUser(v: CandidateView): Promise<string | null> {
    if (!v.user.email) {
      this.logger.info({ candidateId: v.id }, 'holder has no email: not asked, approvers decide');
      return null;
    }
    try {
      const found = await this.client.users.lookupByEmail({ email: v.user.email });
      return found.user?.id ?? null;
    } catch (err) {
      this.logger.info({ candidateId: v.id, err: slackErrorCode(err) }, 'holder not found in Slack: not asked, approvers decide');
      return null;
    }
  }

  /** One digest for the candidates not yet posted: the parent with the summary and the first page, then the thread. */
  private async postDigest(profileId: string, candidateIds: readonly string[]): Promise<void> {
    const views = (await this.data.viewsInOrder(candidateIds)).filter((v) => v.slackTs === null && OPEN_STATES.includes(v.state));
    if (views.length === 0) return;
    const configured = await this.approvals.approvalChannel(this.opts.approvalChannel);
    if (!configured) {
      this.logger.warn({ profileId, candidates: views.length }, 'no approval channel: set SLACK_APPROVAL_CHANNEL to post approval digests');
      return;
    }
    const profile = digestProfile(await this.opts.services.profiles.get(profileId));
    const rows = await this.data.digestRows(views);
    const pages = pageCandidates(rows);
    const parent = renderDigestParent(profile, summarize(rows), pages[0]!, pages.length);
    const posted = await this.client.chat.postMessage({ channel: configured, ...parent });
    // Slack answers with the channel's id even when the setting names it (#approvals).
    const channel = posted.channel ?? configured;
    const digest: PostedDigest = { channel, parentTs: posted.ts!, pages: [{ ts: posted.ts!, ids: pages[0]!.map((c) => c.id) }] };
    for (const c of pages[0]!) await this.approvals.setMessageRef(c.id, channel, digest.parentTs);
    await this.approvals.rememberDigest(profileId, digest);
    for (let i = 1; i < pages.length; i++) {
      const page = renderDigestPage(profile, pages[i]!, i + 1, pages.length);
      const reply = await this.client.chat.postMessage({ channel, thread_ts: digest.parentTs, ...page });
      digest.pages.push({ ts: reply.ts!, ids: pages[i]!.map((c) => c.id) });
      for (const c of pages[i]!) await this.approvals.setMessageRef(c.id, channel, reply.ts!);
      await this.approvals.rememberDigest(profileId, digest);
    }
  }

  /** Re-renders the pages holding these candidates, and each digest's parent (its summary counts them all). */
  private async updateDigests(candidateIds: readonly string[]): Promise<void> {
    const views = (await this.data.views(candidateIds)).filter((v) => v.slackChannel !== null && v.slackTs !== null);
    const touched = new Map<string, { profileId: string; digest: PostedDigest; pages: Set<string> }>();
    for (const v of views) {
      const digest = await this.approvals.digestOf(v.profileId, v.slackChannel!, v.slackTs!);
      if (!digest) {
        this.logger.debug({ candidateId: v.id }, 'digest message no longer indexed: not updated');
        continue;
      }
      const key = `${digest.channel}/${digest.parentTs}`;
      const entry = touched.get(key) ?? { profileId: v.profileId, digest, pages: new Set([digest.parentTs]) };
      entry.pages.add(v.slackTs!);
      touched.set(key, entry);
    }
    for (const { profileId, digest, pages } of touched.values()) await this.renderDigestPages(profileId, digest, pages);
  }

  private async renderDigestPages(profileId: string, digest: PostedDigest, pageTs: ReadonlySet<string>): Promise<void> {
    const profile = digestProfile(await this.opts.services.profiles.get(profileId));
    const rows = await this.data.digestRows(await this.data.viewsInOrder(digest.pages.flatMap((p) => p.ids)));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const summary = summarize(rows);
    for (const [index, page] of digest.pages.entries()) {
      if (!pageTs.has(page.ts)) continue;
      const pageRows = page.ids.flatMap((id) => byId.get(id) ?? []);
      const rendered: RenderedMessage =
        index === 0
          ? renderDigestParent(profile, summary, pageRows, digest.pages.length)
          : renderDigestPage(profile, pageRows, index + 1, digest.pages.length);
      await this.client.chat.update({ channel: digest.channel, ts: page.ts, ...rendered });
    }
  }

  private async postGraceNotices(views: readonly CandidateView[]): Promise<void> {
    const byDigest = new Map<string, { profileId: string; digest: PostedDigest; ids: string[] }>();
    for (const v of views) {
      const digest = await this.approvals.digestOf(v.profileId, v.slackChannel!, v.slackTs!);
      if (!digest) continue;
      const key = `${digest.channel}/${digest.parentTs}`;
      const entry = byDigest.get(key) ?? { profileId: v.profileId, digest, ids: [] };
      entry.ids.push(v.id);
      byDigest.set(key, entry);
    }
    for (const { profileId, digest, ids } of byDigest.values()) {
      const profile = digestProfile(await this.opts.services.profiles.get(profileId));
      const rows = await this.data.digestRows(await this.data.viewsInOrder(ids));
      await this.client.chat.postMessage({ channel: digest.channel, thread_ts: digest.parentTs, ...renderGraceExpiredNotice(profile, rows) });
    }
  }

  private async safely(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.error({ err: slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err)) }, `Slack ${what} failed`);
    }
  }
}

function digestProfile(p: { id: string; displayName: string; reclaim: boolean }): DigestProfile {
  return { id: p.id, displayName: p.displayName, reclaim: p.reclaim };
}

/** The Web API's error code (`channel_not_found`, `ratelimited`…) without the request it came from. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** A last guard for job messages: tokens and bearer credentials never reach a channel. */
export function scrubSecrets(message: string): string {
  return message
    .replace(/\bxox[a-z]-[A-Za-z0-9-]+/g, '[redacted]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/\b(access_token|refresh_token|client_secret|api_token|password|token)=([^&\s]+)/gi, '$1=[redacted]');
}
