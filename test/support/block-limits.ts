// Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit), checked over any payload the app
// sends. @slack/types checks shapes at compile time; this checks sizes and counts at run time.
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  messageText: 40_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  selectOptions: 100,
  checkboxOptions: 10,
  radioOptions: 10,
  optionText: 75,
  optionValue: 150,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputInitial: 3000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

type Json = Record<string, unknown>;
const text = (t: unknown): string => (t && typeof t === 'object' ? String((t as Json).text ?? '') : '');

/** Every limit the payload breaks, as readable lines (empty when it respects all of them). */
export function blockLimitViolations(payload: { blocks?: unknown[]; text?: string; type?: string } & Json, surface: 'message' | 'modal' | 'home'): string[] {
  const v: string[] = [];
  const over = (what: string, len: number, max: number) => {
    if (len > max) v.push(`${what}: ${len} > ${max}`);
  };
  const blocks = (payload.blocks ?? []) as Json[];
  over('blocks', blocks.length, surface === 'message' ? SLACK_LIMITS.blocksPerMessage : SLACK_LIMITS.blocksPerView);
  if (typeof payload.text === 'string') over('message text', payload.text.length, SLACK_LIMITS.messageText);
  if (surface === 'modal') {
    over('modal title', text(payload.title).length, SLACK_LIMITS.modalTitle);
    if (payload.submit) over('modal submit', text(payload.submit).length, SLACK_LIMITS.modalButton);
    if (payload.close) over('modal close', text(payload.close).length, SLACK_LIMITS.modalButton);
    if (!payload.title) v.push('modal without title');
  }
  if (typeof payload.private_metadata === 'string') over('private_metadata', payload.private_metadata.length, SLACK_LIMITS.privateMetadata);
  if (typeof payload.callback_id === 'string') over('callback_id', payload.callback_id.length, SLACK_LIMITS.callbackId);
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `block ${i} (${String(b.type)})`;
    if (typeof b.block_id === 'string') {
      over(`${at} block_id`, b.block_id.length, SLACK_LIMITS.blockId);
      if (blockIds.has(b.block_id)) v.push(`${at}: duplicate block_id ${b.block_id}`);
      blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'section':
        over(`${at} text`, text(b.text).length, SLACK_LIMITS.sectionText);
        if (Array.isArray(b.fields)) {
          over(`${at} fields`, b.fields.length, SLACK_LIMITS.sectionFields);
          (b.fields as unknown[]).forEach((f, j) => over(`${at} field ${j}`, text(f).length, SLACK_LIMITS.fieldText));
        }
        if (!b.text && !b.fields) v.push(`${at}: section without text or fields`);
        if (b.accessory) element(`${at} accessory`, b.accessory as Json);
        break;
      case 'header':
        over(`${at} text`, text(b.text).length, SLACK_LIMITS.headerText);
        break;
      case 'context':
        over(`${at} elements`, (b.elements as unknown[]).length, SLACK_LIMITS.contextElements);
        (b.elements as Json[]).forEach((e, j) => over(`${at} element ${j}`, text(e).length, SLACK_LIMITS.sectionText));
        break;
      case 'actions':
        over(`${at} elements`, (b.elements as unknown[]).length, SLACK_LIMITS.actionsElements);
        if ((b.elements as unknown[]).length === 0) v.push(`${at}: actions without elements`);
        (b.elements as Json[]).forEach((e, j) => element(`${at} element ${j}`, e));
        break;
      case 'input':
        if (surface === 'message') v.push(`${at}: input blocks belong in views`);
        over(`${at} label`, text(b.label).length, SLACK_LIMITS.inputLabel);
        if (b.hint) over(`${at} hint`, text(b.hint).length, SLACK_LIMITS.inputHint);
        element(`${at} element`, b.element as Json);
        break;
      case 'divider':
        break;
      default:
        v.push(`${at}: a block type the app does not use`);
    }
  });
  return v;

  function element(at: string, e: Json): void {
    if (typeof e.action_id === 'string') over(`${at} action_id`, e.action_id.length, SLACK_LIMITS.actionId);
    if (e.placeholder) over(`${at} placeholder`, text(e.placeholder).length, SLACK_LIMITS.placeholder);
    if (e.type === 'button') {
      over(`${at} text`, text(e.text).length, SLACK_LIMITS.buttonText);
      if (typeof e.value === 'string') over(`${at} value`, e.value.length, SLACK_LIMITS.buttonValue);
      if (typeof e.url === 'string') over(`${at} url`, e.url.length, SLACK_LIMITS.url);
    }
    if (e.type === 'plain_text_input' && typeof e.initial_value === 'string') over(`${at} initial_value`, e.initial_value.length, SLACK_LIMITS.textInputInitial);
    const options = e.options as Json[] | undefined;
    if (options) {
      const max = e.type === 'checkboxes' ? SLACK_LIMITS.checkboxOptions : e.type === 'radio_buttons' ? SLACK_LIMITS.radioOptions : SLACK_LIMITS.selectOptions;
      over(`${at} options`, options.length, max);
      options.forEach((o, j) => {
        over(`${at} option ${j} text`, text(o.text).length, SLACK_LIMITS.optionText);
        over(`${at} option ${j} value`, String(o.value ?? '').length, SLACK_LIMITS.optionValue);
      });
      const values = new Set(options.map((o) => o.value));
      if (values.size !== options.length) v.push(`${at}: duplicate option values`);
      const initial = (e.initial_option ? [e.initial_option] : ((e.initial_options as Json[] | undefined) ?? [])) as Json[];
      for (const o of initial) if (!values.has(o.value)) v.push(`${at}: initial option ${String(o.value)} is not among the options`);
    }
  }
}
