import { CtiError } from '../errors.js';

/** Contract fault levels (docs/domain.md §6): L1 intake/network down … L4 information or support request. */
export type FaultLevel = 'L1' | 'L2' | 'L3' | 'L4';

export const FAULT_LEVELS: readonly FaultLevel[] = ['L1', 'L2', 'L3', 'L4'];

/** Recovery deadlines and the yearly fault budget; configuration, never constants in the rules. */
export interface OpsSlaConfig {
  /** Minutes within which an incident of each level must be recovered. */
  recoveryMinutes: Readonly<Record<FaultLevel, number>>;
  /** Cumulative fault time allowed per calendar year, in hours. */
  yearlyBudgetHours: number;
}

/** The contract's figures: L1 ≤ 1 h, L2 ≤ 1.5 h, L3 ≤ 2 h, L4 ≤ 3 h; 24 h of faults a year. */
export const DEFAULT_OPS_SLA: OpsSlaConfig = Object.freeze({
  recoveryMinutes: Object.freeze({ L1: 60, L2: 90, L3: 120, L4: 180 }),
  yearlyBudgetHours: 24,
});

export const isFaultLevel = (v: string): v is FaultLevel => (FAULT_LEVELS as readonly string[]).includes(v);

/** Parses `L1:60,L2:90,…`; every level must be named once with a positive number of minutes. */
export function parseRecoveryMinutes(text: string): Record<FaultLevel, number> {
  const out: Partial<Record<FaultLevel, number>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [level, minutes] = part.split(':');
    const m = Number(minutes);
    if (!level || !isFaultLevel(level) || !(m > 0)) throw new CtiError('CTI_ERR_VALIDATION', `invalid recovery deadline "${part}" (expected L1:60)`, { part });
    out[level] = m;
  }
  for (const l of FAULT_LEVELS) if (out[l] === undefined) throw new CtiError('CTI_ERR_VALIDATION', `recovery deadline of ${l} missing`, { level: l });
  return out as Record<FaultLevel, number>;
}

/** Builds and validates an SLA configuration. */
export function createOpsSla(recovery: string, yearlyBudgetHours: number): OpsSlaConfig {
  if (!(yearlyBudgetHours > 0)) throw new CtiError('CTI_ERR_VALIDATION', 'yearly fault budget must be positive', { yearlyBudgetHours });
  return Object.freeze({ recoveryMinutes: Object.freeze(parseRecoveryMinutes(recovery)), yearlyBudgetHours });
}
