// The rest rules a rota must keep, checked for any set of assignments: a proposal, a shift lead's edit, a swap.
import { CtiError } from '../errors.js';
import { BEIJING_OFFSET_MS } from '../time/beijing.js';
import { beijingMidnight, shiftByCode, shiftInstance, type ShiftConfig } from './rota.config.js';

const DAY_MS = 86_400_000;

/** One agent working one shift on one date. */
export interface RotaAssignment {
  readonly agentId: string;
  /** 'YYYY-MM-DD': the date the shift starts on. */
  readonly date: string;
  /** Shift code. */
  readonly shift: string;
}

/** A broken rule, named for the shift lead. */
export interface RotaViolation {
  readonly agentId: string;
  readonly rule: 'one_shift_a_day' | 'min_rest' | 'max_consecutive_days';
  /** The assignment that breaks the rule (the later one). */
  readonly date: string;
  readonly shift: string;
  /** zh-CN sentence for the console. */
  readonly message: string;
}

/** Day number of a date (days since 1970-01-01 in Beijing time), for "the day before". */
export function dayNumber(date: string): number {
  return Math.round((beijingMidnight(date) + BEIJING_OFFSET_MS) / DAY_MS);
}

/** Every broken rule in `assignments`, per agent in time order. Unknown shift codes throw (a 4xx for the caller). */
export function rotaViolations(assignments: readonly RotaAssignment[], config: ShiftConfig): RotaViolation[] {
  const byAgent = new Map<string, Array<RotaAssignment & { from: number; to: number; day: number }>>();
  for (const a of assignments) {
    const inst = shiftInstance(a.date, shiftByCode(config, a.shift));
    const list = byAgent.get(a.agentId) ?? [];
    list.push({ ...a, from: inst.from, to: inst.to, day: dayNumber(a.date) });
    byAgent.set(a.agentId, list);
  }
  const out: RotaViolation[] = [];
  const restMs = config.minRestHours * 3_600_000;
  for (const [agentId, list] of byAgent) {
    list.sort((x, y) => x.from - y.from);
    let run = 0;
    for (let i = 0; i < list.length; i++) {
      const cur = list[i]!;
      const prev = i > 0 ? list[i - 1]! : null;
      const at = { agentId, date: cur.date, shift: cur.shift };
      if (prev && prev.day === cur.day) {
        out.push({ ...at, rule: 'one_shift_a_day', message: `${agentId} 在 ${cur.date} 排了两个班次` });
        continue;
      }
      if (prev && cur.from - prev.to < restMs) {
        const hours = Math.max(0, (cur.from - prev.to) / 3_600_000);
        out.push({ ...at, rule: 'min_rest', message: `${agentId} 在 ${prev.date} 与 ${cur.date} 两班之间只休息 ${hours} 小时（至少 ${config.minRestHours} 小时）` });
      }
      run = prev && prev.day === cur.day - 1 ? run + 1 : 1;
      if (run > config.maxConsecutiveDays) {
        out.push({ ...at, rule: 'max_consecutive_days', message: `${agentId} 到 ${cur.date} 已连续上班 ${run} 天（至多 ${config.maxConsecutiveDays} 天）` });
      }
    }
  }
  return out;
}

/** Throws CTI_ERR_VALIDATION listing the violations, if any. */
export function assertRotaRules(assignments: readonly RotaAssignment[], config: ShiftConfig): void {
  const violations = rotaViolations(assignments, config);
  if (violations.length > 0) {
    throw new CtiError('CTI_ERR_VALIDATION', violations.map((v) => v.message).join('；'), { violations });
  }
}
