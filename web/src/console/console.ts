// The console's state: the waiting calls, the agent board, the calls in progress (with supervision), alerts, incidents
// and overdue tickets; the supervisor's browser phone and the supervision in progress; and the actions on them.
// Live through the wallboard stream (live-feed.ts): every push re-reads the lists (collapsed, at most every
// REFRESH_MIN_MS); while the stream is down the console polls. Components read `console.state` and call its methods.
import { reactive } from 'vue';
import { api, ApiError } from '@shared/api';
import { auth, type Staff } from '@shared/auth';
import type { AgentState } from '@shared/agent-state';
import { LiveFeed, type WallboardSnapshot } from './live-feed';
import { ListenPhone, type ConsolePhoneCredentials } from './listen-phone';

/** A waiting call (GET /api/v1/queue). */
export interface Waiting {
  callId: string;
  line: string;
  language: string;
  requiredSkill?: string;
  priority: number;
  enqueuedAt: number;
  waitSeconds: number;
  position: number;
}

/** An agent with live state (GET /api/v1/agents). */
export interface AgentRow {
  agentId: string;
  name: string;
  live: { seat: string; state: AgentState; pauseReason?: string; pendingPauseReason?: string; stateSince: number; callsAnswered: number; currentCallId?: string } | null;
}

/** A call in progress (GET /api/v1/calls/live) with its control state (GET /api/v1/control/calls). */
export interface LiveCall {
  callId: string;
  phase: 'queued' | 'ringing' | 'connected' | 'ended';
  line: string;
  caller: string;
  language: string;
  agentId: string | null;
  seat: string | null;
  /** Server epoch ms the call arrived (from its duration when read). */
  arrivedAt: number;
  held: boolean;
  linkage: { partner: string; phase: string } | null;
  supervision: Array<{ id: string; mode: SupervisionMode; supervisor: string }>;
}

/** Today's figures of one agent (GET /api/v1/kpi/agents?date=). */
export interface AgentToday {
  agentId: string;
  answeredCalls: number;
  answerEfficiency: { value: number | null; denominator: number };
  ahtSeconds: number | null;
}

/** An open fault incident (GET /api/v1/ops/incidents?open=true). */
export interface Incident {
  id: string;
  level: string;
  title: string;
  state: string;
  startedAt: string;
  sla: { overdue: boolean; remainingMs: number | null };
}

/** An overdue ticket (GET /api/v1/tickets/overdue). */
export interface OverdueTicket {
  id: string;
  ticketNo: string;
  category: string | null;
  urgency: string;
  summary: string | null;
  state: string;
  deadlineAt: string;
  departmentId: string | null;
}

export type SupervisionMode = 'monitor' | 'whisper' | 'barge';

/** The supervision this console runs: asked for, its phone ringing, or listening. */
export interface ActiveSupervision {
  id: string | undefined;
  agentId: string;
  callId: string | undefined;
  mode: SupervisionMode;
  phase: 'requesting' | 'ringing' | 'active';
}

/** Re-reads of the lists are at least this far apart, however often the stream pushes. */
const REFRESH_MIN_MS = 500;
/** Polling while the stream is down. */
const POLL_MS = 5_000;
/** Incidents are re-read this often without pushes, at most every INCIDENTS_MIN_MS with them (at once when a trunk or connection changes). */
const INCIDENTS_MS = 30_000;
const INCIDENTS_MIN_MS = 5_000;
/** Today's per-agent figures: at most this often, when today's answered count moved, else every minute. */
const TODAY_MIN_MS = 10_000;
const TODAY_MAX_MS = 60_000;
/** How long the console waits for its phone to register before saying why it cannot listen. */
const REGISTER_WAIT_MS = 15_000;

export function createConsole(staff: Staff) {
  const phone = new ListenPhone();
  const state = reactive({
    /** Server clock minus this browser's clock, ms (from the stream's snapshots). */
    offset: 0,
    queue: [] as Waiting[],
    agents: [] as AgentRow[],
    calls: [] as LiveCall[],
    /** Waiting calls whose caller asked to be called back, keeping their place. */
    callbackRequested: [] as string[],
    today: {} as Record<string, AgentToday>,
    snapshot: undefined as WallboardSnapshot | undefined,
    incidents: [] as Incident[],
    overdue: [] as OverdueTicket[],
    pauseReasons: [] as string[],
    updatedAt: 0,
    failing: false,
    error: '',
    feed: undefined as LiveFeed['state'] | undefined,
    phone: phone.state,
    /** The seat this console holds for its phone. */
    phoneSeat: undefined as ConsolePhoneCredentials | undefined,
    supervision: undefined as ActiveSupervision | undefined,
    busy: false,
  });
  const serverNow = () => Date.now() + state.offset;

  // ---- lists ----
  let refreshing: Promise<void> | undefined;
  let again = false;
  let lastRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  async function readLists(): Promise<void> {
    try {
      const [q, a, c, ctl, sv, cb] = await Promise.all([
        api<{ items: Waiting[] }>('GET', '/queue'),
        api<{ items: AgentRow[] }>('GET', '/agents'),
        api<{ items: Array<Omit<LiveCall, 'arrivedAt' | 'held' | 'linkage' | 'supervision'> & { durationSeconds: number }> }>('GET', '/calls/live'),
        api<{ items: Array<Pick<LiveCall, 'callId' | 'held' | 'linkage' | 'supervision'>> }>('GET', '/control/calls'),
        api<{ items: Array<{ id: string; callId: string; agentId: string; mode: SupervisionMode; phase: 'ringing' | 'active' }> }>('GET', '/supervision'),
        api<{ inProgress: Array<{ kind: string; callId: string; phase: string }> }>('GET', '/callbacks?limit=1'),
      ]);
      const at = serverNow();
      const control = new Map(ctl.items.map((x) => [x.callId, x]));
      state.queue = q.items;
      state.agents = a.items;
      state.calls = c.items.map(({ durationSeconds, ...x }) => ({
        ...x,
        arrivedAt: at - durationSeconds * 1000,
        held: control.get(x.callId)?.held ?? false,
        linkage: control.get(x.callId)?.linkage ?? null,
        supervision: control.get(x.callId)?.supervision ?? [],
      }));
      state.callbackRequested = cb.inProgress.filter((j) => j.kind === 'virtual_hold' && j.phase === 'queued').map((j) => j.callId);
      reconcileSupervision(sv.items);
      state.updatedAt = at;
      state.failing = false;
    } catch (err) {
      state.failing = true;
      if (err instanceof ApiError && err.status === 401) return;
    }
  }
  /** Re-reads the lists now, or as soon as the previous read is done and REFRESH_MIN_MS has passed. */
  function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    const wait = Math.max(0, lastRefresh + REFRESH_MIN_MS - Date.now());
    refreshing = new Promise<void>((resolve) => (refreshTimer = setTimeout(resolve, wait)))
      .then(() => {
        lastRefresh = Date.now();
        return readLists();
      })
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return refreshing;
  }

  // ---- figures that change slowly: today's per agent, incidents, overdue tickets ----
  let todayReadAt = 0;
  let todayAnswered = -1;
  async function readToday(): Promise<void> {
    todayReadAt = Date.now();
    const date = new Date(serverNow() + 8 * 3_600_000).toISOString().slice(0, 10); // Beijing day
    try {
      const r = await api<{ items: AgentToday[] }>('GET', `/kpi/agents?date=${date}`);
      state.today = Object.fromEntries(r.items.map((x) => [x.agentId, x]));
    } catch {
      // shown as "—" until the next read
    }
  }
  async function readIncidents(): Promise<void> {
    incidentsReadAt = Date.now();
    try {
      state.incidents = (await api<{ items: Incident[] }>('GET', '/ops/incidents?open=true&limit=20')).items;
    } catch {
      // kept from the previous read
    }
  }
  let incidentsReadAt = 0;
  let incidentsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Incidents on a push: read at most every INCIDENTS_MIN_MS, the last push within that time read when it is over. */
  function readIncidentsSoon(): void {
    if (incidentsTimer !== undefined) return;
    incidentsTimer = setTimeout(() => {
      incidentsTimer = undefined;
      void readIncidents();
    }, Math.max(0, incidentsReadAt + INCIDENTS_MIN_MS - Date.now()));
  }
  let overdueCount = -1;
  /** Every read of the overdue list is an audited ticket search, so it is read when the count moves, not on each push. */
  async function readOverdue(): Promise<void> {
    try {
      state.overdue = (await api<{ items: OverdueTicket[] }>('GET', '/tickets/overdue?limit=50')).items;
    } catch {
      // kept from the previous read
    }
  }
  let conditions = '';
  function onSnapshot(s: WallboardSnapshot): void {
    state.offset = s.at - Date.now();
    state.snapshot = s;
    void refresh();
    const now = Date.now();
    const answered = s.stats?.today.answered ?? -1;
    if ((answered !== todayAnswered && now - todayReadAt >= TODAY_MIN_MS) || now - todayReadAt >= TODAY_MAX_MS) {
      todayAnswered = answered;
      void readToday();
    }
    // Incidents open and resolve with bus events (and so with pushes); a trunk or connection change reads them at once.
    const c = JSON.stringify([Object.values(s.trunks).map((t) => t.status), s.connections]);
    if (c !== conditions) {
      conditions = c;
      void readIncidents();
    } else readIncidentsSoon();
    if (s.stats && s.stats.overdueTickets !== overdueCount) {
      overdueCount = s.stats.overdueTickets;
      void readOverdue();
    }
  }

  // ---- the stream, and polling while it is down ----
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let slowTimer: ReturnType<typeof setInterval> | undefined;
  const feed = new LiveFeed('/wallboard/events', onSnapshot, () => {
    // Down: a read tells whether the session ended (a 401 signs the page out) and keeps the lists fresh meanwhile.
    void refresh();
  });
  state.feed = feed.state;

  // ---- supervision ----
  function reconcileSupervision(sessions: Array<{ id: string; callId: string; phase: 'ringing' | 'active' }>): void {
    const sv = state.supervision;
    if (!sv?.id) return;
    const found = sessions.find((x) => x.id === sv.id);
    if (found) {
      sv.phase = found.phase;
      sv.callId = found.callId;
    } else if (sv.phase !== 'requesting') {
      finishSupervision();
    }
  }
  function finishSupervision(): void {
    phone.expecting = false;
    state.supervision = undefined;
    if (phone.state.inCall) phone.hangup();
  }
  phone.onEnded = () => {
    if (state.supervision && state.supervision.phase !== 'requesting') state.supervision = undefined;
    void refresh();
  };

  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  /** Holds a seat for the browser phone (or renews the hold) and keeps renewing it at half its lease. */
  async function takePhone(seat?: string): Promise<ConsolePhoneCredentials> {
    const c = await api<ConsolePhoneCredentials>('POST', '/supervisor/phone', seat ? { seat } : {});
    const renewing = state.phoneSeat?.endpoint === c.endpoint && phone.state.status !== 'off';
    state.phoneSeat = c;
    if (!renewing) phone.start(c);
    clearTimeout(renewTimer);
    const half = Math.max(5_000, (Date.parse(c.expiresAt) - serverNow()) / 2);
    renewTimer = setTimeout(() => void takePhone(c.seat).catch((err: Error) => (state.error = `监听话机续用失败：${err.message}`)), half);
    return c;
  }
  async function ensurePhone(): Promise<ConsolePhoneCredentials> {
    const c = state.phoneSeat && phone.state.status !== 'off' ? state.phoneSeat : await takePhone();
    const until = Date.now() + REGISTER_WAIT_MS;
    while (phone.state.status !== 'registered') {
      if (Date.now() > until) throw new Error(`监听话机未能注册（${phone.state.detail}）：请先在浏览器中打开 ${c.wsUrl.replace(/^wss:/, 'https:')} 接受证书，再重试`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return c;
  }

  /** Rings this console's browser phone into the agent's call in `mode`. */
  async function supervise(agentId: string, mode: SupervisionMode): Promise<void> {
    if (state.supervision) return;
    state.error = '';
    state.supervision = { id: undefined, agentId, callId: undefined, mode, phase: 'requesting' };
    try {
      const c = await ensurePhone();
      phone.expecting = true;
      const s = await api<{ id: string; callId: string; mode: SupervisionMode; phase: 'ringing' | 'active' }>('POST', '/supervision', { agentId, mode, seat: c.endpoint });
      if (!state.supervision) return;
      Object.assign(state.supervision, { id: s.id, callId: s.callId, phase: phone.state.inCall ? 'active' : 'ringing' });
    } catch (err) {
      phone.expecting = false;
      state.supervision = undefined;
      state.error = err instanceof ApiError ? `无法监听：${err.message}` : (err as Error).message;
    }
    void refresh();
  }
  async function switchMode(mode: SupervisionMode): Promise<void> {
    const sv = state.supervision;
    if (!sv?.id || sv.mode === mode) return;
    try {
      await api('PATCH', `/supervision/${encodeURIComponent(sv.id)}`, { mode });
      sv.mode = mode;
    } catch (err) {
      state.error = err instanceof ApiError ? `切换失败：${err.message}` : '切换失败';
    }
  }
  async function stopSupervision(): Promise<void> {
    const sv = state.supervision;
    if (!sv) return;
    try {
      if (sv.id) await api('DELETE', `/supervision/${encodeURIComponent(sv.id)}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) state.error = err instanceof ApiError ? err.message : '结束失败';
    }
    finishSupervision();
    void refresh();
  }
  /** Gives the phone's seat back and stops the phone. */
  async function releasePhone(): Promise<void> {
    if (state.supervision) await stopSupervision();
    clearTimeout(renewTimer);
    phone.stop();
    state.phoneSeat = undefined;
    await api('DELETE', '/supervisor/phone').catch(() => undefined);
  }
  /** A closing page gives the seat back (keepalive: the request outlives the page). */
  const onPageHide = () => {
    if (!state.phoneSeat) return;
    void fetch('/api/v1/supervisor/phone', { method: 'DELETE', keepalive: true, credentials: 'same-origin', headers: auth.headers('DELETE') }).catch(() => undefined);
  };

  // ---- actions on agents ----
  async function forcePause(agentId: string, reason: string, note: string): Promise<void> {
    await api('POST', `/supervisor/agents/${encodeURIComponent(agentId)}/force-pause`, { reason, ...(note.trim() && { note: note.trim() }) });
    void refresh();
  }
  async function forceLogout(agentId: string, note: string): Promise<void> {
    await api('POST', `/supervisor/agents/${encodeURIComponent(agentId)}/force-logout`, { note: note.trim() });
    void refresh();
  }
  async function openWallboard(): Promise<void> {
    const t = await api<{ url: string }>('POST', '/wallboard/tickets');
    window.open(t.url, '_blank', 'noopener');
  }

  async function start(): Promise<void> {
    feed.start();
    await readLists();
    void readToday();
    void readIncidents();
    void readOverdue();
    pollTimer = setInterval(() => feed.state.status !== 'open' && void refresh(), POLL_MS);
    slowTimer = setInterval(() => {
      void readIncidents();
      if (Date.now() - todayReadAt >= TODAY_MAX_MS) void readToday();
    }, INCIDENTS_MS);
    window.addEventListener('pagehide', onPageHide);
    // The configured pause reasons come with any agent's desk view.
    const first = state.agents[0];
    if (first) state.pauseReasons = (await api<{ desk: { pauseReasons: string[] } }>('GET', `/agents/${encodeURIComponent(first.agentId)}`)).desk.pauseReasons;
  }
  function stop(): void {
    feed.stop();
    clearInterval(pollTimer);
    clearInterval(slowTimer);
    clearTimeout(refreshTimer);
    clearTimeout(renewTimer);
    clearTimeout(incidentsTimer);
    window.removeEventListener('pagehide', onPageHide);
    if (state.supervision?.id) void api('DELETE', `/supervision/${encodeURIComponent(state.supervision.id)}`).catch(() => undefined);
    if (state.phoneSeat) void api('DELETE', '/supervisor/phone').catch(() => undefined);
    phone.stop();
  }

  return { state, staff, phone, serverNow, refresh, start, stop, supervise, switchMode, stopSupervision, takePhone, releasePhone, forcePause, forceLogout, openWallboard };
}

export type Console = ReturnType<typeof createConsole>;
