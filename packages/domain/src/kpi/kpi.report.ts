import { utilization } from './agent-time.kpi.js';
import { agentAnswerEfficiency } from './agent.kpi.js';
import { answerRate } from './answer-rate.kpi.js';
import type { KpiConfig } from './kpi.config.js';
import type { AgentStateInterval, CallFact, QaReview, TicketFact } from './kpi.fact.js';
import { kpiResult, type KpiResult, type Period } from './kpi.result.js';
import { qaCoverage } from './qa-coverage.kpi.js';
import { answeredWithin } from './service-level.kpi.js';
import {
  directAnswerRate,
  firstCallResolutionRate,
  formAccuracyRate,
  onTimeClosureRate,
  satisfactionRate,
  transferAccuracyRate,
} from './ticket.kpi.js';

/** All the facts one report period needs. */
export interface KpiFacts {
  /** Inbound calls. */
  readonly calls: readonly CallFact[];
  /** Agent state history. */
  readonly agentIntervals: readonly AgentStateInterval[];
  /** Tickets. */
  readonly tickets: readonly TicketFact[];
  /** Completed QA reviews of calls. */
  readonly qaReviews: readonly QaReview[];
}

/** Stable keys of the contract KPI table rows, in report order. */
export type ContractKpiKey =
  | 'answer_rate'
  | 'answered_within_threshold'
  | 'abandoned_called_back'
  | 'satisfaction'
  | 'on_time_closure'
  | 'direct_answer'
  | 'first_call_resolution'
  | 'transfer_accuracy'
  | 'form_accuracy'
  | 'agent_answer_efficiency'
  | 'utilization'
  | 'qa_coverage';

/** One row of the contract KPI table. */
export interface ContractKpiRow {
  /** Stable key for code and translations. */
  readonly key: ContractKpiKey;
  /** Name as written in the contract (Simplified Chinese). */
  readonly nameZh: string;
  /** Counted cases meeting the KPI. */
  readonly numerator: number;
  /** Counted cases. */
  readonly denominator: number;
  /** Rate in [0, 1], or null without data. */
  readonly value: number | null;
  /** Contract target, or null where the contract sets none. */
  readonly target: number | null;
  /** Whether the target is met; null without a target or without data. */
  readonly pass: boolean | null;
}

function row(key: ContractKpiKey, nameZh: string, r: KpiResult): ContractKpiRow {
  return {
    key,
    nameZh,
    numerator: r.numerator,
    denominator: r.denominator,
    value: r.value,
    target: r.target ?? null,
    pass: r.pass ?? null,
  };
}

/** The contract KPI table for a period, in the order of the contract (docs/domain.md §2). */
export function contractKpiTable(facts: KpiFacts, config: KpiConfig, period: Period): ContractKpiRow[] {
  const answer = answerRate(facts.calls, config, period);
  return [
    row('answer_rate', '接通率', answer),
    row('answered_within_threshold', `${config.serviceLevelSeconds}秒内接通率`, answeredWithin(facts.calls, config, period)),
    // Reported beside the answer rate, never inside it: the contract counts agent answers only.
    row('abandoned_called_back', '漏接回拨率', kpiResult(answer.abandonedCalledBack, answer.abandoned)),
    row('satisfaction', '满意率', satisfactionRate(facts.tickets, config, period)),
    row('on_time_closure', '按时办结率', onTimeClosureRate(facts.tickets, config, period)),
    row('direct_answer', '直接答复率', directAnswerRate(facts.tickets, config, period)),
    row('first_call_resolution', '咨询类首次来电解决率', firstCallResolutionRate(facts.tickets, config, period)),
    row('transfer_accuracy', '转办准确率（一次派单准确率）', transferAccuracyRate(facts.tickets, config, period)),
    row('form_accuracy', '工单填写准确率', formAccuracyRate(facts.tickets, config, period)),
    row('agent_answer_efficiency', '坐席人均接通效率', agentAnswerEfficiency(facts.calls, config, period)),
    row('utilization', '工时利用率', utilization(facts.agentIntervals, config, period)),
    row('qa_coverage', '质检覆盖率', qaCoverage(facts.calls, facts.qaReviews, config, period)),
  ];
}
