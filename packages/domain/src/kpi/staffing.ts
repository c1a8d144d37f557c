import { CtiError } from '../errors.js';
import { agentsNeeded, serviceLevel, trafficErlangs } from './erlang-c.js';

/** Expected traffic of one planning interval (usually the same half-hour in past weeks). */
export interface TrafficInterval {
  /** Interval start, epoch ms; also the key into loggedInByInterval. */
  readonly start: number;
  /** Calls expected to be offered. */
  readonly offered: number;
  /** Average handle time, seconds. */
  readonly ahtSeconds: number;
}

/** Service goals a staffing plan must meet in every interval. */
export interface StaffingTargets {
  /** Interval length, seconds; 1800 for half-hours. */
  readonly intervalSeconds?: number;
  /** Service-level threshold T, seconds. */
  readonly targetSeconds: number;
  /** Required share answered within T, in (0, 1). */
  readonly serviceLevelGoal: number;
  /** Occupancy cap, in (0, 1]. */
  readonly maxOccupancy?: number;
  /** Share of scheduled time lost to breaks, training etc., in [0, 1); raises the scheduled need. */
  readonly shrinkage?: number;
}

/** One interval of the staffing plan. */
export interface StaffingRow {
  /** Interval start, epoch ms. */
  readonly start: number;
  /** Calls expected. */
  readonly offered: number;
  /** Traffic in Erlangs. */
  readonly trafficErlangs: number;
  /** Agents needed on the phones (Erlang C). */
  readonly agentsNeeded: number;
  /** Agents to schedule, allowing for shrinkage. */
  readonly scheduledNeeded: number;
  /** Agents actually logged in (0 when unknown). */
  readonly loggedIn: number;
  /** loggedIn − scheduledNeeded; negative means short-staffed. */
  readonly gap: number;
  /** Service level forecast with the logged-in agents. */
  readonly forecastServiceLevel: number;
}

/** Per-interval staffing need versus agents logged in, ordered by interval start. */
export function staffingPlan(
  intervals: readonly TrafficInterval[],
  targets: StaffingTargets,
  loggedInByInterval: ReadonlyMap<number, number>,
): StaffingRow[] {
  const intervalSeconds = targets.intervalSeconds ?? 1800;
  const shrinkage = targets.shrinkage ?? 0;
  if (!Number.isFinite(shrinkage) || shrinkage < 0 || shrinkage >= 1) {
    throw new CtiError('CTI_ERR_VALIDATION', 'shrinkage must be in [0, 1)', { shrinkage });
  }
  return [...intervals]
    .sort((x, y) => x.start - y.start)
    .map((iv) => {
      const need = agentsNeeded({
        callsPerInterval: iv.offered,
        intervalSeconds,
        ahtSeconds: iv.ahtSeconds,
        targetSeconds: targets.targetSeconds,
        serviceLevelGoal: targets.serviceLevelGoal,
        ...(targets.maxOccupancy === undefined ? {} : { maxOccupancy: targets.maxOccupancy }),
      });
      const scheduledNeeded = Math.ceil(need / (1 - shrinkage) - 1e-9);
      const loggedIn = loggedInByInterval.get(iv.start) ?? 0;
      return {
        start: iv.start,
        offered: iv.offered,
        trafficErlangs: trafficErlangs(iv.offered, intervalSeconds, iv.ahtSeconds),
        agentsNeeded: need,
        scheduledNeeded,
        loggedIn,
        gap: loggedIn - scheduledNeeded,
        forecastServiceLevel: serviceLevel(iv.offered, intervalSeconds, iv.ahtSeconds, loggedIn, targets.targetSeconds),
      };
    });
}

/** A staffing gap as people read it: "缺 3 人" (short), "富余 2 人" (spare), "持平" (exactly staffed). */
export function staffingGapLabel(gap: number): string {
  return gap < 0 ? `缺 ${-gap} 人` : gap > 0 ? `富余 ${gap} 人` : '持平';
}
