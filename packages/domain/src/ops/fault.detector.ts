import { CtiError } from '../errors.js';
import { isFaultLevel, type FaultLevel } from './fault-level.js';

/**
 * Kinds of fault the gateway can see for itself. All but one are conditions it samples; `gateway_takeover` is an event:
 * a standby took over from an active gateway that died or froze (docs/domain.md §20).
 */
export type FaultKind = 'ari_down' | 'ami_down' | 'trunks_down' | 'trunk_down' | 'intake_failing' | 'spool_at_risk' | 'records_lost' | 'gateway_takeover';

export const FAULT_KINDS: readonly FaultKind[] = ['ari_down', 'ami_down', 'trunks_down', 'trunk_down', 'intake_failing', 'spool_at_risk', 'records_lost', 'gateway_takeover'];

/** A local record spool (records Redis could not take) as the detector sees it. */
export interface SpoolSignal {
  /** Spool name, e.g. `call-records`. */
  name: string;
  /** Why its records are at risk now: past the alert share of its bound, or held in memory because the disk refused them. */
  atRisk: 'near_bound' | 'held_in_memory' | undefined;
  /** Records dropped since the gateway started because even the memory bound was exceeded. */
  lostRecords: number;
  /** Figures copied into the incident (bytes, bound, records in memory, last write error). */
  detail: Record<string, unknown>;
}

/** What the detector watches, sampled from the live gateway. */
export interface FaultSignals {
  ari: boolean;
  ami: boolean;
  /** Trunk name → reachability; `unknown` (AMI away, not yet qualified) is not a fault. */
  trunks: Readonly<Record<string, 'up' | 'down' | 'unknown'>>;
  /** Calls are failing to reach agents (see IntakeWatch). */
  intakeFailing: boolean;
  /** Local record spools; absent when none is watched. */
  spools?: readonly SpoolSignal[];
}

/** A fault condition holding now; `key` is unique per condition (e.g. `trunk_down:trunk-primary`). */
export interface ActiveCondition {
  key: string;
  kind: FaultKind;
  title: string;
  detail: Record<string, unknown>;
}

/** Classification and debouncing: which level each kind opens, and how long it must hold first. */
export interface DetectionRules {
  /** Level per kind; a kind left out is not turned into incidents. */
  levels: Readonly<Partial<Record<FaultKind, FaultLevel>>>;
  /** Ms a condition must hold before an incident opens, per kind (missing: 0). */
  openAfterMs: Readonly<Partial<Record<FaultKind, number>>>;
  /** Ms a condition must stay clear before its detected incident is auto-resolved. */
  resolveAfterMs: number;
}

/**
 * Both trunks or ARI down → L1; intake failing, call records lost, or the active gateway lost and replaced by a
 * standby (intake interrupted for the takeover) → L2; one trunk or AMI down, or a record spool near its bound /
 * refused by a full disk (calls still served, records not yet lost) → L3.
 */
export const DEFAULT_FAULT_LEVELS: Readonly<Record<FaultKind, FaultLevel>> = Object.freeze({
  ari_down: 'L1',
  trunks_down: 'L1',
  intake_failing: 'L2',
  records_lost: 'L2',
  trunk_down: 'L3',
  ami_down: 'L3',
  spool_at_risk: 'L3',
  gateway_takeover: 'L2',
});

/** Parses `ari_down:L1,trunk_down:L3,…` (kinds not named are not detected). */
export function parseFaultLevels(text: string): Partial<Record<FaultKind, FaultLevel>> {
  const out: Partial<Record<FaultKind, FaultLevel>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, level] = part.split(':');
    if (!kind || !(FAULT_KINDS as readonly string[]).includes(kind) || !level || !isFaultLevel(level)) {
      throw new CtiError('CTI_ERR_VALIDATION', `invalid fault level rule "${part}" (expected e.g. ari_down:L1)`, { part });
    }
    out[kind as FaultKind] = level;
  }
  return out;
}

/** The fault conditions that hold for the given signals. */
export function classifyFaults(s: FaultSignals): ActiveCondition[] {
  const out: ActiveCondition[] = [];
  if (!s.ari) out.push({ key: 'ari_down', kind: 'ari_down', title: 'ARI disconnected: the gateway cannot take calls (dialplan fallback in use)', detail: {} });
  if (!s.ami) out.push({ key: 'ami_down', kind: 'ami_down', title: 'AMI disconnected: trunk monitoring lost', detail: {} });
  const names = Object.keys(s.trunks).sort();
  const down = names.filter((n) => s.trunks[n] === 'down');
  if (names.length > 0 && down.length === names.length) {
    out.push({ key: 'trunks_down', kind: 'trunks_down', title: 'All trunks down: no calls can arrive', detail: { trunks: down } });
  }
  for (const n of down) out.push({ key: `trunk_down:${n}`, kind: 'trunk_down', title: `Trunk ${n} down`, detail: { trunk: n } });
  if (s.intakeFailing) out.push({ key: 'intake_failing', kind: 'intake_failing', title: 'Call intake failing: calls not reaching agents', detail: {} });
  for (const sp of s.spools ?? []) {
    if (sp.atRisk) {
      const title = sp.atRisk === 'near_bound'
        ? `Record spool ${sp.name} near its size bound: restore Redis or free disk space before records are held in memory`
        : `Record spool ${sp.name} refused by the disk (full, or its bound reached): records held in memory only`;
      out.push({ key: `spool_at_risk:${sp.name}`, kind: 'spool_at_risk', title, detail: { spool: sp.name, reason: sp.atRisk, ...sp.detail } });
    }
    // Lost records cannot come back: the condition holds until the gateway restarts or staff resolve it.
    if (sp.lostRecords > 0) {
      out.push({ key: `records_lost:${sp.name}`, kind: 'records_lost', title: `Records lost: spool ${sp.name} exceeded its memory bound while the disk refused it`, detail: { spool: sp.name, lostRecords: sp.lostRecords, ...sp.detail } });
    }
  }
  return out;
}

/** What the detector asks its owner to do. */
export type DetectorAction =
  | { type: 'open'; condition: string; kind: FaultKind; level: FaultLevel; title: string; detail: Record<string, unknown>; startedAt: number; openedAt: number }
  | { type: 'resolve'; condition: string; resolvedAt: number };

interface Tracked {
  since: number;
  opened: boolean;
  clearSince?: number;
}

/**
 * Debounces fault conditions into incidents: a condition holding for its kind's threshold opens one
 * (started when the condition first appeared); a condition clear for `resolveAfterMs` resolves it
 * (recovered when it first cleared). A flap shorter than the threshold leaves no incident.
 */
export class FaultDetector {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly rules: DetectionRules) {}

  /** Takes over incidents still open from before a restart, so recovery resolves them. */
  adopt(open: ReadonlyArray<{ condition: string; startedAt: number }>): void {
    for (const o of open) {
      const t = this.tracked.get(o.condition);
      if (t?.opened) continue; // opened again by this process meanwhile; the store refuses a duplicate
      this.tracked.set(o.condition, { since: Math.min(o.startedAt, t?.since ?? o.startedAt), opened: true });
    }
  }

  /** Conditions with an open incident now. */
  openConditions(): string[] {
    return [...this.tracked].filter(([, t]) => t.opened).map(([k]) => k);
  }

  observe(active: readonly ActiveCondition[], now: number): DetectorAction[] {
    const actions: DetectorAction[] = [];
    const seen = new Set<string>();
    for (const c of active) {
      const level = this.rules.levels[c.kind];
      if (!level) continue;
      seen.add(c.key);
      let t = this.tracked.get(c.key);
      if (!t) {
        t = { since: now, opened: false };
        this.tracked.set(c.key, t);
      }
      t.clearSince = undefined;
      if (!t.opened && now - t.since >= (this.rules.openAfterMs[c.kind] ?? 0)) {
        t.opened = true;
        actions.push({ type: 'open', condition: c.key, kind: c.kind, level, title: c.title, detail: c.detail, startedAt: t.since, openedAt: now });
      }
    }
    for (const [key, t] of this.tracked) {
      if (seen.has(key)) continue;
      if (!t.opened) {
        this.tracked.delete(key);
        continue;
      }
      t.clearSince ??= now;
      if (now - t.clearSince >= this.rules.resolveAfterMs) {
        actions.push({ type: 'resolve', condition: key, resolvedAt: t.clearSince });
        this.tracked.delete(key);
      }
    }
    return actions;
  }
}

/** Settings of the intake check. */
export interface IntakeWatchSettings {
  /** Sliding window of call outcomes, ms. */
  windowMs: number;
  /** Failed calls in the window needed before intake counts as failing. */
  minFailed: number;
  /** Share of failed calls among the window's calls at or above which intake is failing. */
  failedRatio: number;
}

/**
 * Intake failing = calls not reaching agents: of the calls ended in the window, enough ended `failed`
 * (handed to the dialplan fallback or dropped by a fault) rather than answered or abandoned by the caller.
 */
export class IntakeWatch {
  /** Outcomes in the order recorded (call ends arrive in time order), oldest first from `head`. */
  private outcomes: Array<{ at: number; failed: boolean }> = [];
  private head = 0;
  private failed = 0;

  constructor(private readonly s: IntakeWatchSettings) {}

  record(outcome: string, at: number): void {
    const failed = outcome === 'failed';
    this.outcomes.push({ at, failed });
    if (failed) this.failed++;
  }

  /** O(1) amortised: checked at every call end, over a window that holds tens of thousands of calls at peak. */
  failing(now: number): boolean {
    const from = now - this.s.windowMs;
    while (this.head < this.outcomes.length && (this.outcomes[this.head] as { at: number }).at <= from) {
      if ((this.outcomes[this.head] as { failed: boolean }).failed) this.failed--;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.outcomes.length) {
      this.outcomes = this.outcomes.slice(this.head);
      this.head = 0;
    }
    const inWindow = this.outcomes.length - this.head;
    return this.failed >= this.s.minFailed && this.failed / inWindow >= this.s.failedRatio;
  }
}
