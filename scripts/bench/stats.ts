/**
 * Statistics of the benches: percentiles, medians, and the call bench's per-run figures and their pooling over rounds.
 * Each bench keeps the percentile definition it has always printed, so figures stay comparable with earlier runs.
 */
import type { GatewayCounts } from './measure.js';

/** Nearest-rank percentile of ascending `sorted` (q in 0…1): the ⌈q·n⌉-th value; NaN when empty. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** The value at index ⌊q·n⌋ of ascending `sorted` (q in 0…1; the last one for q = 1); 0 when empty. */
export function atFloorIndex(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Median (the mean of the two middle values of an even count, rounded). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const hi = s[m] ?? Number.NaN;
  return s.length % 2 ? hi : Math.round(((s[m - 1] ?? Number.NaN) + hi) / 2);
}

/** Median, maximum and the samples themselves. */
export const summary = (xs: number[]) => ({ median: median(xs), max: Math.max(...xs), samples: xs });

// ---------------------------------------------------------------------------------------------------------------
// call bench

export type System = 'acd' | 'app_queue';

export interface RunResult {
  system: System;
  rate: number;
  /** Rounds merged into this result (see BENCH_ROUNDS). */
  rounds: number;
  calls: number;
  talkMs: number;
  answered: number;
  /** INVITE→seat 200 OK of each answered call, and INVITE→caller 200 OK, sorted (ms). */
  latencies: number[];
  callerOks: number[];
  p50: number;
  p90: number;
  p99: number;
  max: number;
  callerOkP50: number;
  sippOk: number;
  sippFailed: number;
  durationS: number;
  cpu: Record<string, number>;
  gateway?: GatewayCounts;
  /** Events Asterisk sent to the Stasis app per offered call, and the deepest backlog of its event queue. */
  ariEventsPerCall: number;
  ariQueueMaxDepth: number;
  /** Asterisk log lines "HTTP session count exceeded" during the run (ARI REST connections refused). */
  httpRefused: number;
  loadavg: number;
}

/** The figures of sorted latencies: INVITE→seat 200 OK of the answered calls, and INVITE→caller 200 OK. */
export function latencyFigures(lat: number[], callerOk: number[]) {
  return {
    answered: lat.length,
    latencies: lat,
    callerOks: callerOk,
    p50: nearestRank(lat, 0.5),
    p90: nearestRank(lat, 0.9),
    p99: nearestRank(lat, 0.99),
    max: lat.at(-1) ?? Number.NaN,
    callerOkP50: nearestRank(callerOk, 0.5),
  };
}

/** One result from a system's rounds at one rate: counts added, latencies pooled, CPU averaged, worst load kept. */
export function mergeRounds(rs: RunResult[]): RunResult {
  const first = rs[0];
  if (!first) throw new Error('no rounds to merge');
  if (rs.length === 1) return first;
  const sum = (f: (r: RunResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const lat = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const callerOk = rs.flatMap((r) => r.callerOks).sort((a, b) => a - b);
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(first.cpu)) cpu[k] = sum((r) => r.cpu[k] ?? 0) / rs.length;
  const gateways = rs.map((r) => r.gateway).filter((g): g is GatewayCounts => g !== undefined);
  return {
    ...first,
    rounds: rs.length,
    calls: sum((r) => r.calls),
    ...latencyFigures(lat, callerOk),
    sippOk: sum((r) => r.sippOk),
    sippFailed: sum((r) => r.sippFailed),
    durationS: sum((r) => r.durationS),
    cpu,
    ...(gateways.length && {
      gateway: {
        arrived: gateways.reduce((a, g) => a + g.arrived, 0),
        answered: gateways.reduce((a, g) => a + g.answered, 0),
        fallbacks: gateways.reduce((a, g) => a + g.fallbacks, 0),
        ringNoAnswer: gateways.reduce((a, g) => a + g.ringNoAnswer, 0),
        errors: gateways.reduce((a, g) => a + g.errors, 0),
      },
    }),
    ariEventsPerCall: sum((r) => r.ariEventsPerCall * r.calls) / Math.max(1, sum((r) => r.calls)),
    ariQueueMaxDepth: Math.max(...rs.map((r) => r.ariQueueMaxDepth)),
    httpRefused: sum((r) => r.httpRefused),
    loadavg: Math.max(...rs.map((r) => r.loadavg)),
  };
}
