// Slack's documented Block Kit limits, as far as the digest and holder DM use them. (C1's
// test/support/block-limits.ts is the shared checker; this one keeps these tests independent of it.)
import type { KnownBlock, ModalView } from '@slack/types';

export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  optionText: 75,
  options: 100,
  messageText: 40_000,
} as const;

/** Every limit breach in a list of blocks, as readable lines (empty when all is well). */
export function blockProblems(blocks: readonly KnownBlock[], maxBlocks: number): string[] {
  const problems: string[] = [];
  const over = (what: string, len: number, max: number) => {
    if (len > max) problems.push(`${what}: ${len} > ${max}`);
  };
  over('blocks', blocks.length, maxBlocks);
  const blockIds = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const at = `block ${i} (${b.type})`;
    if ('block_id' in b && b.block_id !== undefined) {
      over(`${at} block_id`, b.block_id.length, LIMITS.blockId);
      if (blockIds.has(b.block_id)) problems.push(`${at}: duplicate block_id ${b.block_id}`);
      blockIds.add(b.block_id);
    }
    if (b.type === 'header') over(`${at} text`, b.text.text.length, LIMITS.headerText);
    if (b.type === 'section') {
      if (b.text) over(`${at} text`, b.text.text.length, LIMITS.sectionText);
      if (!b.text && !b.fields) problems.push(`${at}: no text`);
    }
    if (b.type === 'context') {
      over(`${at} elements`, b.elements.length, LIMITS.contextElements);
      for (const e of b.elements) if ('text' in e && typeof e.text === 'string') over(`${at} element text`, e.text.length, LIMITS.contextText);
    }
    if (b.type === 'actions') {
      over(`${at} elements`, b.elements.length, LIMITS.actionsElements);
      if (b.elements.length === 0) problems.push(`${at}: empty actions block`);
      const actionIds = new Set<string>();
      for (const e of b.elements) {
        if (e.type !== 'button') continue;
        over(`${at} button text`, e.text.text.length, LIMITS.buttonText);
        if (e.value !== undefined) over(`${at} button value`, e.value.length, LIMITS.buttonValue);
        if (e.action_id) {
          over(`${at} action_id`, e.action_id.length, LIMITS.actionId);
          if (actionIds.has(e.action_id)) problems.push(`${at}: duplicate action_id ${e.action_id}`);
          actionIds.add(e.action_id);
        }
        if (e.confirm) {
          over(`${at} confirm title`, e.confirm.title?.text.length ?? 0, LIMITS.confirmTitle);
          over(`${at} confirm text`, e.confirm.text.text.length, LIMITS.confirmText);
          over(`${at} confirm button`, e.confirm.confirm?.text.length ?? 0, LIMITS.confirmButton);
          over(`${at} deny button`, e.confirm.deny?.text.length ?? 0, LIMITS.confirmButton);
        }
      }
    }
    if (b.type === 'input' && b.element.type === 'static_select') {
      const options = b.element.options ?? [];
      over(`${at} options`, options.length, LIMITS.options);
      for (const o of options) over(`${at} option text`, o.text.text.length, LIMITS.optionText);
    }
  }
  return problems;
}

export function modalProblems(view: ModalView): string[] {
  const problems = blockProblems(view.blocks as KnownBlock[], LIMITS.modalBlocks);
  const over = (what: string, len: number, max: number) => {
    if (len > max) problems.push(`${what}: ${len} > ${max}`);
  };
  over('title', view.title.text.length, LIMITS.modalTitle);
  over('submit', view.submit?.text.length ?? 0, LIMITS.modalButton);
  over('close', view.close?.text.length ?? 0, LIMITS.modalButton);
  over('private_metadata', view.private_metadata?.length ?? 0, LIMITS.privateMetadata);
  return problems;
}
