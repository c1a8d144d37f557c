import { CtiError } from '../errors.js';
import { STRATEGY_NAMES, type StrategyName } from './acd.model.js';

/** Per-DID line routing settings. */
export interface AcdLineConfig {
  /** Strategy for this line; defaults to AcdConfig.defaultStrategy. */
  strategy?: StrategyName;
  /** Skill every call on this line needs (merged hotlines keep their own specialists). */
  requiredSkill?: string;
}

/** When backup helpers (QA/callback/shift lead who opted in) start taking calls: either condition suffices. */
export interface BackupThreshold {
  /** Waiting calls (including the one being routed) at or above which backups help. */
  waitingCalls: number;
  /** Longest current wait, seconds, at or above which backups help. */
  longestWaitSeconds: number;
}

/** ACD settings; contract and policy choices live here, not in code. */
export interface AcdConfig {
  /** Strategy for lines without their own, normally 'longest_idle'. */
  defaultStrategy: StrategyName;
  /** Per DID line, e.g. '12345'; calls on unlisted lines use the defaults. */
  lines: Record<string, AcdLineConfig>;
  /** After-call work time in seconds; 0 sends agents straight back to ready. */
  wrapUpSeconds: number;
  /** Consecutive ring-no-answers after which the agent is auto-paused ('ring_no_answer'); 0 disables. */
  maxRingNoAnswer: number;
  /** Mandarin calls go only to Mandarin agents without Tibetan until they have waited this long, then also to bilingual agents. */
  mandarinOverflowSeconds: number;
  /** Pause reasons agents may choose, e.g. ['break','meal','training','meeting','callback_work','qa_work']. */
  pauseReasons: string[];
  /** Queue pressure at which backup helpers get calls. */
  backupThreshold: BackupThreshold;
  /** Effective priority = priority + waitSeconds * this, so low-priority calls never starve. */
  priorityAgeingPerSecond: number;
}

/** Production-like defaults; callers override what the contract sets. */
export const defaultAcdConfig: AcdConfig = Object.freeze({
  defaultStrategy: 'longest_idle',
  lines: {},
  wrapUpSeconds: 30,
  maxRingNoAnswer: 3,
  mandarinOverflowSeconds: 20,
  pauseReasons: ['break', 'meal', 'training', 'meeting', 'callback_work', 'qa_work'],
  backupThreshold: { waitingCalls: 10, longestWaitSeconds: 60 },
  priorityAgeingPerSecond: 0.01,
}) as AcdConfig;

function nonNegative(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CtiError('CTI_ERR_VALIDATION', `${field} must be a finite number >= 0`, { field, value });
  }
}

function strategy(value: unknown, field: string): void {
  if (!STRATEGY_NAMES.includes(value as StrategyName)) {
    throw new CtiError('CTI_ERR_VALIDATION', `${field} must be one of ${STRATEGY_NAMES.join(', ')}`, { field, value });
  }
}

/** Checks an AcdConfig once at construction; throws CTI_ERR_VALIDATION naming the bad field. */
export function validateAcdConfig(config: AcdConfig): void {
  strategy(config.defaultStrategy, 'defaultStrategy');
  nonNegative(config.wrapUpSeconds, 'wrapUpSeconds');
  nonNegative(config.maxRingNoAnswer, 'maxRingNoAnswer');
  nonNegative(config.mandarinOverflowSeconds, 'mandarinOverflowSeconds');
  nonNegative(config.backupThreshold?.waitingCalls, 'backupThreshold.waitingCalls');
  nonNegative(config.backupThreshold?.longestWaitSeconds, 'backupThreshold.longestWaitSeconds');
  nonNegative(config.priorityAgeingPerSecond, 'priorityAgeingPerSecond');
  if (!Array.isArray(config.pauseReasons) || config.pauseReasons.some((r) => typeof r !== 'string' || r === '')) {
    throw new CtiError('CTI_ERR_VALIDATION', 'pauseReasons must be non-empty strings', { field: 'pauseReasons' });
  }
  for (const [line, lineConfig] of Object.entries(config.lines ?? {})) {
    if (lineConfig.strategy !== undefined) strategy(lineConfig.strategy, `lines.${line}.strategy`);
    if (lineConfig.requiredSkill !== undefined && (typeof lineConfig.requiredSkill !== 'string' || lineConfig.requiredSkill === '')) {
      throw new CtiError('CTI_ERR_VALIDATION', `lines.${line}.requiredSkill must be a non-empty string`, { field: `lines.${line}.requiredSkill` });
    }
  }
}
