import { CtiError } from '../errors.js';
import type { FaultWindow } from './kpi.fact.js';

/** Contract choices behind the KPI formulas; every exclusion and target is configuration, not code. */
export interface KpiConfig {
  /** Abandons at most this many seconds after entering the queue are left out of answer-rate figures; 0 disables. */
  readonly shortAbandonSeconds: number;
  /** Declared system faults; calls offered inside one are left out of call figures. */
  readonly faultWindows: readonly FaultWindow[];
  /** DIDs whose calls are left out of call figures (e.g. a test number). */
  readonly excludedLines?: readonly string[];
  /** Whether calls from numbers with an approved nuisance/malicious mark are left out of answer-rate figures. */
  readonly excludeMarkedCallers?: boolean;
  /** Threshold T in seconds for "answered within T" and service level (GB/T 33358: 15 s). */
  readonly serviceLevelSeconds: number;
  /** Answer rate 接通率 target. */
  readonly answerRateTarget: number;
  /** Satisfaction 满意率 target. */
  readonly satisfactionTarget: number;
  /** On-time closure 按时办结率 target. */
  readonly onTimeTarget: number;
  /** Direct-answer rate 直接答复率 target. */
  readonly directAnswerTarget: number;
  /** First-call resolution target for consultations. */
  readonly fcrTarget: number;
  /** A repeat call on the same matter within this many days undoes first-call resolution. */
  readonly fcrRepeatDays: number;
  /** Ticket category code that counts as a consultation 咨询 for FCR. */
  readonly consultationCategory: string;
  /** Transfer / first-dispatch accuracy 转办准确率 target. */
  readonly transferAccuracyTarget: number;
  /** Ticket form accuracy 工单填写准确率 target. */
  readonly formAccuracyTarget: number;
  /** Per-agent answer efficiency 坐席人均接通效率 target. */
  readonly agentEfficiencyTarget: number;
  /** Utilization 工时利用率 target. */
  readonly utilizationTarget: number;
  /** Pause reasons that are productive work (e.g. callbacks) and so count towards utilization. */
  readonly productivePauseReasons: readonly string[];
  /** QA coverage target: share of answered calls with a completed review. */
  readonly qaCoverageTarget: number;
}

/** Contract defaults for Ganzi 12345; exclusions start off so no figure is flattered unless the contract says so. */
export const defaultKpiConfig: KpiConfig = Object.freeze({
  shortAbandonSeconds: 0,
  faultWindows: Object.freeze([]),
  excludedLines: Object.freeze([]),
  serviceLevelSeconds: 15,
  answerRateTarget: 0.98,
  satisfactionTarget: 0.98,
  onTimeTarget: 1.0,
  directAnswerTarget: 0.8,
  fcrTarget: 0.5,
  fcrRepeatDays: 7,
  consultationCategory: 'consultation',
  transferAccuracyTarget: 0.95,
  formAccuracyTarget: 0.95,
  agentEfficiencyTarget: 0.95,
  utilizationTarget: 0.9,
  productivePauseReasons: Object.freeze([]),
  qaCoverageTarget: 0.1,
});

const targetKeys = [
  'answerRateTarget',
  'satisfactionTarget',
  'onTimeTarget',
  'directAnswerTarget',
  'fcrTarget',
  'transferAccuracyTarget',
  'formAccuracyTarget',
  'agentEfficiencyTarget',
  'utilizationTarget',
  'qaCoverageTarget',
] as const;

/** Merges overrides into the defaults, validates once and freezes, so KPI functions can trust the config. */
export function createKpiConfig(overrides: Partial<KpiConfig> = {}): KpiConfig {
  const config: KpiConfig = { ...defaultKpiConfig, ...overrides };
  for (const key of targetKeys) {
    const v = config[key];
    if (!Number.isFinite(v) || v < 0 || v > 1) {
      throw new CtiError('CTI_ERR_VALIDATION', `${key} must be a rate in [0, 1]`, { key, value: v });
    }
  }
  for (const key of ['shortAbandonSeconds', 'serviceLevelSeconds', 'fcrRepeatDays'] as const) {
    const v = config[key];
    if (!Number.isFinite(v) || v < 0) {
      throw new CtiError('CTI_ERR_VALIDATION', `${key} must be a non-negative number`, { key, value: v });
    }
  }
  for (const w of config.faultWindows) {
    if (!Number.isFinite(w.from) || !Number.isFinite(w.to) || w.from >= w.to) {
      throw new CtiError('CTI_ERR_VALIDATION', 'fault window must have from < to', { ...w });
    }
  }
  return Object.freeze({
    ...config,
    faultWindows: Object.freeze([...config.faultWindows]),
    excludedLines: Object.freeze([...(config.excludedLines ?? [])]),
    productivePauseReasons: Object.freeze([...config.productivePauseReasons]),
  });
}
