// Fills reclaim/restore templates with a seat's values.
import type { SeatRef } from '../../domain/vendor.js';

export type TemplateValues = Record<string, string>;

export function templateValues(seat: SeatRef): TemplateValues {
  const values: TemplateValues = { id: seat.userId, email: seat.email ?? '', licenseType: seat.licenseType };
  const licenseValue = seat.restoreData?.licenseValue;
  values.licenseValue = licenseValue === undefined || licenseValue === null ? '' : String(licenseValue);
  return values;
}

/** Path placeholders are URL-encoded so an id or email cannot change the path. */
export function fillPath(template: string, values: TemplateValues): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));
}

/**
 * Fills string leaves of a JSON body. A leaf that is exactly "{licenseValue}" keeps the original value's
 * type (a numeric role id stays a number).
 */
export function fillBody(body: unknown, values: TemplateValues, raw: Record<string, unknown> = {}): unknown {
  if (typeof body === 'string') {
    const whole = /^\{(\w+)\}$/.exec(body);
    if (whole && raw[whole[1]!] !== undefined) return raw[whole[1]!];
    return body.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
  }
  if (Array.isArray(body)) return body.map((b) => fillBody(b, values, raw));
  if (body !== null && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fillBody(v, values, raw)]));
  }
  return body;
}
