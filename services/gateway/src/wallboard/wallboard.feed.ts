import type { GatewayEvent } from '../events/event-bus.js';
import type { WallboardAlert, WallboardAnswerRate, WallboardFigures, WallboardLine, WallboardProjection, WallboardStaffing } from './wallboard.figures.js';

/** Live readings from the gateway's memory (ACD, calls, trunks); cheap, sampled on every push. */
export interface WallboardLiveProbes {
  /** Waiting calls with when each started waiting. */
  waitingSince(): number[];
  /** ACD state of each logged-in agent. */
  agentStates(): string[];
  /** Calls in the gateway right now (queued, ringing or connected). */
  callsInProgress(): number;
  /** Trunk statuses by name. */
  trunks(): Record<string, { status: string; since: number }>;
  ari(): boolean;
  ami(): boolean;
  /** Emergency linkages (110/119/120/122 conferences) in progress; 0 until call control reports them. */
  activeLinkages(): number;
}

/** Figures read from the database (refreshed every few seconds and after each call ends). */
export interface WallboardStats {
  at: number;
  today: WallboardAnswerRate;
  month: WallboardAnswerRate;
  projection: WallboardProjection;
  /** Today's figures per hotline line (双号并行). */
  lines: WallboardLine[];
  overdueTickets: number;
  /** The current half-hour's staffing, when computable. */
  staffing: WallboardStaffing | null;
  alerts: WallboardAlert[];
}

/** Everything the wallboard shows. */
export interface WallboardSnapshot {
  at: number;
  queue: { waiting: number; longestWaitSeconds: number; oldestSince: number | null };
  agents: { loggedIn: number; byState: Record<string, number> };
  callsInProgress: number;
  trunks: Record<string, { status: string; since: number }>;
  connections: { ari: boolean; ami: boolean };
  emergencyLinkages: { active: number };
  stats: WallboardStats | null;
}

/** Timing of the feed. */
export interface WallboardFeedSettings {
  /** Coalescing window for pushes after bus events (≤ 200 ms keeps the screen within a second). */
  pushDelayMs: number;
  /** Period of database refreshes. */
  statsEveryMs: number;
  /** Delay of the extra database refresh after a call ends (the worker stores it meanwhile). */
  statsAfterCallEndMs: number;
}

const STATES = ['ready', 'reserved', 'on_call', 'wrap_up', 'paused'];

/**
 * The wallboard's data: live state from memory plus database figures, pushed to subscribers (SSE streams) shortly
 * after any bus event — coalesced so a burst of events costs one push — and whenever the database figures change.
 */
export class WallboardFeed {
  private readonly listeners = new Set<(s: WallboardSnapshot) => void>();
  private stats: WallboardStats | null = null;
  private pushTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private afterEndTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly live: WallboardLiveProbes,
    /** Database reads behind WallboardStats (the wallboard's port of the KPI figures). */
    private readonly source: WallboardFigures,
    private readonly now: () => number,
    private readonly settings: WallboardFeedSettings,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts periodic database refreshes (the first one at once). */
  start(): void {
    void this.refreshStats();
    this.statsTimer = setInterval(() => void this.refreshStats(), this.settings.statsEveryMs);
    this.statsTimer.unref();
  }

  /** Stops every timer. */
  stop(): void {
    clearInterval(this.statsTimer);
    clearTimeout(this.pushTimer);
    clearTimeout(this.afterEndTimer);
  }

  /** Bus subscriber: any live event schedules a push; a call's end or an alert also refreshes the database figures. */
  readonly handle = (e: GatewayEvent): void => {
    this.schedulePush();
    if (e.type === 'call.ended' || e.type.startsWith('kpi.')) {
      clearTimeout(this.afterEndTimer);
      this.afterEndTimer = setTimeout(() => void this.refreshStats(), this.settings.statsAfterCallEndMs);
      this.afterEndTimer.unref();
    }
  };

  /** Subscribes to pushes; returns the unsubscribe function. */
  subscribe(listener: (s: WallboardSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The snapshot as of now. */
  snapshot(): WallboardSnapshot {
    const now = this.now();
    const since = this.live.waitingSince();
    const oldest = since.length ? Math.min(...since) : null;
    const byState: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
    let loggedIn = 0;
    for (const s of this.live.agentStates()) {
      if (s === 'logged_out') continue;
      loggedIn++;
      byState[s] = (byState[s] ?? 0) + 1;
    }
    return {
      at: now,
      queue: { waiting: since.length, longestWaitSeconds: oldest === null ? 0 : Math.max(0, Math.floor((now - oldest) / 1000)), oldestSince: oldest },
      agents: { loggedIn, byState },
      callsInProgress: this.live.callsInProgress(),
      trunks: this.live.trunks(),
      connections: { ari: this.live.ari(), ami: this.live.ami() },
      emergencyLinkages: { active: this.live.activeLinkages() },
      stats: this.stats,
    };
  }

  /** Re-reads the database figures; concurrent calls collapse into one more refresh. Pushes when they changed. */
  refreshStats(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.readStats()
      .then((stats) => {
        const changed = JSON.stringify({ ...stats, at: 0 }) !== JSON.stringify({ ...this.stats, at: 0 });
        this.stats = stats;
        if (changed) this.schedulePush();
      })
      .catch((err) => this.onError(err))
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          void this.refreshStats();
        }
      });
    return this.refreshing;
  }

  private async readStats(): Promise<WallboardStats> {
    const [live, overdueTickets, staffing, alerts] = await Promise.all([
      this.source.live(),
      this.source.overdueTickets(),
      this.source.staffing().catch((err) => {
        this.onError(err);
        return { intervals: [] };
      }),
      this.source.openAlerts(),
    ]);
    return { at: this.now(), ...live, overdueTickets, staffing: staffing.intervals.find((i) => i.when === 'current') ?? null, alerts };
  }

  private schedulePush(): void {
    if (this.pushTimer !== undefined || this.listeners.size === 0) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      const s = this.snapshot();
      for (const l of this.listeners) {
        try {
          l(s);
        } catch (err) {
          this.onError(err);
        }
      }
    }, this.settings.pushDelayMs);
  }
}
