import type { kpi } from '@cti/domain';

// The KPI figures the wallboard shows, as the wallboard reads them: a port owned by the wallboard, which the KPI
// feature's figures fit (main.ts hands them over). Only the fields the screen uses are named here; the objects are
// sent to the screen as they come.

/** Answer-rate figures of one period (today, this month). */
export interface WallboardAnswerRate {
  /** Counted calls offered to the agent queue. */
  offered: number;
  answered: number;
  abandoned: number;
  /** answered ÷ offered, null without calls. */
  rate: number | null;
  /** Answered within the service-level threshold (15 s): the count and its share of the answered calls. */
  answeredWithin: { count: number; rate: number | null };
}

/** Today's figures of one hotline line (双号并行, docs/domain.md §18): the per-line tile. */
export interface WallboardLine {
  /** The line's DID. */
  line: string;
  name: string;
  /** Counted calls offered to the agent queue today. */
  offered: number;
  answered: number;
  /** answered ÷ offered, null without calls. */
  rate: number | null;
  /** The line's answer-rate target (the centre's when it has none of its own). */
  target: number;
  pass: boolean | null;
}

/** The month-end projection of the answer rate. */
export interface WallboardProjection {
  projection: Pick<kpi.AnswerRateProjection, 'projectedRate'>;
}

/** One half-hour's staffing: agents needed and logged in. */
export interface WallboardStaffing extends Pick<kpi.StaffingRow, 'scheduledNeeded' | 'loggedIn' | 'gap' | 'forecastServiceLevel'> {
  /** Whether the interval is over, current, or still to come; the wallboard shows the current one. */
  when: 'past' | 'current' | 'future';
  /** The gap in words: 缺 N 人, 富余 N 人, 持平. */
  gapLabel: string;
  /** Agents the rota puts on the half-hour. */
  rostered: number;
}

/** An open alert as the wallboard shows it. */
export interface WallboardAlert {
  kind: string;
  severity: 'warning' | 'critical';
  raisedAt: number;
  /** One line in Simplified Chinese. */
  message: string;
}

/** The database figures behind the wallboard (the KPI feature's figures fit). */
export interface WallboardFigures {
  live(): Promise<{ today: WallboardAnswerRate; month: WallboardAnswerRate; projection: WallboardProjection; lines: WallboardLine[] }>;
  overdueTickets(): Promise<number>;
  staffing(): Promise<{ intervals: WallboardStaffing[] }>;
  openAlerts(): Promise<WallboardAlert[]>;
}
