// Every Block Kit builder of the core Slack surface, fed large inputs (200 profiles, long names, many options),
// stays within Slack's documented limits. The builders' return types are @slack/types' KnownBlock / ModalView /
// HomeView, so shapes are checked by the compiler (this file is type-checked with the rest).
import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { AUTH_KINDS_BY_VENDOR } from '../../src/connectors/registry.js';
import { VENDORS } from '../../src/domain/vendor.js';
import type { CandidateView } from '../../src/services/candidate-views.js';
import { homeView } from '../../src/slack/blocks/home.js';
import * as messages from '../../src/slack/blocks/messages.js';
import { profileModal } from '../../src/slack/blocks/profile-modal.js';
import { entitlementModal, exclusionModal, reclamationRuleModal } from '../../src/slack/blocks/rule-modals.js';
import type { Overview } from '../../src/slack/overview.js';
import type { LabelledJobRun } from '../../src/services/sync-service.js';
import type { AuditEntry, ExclusionRule, IntegrationProfile, ReclamationRule } from '../../src/services/types.js';
import { blockLimitViolations } from '../support/block-limits.js';

const LONG = 'Ω'.repeat(20) + 'x'.repeat(400) + ' <@U123> & <!channel>';
const N = 200;
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function profile(i: number, over: Partial<IntegrationProfile> = {}): IntegrationProfile {
  return {
    id: uuid(i),
    vendor: VENDORS[i % VENDORS.length]!,
    displayName: `${LONG} ${i}`,
    displayNameKey: `p${i}`,
    status: i % 2 ? 'published' : 'draft',
    validatedAt: i % 3 ? new Date() : null,
    validationReport: null,
    publishedAt: null,
    downloadActivity: true,
    analyzeFrom: new Date('2026-01-01'),
    reclaim: true,
    downloadConsumption: false,
    defaultInactivityDays: 60,
    maxReclaimShare: 0.2,
    settings: {},
    integrationUserId: null,
    lastSyncAt: i % 4 ? new Date() : null,
    lastSyncStatus: i % 4 ? `failed: ${LONG}` : null,
    createdBy: 'U1',
    version: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...over,
  } as IntegrationProfile;
}

function overview(n: number): Overview {
  return {
    profiles: Array.from({ length: n }, (_, i) => ({
      id: uuid(i),
      displayName: `${LONG} ${i}`,
      vendor: VENDORS[i % VENDORS.length]!,
      status: i % 2 ? ('published' as const) : ('draft' as const),
      validated: i % 3 === 0,
      lastSyncAt: new Date(),
      lastSyncStatus: `failed: ${LONG}`,
      seats: 100_000,
      pendingCandidates: 5000,
      models: Array.from({ length: 50 }, (_, m) => ({ name: `${LONG} model ${m}`, seats: 1000, unitCost: 1234.5, currency: 'EUR' })),
      cost: 123_456_789,
      potentialSavings: 9_999_999,
    })),
    pendingCandidates: n * 5000,
    potentialSavings: 1e9,
    savingsSoFar: 1e8,
    reclaimedSeats: 12345,
    currency: 'EUR',
  };
}

const candidate = (i: number): CandidateView =>
  ({
    id: uuid(i),
    profileId: uuid(1),
    subscriptionId: uuid(i),
    state: 'pending',
    reason: LONG,
    lastActivityAt: null,
    inactiveDays: null,
    user: { vendorUserId: `u${i}`, email: `${'x'.repeat(200)}${i}@acme.com`, name: `${LONG} ${i}` },
    licenseType: 'agent',
    modelId: null,
    licenseName: LONG,
  }) as CandidateView;

function expectMessage(msg: { text: string; blocks: KnownBlock[] }, label: string) {
  expect(blockLimitViolations(msg, 'message'), label).toEqual([]);
  expect(msg.blocks.length, label).toBeGreaterThan(0);
}
function expectModal(view: ModalView, label: string) {
  expect(blockLimitViolations(view as never, 'modal'), label).toEqual([]);
}
function expectHome(view: HomeView, label: string) {
  expect(blockLimitViolations(view as never, 'home'), label).toEqual([]);
}

describe('messages', () => {
  it('every reply builder stays within the limits with large inputs', () => {
    const profiles = Array.from({ length: N }, (_, i) => profile(i));
    expectMessage(messages.helpMessage(), 'help');
    expectMessage(messages.helpMessage('exclude'), 'help topic');
    expectMessage(messages.usageMessage(LONG.repeat(20)), 'usage');
    expectMessage(messages.textMessage(LONG.repeat(200)), 'text');
    expectMessage(messages.profilesMessage(profiles), 'profiles');
    expectMessage(messages.profilesMessage([]), 'no profiles');
    expectMessage(messages.statusMessage(overview(N)), 'status');
    expectMessage(messages.reportMessage(overview(N)), 'report');
    const checks = Array.from({ length: 100 }, (_, i) => ({ name: `${LONG}${i}`, ok: i % 2 === 0, detail: LONG.repeat(5) }));
    expectMessage(messages.validationMessage(profile(1), { ok: false, checks, account: LONG }), 'validation failed');
    expectMessage(messages.validationMessage(profile(2, { status: 'draft' }), { ok: true, checks: checks.slice(0, 2) }), 'validation ok');
    expectMessage(messages.profileSavedMessage(profile(3), { created: true, oauthUrl: `https://bot.example/oauth/zendesk/start?state=${'s'.repeat(500)}`, vendorLabel: 'Zendesk' }), 'saved');
    expectMessage(messages.candidatesMessage(LONG, Array.from({ length: N }, (_, i) => candidate(i)), { pending: N, approved: 5000 }), 'candidates');
    expectMessage(messages.candidatesMessage(null, [], {}), 'no candidates');
    const rules = Array.from({ length: N }, (_, i) => ({ id: uuid(i), name: `${LONG}${i}`, inactivityDays: 60, notifyUser: true, graceDays: 7, autoApprove: true, active: i % 2 === 0 }) as ReclamationRule);
    const exclusions = Array.from({ length: N }, (_, i) => ({ id: uuid(i), emailPattern: `*@${LONG}.com`, vendorUserId: null, licenseType: null, reason: LONG, expiresAt: new Date() }) as unknown as ExclusionRule);
    expectMessage(messages.rulesMessage(LONG, rules, exclusions), 'rules');
    expectMessage(messages.entitlementsMessage(Array.from({ length: N }, (_, i) => ({ profile: LONG, model: `${LONG}${i}`, quantity: 1e6, unitCost: 99.99, currency: 'USD', period: 'month', renewalDate: '2027-01-01' }))), 'entitlements');
    const runs = Array.from({ length: N }, (_, i) => ({ id: uuid(i), jobName: 'profile:download-subscriptions', label: LONG, status: 'failed', startedAt: new Date(), error: LONG.repeat(3) }) as LabelledJobRun);
    const scheduled = Array.from({ length: 20 }, () => ({ jobName: 'profile:download-subscriptions', label: LONG, nextRunAt: new Date(), repeatInterval: '1 day', failReason: LONG }));
    expectMessage(messages.jobsMessage({ profile: profile(4), runs, scheduled }), 'jobs');
    const audit = Array.from({ length: N }, (_, i) => ({ id: i, actor: i % 2 ? 'U0ADMIN' : 'system:sync', action: LONG, targetType: 'profile', targetId: uuid(i), at: new Date() }) as unknown as AuditEntry);
    expectMessage(messages.auditMessage(audit), 'audit');
    expectMessage(messages.oauthOutcomeMessage({ ok: false, profileId: uuid(1), profileName: LONG, message: LONG.repeat(10) }), 'oauth failed');
    expectMessage(messages.oauthOutcomeMessage({ ok: true, profileId: uuid(1), profileName: LONG, message: 'connected' }), 'oauth ok');
  });

  it('long lists say how many were left out', () => {
    const msg = messages.profilesMessage(Array.from({ length: 2000 }, (_, i) => profile(i)));
    expectMessage(msg, '2000 profiles');
    expect(/and (\d+) more/.exec(JSON.stringify(msg.blocks))?.[1]).toBeDefined();
  });

  it('names cannot inject mentions or links', () => {
    const msg = messages.profilesMessage([profile(1, { displayName: '<!channel> <https://evil.example|click>' })]);
    const json = JSON.stringify(msg.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;!channel&gt;');
  });
});

describe('App Home', () => {
  it('200 profiles fit in 100 blocks, for admins and others', () => {
    for (const isAdmin of [true, false]) {
      const view = homeView(overview(N), { isAdmin });
      expectHome(view, `home admin=${isAdmin}`);
      expect(JSON.stringify(view)).toMatch(/more profiles/);
    }
    expectHome(homeView(overview(0), { isAdmin: true }), 'empty home');
  });
});

describe('modals', () => {
  it('the profile modal for every vendor, grant type and mode', () => {
    expectModal(profileModal({ mode: 'create' }), 'blank');
    for (const vendor of VENDORS) {
      for (const authKind of AUTH_KINDS_BY_VENDOR[vendor]) {
        for (const mode of ['create', 'edit'] as const) {
          const view = profileModal({
            mode,
            vendor,
            authKind,
            profileId: uuid(1),
            channelId: 'C0123456789',
            secretsSet: ['apiToken', 'clientSecret', 'accessToken', 'refreshToken'],
            values: { displayName: LONG, baseUrl: `https://${'a'.repeat(3000)}.example`, params: { email: LONG, clientId: LONG, definition: '{}'.padEnd(5000, ' ') }, analyzeFrom: '2026-01-01', defaultInactivityDays: 90 },
          });
          expectModal(view, `${vendor}/${authKind}/${mode}`);
          expect(JSON.stringify(view)).not.toMatch(/"initial_value":"[^"]*secret/i);
        }
      }
    }
  });

  it('rule, exclusion and entitlement modals with many options', () => {
    const models = Array.from({ length: 500 }, (_, i) => ({ id: uuid(i), label: `${LONG}${i}` }));
    expectModal(reclamationRuleModal({ id: uuid(1), displayName: LONG, defaultInactivityDays: 60 }, models), 'rule');
    expectModal(reclamationRuleModal({ id: uuid(1), displayName: LONG, defaultInactivityDays: 60 }, []), 'rule without models');
    expectModal(exclusionModal(models.slice(0, N), { profileId: uuid(150), email: LONG, reason: LONG }), 'exclusion');
    expectModal(entitlementModal(models), 'entitlement');
    expectModal(entitlementModal([]), 'entitlement without models');
  });
});

describe('the limits checker itself', () => {
  it('catches what it is meant to catch', () => {
    const tooMany = { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) };
    expect(blockLimitViolations(tooMany, 'message')).toEqual(['blocks: 51 > 50']);
    const button = { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a' }] };
    expect(blockLimitViolations({ blocks: [button] }, 'message')[0]).toContain('text: 76 > 75');
    expect(blockLimitViolations({ type: 'modal', title: { type: 'plain_text', text: 't'.repeat(25) }, blocks: [] }, 'modal')[0]).toContain('modal title');
  });
});
