import { CtiError } from '../errors.js';

/** One line of the QA form, e.g. "greeting", "five elements recorded", "no personal data disclosed". */
export interface QaRubricItem {
  readonly id: string;
  readonly label: string;
  /** Relative weight; only ratios matter. */
  readonly weight: number;
  /** A zero mark on a critical item fails the review whatever the score (e.g. leaking a caller's data). */
  readonly critical?: boolean;
}

/** A configurable QA form. */
export interface QaRubric {
  readonly items: readonly QaRubricItem[];
  /** Minimum score (0–100) to pass. */
  readonly passThreshold: number;
}

/** Marks per item id, each in [0, 1]: 1 fully met, 0 not met, fractions for partial credit. */
export type QaMarks = Readonly<Record<string, number>>;

/** A scored review. */
export interface QaScore {
  /** Weighted score 0–100, rounded to two decimals. */
  readonly score: number;
  readonly passed: boolean;
  /** Critical items marked 0, which fail the review on their own. */
  readonly failedCritical: readonly string[];
}

/** Rejects a rubric with no items, repeated ids, non-positive weights or a threshold outside 0–100. */
export function validateQaRubric(rubric: QaRubric): QaRubric {
  if (rubric.items.length === 0) throw new CtiError('CTI_ERR_VALIDATION', 'rubric needs at least one item');
  const ids = rubric.items.map((i) => i.id);
  if (new Set(ids).size !== ids.length) throw new CtiError('CTI_ERR_VALIDATION', 'rubric item ids must be unique', { ids });
  const badWeight = rubric.items.find((i) => !(Number.isFinite(i.weight) && i.weight > 0));
  if (badWeight !== undefined) throw new CtiError('CTI_ERR_VALIDATION', 'rubric weights must be positive numbers', { item: badWeight.id });
  if (!(rubric.passThreshold >= 0 && rubric.passThreshold <= 100)) {
    throw new CtiError('CTI_ERR_VALIDATION', 'passThreshold must be within 0–100', { passThreshold: rubric.passThreshold });
  }
  return rubric;
}

/** Scores a review; every item must be marked exactly once with a number in [0, 1], and no unknown ids. */
export function scoreQaReview(rubric: QaRubric, marks: QaMarks): QaScore {
  validateQaRubric(rubric);
  const known = new Set(rubric.items.map((i) => i.id));
  const unknown = Object.keys(marks).filter((id) => !known.has(id));
  if (unknown.length > 0) throw new CtiError('CTI_ERR_VALIDATION', 'marks name items not in the rubric', { unknown });
  let earned = 0;
  let total = 0;
  const failedCritical: string[] = [];
  for (const item of rubric.items) {
    const mark = marks[item.id];
    if (mark === undefined) throw new CtiError('CTI_ERR_VALIDATION', `item ${item.id} is not marked`, { item: item.id });
    if (!(Number.isFinite(mark) && mark >= 0 && mark <= 1)) throw new CtiError('CTI_ERR_VALIDATION', `mark for ${item.id} must be in [0, 1]`, { item: item.id, mark });
    earned += item.weight * mark;
    total += item.weight;
    if (item.critical === true && mark === 0) failedCritical.push(item.id);
  }
  const score = Math.round((10_000 * earned) / total) / 100;
  return { score, passed: score >= rubric.passThreshold && failedCritical.length === 0, failedCritical };
}
