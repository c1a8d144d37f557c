// The desk's state: who the agent is and their ACD state, the call in hand, the browser phone and the live feed,
// and the actions the state bar and call panel take. Components read `desk.state` and call its methods.
import { reactive } from 'vue';
import { api, ApiError } from '@shared/api';
import { AgentFeed, type FeedEvent } from './feed';
import { BrowserPhone, type PhoneCredentials } from './phone';

import type { AgentState } from '@shared/agent-state';
export type { AgentState };

/** The ACD's view of a logged-in agent (AgentView on the gateway). */
export interface LiveAgent {
  agentId: string;
  seat: string;
  state: AgentState;
  pauseReason?: string;
  pendingPauseReason?: string;
  currentCallId?: string;
  stateSince: number;
  wrapUpEndsAt?: number;
  callsAnswered: number;
}

/** GET /api/v1/agents/:id. */
export interface AgentInfo {
  agentId: string;
  name: string;
  skills: Record<string, number>;
  live: LiveAgent | null;
  desk: { pauseReasons: string[]; wrapUpSeconds: number; seats: string[]; browserPhones: boolean };
}

/** A ticket of the caller shown with an offer. */
export interface RecentTicket {
  id: string;
  ticketNo: string;
  state: string;
  category: string | null;
  summary: string | null;
  createdAt: string;
}

/** The call in hand: offered (ringing), talking, or ended (its intake still to submit). */
export interface DeskCall {
  callId: string;
  caller: string;
  language: string;
  line: string;
  recentTickets: RecentTicket[];
  phase: 'ringing' | 'talking' | 'ended';
  /** Server epoch ms the phase began. */
  since: number;
  held: boolean;
  muted: boolean;
}

export { LANGUAGE_LABELS, PAUSE_LABELS, STATE_LABELS } from '@shared/labels';

export function createDesk(agentId: string, onSignedOut: () => void) {
  const phone = new BrowserPhone();
  const state = reactive({
    agent: undefined as AgentInfo | undefined,
    /** Server clock minus this browser's clock, ms (from the feed's hello). */
    offset: 0,
    call: undefined as DeskCall | undefined,
    busy: false,
    error: '',
    phone: phone.state,
    feed: undefined as AgentFeed['state'] | undefined,
  });

  const live = () => state.agent?.live ?? null;
  const serverNow = () => Date.now() + state.offset;
  const isBrowserPhone = () => live()?.seat.endsWith('-web') ?? false;

  async function refreshAgent(): Promise<void> {
    state.agent = await api<AgentInfo>('GET', `/agents/${encodeURIComponent(agentId)}`);
    const l = live();
    if (l && l.state !== 'logged_out' && l.seat.endsWith('-web') && phone.state.status === 'off') await startPhone();
    if ((!l || l.state === 'logged_out' || !l.seat.endsWith('-web')) && phone.state.status !== 'off') phone.stop();
  }

  /** After a reload or a reconnect: the call the gateway says the agent is on. */
  async function refreshCall(): Promise<void> {
    try {
      const c = await api<{ callId: string; caller: string; held: boolean }>('GET', `/agents/${encodeURIComponent(agentId)}/call`);
      if (state.call?.callId === c.callId) {
        state.call.held = c.held;
        if (state.call.phase === 'ringing') state.call.phase = 'talking';
        return;
      }
      state.call = { callId: c.callId, caller: c.caller, language: '', line: '', recentTickets: [], phase: 'talking', since: serverNow(), held: c.held, muted: false };
    } catch (err) {
      // 404: no call now. A call we still show as talking ended while the feed was away.
      if (err instanceof ApiError && err.status === 404 && state.call && state.call.phase !== 'ended') {
        state.call.phase = 'ended';
        state.call.since = serverNow();
      }
    }
  }

  /** One start at a time: the desk's start and a log-in (or the feed's hello) both found the phone off. */
  let phoneStarting: Promise<void> | undefined;
  function startPhone(): Promise<void> {
    phoneStarting ??= api<PhoneCredentials>('GET', `/agents/${encodeURIComponent(agentId)}/phone`)
      .then((c) => phone.start(c))
      .finally(() => (phoneStarting = undefined));
    return phoneStarting;
  }

  function onEvent(e: FeedEvent): void {
    switch (e.type) {
      case 'hello':
        state.offset = e.at - Date.now();
        void refreshAgent().then(refreshCall).catch(report);
        break;
      case 'call.offered':
        state.call = {
          callId: String(e.callId),
          caller: String(e.caller ?? ''),
          language: String(e.language ?? ''),
          line: String(e.line ?? ''),
          recentTickets: (e.recentTickets as RecentTicket[] | undefined) ?? [],
          phase: 'ringing',
          since: e.at,
          held: false,
          muted: false,
        };
        break;
      case 'call.connected':
      case 'callback.connected':
        if (state.call && state.call.callId === String(e.callId)) {
          state.call.phase = 'talking';
          state.call.since = e.at;
        } else {
          state.call = { callId: String(e.callId), caller: String(e.caller ?? ''), language: '', line: '', recentTickets: [], phase: 'talking', since: e.at, held: false, muted: false };
        }
        break;
      case 'call.ended':
      case 'callback.ended':
        if (state.call && state.call.callId === String(e.callId)) {
          state.call.phase = 'ended';
          state.call.since = e.at;
          state.call.held = false;
        }
        break;
      case 'call.ring_no_answer':
        if (state.call?.callId === String(e.callId) && state.call.phase === 'ringing') state.call = undefined;
        break;
      case 'agent.state':
        void refreshAgent().catch(report);
        break;
    }
  }

  function report(err: unknown): void {
    state.error = err instanceof ApiError ? err.message : String(err);
  }

  /** Runs an API action with the busy flag and the error shown. */
  async function act(fn: () => Promise<unknown>): Promise<void> {
    state.busy = true;
    state.error = '';
    try {
      await fn();
    } catch (err) {
      report(err);
    } finally {
      state.busy = false;
    }
  }

  const path = (p: string) => `/agents/${encodeURIComponent(agentId)}${p}`;
  const feed = new AgentFeed(agentId, onEvent, () => onSignedOut());
  state.feed = feed.state;

  return {
    state,
    phone,
    serverNow,
    isBrowserPhone,
    async start() {
      await refreshAgent();
      feed.start();
    },
    stop() {
      feed.stop();
      phone.stop();
    },
    login: (seat: string, kind: 'desk' | 'browser') => act(async () => {
      await api('POST', path('/login'), { seat, phone: kind });
      await refreshAgent();
    }),
    logout: () => act(async () => {
      await api('POST', path('/logout'));
      phone.stop();
      await refreshAgent();
    }),
    ready: () => act(() => api('POST', path('/ready')).then(refreshAgent)),
    pause: (reason: string) => act(() => api('POST', path('/pause'), { reason }).then(refreshAgent)),
    endWrapUp: () => act(() => api('POST', path('/wrap-up/end')).then(refreshAgent)),
    answer: () => act(async () => {
      if (isBrowserPhone()) await phone.answer().catch(() => Promise.reject(new Error('无法打开麦克风，请检查耳麦和浏览器的麦克风权限')));
    }),
    hangup: () => act(async () => {
      if (state.call?.phase === 'ringing' && phone.state.ringing) return phone.hangup();
      try {
        await api('POST', path('/call/hangup'));
      } catch (err) {
        // The gateway cannot end it (down, or it no longer knows the call): end the browser's leg at least.
        if (phone.state.inCall) phone.hangup();
        throw err;
      }
    }),
    toggleHold: () => act(async () => {
      const c = state.call;
      if (!c || c.phase !== 'talking') return;
      await api('POST', path(c.held ? '/call/resume' : '/call/hold'));
      c.held = !c.held;
    }),
    toggleMute: () => act(async () => {
      const c = state.call;
      if (!c || c.phase !== 'talking') return;
      await api('POST', path(c.muted ? '/call/unmute' : '/call/mute'));
      c.muted = !c.muted;
    }),
    dtmf(tone: string) {
      phone.sendDtmf(tone);
    },
    /** The ended call's intake was submitted: clear it from the desk. */
    clearEndedCall() {
      if (state.call?.phase === 'ended') state.call = undefined;
    },
  };
}

export type Desk = ReturnType<typeof createDesk>;
