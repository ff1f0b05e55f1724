// Aligned plain-text tables for the CLI: columns padded to their widest cell, numbers right-aligned.

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Default: right for numbers, left otherwise. */
  align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis. */
  maxWidth?: number;
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? v.toLocaleString('en-US') : v.replace(/\s+/g, ' ');
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const raw = rows.map((row) => columns.map((c) => c.value(row)));
  const texts = raw.map((values) => values.map((v, i) => cut(cell(v), columns[i]!.maxWidth)));
  const right = columns.map((c, i) => c.align === 'right' || (c.align === undefined && raw.length > 0 && raw.every((r) => typeof r[i] === 'number' || r[i] == null) && raw.some((r) => typeof r[i] === 'number')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...texts.map((t) => t[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...texts.map(line)].join('\n');
}

/** 1234.5 → "1,234.50 USD"; null → "unknown". */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return 'unknown';
  const n = amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${n} ${currency}` : n;
}

export function formatDay(d: Date | string | null | undefined): string {
  if (!d) return '';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
