import { EMERGENCY_PARTNER_LINES, beijingDate, beijingHour, beijingMonth, kpi, monthDays, periodLabel, staffKpis, type KpiPeriod, type PeriodKind, type StaffFacts, type StaffKpiRow } from '@cti/domain';
import type { TicketCategoryRow } from '@cti/db';

/** Stored facts a report reads (KpiRepository fits). */
export interface ReportFactSource {
  kpiConfig(overrides: Partial<kpi.KpiConfig>, from: number, to: number): Promise<kpi.KpiConfig>;
  facts(from: number, to: number, now: number): Promise<kpi.KpiFacts>;
  ticketsByCategory(from: number, to: number, now: number): Promise<TicketCategoryRow[]>;
  /** The active hotline lines whose calls are shown apart (双号并行, docs/domain.md §18); none: only DIDs with calls. */
  hotlineLines?(): Promise<kpi.HotlineLineInfo[]>;
}

/** The staff records of a month as they stood on a day (StaffRecordsRepository fits). */
export interface StaffFactSource {
  facts(month: string, asOf: string): Promise<StaffFacts>;
}

/** Agent names by id (AgentRepository.list fits). */
export type AgentNames = () => Promise<Array<{ id: string; name: string }>>;

/** Calls of one hour of the day. */
export interface HourTraffic {
  hour: number;
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithin: number;
}

/** Everything one report shows. */
export interface ReportData {
  kind: PeriodKind;
  label: string;
  from: number;
  to: number;
  generatedAt: number;
  serviceLevelSeconds: number;
  contract: kpi.ContractKpiRow[];
  answer: kpi.AnswerRateResult;
  /** Call figures per hotline line beside the whole centre (双号并行, docs/domain.md §18). */
  byLine: kpi.CallKpisByLine;
  trafficByHour: HourTraffic[];
  agents: Array<kpi.AgentFigures & { name: string }>;
  /** Emergency linkages (110/119/120/122): none are stored until call control records them. */
  linkages: Array<{ partner: string; count: number }>;
  tickets: TicketCategoryRow[];
  /** The contract's staff KPIs (人员指标, docs/domain.md §19): monthly reports only. */
  staff: StaffKpiRow[] | null;
}

/** Gathers a report's figures with the domain KPI engine over the stored facts of the period. */
export async function buildReportData(
  kind: PeriodKind,
  period: KpiPeriod,
  source: ReportFactSource,
  agentNames: AgentNames,
  overrides: Partial<kpi.KpiConfig>,
  now: number,
  staffSource?: StaffFactSource,
): Promise<ReportData> {
  const staff = kind === 'monthly' && staffSource ? monthStaffKpis(period, staffSource) : Promise.resolve(null);
  const [config, facts, tickets, names, lines, staffRows] = await Promise.all([
    source.kpiConfig(overrides, period.from, period.to),
    source.facts(period.from, period.to, Math.min(now, period.to)),
    source.ticketsByCategory(period.from, period.to, now),
    agentNames(),
    source.hotlineLines ? source.hotlineLines() : Promise.resolve<kpi.HotlineLineInfo[]>([]),
    staff,
  ]);
  const nameOf = new Map(names.map((a) => [a.id, a.name]));
  const counted = kpi.selectCountedCalls(facts.calls, config, period).counted;
  const hours: HourTraffic[] = Array.from({ length: 24 }, (_, hour) => ({ hour, offered: 0, answered: 0, abandoned: 0, answeredWithin: 0 }));
  for (const c of counted) {
    const h = hours[beijingHour(c.offeredAt as number)]!;
    h.offered++;
    if (c.outcome === 'answered') {
      h.answered++;
      if (c.waitMs <= config.serviceLevelSeconds * 1000) h.answeredWithin++;
    } else if (c.outcome === 'abandoned') h.abandoned++;
  }
  return {
    kind,
    label: periodLabel(kind, period),
    from: period.from,
    to: period.to,
    generatedAt: now,
    serviceLevelSeconds: config.serviceLevelSeconds,
    contract: kpi.contractKpiTable(facts, config, period),
    answer: kpi.answerRate(facts.calls, config, period),
    byLine: kpi.callKpisByLine(facts.calls, config, period, lines),
    trafficByHour: hours,
    agents: kpi.agentFigures(facts.calls, facts.agentIntervals, facts.qaReviews, config, period).map((a) => ({ ...a, name: nameOf.get(a.agentId) ?? a.agentId })),
    linkages: EMERGENCY_PARTNER_LINES.map((partner) => ({ partner, count: 0 })),
    tickets,
    staff: staffRows,
  };
}

/** The staff KPIs of the report's month, judged up to the last day the period covers. */
async function monthStaffKpis(period: KpiPeriod, source: StaffFactSource): Promise<StaffKpiRow[]> {
  const month = beijingMonth(period.from);
  const lastCovered = beijingDate(period.to - 1);
  const asOf = lastCovered < monthDays(month).last ? lastCovered : monthDays(month).last;
  return staffKpis(await source.facts(month, asOf), month, asOf);
}
