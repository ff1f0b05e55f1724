import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { mrkdwnToText, renderBlocksAsText } from '../../src/sandbox/render-blocks.js';

describe('mrkdwnToText', () => {
  it('resolves mentions, links, channels, dates and escapes, and drops emphasis markers', () => {
    const users = { W0AVA: 'Ava Adams' };
    expect(mrkdwnToText('*3 seats* for <@W0AVA> and <@W0NOBODY>', users)).toBe('3 seats for @Ava Adams and @W0NOBODY');
    expect(mrkdwnToText('see <https://x.example/r|the report> or <https://x.example>')).toBe('see the report (https://x.example/r) or https://x.example');
    expect(mrkdwnToText('in <#C123|approvals>, <!here>')).toBe('in #approvals, @here');
    expect(mrkdwnToText('last seen <!date^1700000000^{date_short}|Nov 14, 2023>')).toBe('last seen Nov 14, 2023');
    expect(mrkdwnToText('_idle_ ~gone~ a &lt;b&gt; &amp; c')).toBe('idle gone a <b> & c');
    expect(mrkdwnToText(':hourglass_flowing_sand: waiting, :white_check_mark: done, :custom_thing: stays')).toBe('⏳ waiting, ✅ done, :custom_thing: stays');
    // Asterisks that are not emphasis stay.
    expect(mrkdwnToText('2*3 = 6')).toBe('2*3 = 6');
  });
});

describe('renderBlocksAsText', () => {
  it('renders a digest-like message: header, fields in columns, buttons, context, divider', () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'Zendesk: 12 unused seats' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Potential savings:* $1,380/month' },
        fields: [
          { type: 'mrkdwn', text: '*Agent*\n10 seats' },
          { type: 'mrkdwn', text: '*Light agent*\n2 seats' },
          { type: 'plain_text', text: 'odd one out' },
        ],
      },
      { type: 'divider' },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '<@W0AVA> · last active 93 days ago' },
        accessory: { type: 'button', text: { type: 'plain_text', text: 'Exclude' }, action_id: 'exclude' },
      },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'a' },
          { type: 'static_select', placeholder: { type: 'plain_text', text: 'Reason' }, action_id: 's', options: [] },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Rule: _inactive > 60 days_' }, { type: 'plain_text', text: 'page 1 of 1' }] },
    ];
    const text = renderBlocksAsText(blocks, { users: { W0AVA: 'Ava Adams' }, indent: '  ' });
    expect(text.split('\n')).toEqual([
      '  Zendesk: 12 unused seats',
      '  ════════════════════════',
      '  Potential savings: $1,380/month',
      `  ${'Agent 10 seats'.padEnd(32)}  Light agent 2 seats`,
      '  odd one out',
      `  ${'─'.repeat(40)}`,
      '  @Ava Adams · last active 93 days ago   [Exclude]',
      '  [Approve] [Reason ▾]',
      '  Rule: inactive > 60 days  ·  page 1 of 1',
    ]);
  });

  it('renders rich text and names unknown blocks instead of dropping them; never throws on junk', () => {
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'text', text: 'Hi ' }, { type: 'user', user_id: 'W1' }, { type: 'emoji', name: 'wave' }] },
          { type: 'rich_text_list', elements: [{ type: 'rich_text_section', elements: [{ type: 'link', url: 'https://a.example', text: 'A' }] }] },
        ],
      },
      { type: 'fancy_new_block' },
      null,
      42,
      { type: 'section' },
    ];
    expect(renderBlocksAsText(blocks, { users: { W1: 'Wen' } })).toBe('Hi @Wen👋\n• A (https://a.example)\n(fancy_new_block block)');
  });
});
