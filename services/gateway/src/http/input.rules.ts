import { z } from 'zod';

// Input rules shared by every route, so that a value PostgreSQL or the calendar would refuse later is a 400 here.

/** Largest `offset` a paged list accepts: deeper pages are a search that should be narrowed, not scrolled. */
export const MAX_PAGE_OFFSET = 1_000_000;

/** The path (e.g. `body.elements.who`) of the first string or object key holding U+0000, or null when none does. */
export function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  // JSON nests far less deep than this; deeper values are not walked (zod refuses them anyway).
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findNul(v, `${path}.${i}`, depth + 1);
      if (hit !== null) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\u0000')}`;
    const hit = findNul(v, `${path}.${k}`, depth + 1);
    if (hit !== null) return hit;
  }
  return null;
}

/** Whether `YYYY-MM-DD` names a day that exists in the proleptic Gregorian calendar (2026-02-30 does not). */
export function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** A calendar day `YYYY-MM-DD` that exists: impossible dates are refused instead of rolling over to another day. */
export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
  .refine(isCalendarDay, 'date is not a day of the calendar');

/** A page size between 1 and `max`. */
export const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A page offset between 0 and MAX_PAGE_OFFSET. */
export const pageOffset = () => z.coerce.number().int().min(0).max(MAX_PAGE_OFFSET).default(0);
