// Handover (交接班): the outgoing shift lead writes down the matters still open; the incoming shift lead acknowledges
// them. Open matters carry over into the next handover until someone closes them.
import { CtiError } from '../errors.js';

/** One matter handed over. */
export interface HandoverItem {
  readonly text: string;
  /** Still open: carried into the next handover. */
  readonly open: boolean;
}

/** Most matters in one handover, and the longest matter. */
export const HANDOVER_LIMITS = { items: 50, chars: 500, note: 2000 } as const;

/** Trimmed items; throws a validation error naming the first bad one. */
export function validateHandoverItems(items: readonly HandoverItem[]): HandoverItem[] {
  if (items.length > HANDOVER_LIMITS.items) {
    throw new CtiError('CTI_ERR_VALIDATION', `at most ${HANDOVER_LIMITS.items} matters in one handover`, { items: items.length });
  }
  return items.map((item, i) => {
    const text = item.text.trim();
    if (text.length === 0 || text.length > HANDOVER_LIMITS.chars) {
      throw new CtiError('CTI_ERR_VALIDATION', `matter ${i + 1} must have 1–${HANDOVER_LIMITS.chars} characters`, { index: i, length: text.length });
    }
    return { text, open: item.open };
  });
}

/** The matters a new handover starts from: the open ones of the last handover, in their order. */
export function carriedOver(previous: readonly HandoverItem[] | null): HandoverItem[] {
  return (previous ?? []).filter((i) => i.open).map((i) => ({ text: i.text, open: true }));
}

/** Acknowledging is the incoming lead's act: once, and not by the one who wrote the handover. */
export function assertCanAcknowledge(handover: { writtenBy: string; acknowledgedBy: string | null }, by: string): void {
  if (handover.acknowledgedBy !== null) {
    throw new CtiError('CTI_ERR_INVALID_STATE', `handover already acknowledged by ${handover.acknowledgedBy}`, { acknowledgedBy: handover.acknowledgedBy });
  }
  if (handover.writtenBy === by) {
    throw new CtiError('CTI_ERR_FORBIDDEN', 'the incoming shift lead acknowledges a handover, not the one who wrote it', { writtenBy: by });
  }
}
