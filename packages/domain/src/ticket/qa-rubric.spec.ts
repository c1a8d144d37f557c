import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { scoreQaReview, validateQaRubric } from './qa-rubric.js';
import type { QaRubric } from './qa-rubric.js';

const rubric: QaRubric = {
  passThreshold: 80,
  items: [
    { id: 'greeting', label: '规范开头语', weight: 10 },
    { id: 'five_elements', label: '五要素记录完整', weight: 40 },
    { id: 'accuracy', label: '答复准确', weight: 50 },
    { id: 'privacy', label: '未泄露个人信息', weight: 0.0001, critical: true },
  ],
};

describe('scoreQaReview', () => {
  it('weights marks: full marks except half on five elements scores 80 and passes at threshold 80', () => {
    const r = scoreQaReview(rubric, { greeting: 1, five_elements: 0.5, accuracy: 1, privacy: 1 });
    expect(r.score).toBe(80);
    expect(r.passed).toBe(true);
  });

  it('fails below the threshold', () => {
    const r = scoreQaReview(rubric, { greeting: 0, five_elements: 0.5, accuracy: 1, privacy: 1 });
    expect(r.score).toBe(70);
    expect(r.passed).toBe(false);
  });

  it('fails a review with a zero on a critical item even when the score is high', () => {
    const r = scoreQaReview(rubric, { greeting: 1, five_elements: 1, accuracy: 1, privacy: 0 });
    expect(r.score).toBe(100);
    expect(r).toMatchObject({ passed: false, failedCritical: ['privacy'] });
  });

  it('rejects a missing mark, an unknown item and a mark outside [0, 1]', () => {
    expect(() => scoreQaReview(rubric, { greeting: 1, five_elements: 1, accuracy: 1 })).toThrow(/not marked/);
    expect(() => scoreQaReview(rubric, { greeting: 1, five_elements: 1, accuracy: 1, privacy: 1, tone: 1 })).toThrow(/not in the rubric/);
    expect(() => scoreQaReview(rubric, { greeting: 2, five_elements: 1, accuracy: 1, privacy: 1 })).toThrow(/\[0, 1\]/);
  });
});

describe('validateQaRubric', () => {
  it('rejects an empty rubric, repeated ids, a zero weight and a threshold over 100', () => {
    expect(() => validateQaRubric({ passThreshold: 80, items: [] })).toThrow(CtiError);
    expect(() => validateQaRubric({ passThreshold: 80, items: [{ id: 'a', label: 'A', weight: 1 }, { id: 'a', label: 'B', weight: 1 }] })).toThrow(/unique/);
    expect(() => validateQaRubric({ passThreshold: 80, items: [{ id: 'a', label: 'A', weight: 0 }] })).toThrow(/weights/);
    expect(() => validateQaRubric({ passThreshold: 101, items: [{ id: 'a', label: 'A', weight: 1 }] })).toThrow(/passThreshold/);
  });
});
