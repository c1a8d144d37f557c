import {
  CtiError,
  HALF_HOUR_MS,
  assertRotaRules,
  attendanceOf,
  beijingDate,
  beijingMidnight,
  datesOfMonth,
  dayPeriod,
  proposeRota,
  shiftByCode,
  shiftInstance,
  type AttendanceRecord,
  type RotaAssignment,
  type RotaProposal,
  type ShiftConfig,
} from '@cti/domain';
import type { Handover, RotaAgentRow, RotaEntry, RotaRepository, RotaSwap } from '@cti/db';

/** Rota storage (RotaRepository fits). */
export type RotaStore = Pick<
  RotaRepository,
  'entries' | 'agents' | 'replaceRange' | 'requestSwap' | 'swaps' | 'decideSwap' | 'stateSpans' | 'handovers' | 'draft' | 'writeHandover' | 'acknowledgeHandover'
>;

/** Today's Erlang C plan per half-hour (KpiService.staffing fits): the need the proposal covers on every date. */
export type StaffingForecast = () => Promise<{ intervals: ReadonlyArray<{ start: number; scheduledNeeded: number }> }>;

const DAY_MS = 86_400_000;

/** One shift of one date in the month's grid: who works it and whether it meets the minima. */
export interface RotaShiftCell {
  date: string;
  shift: string;
  from: number;
  to: number;
  agentIds: string[];
  /** Planned agents holding each skill the configuration has a minimum for. */
  bySkill: Record<string, number>;
  /** Short of the minimum staff or of a skill minimum. */
  belowMinimum: boolean;
}

/** An agent's attendance over a month. */
export interface AttendanceSummary {
  agentId: string;
  name: string;
  /** Shifts of the month that have ended. */
  shifts: number;
  present: number;
  late: number;
  leftEarly: number;
  absent: number;
  /** Mean schedule adherence over those shifts, null without any. */
  adherence: number | null;
}

/**
 * The rota (排班), attendance (考勤) and handovers (交接班): the month's grid, a proposal from the forecast, saving with
 * the rest rules checked, swaps, attendance from the agents' own state intervals, and how many agents the rota puts
 * on each half-hour (the staffing view's future).
 */
export class RotaService {
  constructor(
    private readonly store: RotaStore,
    readonly config: ShiftConfig,
    private readonly forecast: StaffingForecast,
    private readonly now: () => number,
  ) {}

  private readonly rules = (all: RotaAssignment[]) => assertRotaRules(all, this.config);

  /** Agents the rota puts on each half-hour starting in [from, to) (epoch ms of the half-hour's start). */
  async rosteredByHalfHour(from: number, to: number): Promise<Map<number, number>> {
    // A shift of the day before may reach into the period (a night shift crossing midnight).
    const entries = await this.store.entries(beijingDate(from - DAY_MS), beijingDate(to - 1));
    const out = new Map<number, number>();
    for (const e of entries) {
      const s = this.config.shifts.find((x) => x.code === e.shift);
      if (!s) continue; // a shift code since removed from the configuration plans nobody
      const inst = shiftInstance(e.date, s);
      for (let t = Math.max(inst.from, from); t < Math.min(inst.to, to); t += HALF_HOUR_MS) out.set(t, (out.get(t) ?? 0) + 1);
    }
    return out;
  }

  /** The month's grid: every shift of every date with its agents, and the agents. */
  async month(month: string): Promise<{ month: string; agents: RotaAgentRow[]; cells: RotaShiftCell[]; entries: RotaEntry[] }> {
    const dates = datesOfMonth(month);
    const [agents, entries] = await Promise.all([this.store.agents(), this.store.entries(dates[0]!, dates[dates.length - 1]!)]);
    const skillsOf = new Map(agents.map((a) => [a.id, new Set(a.skills)]));
    const cells: RotaShiftCell[] = [];
    for (const date of dates) {
      for (const s of this.config.shifts) {
        const inst = shiftInstance(date, s);
        const agentIds = entries.filter((e) => e.date === date && e.shift === s.code).map((e) => e.agentId);
        const bySkill = Object.fromEntries(Object.keys(this.config.minBySkill).map((k) => [k, agentIds.filter((id) => skillsOf.get(id)?.has(k)).length]));
        const belowMinimum = agentIds.length < this.config.minStaff || Object.entries(this.config.minBySkill).some(([k, n]) => (bySkill[k] ?? 0) < n);
        cells.push({ date, shift: s.code, from: inst.from, to: inst.to, agentIds, bySkill, belowMinimum });
      }
    }
    return { month, agents, cells, entries };
  }

  /** A proposal for `month` covering today's forecast need on every date; nothing is saved. */
  async propose(month: string, unavailable: Readonly<Record<string, readonly string[]>>): Promise<RotaProposal & { forecast: { halfHours: number[] } }> {
    const dates = datesOfMonth(month);
    const [agents, plan, before] = await Promise.all([
      this.store.agents(),
      this.forecast(),
      this.store.entries(beijingDate(beijingMidnight(dates[0]!) - 14 * DAY_MS), beijingDate(beijingMidnight(dates[0]!) - 1)),
    ]);
    const known = new Set(agents.map((a) => a.id));
    for (const [agentId, days] of Object.entries(unavailable)) {
      if (!known.has(agentId)) throw new CtiError('CTI_ERR_VALIDATION', `unknown agent ${agentId}`, { agentId });
      for (const d of days) if (!dates.includes(d)) throw new CtiError('CTI_ERR_VALIDATION', `${d} is not in ${month}`, { agentId, date: d });
    }
    const today = dayPeriod(this.now()).from;
    const halfHours = new Array<number>(48).fill(0);
    for (const iv of plan.intervals) {
      const i = Math.round((iv.start - today) / HALF_HOUR_MS);
      if (i >= 0 && i < 48) halfHours[i] = iv.scheduledNeeded;
    }
    const need = new Map<number, number>();
    for (const date of [...dates, beijingDate(beijingMidnight(dates[dates.length - 1]!) + DAY_MS)]) {
      const midnight = beijingMidnight(date);
      halfHours.forEach((n, i) => need.set(midnight + i * HALF_HOUR_MS, n));
    }
    const proposal = proposeRota({
      dates,
      config: this.config,
      agents: agents.map((a) => ({
        id: a.id,
        skills: a.skills,
        unavailable: unavailable[a.id] ?? [],
        before: before.filter((e) => e.agentId === a.id).map((e) => ({ date: e.date, shift: e.shift })),
      })),
      need,
    });
    return { ...proposal, forecast: { halfHours } };
  }

  /** Replaces the month's rota with `entries` (all dated in the month), refusing any broken rule with the list. */
  async save(month: string, entries: readonly RotaAssignment[], by: string): Promise<{ saved: number; removed: number }> {
    const dates = datesOfMonth(month);
    for (const e of entries) shiftByCode(this.config, e.shift);
    return this.store.replaceRange(dates[0]!, dates[dates.length - 1]!, entries, by, this.rules);
  }

  requestSwap(input: Parameters<RotaStore['requestSwap']>[0], by: string): Promise<RotaSwap> {
    return this.store.requestSwap(input, by);
  }

  swaps(status: RotaSwap['status'] | undefined, limit: number): Promise<RotaSwap[]> {
    return this.store.swaps(status, limit);
  }

  decideSwap(id: string, approve: boolean, by: string, note: string | null): Promise<RotaSwap> {
    return this.store.decideSwap(id, approve, by, note, this.rules);
  }

  /** Attendance of every rota entry dated `date`, at this moment. */
  async attendance(date: string): Promise<Array<AttendanceRecord & { name: string }>> {
    return this.attendanceBetween(date, date);
  }

  private async attendanceBetween(from: string, to: string): Promise<Array<AttendanceRecord & { name: string }>> {
    const [entries, agents] = await Promise.all([this.store.entries(from, to), this.store.agents()]);
    const names = new Map(agents.map((a) => [a.id, a.name]));
    const shifts = entries.flatMap((e) => {
      const s = this.config.shifts.find((x) => x.code === e.shift);
      return s ? [{ ...e, ...shiftInstance(e.date, s) }] : [];
    });
    if (shifts.length === 0) return [];
    const lo = Math.min(...shifts.map((s) => s.from));
    const hi = Math.max(...shifts.map((s) => s.to));
    const spans = await this.store.stateSpans(shifts.map((s) => s.agentId), lo, hi);
    const now = this.now();
    return shifts
      .map((s) => ({ ...attendanceOf(s, spans.get(s.agentId) ?? [], now, this.config.graceMinutes), name: names.get(s.agentId) ?? s.agentId }))
      .sort((x, y) => x.from - y.from || (x.agentId < y.agentId ? -1 : 1));
  }

  /** Each agent's attendance over the month's shifts that have ended. */
  async attendanceSummary(month: string): Promise<AttendanceSummary[]> {
    const dates = datesOfMonth(month);
    const records = (await this.attendanceBetween(dates[0]!, dates[dates.length - 1]!)).filter((r) => r.status !== 'upcoming' && r.to <= this.now());
    const by = new Map<string, AttendanceSummary & { adherenceSum: number }>();
    for (const r of records) {
      const s = by.get(r.agentId) ?? { agentId: r.agentId, name: r.name, shifts: 0, present: 0, late: 0, leftEarly: 0, absent: 0, adherence: null, adherenceSum: 0 };
      s.shifts++;
      if (r.status === 'present') s.present++;
      if (r.late) s.late++;
      if (r.leftEarly) s.leftEarly++;
      if (r.absent) s.absent++;
      s.adherenceSum += r.adherence ?? 0;
      by.set(r.agentId, s);
    }
    return [...by.values()]
      .map(({ adherenceSum, ...s }) => ({ ...s, adherence: s.shifts > 0 ? adherenceSum / s.shifts : null }))
      .sort((x, y) => (x.agentId < y.agentId ? -1 : 1));
  }

  handovers(limit: number): Promise<Handover[]> {
    return this.store.handovers(limit);
  }

  draft(): ReturnType<RotaStore['draft']> {
    return this.store.draft();
  }

  writeHandover(input: Parameters<RotaStore['writeHandover']>[0], by: string): Promise<Handover> {
    shiftByCode(this.config, input.shift);
    return this.store.writeHandover(input, by);
  }

  acknowledgeHandover(id: string, by: string): Promise<Handover> {
    return this.store.acknowledgeHandover(id, by);
  }
}
