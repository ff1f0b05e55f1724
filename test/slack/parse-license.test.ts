import { describe, expect, it } from 'vitest';
import { parseExcludeTarget, parseLicenseCommand, SUBCOMMANDS, tokenize } from '../../src/slack/listeners/commands/parse-license.js';

const cmd = (text: string) => {
  const r = parseLicenseCommand(text);
  if (!r.ok) throw new Error(`expected a command, got: ${r.message}`);
  return r.command;
};
const problem = (text: string) => {
  const r = parseLicenseCommand(text);
  if (r.ok) throw new Error(`expected usage, got ${JSON.stringify(r.command)}`);
  return r;
};

describe('parseLicenseCommand', () => {
  it('empty text and help', () => {
    expect(cmd('')).toEqual({ kind: 'help' });
    expect(cmd('   ')).toEqual({ kind: 'help' });
    expect(cmd('HELP sync')).toEqual({ kind: 'help', topic: 'sync' });
  });

  it('subcommands are case-insensitive; profile names keep their spaces and case', () => {
    expect(cmd('Validate  Acme   Zendesk ')).toEqual({ kind: 'validate', profile: 'Acme Zendesk' });
    expect(cmd('publish "Acme Zendesk"')).toEqual({ kind: 'publish', profile: 'Acme Zendesk' });
    expect(cmd('jobs acme')).toEqual({ kind: 'jobs', profile: 'acme' });
    expect(cmd('edit Sales & Ops')).toEqual({ kind: 'edit', profile: 'Sales & Ops' });
    expect(cmd('edit Sales &amp; Ops')).toEqual({ kind: 'edit', profile: 'Sales & Ops' });
  });

  it('profile-taking subcommands without a profile get their usage line', () => {
    for (const sub of ['edit', 'validate', 'publish', 'unpublish', 'jobs', 'sync']) {
      const r = problem(sub);
      expect(r.subcommand).toBe(sub);
      expect(r.message).toContain(`/license ${sub}`);
    }
  });

  it('no-argument subcommands refuse arguments', () => {
    for (const sub of ['status', 'profiles', 'entitlements', 'report', 'audit']) {
      expect(cmd(sub)).toEqual({ kind: sub });
      expect(problem(`${sub} extra`).message).toContain('takes no arguments');
    }
  });

  it('optional profile', () => {
    expect(cmd('candidates')).toEqual({ kind: 'candidates' });
    expect(cmd('candidates Acme Zendesk')).toEqual({ kind: 'candidates', profile: 'Acme Zendesk' });
    expect(cmd('rules')).toEqual({ kind: 'rules' });
  });

  it('new with vendor names and aliases', () => {
    expect(cmd('new')).toEqual({ kind: 'new' });
    expect(cmd('new Zendesk')).toEqual({ kind: 'new', vendor: 'zendesk' });
    expect(cmd('new slack')).toEqual({ kind: 'new', vendor: 'slack_grid' });
    expect(cmd('new sfdc')).toEqual({ kind: 'new', vendor: 'salesforce' });
    expect(problem('new jira').message).toContain('Unknown vendor');
  });

  it('sync all or one', () => {
    expect(cmd('sync all')).toEqual({ kind: 'sync', profile: null });
    expect(cmd('sync ALL')).toEqual({ kind: 'sync', profile: null });
    expect(cmd('sync Acme Zendesk')).toEqual({ kind: 'sync', profile: 'Acme Zendesk' });
  });

  it('exclude: mention or email, optional quoted profile, reason', () => {
    expect(cmd('exclude <@U012ABC|jane> "Acme Zendesk" on parental leave')).toEqual({ kind: 'exclude', target: { slackUserId: 'U012ABC' }, profile: 'Acme Zendesk', reason: 'on parental leave' });
    expect(cmd('exclude &lt;@W0ABC&gt; acme')).toEqual({ kind: 'exclude', target: { slackUserId: 'W0ABC' }, profile: 'acme' });
    expect(cmd('exclude Jane@Acme.com')).toEqual({ kind: 'exclude', target: { email: 'jane@acme.com' } });
    expect(cmd('exclude <mailto:jane@acme.com|jane@acme.com> all contractor')).toEqual({ kind: 'exclude', target: { email: 'jane@acme.com' }, reason: 'contractor' });
    expect(cmd('exclude jane@acme.com “Acme Sales” keeps it')).toEqual({ kind: 'exclude', target: { email: 'jane@acme.com' }, profile: 'Acme Sales', reason: 'keeps it' });
    expect(problem('exclude').message).toContain('Whom?');
    expect(problem('exclude jane').message).toContain('neither a @mention nor an email');
    expect(problem(`exclude a@b.co x ${'y'.repeat(600)}`).message).toContain('500');
  });

  it('unknown subcommands suggest close ones', () => {
    const r = problem('publsh acme');
    expect(r.message).toContain('`publish`');
    expect(problem('zzz').message).toContain('/license help');
  });

  it('every subcommand of the issue is known', () => {
    expect(SUBCOMMANDS.sort()).toEqual(
      ['help', 'status', 'profiles', 'new', 'edit', 'validate', 'publish', 'unpublish', 'sync', 'candidates', 'rules', 'exclude', 'entitlements', 'report', 'jobs', 'audit'].sort(),
    );
  });
});

describe('helpers', () => {
  it('tokenize keeps quoted parts', () => {
    expect(tokenize('a "b c" d')).toEqual(['a', 'b c', 'd']);
  });
  it('parseExcludeTarget', () => {
    expect(parseExcludeTarget('<@U1ABC>')).toEqual({ slackUserId: 'U1ABC' });
    expect(parseExcludeTarget('@jane')).toBeNull();
    expect(parseExcludeTarget('not-an-email@')).toBeNull();
  });
});
