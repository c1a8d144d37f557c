// Attendance (考勤) from the system's own facts: an agent's state intervals (every state but logged-out is signed in)
// against the rota's shift. Late: first sign-in after the start plus the grace; left early: the last sign-out before
// the end minus the grace; absent: never signed in during the shift. Schedule adherence: the share of the shift spent
// in the planned (working) states — ready, reserved, on a call, wrap-up; pauses and absence count against it.

/** A state interval of one agent; `to` null while it is still open. */
export interface StateSpan {
  readonly state: string;
  readonly from: number;
  readonly to: number | null;
}

/** The states an agent is planned to be in during a shift: taking or handling calls. */
export const PLANNED_STATES: ReadonlySet<string> = new Set(['ready', 'reserved', 'on_call', 'wrap_up']);

/** One shift's attendance. */
export interface AttendanceRecord {
  readonly agentId: string;
  readonly date: string;
  readonly shift: string;
  readonly from: number;
  readonly to: number;
  /**
   * upcoming: not started. While under way: on_duty (signed in now, on time), late (signed in now, came late),
   * not_signed_in (not signed in now). Once over: present, late, left_early, late_and_left_early, absent.
   */
  readonly status: 'upcoming' | 'on_duty' | 'not_signed_in' | 'present' | 'late' | 'left_early' | 'late_and_left_early' | 'absent';
  readonly late: boolean;
  readonly leftEarly: boolean;
  readonly absent: boolean;
  /** First sign-in that reaches into the shift (may be before its start), epoch ms. */
  readonly signedInAt: number | null;
  /** Last sign-out within the shift, epoch ms; null while signed in or never in. */
  readonly signedOutAt: number | null;
  /** Minutes after the start of the first sign-in (0 when on time). */
  readonly lateMinutes: number;
  /** Minutes before the end of the last sign-out (0 when not early). */
  readonly earlyMinutes: number;
  /** Signed-in time within the shift so far, ms. */
  readonly signedInMs: number;
  /** Time within the shift so far in a planned state, ms. */
  readonly plannedMs: number;
  /** plannedMs over the shift's elapsed time, in [0, 1]; null before the shift starts. */
  readonly adherence: number | null;
}

/** The attendance of one rota entry at `now`, from the agent's state spans (any order; may reach outside the shift). */
export function attendanceOf(
  entry: { agentId: string; date: string; shift: string; from: number; to: number },
  spans: readonly StateSpan[],
  now: number,
  graceMinutes: number,
): AttendanceRecord {
  const grace = graceMinutes * 60_000;
  const end = Math.min(now, entry.to);
  const base = { agentId: entry.agentId, date: entry.date, shift: entry.shift, from: entry.from, to: entry.to };
  if (now < entry.from) {
    return { ...base, status: 'upcoming', late: false, leftEarly: false, absent: false, signedInAt: null, signedOutAt: null, lateMinutes: 0, earlyMinutes: 0, signedInMs: 0, plannedMs: 0, adherence: null };
  }
  let signedInAt: number | null = null;
  let lastOut = Number.NEGATIVE_INFINITY;
  let signedInMs = 0;
  let plannedMs = 0;
  // Merge the spans into signed-in stretches: consecutive states join without a gap.
  const sorted = [...spans].map((s) => ({ ...s, to: s.to ?? Number.POSITIVE_INFINITY })).sort((x, y) => x.from - y.from);
  for (const s of sorted) {
    if (s.to <= entry.from || s.from >= entry.to) continue;
    if (signedInAt === null || s.from < signedInAt) signedInAt = s.from;
    lastOut = Math.max(lastOut, s.to);
    const lo = Math.max(s.from, entry.from);
    const hi = Math.min(s.to, end);
    if (hi > lo) {
      signedInMs += hi - lo;
      if (PLANNED_STATES.has(s.state)) plannedMs += hi - lo;
    }
  }
  const over = now >= entry.to;
  const elapsed = end - entry.from;
  const adherence = elapsed > 0 ? Math.min(1, plannedMs / elapsed) : 0;
  if (signedInAt === null) {
    const status = over ? 'absent' : 'not_signed_in';
    return { ...base, status, late: false, leftEarly: false, absent: over, signedInAt: null, signedOutAt: null, lateMinutes: 0, earlyMinutes: 0, signedInMs, plannedMs, adherence };
  }
  const late = signedInAt > entry.from + grace;
  const signedOutAt = lastOut === Number.POSITIVE_INFINITY || lastOut >= entry.to ? null : lastOut;
  const leftEarly = over && signedOutAt !== null && signedOutAt < entry.to - grace;
  const inNow = lastOut > now;
  const status = !over ? (!inNow ? 'not_signed_in' : late ? 'late' : 'on_duty') : late && leftEarly ? 'late_and_left_early' : late ? 'late' : leftEarly ? 'left_early' : 'present';
  return {
    ...base,
    status,
    late,
    leftEarly,
    absent: false,
    signedInAt,
    signedOutAt,
    lateMinutes: late ? Math.round((signedInAt - entry.from) / 60_000) : 0,
    earlyMinutes: leftEarly && signedOutAt !== null ? Math.round((entry.to - signedOutAt) / 60_000) : 0,
    signedInMs,
    plannedMs,
    adherence,
  };
}

/** zh-CN label of an attendance status, for the console and reports. */
export const ATTENDANCE_LABELS: Readonly<Record<AttendanceRecord['status'], string>> = {
  upcoming: '未开始',
  on_duty: '在岗',
  not_signed_in: '未签入',
  present: '正常',
  late: '迟到',
  left_early: '早退',
  late_and_left_early: '迟到且早退',
  absent: '缺勤',
};
