import type { KpiConfig } from './kpi.config.js';
import type { SatisfactionLevel, TicketFact } from './kpi.fact.js';
import { assertPeriod, isInPeriod, kpiResult, type KpiResult, type Period } from './kpi.result.js';

// Ticket KPIs count tickets accepted in the period, except on-time closure, which counts tickets due in it.

const satisfiedLevels: ReadonlySet<SatisfactionLevel> = new Set<SatisfactionLevel>([
  'very_satisfied',
  'satisfied',
  'basically_satisfied',
]);

function acceptedIn(tickets: readonly TicketFact[], period: Period): TicketFact[] {
  assertPeriod(period);
  return tickets.filter((t) => isInPeriod(t.acceptedAt, period));
}

function countWhere<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (predicate(item)) n++;
  return n;
}

/** 满意率: (very satisfied + satisfied + basically satisfied) ÷ tickets with a callback evaluation. */
export function satisfactionRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  const evaluated = acceptedIn(tickets, period).filter((t) => t.satisfaction !== undefined);
  const satisfied = countWhere(evaluated, (t) => t.satisfaction !== undefined && satisfiedLevels.has(t.satisfaction));
  return kpiResult(satisfied, evaluated.length, config.satisfactionTarget);
}

/**
 * 按时办结率: tickets closed by their deadline ÷ tickets due in the period. A ticket still open when due
 * is late; pass period.to = now for month-to-date so tickets not yet due are not judged early.
 */
export function onTimeClosureRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  assertPeriod(period);
  const due = tickets.filter((t) => t.dueAt !== undefined && isInPeriod(t.dueAt, period));
  const onTime = countWhere(due, (t) => t.closedAt !== undefined && t.dueAt !== undefined && t.closedAt <= t.dueAt);
  return kpiResult(onTime, due.length, config.onTimeTarget);
}

/** 直接答复率: tickets resolved at intake without dispatch ÷ tickets accepted. */
export function directAnswerRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  const accepted = acceptedIn(tickets, period);
  const direct = countWhere(accepted, (t) => t.resolvedAtIntake && !t.dispatched);
  return kpiResult(direct, accepted.length, config.directAnswerTarget);
}

/**
 * First-call resolution for consultations: resolved on the first call and no repeat call on the same matter
 * within fcrRepeatDays ÷ consultations. Unknown first-call status counts as not resolved.
 */
export function firstCallResolutionRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  const consultations = acceptedIn(tickets, period).filter((t) => t.category === config.consultationCategory);
  const resolved = countWhere(
    consultations,
    (t) =>
      t.firstCallResolved === true &&
      (t.repeatCallWithinDays === undefined || t.repeatCallWithinDays > config.fcrRepeatDays),
  );
  return kpiResult(resolved, consultations.length, config.fcrTarget);
}

/** 转办准确率 / 一次派单准确率: dispatched tickets never returned or reassigned ÷ dispatched tickets. */
export function transferAccuracyRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  const dispatched = acceptedIn(tickets, period).filter((t) => t.dispatched);
  const accurate = countWhere(dispatched, (t) => !t.returnedOrReassigned);
  return kpiResult(accurate, dispatched.length, config.transferAccuracyTarget);
}

/** 工单填写准确率: tickets passing QA review ÷ tickets reviewed. */
export function formAccuracyRate(tickets: readonly TicketFact[], config: KpiConfig, period: Period): KpiResult {
  const reviewed = acceptedIn(tickets, period).filter((t) => t.qaReviewed);
  const passed = countWhere(reviewed, (t) => t.qaPassed === true);
  return kpiResult(passed, reviewed.length, config.formAccuracyTarget);
}
