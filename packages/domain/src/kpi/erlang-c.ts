import { CtiError } from '../errors.js';

function assertNonNegative(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new CtiError('CTI_ERR_VALIDATION', `${name} must be a finite number >= 0`, { [name]: v });
}

function assertPositive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new CtiError('CTI_ERR_VALIDATION', `${name} must be a finite number > 0`, { [name]: v });
}

function assertAgents(agents: number): void {
  if (!Number.isInteger(agents) || agents < 0) {
    throw new CtiError('CTI_ERR_VALIDATION', 'agents must be a whole number >= 0', { agents });
  }
}

/** Offered traffic in Erlangs: calls per interval × AHT ÷ interval length. */
export function trafficErlangs(callsPerInterval: number, intervalSeconds: number, ahtSeconds: number): number {
  assertNonNegative('callsPerInterval', callsPerInterval);
  assertPositive('intervalSeconds', intervalSeconds);
  assertPositive('ahtSeconds', ahtSeconds);
  return (callsPerInterval * ahtSeconds) / intervalSeconds;
}

/**
 * Erlang C probability that a call waits, P(wait > 0). Uses the Erlang B recurrence
 * B(k) = A·B(k−1) / (k + A·B(k−1)), which never forms A^N or N! and so stays finite for thousands of agents,
 * then C = N·B / (N − A·(1 − B)). With no more agents than Erlangs the queue grows without bound: returns 1.
 */
export function erlangC(trafficErlangs: number, agents: number): number {
  assertNonNegative('trafficErlangs', trafficErlangs);
  assertAgents(agents);
  if (trafficErlangs === 0) return 0;
  if (agents <= trafficErlangs) return 1;
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (trafficErlangs * b) / (k + trafficErlangs * b);
  return (agents * b) / (agents - trafficErlangs * (1 - b));
}

/** Forecast service level: P(answered within targetSeconds) = 1 − C·e^(−(N−A)·T/AHT); 0 when the queue is unstable. */
export function serviceLevel(
  callsPerInterval: number,
  intervalSeconds: number,
  ahtSeconds: number,
  agents: number,
  targetSeconds: number,
): number {
  assertNonNegative('targetSeconds', targetSeconds);
  const a = trafficErlangs(callsPerInterval, intervalSeconds, ahtSeconds);
  const c = erlangC(a, agents);
  if (a === 0) return 1;
  if (agents <= a) return 0;
  return Math.min(1, Math.max(0, 1 - c * Math.exp((-(agents - a) * targetSeconds) / ahtSeconds)));
}

/** Forecast ASA in seconds: C·AHT ÷ (N − A); Infinity when the queue is unstable. */
export function averageSpeedOfAnswer(
  callsPerInterval: number,
  intervalSeconds: number,
  ahtSeconds: number,
  agents: number,
): number {
  const a = trafficErlangs(callsPerInterval, intervalSeconds, ahtSeconds);
  if (a === 0) return 0;
  if (agents <= a) return Number.POSITIVE_INFINITY;
  return (erlangC(a, agents) * ahtSeconds) / (agents - a);
}

/** What a staffing calculation must achieve for one interval's traffic. */
export interface AgentsNeededInput {
  /** Calls expected in the interval. */
  readonly callsPerInterval: number;
  /** Interval length, seconds (1800 for half-hours). */
  readonly intervalSeconds: number;
  /** Average handle time, seconds. */
  readonly ahtSeconds: number;
  /** Service-level threshold T, seconds. */
  readonly targetSeconds: number;
  /** Required share answered within T, in (0, 1). */
  readonly serviceLevelGoal: number;
  /** Highest acceptable occupancy A ÷ N, in (0, 1]; protects agents from burn-out at high volume. */
  readonly maxOccupancy?: number;
}

/** Smallest whole number of agents on the phones meeting the service-level goal (and occupancy cap); 0 for no calls. */
export function agentsNeeded(input: AgentsNeededInput): number {
  const { serviceLevelGoal, maxOccupancy = 1 } = input;
  if (!Number.isFinite(serviceLevelGoal) || serviceLevelGoal <= 0 || serviceLevelGoal >= 1) {
    throw new CtiError('CTI_ERR_VALIDATION', 'serviceLevelGoal must be in (0, 1)', { serviceLevelGoal });
  }
  if (!Number.isFinite(maxOccupancy) || maxOccupancy <= 0 || maxOccupancy > 1) {
    throw new CtiError('CTI_ERR_VALIDATION', 'maxOccupancy must be in (0, 1]', { maxOccupancy });
  }
  assertNonNegative('targetSeconds', input.targetSeconds);
  const a = trafficErlangs(input.callsPerInterval, input.intervalSeconds, input.ahtSeconds);
  if (a === 0) return 0;
  // Start at the first stable count that respects the occupancy cap; SL rises with N, so the first hit is the minimum.
  let n = Math.max(Math.floor(a) + 1, Math.ceil(a / maxOccupancy - 1e-9));
  for (;;) {
    if (serviceLevel(input.callsPerInterval, input.intervalSeconds, input.ahtSeconds, n, input.targetSeconds) >= serviceLevelGoal) {
      return n;
    }
    n++;
  }
}
