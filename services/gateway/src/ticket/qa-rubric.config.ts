import { readFileSync } from 'node:fs';
import { validateQaRubric, type QaRubric } from '@cti/domain';

/** The built-in QA form (GB/T 33358 practice); replace it with CTI_QA_RUBRIC_FILE. */
export const DEFAULT_QA_RUBRIC: QaRubric = {
  items: [
    { id: 'greeting', label: '规范开头语与结束语', weight: 10 },
    { id: 'five_elements', label: '五要素记录完整', weight: 25 },
    { id: 'classification', label: '分类与紧急程度正确', weight: 15 },
    { id: 'dispatch_target', label: '派单单位准确', weight: 15 },
    { id: 'answer_accuracy', label: '答复准确、政策解释正确', weight: 20 },
    { id: 'attitude', label: '服务态度', weight: 15 },
    { id: 'privacy', label: '未泄露来电人信息', weight: 10, critical: true },
  ],
  passThreshold: 80,
};

/** The rubric from a JSON file, or the built-in one when `file` is empty; validated either way. */
export function loadQaRubric(file: string): QaRubric {
  if (file === '') return DEFAULT_QA_RUBRIC;
  return validateQaRubric(JSON.parse(readFileSync(file, 'utf8')) as QaRubric);
}
