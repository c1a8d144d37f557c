// The console's live signal: the wallboard's Server-Sent Events stream (`/wallboard/events`), opened with the session
// cookie. The gateway pushes a snapshot within ~150 ms of any event on its bus (calls, agents, trunks, supervision,
// alerts), so each push both carries the big-screen figures (alerts, trunks, answer rates, overdue count) and tells
// the console to re-read its detailed lists. EventSource reconnects by itself after a dropped connection; a refused
// one (401: the session ended) closes it, and the feed tries again later while the console polls.
import { reactive } from 'vue';

/** What the wallboard shows (GET /api/v1/wallboard/snapshot, `snapshot` events). */
export interface WallboardSnapshot {
  at: number;
  queue: { waiting: number; longestWaitSeconds: number; oldestSince: number | null };
  agents: { loggedIn: number; byState: Record<string, number> };
  callsInProgress: number;
  trunks: Record<string, { status: string; since: number }>;
  connections: { ari: boolean; ami: boolean };
  emergencyLinkages: { active: number };
  stats: {
    at: number;
    today: { offered: number; answered: number; abandoned: number; rate: number | null; target: number };
    month: { offered: number; answered: number; abandoned: number; rate: number | null; target: number };
    projection: { month: string; projection: { projectedRate: number | null; belowTarget: boolean; target: number }; alert: { severity: 'warning' | 'critical'; projectedRate: number; requiredRemainingRate: number | null } | null };
    overdueTickets: number;
    alerts: Array<{ kind: string; severity: 'warning' | 'critical'; raisedAt: number; message: string }>;
  } | null;
}

export type LiveFeedStatus = 'connecting' | 'open' | 'retrying';

/** Seconds before a refused or failed stream is opened again (the console polls meanwhile). */
const REOPEN_S = 10;

export class LiveFeed {
  readonly state = reactive({ status: 'connecting' as LiveFeedStatus, reconnects: 0 });
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly onSnapshot: (s: WallboardSnapshot) => void,
    /** The stream is down (refused, or the gateway away): the console should check its session and poll. */
    private readonly onDown: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
  }

  private open(): void {
    const es = new EventSource(this.url, { withCredentials: true });
    this.source = es;
    this.state.status = this.state.reconnects ? 'retrying' : 'connecting';
    es.addEventListener('snapshot', (m) => {
      this.state.status = 'open';
      this.onSnapshot(JSON.parse((m as MessageEvent<string>).data) as WallboardSnapshot);
    });
    // The session behind the stream ended: the gateway closes it; the reconnect will be refused.
    es.addEventListener('revoked', () => this.onDown());
    es.onerror = () => {
      if (this.source !== es || this.stopped) return;
      this.state.status = 'retrying';
      this.onDown();
      if (es.readyState !== EventSource.CLOSED) return; // EventSource retries by itself (retry: 2000)
      this.state.reconnects++;
      this.timer = setTimeout(() => !this.stopped && this.open(), REOPEN_S * 1000);
    };
  }
}
