import { CtiError, beijingHalfHour, beijingMonth, dayPeriod, kpi, monthPeriod, monthPeriodOf, type KpiPeriod } from '@cti/domain';
import type { KpiRepository } from '@cti/db';

const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 1_800_000;

/** The stored facts the KPI service reads (KpiRepository fits). */
export type KpiFactSource = Pick<KpiRepository, 'kpiConfig' | 'answerRateCounts' | 'countQueuedCalls' | 'callFacts' | 'callFactsStored' | 'agentIntervals' | 'facts' | 'overdueTicketCount'>;

/** The most calls a figure that needs them row by row (per agent, the contract table) reads for one request. */
export const MAX_KPI_CALL_ROWS = 500_000;

/** Staffing choices (from configuration). */
export interface StaffingSettings {
  historyDays: number;
  serviceLevelGoal: number;
  patienceSeconds: number;
  shrinkage: number;
  defaultAhtSeconds: number;
}

/** Answer-rate figures of one period with the counts behind them. */
export interface AnswerRateFigures {
  from: number;
  to: number;
  /** Counted calls offered to the agent queue (after exclusions). */
  offered: number;
  answered: number;
  abandoned: number;
  failed: number;
  rate: number | null;
  target: number;
  pass: boolean | null;
  /** Calls offered before exclusions, and what was excluded. */
  offeredInPeriod: number;
  excluded: { line: number; faultWindow: number; markedCaller: number; shortAbandon: number };
  /** Abandoned calls later reached by a call-back: shown apart, never in the rate. */
  abandonedCalledBack: number;
  /** Answered within the service-level threshold ÷ answered. */
  answeredWithin: { seconds: number; count: number; rate: number | null };
}

/** One line's call figures (双号并行, docs/domain.md §18): the answer-rate figures' shape, with the line's name and target. */
export interface LineFigures {
  /** The line's DID. */
  line: string;
  name: string;
  /** Whether the DID is a registered line (hotline_lines). */
  registered: boolean;
  /** Counted calls offered to the agent queue (after exclusions). */
  offered: number;
  answered: number;
  abandoned: number;
  failed: number;
  rate: number | null;
  /** The line's own target, or the centre's when it has none (ownTarget false). */
  target: number;
  ownTarget: boolean;
  pass: boolean | null;
  offeredInPeriod: number;
  excluded: { line: number; faultWindow: number; markedCaller: number; shortAbandon: number };
  answeredWithin: { seconds: number; count: number; rate: number | null };
}

/** Every line's figures beside the whole centre's, for one period. */
export interface LinesFigures {
  from: number;
  to: number;
  centre: Omit<LineFigures, 'line' | 'name' | 'registered' | 'ownTarget'>;
  lines: LineFigures[];
}

/** The lines the figures are shown by (HotlineLineRepository.list fits, mapped). */
export type LineDirectory = () => Promise<kpi.HotlineLineInfo[]>;

function callFigures(k: kpi.CallKpis, seconds: number): LinesFigures['centre'] {
  return {
    offered: k.offered,
    answered: k.answered,
    abandoned: k.abandoned,
    failed: k.failed,
    rate: k.answerRate.value,
    target: k.answerRate.target as number,
    pass: k.answerRate.pass ?? null,
    offeredInPeriod: k.offeredInPeriod,
    excluded: { ...k.excluded },
    answeredWithin: { seconds, count: k.answeredWithin.numerator, rate: k.answeredWithin.value },
  };
}

function linesFigures(calls: readonly kpi.CallFact[], config: kpi.KpiConfig, p: KpiPeriod, lines: readonly kpi.HotlineLineInfo[]): LinesFigures {
  const r = kpi.callKpisByLine(calls, config, p, lines);
  const seconds = config.serviceLevelSeconds;
  return {
    from: p.from,
    to: p.to,
    centre: callFigures(r.centre, seconds),
    lines: r.lines.map((l) => ({ line: l.line, name: l.name, registered: l.registered, ownTarget: l.ownTarget, ...callFigures(l, seconds) })),
  };
}

/** Month-end projection and the alert it raises, if any. */
export interface ProjectionFigures {
  month: string;
  projection: kpi.AnswerRateProjection;
  alert: kpi.AnswerRateAlert | null;
}

/** Staffing for one half-hour: the domain's row plus the two needs it combines. */
export interface StaffingFigures extends kpi.StaffingRow {
  /** Agents needed for the 15-second service-level goal. */
  neededForServiceLevel: number;
  /** Agents needed so no more than (1 − answer-rate target) of callers wait past their patience. */
  neededForAnswerRate: number;
  /** Whether the interval is over, current, or still to come (loggedIn is only known up to now). */
  when: 'past' | 'current' | 'future';
  /** Agents the rota puts on the half-hour. */
  rostered: number;
  /** What `loggedIn` holds: agents logged in (past, current), or the rota's agents (future). */
  basis: 'logged_in' | 'rota';
  /** The gap in words: 缺 N 人, 富余 N 人, 持平. */
  gapLabel: string;
}

function figures(calls: readonly kpi.CallFact[], config: kpi.KpiConfig, p: KpiPeriod): AnswerRateFigures {
  return figuresOf({ ...kpi.answerRateCounts(calls, config, p), answeredWithin: kpi.answeredWithin(calls, config, p).numerator }, config, p);
}

function figuresOf(counts: kpi.AnswerRateCounts & { answeredWithin: number }, config: kpi.KpiConfig, p: KpiPeriod): AnswerRateFigures {
  const r = kpi.answerRateFromCounts(counts, config);
  const within = kpi.kpiResult(counts.answeredWithin, counts.answered);
  return {
    from: p.from,
    to: p.to,
    offered: r.denominator,
    answered: r.numerator,
    abandoned: r.abandoned,
    failed: r.failed,
    rate: r.value,
    target: config.answerRateTarget,
    pass: r.pass ?? null,
    offeredInPeriod: r.offeredInPeriod,
    excluded: { line: r.excludedLine, faultWindow: r.excludedFaultWindow, markedCaller: r.excludedMarkedCaller, shortAbandon: r.excludedShortAbandon },
    abandonedCalledBack: r.abandonedCalledBack,
    answeredWithin: { seconds: config.serviceLevelSeconds, count: within.numerator, rate: within.value },
  };
}

/** How long the call facts of days before today are reused before they are read again. */
const PAST_FACTS_TTL_MS = 5 * 60_000;
/** Today's calls are read whole again this often (a safety net under the incremental reads). */
const TODAY_FULL_READ_MS = 5 * 60_000;
/**
 * An incremental read of today's calls also takes those stored up to this long before the newest one seen: a row
 * whose insert started earlier but committed after the previous read is not missed (the worker's inserts take ms).
 */
const STORED_SLACK_MS = 5_000;
/** An ended half-hour's logged-in agents are kept once it ended this long ago (its state changes stored by then). */
const SLOT_SETTLED_MS = 60_000;

interface TodaysCalls {
  day: number;
  fullReadAt: number;
  byId: Map<string, kpi.CallFact>;
  newestStoredAt: number | undefined;
}

/**
 * KPI figures over the stored facts, computed with the domain's KPI engine: answer rates, the month-end projection,
 * per-agent figures, the contract table and Erlang C staffing. Reads only; the clock is injected.
 * The live figures (wallboard every few seconds, alerts, staffing) need the calls without their rings, and read only
 * what is new each time: today's calls stored since the previous read (a whole read of today every 5 minutes), and
 * the days before today in their window once per 5 minutes (a record of an earlier day that arrives late, e.g. from
 * the spool, counts within those 5 minutes). A busy centre stores tens of thousands of calls a day; reading them all
 * every few seconds was the gateway's largest periodic cost and stalled call handling.
 */
export class KpiService {
  /** Calls of the days before today, by the start of the window they were read for. */
  private readonly past = new Map<number, { today: number; loadedAt: number; calls: kpi.CallFact[] }>();
  private today: TodaysCalls | undefined;
  /** Agents logged in per ended half-hour of today (see loggedInBySlot). */
  private slots: { day: number; loggedIn: Map<number, number> } | undefined;
  /** The read of today's calls in progress (concurrent live views share it). */
  private todayRead: Promise<kpi.CallFact[]> | undefined;

  constructor(
    private readonly facts: KpiFactSource,
    private readonly overrides: Partial<kpi.KpiConfig>,
    private readonly staffingSettings: StaffingSettings,
    private readonly now: () => number,
    /** Agents logged in right now (from the ACD). */
    private readonly loggedInNow: () => number,
    /** Per-agent figures and the contract table refuse periods holding more calls than this. */
    private readonly maxCallRows = MAX_KPI_CALL_ROWS,
    /** Agents the rota puts on each half-hour starting in [from, to): the staffing of half-hours still to come. */
    private readonly rostered: (from: number, to: number) => Promise<ReadonlyMap<number, number>> = async () => new Map(),
    /** The registered hotline lines (active ones): today's and a period's figures are also shown per line. */
    private readonly lineDirectory: LineDirectory = async () => [],
  ) {}

  /** Call facts (without rings) of [from, now]: today's from the incremental read, earlier days' from the cache. */
  private async callFactsUntilNow(from: number, now: number): Promise<kpi.CallFact[]> {
    const today = dayPeriod(now).from;
    const todays = await this.todaysCalls(now);
    if (from >= today) return todays.filter((c) => (c.offeredAt as number) >= from);
    const fresh = (v: { today: number; loadedAt: number }) => v.today === today && now - v.loadedAt < PAST_FACTS_TTL_MS;
    let past = this.past.get(from);
    if (!past || !fresh(past)) {
      past = { today, loadedAt: now, calls: (await this.facts.callFactsStored(from, today)).map((r) => r.fact) };
      for (const [k, v] of this.past) if (!fresh(v)) this.past.delete(k);
      this.past.set(from, past);
    }
    return [...past.calls, ...todays];
  }

  /** Today's calls queued until now; one read at a time. */
  private todaysCalls(now: number): Promise<kpi.CallFact[]> {
    this.todayRead ??= this.readToday(now).finally(() => (this.todayRead = undefined));
    return this.todayRead;
  }

  private async readToday(now: number): Promise<kpi.CallFact[]> {
    const day = dayPeriod(now).from;
    let t = this.today;
    if (!t || t.day !== day || now - t.fullReadAt >= TODAY_FULL_READ_MS) t = { day, fullReadAt: now, byId: new Map(), newestStoredAt: undefined };
    const rows = await this.facts.callFactsStored(day, day + DAY_MS, t.newestStoredAt === undefined ? undefined : t.newestStoredAt - STORED_SLACK_MS);
    for (const { fact, storedAt } of rows) {
      t.byId.set(fact.callId, fact);
      if (t.newestStoredAt === undefined || storedAt > t.newestStoredAt) t.newestStoredAt = storedAt;
    }
    this.today = t;
    const calls: kpi.CallFact[] = [];
    for (const c of t.byId.values()) if ((c.offeredAt as number) <= now) calls.push(c);
    return calls;
  }

  /** The KPI config and calls of the live window: this month, and at least the last 7 days for the projection. */
  private async liveWindow(now: number): Promise<{ config: kpi.KpiConfig; calls: kpi.CallFact[] }> {
    const from = Math.min(monthPeriod(now).from, dayPeriod(now - 7 * DAY_MS).from);
    const [config, calls] = await Promise.all([this.facts.kpiConfig(this.overrides, from, now + 1), this.callFactsUntilNow(from, now)]);
    return { config, calls };
  }

  /** Answer rate of any period, tallied by the database (no call rows are loaded, however long the period). */
  async answerRate(p: KpiPeriod): Promise<AnswerRateFigures> {
    const config = await this.facts.kpiConfig(this.overrides, p.from, p.to);
    return figuresOf(await this.facts.answerRateCounts(p.from, p.to, config), config, p);
  }

  /** Refuses (400) a period holding more calls than a row-by-row figure reads at once. */
  private async assertReadable(p: KpiPeriod): Promise<void> {
    const n = await this.facts.countQueuedCalls(p.from, p.to);
    if (n > this.maxCallRows) {
      throw new CtiError('CTI_ERR_VALIDATION', `period holds ${n} calls, more than the ${this.maxCallRows} this figure reads at once: ask for a shorter period`, { calls: n, maxCalls: this.maxCallRows });
    }
  }

  /** Answer rate of a Beijing month 'YYYY-MM' (month-to-date for the current month). */
  answerRateOfMonth(month: string): Promise<AnswerRateFigures> {
    const p = monthPeriodOf(month);
    return this.answerRate({ from: p.from, to: Math.min(p.to, Math.max(p.from + 1, this.now())) });
  }

  /** Today, this month so far, the month-end projection and today's figures per line, from one load of the facts. */
  async live(): Promise<{ today: AnswerRateFigures; month: AnswerRateFigures; projection: ProjectionFigures; lines: LineFigures[] }> {
    const now = this.now();
    const month = monthPeriod(now);
    const [{ config, calls }, lines] = await Promise.all([this.liveWindow(now), this.lineDirectory()]);
    const today = dayPeriod(now);
    const todayPeriod = { from: today.from, to: now + 1 };
    return {
      today: figures(calls, config, todayPeriod),
      month: figures(calls, config, { from: month.from, to: now + 1 }),
      projection: this.project(calls, config, now),
      lines: linesFigures(calls, config, todayPeriod, lines).lines,
    };
  }

  /**
   * Each line's call figures beside the whole centre's for a period (双号并行, docs/domain.md §18): read call by call
   * (without rings), so a period holding more than maxCallRows calls is refused.
   */
  async lines(p: KpiPeriod): Promise<LinesFigures> {
    await this.assertReadable(p);
    const [config, stored, lines] = await Promise.all([this.facts.kpiConfig(this.overrides, p.from, p.to), this.facts.callFactsStored(p.from, p.to), this.lineDirectory()]);
    return linesFigures(stored.map((r) => r.fact), config, p, lines);
  }

  /** Month-end answer-rate projection and alert for the current month. */
  async projection(): Promise<ProjectionFigures> {
    const now = this.now();
    const { config, calls } = await this.liveWindow(now);
    return this.project(calls, config, now);
  }

  private project(calls: readonly kpi.CallFact[], config: kpi.KpiConfig, now: number): ProjectionFigures {
    const month = monthPeriod(now);
    // Expected remaining traffic: the last 7 days' counted offered rate (month-to-date rate when the week is empty).
    const week = kpi.answerRate(calls, config, { from: now - 7 * DAY_MS, to: now + 1 });
    const mtd = kpi.answerRate(calls, config, { from: month.from, to: now + 1 });
    const perMs = week.denominator > 0 ? week.denominator / (7 * DAY_MS) : mtd.denominator / Math.max(1, now - month.from);
    const expectedRemaining = Math.round(perMs * Math.max(0, month.to - now));
    const projection = kpi.projectMonthEndAnswerRateFromCalls(calls, config, { monthStart: month.from, now: now + 1 }, expectedRemaining);
    return { month: beijingMonth(now), projection, alert: kpi.answerRateAlert(projection, config.answerRateTarget) };
  }

  /** Per-agent figures for a period. */
  async agents(p: KpiPeriod): Promise<kpi.AgentFigures[]> {
    await this.assertReadable(p);
    const [config, facts] = await Promise.all([this.facts.kpiConfig(this.overrides, p.from, p.to), this.facts.facts(p.from, p.to, this.now())]);
    return kpi.agentFigures(facts.calls, facts.agentIntervals, facts.qaReviews, config, p);
  }

  /** The contract KPI table for a period. */
  async contractTable(p: KpiPeriod): Promise<kpi.ContractKpiRow[]> {
    await this.assertReadable(p);
    const [config, facts] = await Promise.all([this.facts.kpiConfig(this.overrides, p.from, p.to), this.facts.facts(p.from, p.to, this.now())]);
    return kpi.contractKpiTable(facts, config, p);
  }

  /**
   * Agents logged in during each half-hour of today begun so far: the live count for the current one; for an ended
   * one, the logged-in time in it over its length. An ended half-hour is worked out once, a minute after it ended
   * (its last state changes stored by then), instead of from all of today's state intervals at every refresh.
   */
  private async loggedInBySlot(dayStart: number, now: number): Promise<Map<number, number>> {
    if (this.slots?.day !== dayStart) this.slots = { day: dayStart, loggedIn: new Map() };
    const done = this.slots.loggedIn;
    const toRead: number[] = [];
    for (let start = dayStart; start + HALF_HOUR_MS <= now; start += HALF_HOUR_MS) if (!done.has(start)) toRead.push(start);
    const loggedIn = new Map(done);
    if (toRead.length) {
      const first = toRead[0] as number;
      const last = toRead[toRead.length - 1] as number;
      const intervals = await this.facts.agentIntervals(first, last + HALF_HOUR_MS, now);
      for (const start of toRead) {
        let ms = 0;
        for (const iv of intervals) ms += kpi.overlapMs(iv.from, iv.to, { from: start, to: start + HALF_HOUR_MS });
        const agents = Math.round(ms / HALF_HOUR_MS);
        loggedIn.set(start, agents);
        if (now >= start + HALF_HOUR_MS + SLOT_SETTLED_MS) done.set(start, agents);
      }
    }
    const current = dayStart + Math.floor((now - dayStart) / HALF_HOUR_MS) * HALF_HOUR_MS;
    loggedIn.set(current, this.loggedInNow());
    return loggedIn;
  }

  /**
   * The big screen's call trends (docs/domain.md §17): today's counted calls per half-hour against yesterday's and the
   * staffing forecast (the same expected calls Erlang C plans with), and each day's answer rate this month.
   */
  async callTrends(): Promise<{ halfHours: kpi.HalfHourTrend; dailyAnswerRate: { target: number; days: kpi.DailyAnswerRate[] } }> {
    const now = this.now();
    const month = monthPeriod(now);
    const from = Math.min(month.from, dayPeriod(now).from - DAY_MS);
    const [config, calls, staffing] = await Promise.all([this.facts.kpiConfig(this.overrides, from, now + 1), this.callFactsUntilNow(from, now), this.staffing()]);
    return {
      halfHours: kpi.halfHourTrend(calls, config, staffing.intervals.map((r) => r.offered), now),
      dailyAnswerRate: kpi.dailyAnswerRates(calls, config, month.from, now),
    };
  }

  /** Tickets past their deadline and still open. */
  overdueTickets(): Promise<number> {
    return this.facts.overdueTicketCount(this.now());
  }

  /**
   * Erlang C staffing for each half-hour of today: expected calls = the average of the same half-hour over the last
   * `historyDays` days (today's elapsed half-hours included), AHT measured over that history.
   */
  async staffing(): Promise<{ aht: { seconds: number; measured: boolean }; intervals: StaffingFigures[] }> {
    const now = this.now();
    const s = this.staffingSettings;
    const today = dayPeriod(now);
    const from = today.from - s.historyDays * DAY_MS;
    const [config, calls] = await Promise.all([this.facts.kpiConfig(this.overrides, from, now + 1), this.callFactsUntilNow(from, now)]);
    const counted = kpi.selectCountedCalls(calls, config, { from, to: now + 1 }).counted;
    const bySlot = new Array<number>(48).fill(0);
    let firstAt = now;
    for (const c of counted) {
      bySlot[beijingHalfHour(c.offeredAt as number)]! += 1;
      firstAt = Math.min(firstAt, c.offeredAt as number);
    }
    const firstDay = Math.max(dayPeriod(firstAt).from, from);
    const aht = kpi.measuredAht(calls, config, { from, to: now + 1 });
    const ahtSeconds = aht.value ?? s.defaultAhtSeconds;
    const traffic: kpi.TrafficInterval[] = [];
    for (let i = 0; i < 48; i++) {
      const start = today.from + i * HALF_HOUR_MS;
      // Days whose slot i has begun, since the first stored call.
      let days = Math.round((today.from - firstDay) / DAY_MS) + (start <= now ? 1 : 0);
      days = Math.max(1, days);
      traffic.push({ start, offered: bySlot[i]! / days, ahtSeconds });
    }
    // Past and current half-hours: agents logged in; half-hours still to come: agents the rota puts on them.
    const [loggedIn, rostered] = await Promise.all([this.loggedInBySlot(today.from, now), this.rostered(today.from, today.to)]);
    for (let start = today.from; start < today.to; start += HALF_HOUR_MS) if (start > now) loggedIn.set(start, rostered.get(start) ?? 0);
    const common = { intervalSeconds: HALF_HOUR_MS / 1000, shrinkage: s.shrinkage, maxOccupancy: 0.9 };
    const bySl = kpi.staffingPlan(traffic, { ...common, targetSeconds: config.serviceLevelSeconds, serviceLevelGoal: s.serviceLevelGoal }, loggedIn);
    const byRate = kpi.staffingPlan(traffic, { ...common, targetSeconds: s.patienceSeconds, serviceLevelGoal: Math.min(0.999, config.answerRateTarget) }, loggedIn);
    const rows = bySl.map((slRow, i): StaffingFigures => {
      const rateRow = byRate[i]!;
      const agentsNeeded = Math.max(slRow.agentsNeeded, rateRow.agentsNeeded);
      const scheduledNeeded = Math.max(slRow.scheduledNeeded, rateRow.scheduledNeeded);
      const when = slRow.start + HALF_HOUR_MS <= now ? 'past' : slRow.start <= now ? 'current' : 'future';
      return {
        ...slRow,
        agentsNeeded,
        scheduledNeeded,
        gap: slRow.loggedIn - scheduledNeeded,
        gapLabel: kpi.staffingGapLabel(slRow.loggedIn - scheduledNeeded),
        rostered: rostered.get(slRow.start) ?? 0,
        basis: when === 'future' ? 'rota' : 'logged_in',
        neededForServiceLevel: slRow.agentsNeeded,
        neededForAnswerRate: rateRow.agentsNeeded,
        when,
      };
    });
    return { aht: { seconds: ahtSeconds, measured: aht.value !== null }, intervals: rows };
  }
}
