import { CtiError } from '../errors.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { assertPeriod, isInPeriod, type Period } from './kpi.result.js';

/** Queued calls of a period split into those that count and why the others do not. */
export interface CallSelection {
  /** Calls offered to the queue in the period that survive every exclusion. */
  readonly counted: readonly CallFact[];
  /** Calls offered in the period before exclusions. */
  readonly offeredInPeriod: number;
  /** Left out because they arrived on an excluded DID. */
  readonly excludedLine: number;
  /** Left out because they were offered during a declared fault. */
  readonly excludedFaultWindow: number;
  /** Left out as calls from a marked (nuisance, malicious) number, when the configuration says so. */
  readonly excludedMarkedCaller: number;
  /** Left out as caller hang-ups within shortAbandonSeconds. */
  readonly excludedShortAbandon: number;
}

/** Milliseconds from entering the queue to the caller hanging up; 0 for calls never queued. */
export function abandonDelayMs(call: CallFact): number {
  return call.offeredAt === undefined ? 0 : call.endedAt - call.offeredAt;
}

function assertCall(call: CallFact): void {
  if (!Number.isFinite(call.waitMs) || call.waitMs < 0 || !Number.isFinite(call.endedAt)) {
    throw new CtiError('CTI_ERR_VALIDATION', 'call fact has an invalid waitMs or endedAt', { callId: call.callId });
  }
  if (call.outcome === 'answered' && call.answeredAt === undefined) {
    throw new CtiError('CTI_ERR_VALIDATION', 'answered call fact has no answeredAt', { callId: call.callId });
  }
}

/**
 * Picks the calls offered to the queue in [from, to) and applies the configured exclusions in a fixed
 * order (line, then fault, then marked caller, then short abandon) so each excluded call is counted under exactly one reason.
 */
export function selectCountedCalls(calls: readonly CallFact[], config: KpiConfig, period: Period): CallSelection {
  assertPeriod(period);
  const excludedLines = new Set(config.excludedLines ?? []);
  const shortAbandonMs = config.shortAbandonSeconds * 1000;
  const counted: CallFact[] = [];
  let offeredInPeriod = 0;
  let excludedLine = 0;
  let excludedFaultWindow = 0;
  let excludedMarkedCaller = 0;
  let excludedShortAbandon = 0;
  for (const call of calls) {
    if (call.offeredAt === undefined || !isInPeriod(call.offeredAt, period)) continue;
    assertCall(call);
    offeredInPeriod++;
    const offeredAt = call.offeredAt;
    if (excludedLines.has(call.line)) {
      excludedLine++;
    } else if (config.faultWindows.some((w) => offeredAt >= w.from && offeredAt < w.to)) {
      excludedFaultWindow++;
    } else if (config.excludeMarkedCallers && call.markedCaller) {
      excludedMarkedCaller++;
    } else if (call.outcome === 'abandoned' && shortAbandonMs > 0 && abandonDelayMs(call) <= shortAbandonMs) {
      excludedShortAbandon++;
    } else {
      counted.push(call);
    }
  }
  return { counted, offeredInPeriod, excludedLine, excludedFaultWindow, excludedMarkedCaller, excludedShortAbandon };
}
