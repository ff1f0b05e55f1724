// Small Block Kit helpers that keep every text inside Slack's documented limits.
import type { ContextBlock, KnownBlock, MrkdwnElement, PlainTextElement, PlainTextOption, SectionBlock } from '@slack/types';

/** Slack's limits the builders respect (test/support/block-limits.ts checks them independently). */
export const MAX = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  buttonText: 75,
  optionText: 75,
  options: 100,
  contextElements: 10,
  actionsElements: 25,
  modalTitle: 24,
  modalButton: 24,
  labelText: 2000,
  placeholder: 150,
  initialValue: 3000,
  buttonValue: 2000,
  privateMetadata: 3000,
  messageText: 40_000,
} as const;

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** Escapes &, < and > so names and vendor messages cannot inject mentions or links into mrkdwn. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const plain = (text: string, max: number = MAX.sectionText): PlainTextElement => ({ type: 'plain_text', text: clip(text, max), emoji: true });
export const mrkdwn = (text: string, max: number = MAX.sectionText): MrkdwnElement => ({ type: 'mrkdwn', text: clip(text, max) });

export function section(text: string, extra: Partial<SectionBlock> = {}): SectionBlock {
  return { type: 'section', text: mrkdwn(text), ...extra };
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.slice(0, MAX.contextElements).map((t) => mrkdwn(t, MAX.fieldText)) };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: plain(text, MAX.headerText) };
}

export function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, MAX.optionText), value: clip(value, 150) };
}

/**
 * Lines joined into as few sections as possible (each at most 3000 characters), at most `maxBlocks`
 * sections; what does not fit becomes one "and N more" line.
 */
export function linesToSections(lines: string[], maxBlocks: number, more: (n: number) => string): SectionBlock[] {
  const blocks: SectionBlock[] = [];
  let current: string[] = [];
  let length = 0;
  let i = 0;
  const flush = () => {
    if (current.length > 0) blocks.push(section(current.join('\n')));
    current = [];
    length = 0;
  };
  for (; i < lines.length; i++) {
    const line = clip(lines[i]!, MAX.sectionText - 100);
    if (length + line.length + 1 > MAX.sectionText - 100) {
      if (blocks.length + 1 >= maxBlocks) break;
      flush();
    }
    current.push(line);
    length += line.length + 1;
  }
  if (i < lines.length) current.push(more(lines.length - i));
  flush();
  return blocks;
}

export function formatDate(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 10) : '—';
}

export function formatMoney(amount: number, currency = 'USD'): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${amount.toFixed(0)} ${currency}`;
  }
}
