// Block Kit as plain text for a terminal: what a message the bot posted looks like, without Slack.
// Blocks arrive as JSON from the fake Slack, so everything is read defensively: an unknown block type is
// shown by name rather than dropped, and a malformed one never throws.

export interface RenderOptions {
  /** Display names for user ids, so `<@W0123>` reads `@Ava Adams`. */
  users?: Readonly<Record<string, string>>;
  /** Indent for every line (e.g. "  " under a heading). */
  indent?: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Shortcodes the bot's messages use, as the characters a terminal shows; others stay `:name:`. */
const EMOJI: Readonly<Record<string, string>> = {
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  white_check_mark: '✅',
  heavy_check_mark: '✔',
  x: '❌',
  warning: '⚠',
  no_entry_sign: '🚫',
  lock: '🔒',
  bell: '🔔',
  moneybag: '💰',
  money_with_wings: '💸',
  recycle: '♻',
  arrows_counterclockwise: '🔄',
  leftwards_arrow_with_hook: '↩',
  zzz: '💤',
  wave: '👋',
  information_source: 'ℹ',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
};

export function emojiToText(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
}

/** Slack's mrkdwn to plain text: links, mentions, dates and escapes resolved; emphasis markers dropped. */
export function mrkdwnToText(text: string, users: Readonly<Record<string, string>> = {}): string {
  return text
    .replace(/<([^<>]+)>/g, (_m, inner: string) => {
      const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
      if (target.startsWith('@')) {
        const id = target.slice(1);
        return `@${label ?? users[id] ?? id}`;
      }
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!subteam^')) return label ?? '@group';
      if (target.startsWith('!date^')) return label ?? '';
      if (target.startsWith('!')) return `@${target.slice(1)}`;
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1$2')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1$2')
    .replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(t: unknown, users: Readonly<Record<string, string>>): string {
  if (typeof t === 'string') return t;
  if (!isObj(t)) return '';
  return t.type === 'mrkdwn' ? mrkdwnToText(str(t.text), users) : emojiToText(str(t.text));
}

/** A button, select or other interactive element as one bracketed word. */
function elementLabel(el: unknown, users: Readonly<Record<string, string>>): string {
  if (!isObj(el)) return '';
  switch (el.type) {
    case 'button':
      return `[${textOf(el.text, users)}]`;
    case 'overflow':
      return '[…]';
    case 'image':
      return str(el.alt_text) ? `(image: ${str(el.alt_text)})` : '';
    case 'plain_text':
    case 'mrkdwn':
      return textOf(el, users);
    default: {
      const placeholder = textOf(el.placeholder, users);
      return `[${placeholder || str(el.type)} ▾]`;
    }
  }
}

function richTextOf(elements: unknown[], users: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const el of elements) {
    if (!isObj(el)) continue;
    switch (el.type) {
      case 'text':
        parts.push(str(el.text));
        break;
      case 'link':
        parts.push(str(el.text) ? `${str(el.text)} (${str(el.url)})` : str(el.url));
        break;
      case 'user':
        parts.push(`@${users[str(el.user_id)] ?? str(el.user_id)}`);
        break;
      case 'channel':
        parts.push(`#${str(el.channel_id)}`);
        break;
      case 'emoji':
        parts.push(emojiToText(`:${str(el.name)}:`));
        break;
      case 'rich_text_section':
      case 'rich_text_quote':
      case 'rich_text_preformatted':
        parts.push(richTextOf(arr(el.elements), users));
        break;
      case 'rich_text_list':
        parts.push(arr(el.elements).map((item) => `• ${isObj(item) ? richTextOf(arr(item.elements), users) : ''}`).join('\n'));
        break;
      default:
        break;
    }
  }
  return parts.join('');
}

function renderBlock(block: unknown, users: Readonly<Record<string, string>>): string[] {
  if (!isObj(block)) return [];
  switch (block.type) {
    case 'header': {
      const title = textOf(block.text, users);
      return [title, '═'.repeat(Math.min(60, Math.max(3, title.length)))];
    }
    case 'section': {
      const lines: string[] = [];
      const text = textOf(block.text, users);
      const accessory = elementLabel(block.accessory, users);
      if (text) lines.push(...text.split('\n'));
      if (accessory) {
        if (lines.length > 0) lines[0] = `${lines[0]}   ${accessory}`;
        else lines.push(accessory);
      }
      const fields = arr(block.fields).map((f) => textOf(f, users).replace(/\n/g, ' '));
      for (let i = 0; i < fields.length; i += 2) {
        lines.push(fields[i + 1] !== undefined ? `${fields[i]!.padEnd(32)}  ${fields[i + 1]}` : fields[i]!);
      }
      return lines;
    }
    case 'context':
      return [arr(block.elements).map((e) => elementLabel(e, users)).filter(Boolean).join('  ·  ')];
    case 'actions':
      return [arr(block.elements).map((e) => elementLabel(e, users)).filter(Boolean).join(' ')];
    case 'divider':
      return ['─'.repeat(40)];
    case 'markdown':
      return mrkdwnToText(str(block.text), users).split('\n');
    case 'rich_text':
      // Each top-level element (section, list, quote) is its own paragraph.
      return arr(block.elements).flatMap((el) => richTextOf([el], users).split('\n'));
    case 'image':
      return [`(image: ${str(block.alt_text) || str(block.image_url)})`];
    case 'input':
      return [`${textOf(block.label, users)}: ${elementLabel(block.element, users)}`];
    default:
      return [`(${str(block.type) || 'unknown'} block)`];
  }
}

/**
 * Renders Block Kit blocks as readable plain text: headers underlined, sections with their fields in two
 * columns, buttons as `[Approve]`, dividers as a rule, mrkdwn links and mentions resolved.
 */
export function renderBlocksAsText(blocks: readonly unknown[], opts: RenderOptions = {}): string {
  const users = opts.users ?? {};
  const indent = opts.indent ?? '';
  const lines: string[] = [];
  for (const block of blocks) lines.push(...renderBlock(block, users));
  return lines
    .map((l) => l.replace(/\s+$/, ''))
    .map((l) => (l === '' ? l : `${indent}${l}`))
    .join('\n');
}
