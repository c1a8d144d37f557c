import { CtiError } from '../errors.js';
import type { KpiConfig } from './kpi.config.js';
import type { AgentStateInterval } from './kpi.fact.js';
import { assertPeriod, kpiResult, overlapMs, type KpiResult, type Period } from './kpi.result.js';

/** Pause reason key used when a pause carries no reason. */
export const unspecifiedPauseReason = 'unspecified';

/** One agent's logged-in time in a period, split by state (ms, clipped to the period). */
export interface AgentTime {
  /** The agent. */
  readonly agentId: string;
  /** Every state counts as logged in. */
  readonly loggedInMs: number;
  /** Idle, waiting for a call. */
  readonly readyMs: number;
  /** A call is ringing at the agent. */
  readonly reservedMs: number;
  /** Talking or holding. */
  readonly onCallMs: number;
  /** After-call work. */
  readonly wrapUpMs: number;
  /** Paused, any reason. */
  readonly pausedMs: number;
  /** Paused for a reason the config names as productive. */
  readonly productivePauseMs: number;
  /** Logged in doing other assigned work. */
  readonly otherMs: number;
  /** Paused time by reason code. */
  readonly pauseMsByReason: Readonly<Record<string, number>>;
}

interface MutableAgentTime {
  agentId: string;
  loggedInMs: number;
  readyMs: number;
  reservedMs: number;
  onCallMs: number;
  wrapUpMs: number;
  pausedMs: number;
  productivePauseMs: number;
  otherMs: number;
  pauseMsByReason: Record<string, number>;
}

/** Sums each agent's state intervals over the period; intervals straddling a boundary count only their inside part. */
export function summarizeAgentTime(
  intervals: readonly AgentStateInterval[],
  config: KpiConfig,
  period: Period,
): ReadonlyMap<string, AgentTime> {
  assertPeriod(period);
  const productive = new Set(config.productivePauseReasons);
  const byAgent = new Map<string, MutableAgentTime>();
  for (const iv of intervals) {
    if (!Number.isFinite(iv.from) || !Number.isFinite(iv.to) || iv.from > iv.to) {
      throw new CtiError('CTI_ERR_VALIDATION', 'agent state interval must have from <= to', {
        agentId: iv.agentId,
        from: iv.from,
        to: iv.to,
      });
    }
    const ms = overlapMs(iv.from, iv.to, period);
    if (ms === 0) continue;
    let t = byAgent.get(iv.agentId);
    if (t === undefined) {
      t = {
        agentId: iv.agentId, loggedInMs: 0, readyMs: 0, reservedMs: 0, onCallMs: 0, wrapUpMs: 0,
        pausedMs: 0, productivePauseMs: 0, otherMs: 0, pauseMsByReason: {},
      };
      byAgent.set(iv.agentId, t);
    }
    t.loggedInMs += ms;
    switch (iv.state) {
      case 'ready': t.readyMs += ms; break;
      case 'reserved': t.reservedMs += ms; break;
      case 'on_call': t.onCallMs += ms; break;
      case 'wrap_up': t.wrapUpMs += ms; break;
      case 'logged_in_other': t.otherMs += ms; break;
      case 'paused': {
        t.pausedMs += ms;
        const reason = iv.reason ?? unspecifiedPauseReason;
        t.pauseMsByReason[reason] = (t.pauseMsByReason[reason] ?? 0) + ms;
        if (productive.has(reason)) t.productivePauseMs += ms;
        break;
      }
    }
  }
  return byAgent;
}

/** Time that counts as productive for utilization: ringing, talk+hold, after-call work, other work, productive pauses. */
export function productiveMs(t: AgentTime): number {
  return t.reservedMs + t.onCallMs + t.wrapUpMs + t.otherMs + t.productivePauseMs;
}

/** Time spent handling calls (ringing, talk+hold, after-call work) — the occupancy numerator. */
export function handlingMs(t: AgentTime): number {
  return t.reservedMs + t.onCallMs + t.wrapUpMs;
}

/** 工时利用率 of one agent: productive time ÷ logged-in time. */
export function utilizationOf(t: AgentTime, config: KpiConfig): KpiResult {
  return kpiResult(productiveMs(t), t.loggedInMs, config.utilizationTarget);
}

/** Occupancy of one agent: handling time ÷ (handling + ready) time; pauses and other work are not available time. */
export function occupancyOf(t: AgentTime): KpiResult {
  return kpiResult(handlingMs(t), handlingMs(t) + t.readyMs);
}

/** Centre 工时利用率: Σ productive time ÷ Σ logged-in time over all agents. */
export function utilization(intervals: readonly AgentStateInterval[], config: KpiConfig, period: Period): KpiResult {
  let num = 0;
  let den = 0;
  for (const t of summarizeAgentTime(intervals, config, period).values()) {
    num += productiveMs(t);
    den += t.loggedInMs;
  }
  return kpiResult(num, den, config.utilizationTarget);
}

/** Centre occupancy: Σ handling time ÷ Σ (handling + ready) time over all agents. */
export function occupancy(intervals: readonly AgentStateInterval[], config: KpiConfig, period: Period): KpiResult {
  let num = 0;
  let den = 0;
  for (const t of summarizeAgentTime(intervals, config, period).values()) {
    num += handlingMs(t);
    den += handlingMs(t) + t.readyMs;
  }
  return kpiResult(num, den);
}
