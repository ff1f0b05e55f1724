// Last-activity values in the formats a custom definition can name.

export const ACTIVITY_FORMATS = ['iso8601', 'epoch_s', 'epoch_ms', 'date'] as const;
export type ActivityFormat = (typeof ACTIVITY_FORMATS)[number];

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A Date, null when the vendor says "never" (null, empty, 0), or undefined when the value does not
 * match the format (the caller reports that as a definition problem).
 */
export function parseActivityDate(value: unknown, format: ActivityFormat): Date | null | undefined {
  if (value === null || value === undefined || value === '' || value === 0 || value === '0') return null;
  switch (format) {
    case 'iso8601': {
      if (typeof value !== 'string' || !ISO_8601.test(value.trim())) return undefined;
      return validDate(Date.parse(value.trim()));
    }
    case 'epoch_s':
    case 'epoch_ms': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isFinite(n)) return undefined;
      return validDate(format === 'epoch_s' ? n * 1000 : n);
    }
    case 'date': {
      const m = typeof value === 'string' ? DATE_ONLY.exec(value.trim()) : null;
      if (!m) return undefined;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return d.getUTCMonth() === Number(m[2]) - 1 ? d : undefined;
    }
  }
}

function validDate(ms: number): Date | undefined {
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** A date written in a format, for `since` query parameters. */
export function formatActivityDate(date: Date, format: ActivityFormat): string {
  switch (format) {
    case 'iso8601':
      return date.toISOString();
    case 'epoch_s':
      return String(Math.floor(date.getTime() / 1000));
    case 'epoch_ms':
      return String(date.getTime());
    case 'date':
      return date.toISOString().slice(0, 10);
  }
}
