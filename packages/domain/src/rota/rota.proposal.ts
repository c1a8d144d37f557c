// A month's rota proposal (排班建议) from the Erlang C forecast.
//
// Each shift of each date must staff the most agents any of its half-hours needs (the forecast's scheduled need),
// and at least the configured minimum and per-skill minima. Because the shifts tile the day (rota.config.ts), a
// half-hour is covered by its own shift only, so these shift demands are exactly the fewest agent-hours that cover
// every half-hour: the proposal's lower bound. What remains hard is who: the rest rules (minimum rest between shifts,
// most consecutive days, one shift a day, days an agent is unavailable) couple the days. The proposal fills the
// slots in time order by depth-first search — candidates ordered so that the first descent is usually the answer
// (skill holders for skill slots and the others spared for them elsewhere, fewest shifts so far, the same shift as
// yesterday) — with branch and bound on the number of slots left empty, and agents in the same position merged
// (only one of several interchangeable agents is tried). Within its node budget the search is exact; a proposal
// that covers every slot is optimal whatever the budget (its agent-hours are the lower bound).
import { CtiError } from '../errors.js';
import { HALF_HOUR_MS, shiftHours, shiftInstance, type ShiftConfig } from './rota.config.js';
import { dayNumber, type RotaAssignment } from './rota.rules.js';

/** An agent the rota may plan. */
export interface RotaAgent {
  readonly id: string;
  /** Skill names the agent holds ('mandarin', 'tibetan'). */
  readonly skills: readonly string[];
  /** Dates the agent cannot work (leave, training). */
  readonly unavailable?: readonly string[];
  /** The agent's shifts just before the planned dates, so rest and consecutive-day rules hold across the boundary. */
  readonly before?: readonly { readonly date: string; readonly shift: string }[];
}

/** Input of a proposal. */
export interface RotaProposalInput {
  /** Dates to plan, 'YYYY-MM-DD', in any order (usually a month). */
  readonly dates: readonly string[];
  readonly config: ShiftConfig;
  readonly agents: readonly RotaAgent[];
  /** Agents to schedule per half-hour (epoch ms of its start); a half-hour not in the map needs 0. */
  readonly need: ReadonlyMap<number, number>;
  /** Search nodes before the best proposal found so far is returned (default 200,000). */
  readonly nodeBudget?: number;
}

/** What one shift of one date must staff. */
export interface ShiftDemand {
  readonly date: string;
  readonly shift: string;
  readonly from: number;
  readonly to: number;
  /** The forecast's largest need among the shift's half-hours. */
  readonly forecastNeed: number;
  /** Agents to plan: the forecast's need, the minimum staff and the sum of the skill minima, whichever is largest. */
  readonly required: number;
  /** Agents holding each skill the shift needs at least. */
  readonly skillRequired: Readonly<Record<string, number>>;
  /** Agents the proposal plans. */
  readonly planned: number;
}

/** A half-hour the proposal leaves short of the forecast. */
export interface UncoveredHalfHour {
  readonly start: number;
  readonly need: number;
  readonly planned: number;
  readonly short: number;
}

/** A shift the proposal leaves short of a minimum (staff or skill). */
export interface ShiftShortfall {
  readonly date: string;
  readonly shift: string;
  /** The skill short of its minimum, or null for the shift's total. */
  readonly skill: string | null;
  readonly required: number;
  readonly planned: number;
}

/** The proposal. */
export interface RotaProposal {
  readonly assignments: RotaAssignment[];
  readonly demands: ShiftDemand[];
  readonly uncovered: UncoveredHalfHour[];
  readonly shortfalls: ShiftShortfall[];
  /** Agent-hours the proposal plans. */
  readonly agentHours: number;
  /** Agent-hours every half-hour's need (and the minima) requires: no rota covering everything plans fewer. */
  readonly lowerBoundHours: number;
  /** Slots (one agent in one shift) the proposal leaves empty. */
  readonly emptySlots: number;
  /** True when no rota keeping the rules leaves fewer slots empty (search complete, or nothing left empty). */
  readonly optimal: boolean;
  /** Search nodes visited. */
  readonly nodes: number;
}

interface Slot {
  readonly demand: number; // index into demands
  readonly day: number;
  readonly date: string;
  readonly shift: string;
  readonly from: number;
  readonly to: number;
  readonly skill: string | null;
}

interface AgentState {
  readonly id: string;
  readonly skills: ReadonlySet<string>;
  readonly scarce: boolean; // holds a skill some shift needs a minimum of
  readonly unavailableDays: ReadonlySet<number>;
  lastDay: number;
  lastEnd: number;
  lastShift: string | null;
  run: number; // consecutive days ending at lastDay
  shifts: number;
}

/** Proposes a rota for `input.dates` (see the module comment). */
export function proposeRota(input: RotaProposalInput): RotaProposal {
  const { config } = input;
  const budget = input.nodeBudget ?? 200_000;
  const dates = [...new Set(input.dates)].sort();
  if (dates.length === 0) throw new CtiError('CTI_ERR_VALIDATION', 'no dates to plan');
  const ids = new Set<string>();
  for (const a of input.agents) {
    if (ids.has(a.id)) throw new CtiError('CTI_ERR_VALIDATION', `agent ${a.id} listed twice`, { agentId: a.id });
    ids.add(a.id);
  }
  const skillMinima = Object.entries(config.minBySkill).filter(([, n]) => n > 0);
  const scarceSkills = new Set(skillMinima.map(([s]) => s));

  // Demands per shift instance, in time order.
  const demands: Array<Omit<ShiftDemand, 'planned'> & { planned: number }> = [];
  for (const date of dates) {
    for (const s of config.shifts) {
      const inst = shiftInstance(date, s);
      let forecastNeed = 0;
      for (let t = inst.from; t < inst.to; t += HALF_HOUR_MS) forecastNeed = Math.max(forecastNeed, Math.ceil(input.need.get(t) ?? 0));
      const skillRequired = Object.fromEntries(skillMinima);
      const skillSum = skillMinima.reduce((n, [, k]) => n + k, 0);
      demands.push({ date, shift: s.code, from: inst.from, to: inst.to, forecastNeed, required: Math.max(forecastNeed, config.minStaff, skillSum), skillRequired, planned: 0 });
    }
  }
  demands.sort((x, y) => x.from - y.from);

  // Slots: per shift instance the skill slots first, then the rest.
  const slots: Slot[] = [];
  demands.forEach((d, i) => {
    const base = { demand: i, day: dayNumber(d.date), date: d.date, shift: d.shift, from: d.from, to: d.to };
    let skillSlots = 0;
    for (const [skill, n] of skillMinima) {
      for (let k = 0; k < n; k++) slots.push({ ...base, skill });
      skillSlots += n;
    }
    for (let k = skillSlots; k < d.required; k++) slots.push({ ...base, skill: null });
  });

  const restMs = config.minRestHours * 3_600_000;
  const agents: AgentState[] = input.agents.map((a) => {
    const st: AgentState = {
      id: a.id,
      skills: new Set(a.skills),
      scarce: a.skills.some((s) => scarceSkills.has(s)),
      unavailableDays: new Set((a.unavailable ?? []).map(dayNumber)),
      lastDay: Number.NEGATIVE_INFINITY,
      lastEnd: Number.NEGATIVE_INFINITY,
      lastShift: null,
      run: 0,
      shifts: 0,
    };
    const before = [...(a.before ?? [])]
      .map((b) => ({ ...b, inst: shiftInstance(b.date, config.shifts.find((s) => s.code === b.shift) ?? badShift(b.shift)) }))
      .sort((x, y) => x.inst.from - y.inst.from);
    for (const b of before) {
      const day = dayNumber(b.date);
      st.run = st.lastDay === day - 1 ? st.run + 1 : 1;
      st.lastDay = day;
      st.lastEnd = b.inst.to;
      st.lastShift = b.shift;
    }
    return st;
  });

  const eligible = (a: AgentState, s: Slot): boolean => {
    if (a.lastDay >= s.day) return false; // one shift a day (slots come in time order)
    if (a.unavailableDays.has(s.day)) return false;
    if (s.skill !== null && !a.skills.has(s.skill)) return false;
    if (s.from - a.lastEnd < restMs) return false;
    const run = a.lastDay === s.day - 1 ? a.run + 1 : 1;
    return run <= config.maxConsecutiveDays;
  };
  // Agents in the same position are interchangeable for the rest of the search: try one of them.
  const position = (a: AgentState, s: Slot): string =>
    `${[...a.skills].sort().join(',')}|${a.lastDay}|${a.lastEnd}|${a.run}|${[...a.unavailableDays].filter((d) => d > s.day).sort().join(',')}`;
  const order = (s: Slot) => (x: AgentState, y: AgentState): number => {
    if (s.skill === null && x.scarce !== y.scarce) return x.scarce ? 1 : -1;
    if (x.shifts !== y.shifts) return x.shifts - y.shifts;
    const xs = x.lastDay === s.day - 1 && x.lastShift === s.shift ? 0 : 1;
    const ys = y.lastDay === s.day - 1 && y.lastShift === s.shift ? 0 : 1;
    return xs - ys || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  };

  const chosen: Array<AgentState | null> = new Array(slots.length).fill(null);
  let best: Array<AgentState | null> | null = null;
  let bestEmpty = Number.POSITIVE_INFINITY;
  let nodes = 0;
  let exhausted = false;

  const search = (i: number, empty: number): boolean => {
    // true: stop (optimum reached or budget spent)
    if (empty >= bestEmpty) return false;
    if (i === slots.length) {
      best = chosen.slice();
      bestEmpty = empty;
      return empty === 0;
    }
    if (++nodes > budget) {
      exhausted = true;
      return true;
    }
    const s = slots[i]!;
    const seen = new Set<string>();
    const candidates = agents.filter((a) => eligible(a, s)).sort(order(s));
    for (const a of candidates) {
      const key = position(a, s);
      if (seen.has(key)) continue;
      seen.add(key);
      const saved = { lastDay: a.lastDay, lastEnd: a.lastEnd, lastShift: a.lastShift, run: a.run };
      a.run = a.lastDay === s.day - 1 ? a.run + 1 : 1;
      a.lastDay = s.day;
      a.lastEnd = s.to;
      a.lastShift = s.shift;
      a.shifts++;
      chosen[i] = a;
      const stop = search(i + 1, empty);
      Object.assign(a, saved);
      a.shifts--;
      chosen[i] = null;
      if (stop) return true;
    }
    return search(i + 1, empty + 1);
  };
  search(0, 0);

  const picked: Array<AgentState | null> = best ?? new Array<AgentState | null>(slots.length).fill(null);
  const assignments: RotaAssignment[] = [];
  let agentHours = 0;
  let lowerBoundHours = 0;
  const hoursOf = new Map(config.shifts.map((s) => [s.code, shiftHours(s)]));
  const skillPlanned = demands.map(() => new Map<string, number>());
  slots.forEach((s, i) => {
    const a = picked[i];
    if (!a) return;
    assignments.push({ agentId: a.id, date: s.date, shift: s.shift });
    demands[s.demand]!.planned++;
    agentHours += hoursOf.get(s.shift)!;
    for (const skill of a.skills) skillPlanned[s.demand]!.set(skill, (skillPlanned[s.demand]!.get(skill) ?? 0) + 1);
  });
  const uncovered: UncoveredHalfHour[] = [];
  const shortfalls: ShiftShortfall[] = [];
  demands.forEach((d, i) => {
    lowerBoundHours += d.required * hoursOf.get(d.shift)!;
    for (let t = d.from; t < d.to; t += HALF_HOUR_MS) {
      const need = Math.ceil(input.need.get(t) ?? 0);
      if (d.planned < need) uncovered.push({ start: t, need, planned: d.planned, short: need - d.planned });
    }
    const staffMin = Math.max(config.minStaff, skillMinima.reduce((n, [, k]) => n + k, 0));
    if (d.planned < staffMin) shortfalls.push({ date: d.date, shift: d.shift, skill: null, required: staffMin, planned: d.planned });
    for (const [skill, n] of skillMinima) {
      const planned = skillPlanned[i]!.get(skill) ?? 0;
      if (planned < n) shortfalls.push({ date: d.date, shift: d.shift, skill, required: n, planned });
    }
  });
  return {
    assignments,
    demands,
    uncovered,
    shortfalls,
    agentHours,
    lowerBoundHours,
    emptySlots: bestEmpty === Number.POSITIVE_INFINITY ? slots.length : bestEmpty,
    optimal: bestEmpty === 0 || !exhausted,
    nodes,
  };
}

function badShift(code: string): never {
  throw new CtiError('CTI_ERR_VALIDATION', `unknown shift ${code}`, { shift: code });
}
