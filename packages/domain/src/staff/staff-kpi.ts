import { CtiError } from '../errors.js';

// The contract's staff KPIs (人员指标) for a month: training coverage, exam pass rate, monthly turnover, recruitment
// cycle and the number of trainings (docs/domain.md §19). Dates are calendar days in Beijing time, 'YYYY-MM-DD';
// a month is 'YYYY-MM'. Pure: the facts come from the staff records the centre keeps.

/** A person on the centre's staff records: when they joined, and left if they did. */
export interface StaffMemberFact {
  readonly id: string;
  readonly joinedOn: string;
  /** Last working day; null while employed. */
  readonly leftOn: string | null;
}

/** A training session and who attended. */
export interface TrainingFact {
  readonly id: string;
  readonly heldOn: string;
  readonly attendeeIds: readonly string[];
}

/** An exam sitting by one person: their score and the exam's pass mark. */
export interface ExamSittingFact {
  readonly examId: string;
  readonly heldOn: string;
  readonly memberId: string;
  readonly score: number;
  readonly passMark: number;
}

/** A recruitment request (招聘需求): opened on a day, filled on a day or still open. */
export interface RecruitmentFact {
  readonly id: string;
  readonly openedOn: string;
  readonly filledOn: string | null;
}

/** Everything the staff KPIs of a month read. */
export interface StaffFacts {
  readonly members: readonly StaffMemberFact[];
  readonly trainings: readonly TrainingFact[];
  readonly sittings: readonly ExamSittingFact[];
  readonly recruitments: readonly RecruitmentFact[];
}

/** The contract's targets (合同要求): coverage and pass rate ≥ 95%, turnover ≤ 5%, cycle ≤ 1 month, ≥ 1 training. */
export interface StaffKpiTargets {
  readonly trainingCoverage: number;
  readonly examPassRate: number;
  readonly monthlyTurnoverMax: number;
  readonly recruitmentCycleMonths: number;
  readonly trainingsPerMonth: number;
}

export const DEFAULT_STAFF_KPI_TARGETS: StaffKpiTargets = {
  trainingCoverage: 0.95,
  examPassRate: 0.95,
  monthlyTurnoverMax: 0.05,
  recruitmentCycleMonths: 1,
  trainingsPerMonth: 1,
};

export type StaffKpiKey = 'training_coverage' | 'exam_pass_rate' | 'monthly_turnover' | 'recruitment_cycle' | 'training_count';

/** One row of the staff KPI table. */
export interface StaffKpiRow {
  readonly key: StaffKpiKey;
  /** Name as the contract writes it. */
  readonly nameZh: string;
  /** What met the rule (rates), or what was counted (the training count). */
  readonly numerator: number;
  /** What was counted for a rate; for the training count, 1. */
  readonly denominator: number;
  /**
   * A rate in [0, 1] for coverage, pass rate and turnover; the number of trainings for the count; for the recruitment
   * cycle, the longest cycle in days among the requests it judges. Null without data.
   */
  readonly value: number | null;
  readonly unit: 'rate' | 'count' | 'days';
  /** Target as shown: a rate, a count, or for the cycle the months allowed. */
  readonly target: number;
  /** How value compares with the target. */
  readonly comparison: 'at_least' | 'at_most';
  /** Whether the target is met; null without data. */
  readonly pass: boolean | null;
  /** What was counted, in words (shown beside the figure). */
  readonly detailZh: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

function dayNumber(day: string): number {
  const m = DAY.exec(day);
  if (!m) throw new CtiError('CTI_ERR_VALIDATION', `not a calendar day (YYYY-MM-DD): ${day}`, { day });
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== day) throw new CtiError('CTI_ERR_VALIDATION', `no such day: ${day}`, { day });
  return t / 86_400_000;
}

const dayOf = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** First and last day of a month 'YYYY-MM'. */
export function monthDays(month: string): { first: string; last: string } {
  const m = MONTH.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new CtiError('CTI_ERR_VALIDATION', `not a month (YYYY-MM): ${month}`, { month });
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { first: `${month}-01`, last: dayOf(Date.UTC(y, mo, 0) / 86_400_000) };
}

/** The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: string, months: number): string {
  dayNumber(day);
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return dayOf(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d, lastDay)) / 86_400_000);
}

/** Days from one calendar day to another. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** Whether a person is on the staff on a day (joined on or before it, not yet left before it). */
export function employedOn(m: StaffMemberFact, day: string): boolean {
  return m.joinedOn <= day && (m.leftOn === null || m.leftOn >= day);
}

const rate = (n: number, d: number) => (d === 0 ? null : n / d);

/**
 * The staff KPI table of a month, judged up to `asOf` (the month's last day for a closed month, today for the
 * current one; a day before the month is refused).
 *
 * - 培训覆盖率 training coverage: of the people on the staff on `asOf`, the share who attended at least one training
 *   held in the month up to `asOf`.
 * - 考试合格率 exam pass rate: of the exam sittings held in the month, the share scoring at least the exam's pass mark.
 * - 月离职率 monthly turnover: people whose last day falls in the month ÷ the average of the headcount on the month's
 *   first day and on `asOf`.
 * - 招聘周期 recruitment cycle: requests filled in the month, and requests still open whose month is already up by
 *   `asOf`; each meets the rule when filled within `recruitmentCycleMonths` calendar months of opening. The value is
 *   the longest cycle in days (an open one counts its days so far).
 * - 培训次数 trainings held in the month up to `asOf`.
 */
export function staffKpis(facts: StaffFacts, month: string, asOf: string, targets: StaffKpiTargets = DEFAULT_STAFF_KPI_TARGETS): StaffKpiRow[] {
  const { first, last } = monthDays(month);
  dayNumber(asOf);
  if (asOf < first) throw new CtiError('CTI_ERR_VALIDATION', `month ${month} has not begun on ${asOf}`, { month, asOf });
  const end = asOf < last ? asOf : last;
  const inMonth = (day: string) => day >= first && day <= end;

  const trainings = facts.trainings.filter((t) => inMonth(t.heldOn));
  const trained = new Set(trainings.flatMap((t) => t.attendeeIds));
  const onStaff = facts.members.filter((m) => employedOn(m, end));
  const covered = onStaff.filter((m) => trained.has(m.id)).length;

  const sittings = facts.sittings.filter((s) => inMonth(s.heldOn));
  const passed = sittings.filter((s) => s.score >= s.passMark).length;

  const leavers = facts.members.filter((m) => m.leftOn !== null && inMonth(m.leftOn)).length;
  const headStart = facts.members.filter((m) => employedOn(m, first)).length;
  const headEnd = onStaff.length;
  const averageHead = (headStart + headEnd) / 2;

  const judged = facts.recruitments.flatMap((r) => {
    const due = addMonths(r.openedOn, targets.recruitmentCycleMonths);
    if (r.filledOn !== null) return inMonth(r.filledOn) ? [{ days: daysBetween(r.openedOn, r.filledOn), met: r.filledOn <= due }] : [];
    return r.openedOn <= end && due < end ? [{ days: daysBetween(r.openedOn, end), met: false }] : [];
  });
  const cycleMet = judged.filter((j) => j.met).length;
  const longest = judged.length ? Math.max(...judged.map((j) => j.days)) : null;

  const coverage = rate(covered, onStaff.length);
  const passRate = rate(passed, sittings.length);
  const turnover = averageHead === 0 ? null : leavers / averageHead;
  return [
    {
      key: 'training_coverage', nameZh: '培训覆盖率', numerator: covered, denominator: onStaff.length, value: coverage, unit: 'rate',
      target: targets.trainingCoverage, comparison: 'at_least', pass: coverage === null ? null : coverage >= targets.trainingCoverage,
      detailZh: `在岗 ${onStaff.length} 人，本月参训 ${covered} 人`,
    },
    {
      key: 'exam_pass_rate', nameZh: '考试合格率', numerator: passed, denominator: sittings.length, value: passRate, unit: 'rate',
      target: targets.examPassRate, comparison: 'at_least', pass: passRate === null ? null : passRate >= targets.examPassRate,
      detailZh: `参考 ${sittings.length} 人次，合格 ${passed} 人次`,
    },
    {
      key: 'monthly_turnover', nameZh: '月离职率', numerator: leavers, denominator: averageHead, value: turnover, unit: 'rate',
      target: targets.monthlyTurnoverMax, comparison: 'at_most', pass: turnover === null ? null : turnover <= targets.monthlyTurnoverMax,
      detailZh: `离职 ${leavers} 人，月初 ${headStart} 人，月末 ${headEnd} 人`,
    },
    {
      key: 'recruitment_cycle', nameZh: '招聘周期', numerator: cycleMet, denominator: judged.length, value: longest, unit: 'days',
      target: targets.recruitmentCycleMonths, comparison: 'at_most', pass: judged.length === 0 ? null : cycleMet === judged.length,
      detailZh: `本月到岗或已超期的需求 ${judged.length} 个，${targets.recruitmentCycleMonths} 个月内补齐 ${cycleMet} 个`,
    },
    {
      key: 'training_count', nameZh: '培训次数', numerator: trainings.length, denominator: 1, value: trainings.length, unit: 'count',
      target: targets.trainingsPerMonth, comparison: 'at_least', pass: trainings.length >= targets.trainingsPerMonth,
      detailZh: `本月培训 ${trainings.length} 次`,
    },
  ];
}
