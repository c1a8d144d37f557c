// The desk's state: who the agent is and their ACD state, the call in hand, the browser phone and the live feed,
// and the actions the state bar and call panel take. Components read `desk.state` and call its methods.
import { reactive } from 'vue';
import { api, ApiError } from '@shared/api';
import { AgentFeed, type FeedEvent } from './feed';
import { BrowserPhone, type PhoneCredentials } from './phone';
import { createCallControl } from './control';
import { dropDraft } from './intake';
import { describeError } from './refusal';

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

/**
 * What the call in hand is to this desk: a citizen's call (its intake is filed here), a call back to a citizen
 * (`callback`: a missed call, a virtual hold or a ticket's 回访; no intake), or another agent's transfer (`transfer`:
 * ringing here, then a consultation or a three-way call — the call becomes this desk's own when it is completed).
 */
export type CallKind = 'inbound' | 'callback' | 'transfer';

/** How the call left this agent while the caller went on: handed off to a partner line (the intake stays here). */
export interface HandOff {
  partner: string;
  mode: 'transfer' | 'three_way';
}

/** The call in hand: offered (ringing), talking, or ended (its intake still to submit). */
export interface DeskCall {
  callId: string;
  caller: string;
  language: string;
  /** The language came from the number's memory (the caller chose it on an earlier call). */
  languageRemembered: boolean;
  line: string;
  recentTickets: RecentTicket[];
  /** The nuisance/malicious mark in force on the caller's number (shown with the offer). */
  callerMark?: CallerMarkNotice | null;
  phase: 'ringing' | 'talking' | 'ended';
  /** Server epoch ms the phase began. */
  since: number;
  held: boolean;
  muted: boolean;
  kind: CallKind;
  /** callback: why the citizen is called (missed_call, virtual_hold, ticket_callback). */
  callbackKind?: string;
  /** transfer: who transfers it here, blind or attended, and whether this desk talks with that agent only (consult) or in a three-way call. */
  transfer?: { fromAgentId: string; kind: 'blind' | 'attended'; stage: 'ringing' | 'consult' | 'conference' };
  handedOff?: HandOff;
}

/** A caller's mark as the offer carries it. */
export interface CallerMarkNotice {
  kind: 'nuisance' | 'malicious';
  label: string;
  reason: string | null;
  expiresAt: number;
  policeReferral: boolean;
}

/** A call as the desk first knows it. */
function newCall(callId: string, caller: string, phase: DeskCall['phase'], since: number, extra: Partial<DeskCall> = {}): DeskCall {
  return { callId, caller, language: '', languageRemembered: false, line: '', recentTickets: [], phase, since, held: false, muted: false, kind: 'inbound', ...extra };
}

export { LANGUAGE_LABELS, PAUSE_LABELS, STATE_LABELS } from '@shared/labels';

export function createDesk(agentId: string, onSignedOut: () => void) {
  const phone = new BrowserPhone();
  let offset = 0;
  const control = createCallControl(agentId, () => Date.now() + offset);
  const state = reactive({
    agent: undefined as AgentInfo | undefined,
    /** Server clock minus this browser's clock, ms (from the feed's hello). */
    offset: 0,
    call: undefined as DeskCall | undefined,
    busy: false,
    error: '',
    phone: phone.state,
    feed: undefined as AgentFeed['state'] | undefined,
    control: control.state,
    /** A message for the agent about the call that just left them (transferred, handed off). */
    notice: '',
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
      } else {
        state.call = newCall(c.callId, c.caller, 'talking', serverNow(), { held: c.held });
      }
      await control.refresh();
    } catch (err) {
      // 404: no call now. A call we still show as talking ended while the feed was away; a consultation or three-way
      // call of another agent's (never this desk's own) simply ends.
      if (err instanceof ApiError && err.status === 404 && state.call && state.call.phase !== 'ended') {
        if (state.call.kind === 'transfer') {
          if (!phone.state.inCall && !phone.state.ringing) clearCall();
          return;
        }
        if (state.call.phase === 'talking' || !phone.state.ringing) endCall(serverNow());
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

  // A registration the server refused (e.g. the seat's password was rotated) is not retried by JsSIP: fetch the
  // credentials again and start over, backing off 5 s … 60 s. Lost connections JsSIP recovers by itself.
  let phoneRetry: ReturnType<typeof setTimeout> | undefined;
  let phoneRetries = 0;
  phone.onStatus = (status) => {
    if (status === 'registered') phoneRetries = 0;
    if (status !== 'failed' || phoneRetry) return;
    const delayS = Math.min(60, 5 * 2 ** phoneRetries++);
    phoneRetry = setTimeout(() => {
      phoneRetry = undefined;
      if (isBrowserPhone() && phone.state.status === 'failed' && !phone.state.inCall) void startPhone().catch(report);
    }, delayS * 1000);
  };

  const isCurrent = (e: FeedEvent) => state.call?.callId === String(e.callId);

  function endCall(at: number): void {
    const c = state.call;
    if (!c) return;
    // A call back to a citizen or another agent's call has no intake here: nothing stays to fill in.
    if (c.kind === 'callback' && c.callbackKind !== 'ticket_callback') return clearCall();
    if (c.kind === 'transfer') return clearCall();
    c.phase = 'ended';
    c.since = at;
    c.held = false;
  }

  /** The call is gone from this desk (and its draft with it, when it is not this desk's to file). */
  function clearCall(dropIntake = true): void {
    if (dropIntake && state.call && state.call.kind !== 'inbound') dropDraft(state.call.callId);
    state.call = undefined;
    control.reset();
  }

  /** The call was transferred away from this agent: the agent who takes it files its intake. */
  function transferredAway(to: string): void {
    if (state.call) dropDraft(state.call.callId);
    state.notice = `来电已转给 ${to}，工单由接听坐席填写`;
    clearCall();
    const shown = state.notice;
    setTimeout(() => {
      if (state.notice === shown) state.notice = '';
    }, 15_000);
  }

  function onEvent(e: FeedEvent): void {
    control.onEvent(e);
    const toMe = e.toAgentId === agentId;
    const fromMe = e.fromAgentId === agentId;
    switch (e.type) {
      case 'hello':
        state.offset = offset = e.at - Date.now();
        void refreshAgent().then(refreshCall).catch(report);
        break;
      case 'call.offered':
        state.notice = '';
        control.reset();
        state.call = newCall(String(e.callId), String(e.caller ?? ''), 'ringing', e.at, {
          language: String(e.language ?? ''),
          languageRemembered: e.languageRemembered === true,
          line: String(e.line ?? ''),
          recentTickets: (e.recentTickets as RecentTicket[] | undefined) ?? [],
          callerMark: (e.callerMark as CallerMarkNotice | null | undefined) ?? null,
          ...(typeof e.callback === 'string' && { kind: 'callback' as const, callbackKind: e.callback }),
        });
        break;
      case 'call.connected':
      case 'callback.connected':
        if (isCurrent(e) && state.call) {
          state.call.phase = 'talking';
          state.call.since = e.at;
          // A transferred call answered here is this desk's own from now on (its intake too).
          if (state.call.kind === 'transfer') state.call.kind = 'inbound';
        } else {
          state.call = newCall(String(e.callId), String(e.caller ?? ''), 'talking', e.at);
        }
        break;
      case 'call.ended':
        if (isCurrent(e) && state.call) {
          if (e.handedOff === true && control.state.linkage) state.call.handedOff = { partner: control.state.linkage.partner, mode: control.state.linkage.mode };
          endCall(e.at);
        }
        break;
      case 'callback.ended':
        if (isCurrent(e)) endCall(e.at);
        break;
      case 'call.agent_released':
        // The call goes on without this agent: a transfer (the other agent files it) or a hand-off (call.ended follows).
        if (isCurrent(e) && state.call?.phase !== 'ended' && !control.state.linkage) endCall(e.at);
        break;
      case 'call.ring_no_answer':
        if (isCurrent(e) && state.call?.phase === 'ringing') state.call = undefined;
        break;
      case 'transfer.ringing':
        if (toMe) {
          state.notice = '';
          state.call = newCall(String(e.callId), String(e.caller ?? ''), 'ringing', e.at, { kind: 'transfer', transfer: { fromAgentId: String(e.fromAgentId), kind: e.kind as 'blind' | 'attended', stage: 'ringing' } });
        }
        break;
      case 'transfer.consulting':
        if (toMe && isCurrent(e) && state.call?.transfer) {
          state.call.transfer.stage = 'consult';
          state.call.phase = 'talking';
          state.call.since = e.at;
        }
        break;
      case 'transfer.conference':
        if (toMe && isCurrent(e) && state.call?.transfer) state.call.transfer.stage = 'conference';
        break;
      case 'transfer.completed':
        if (fromMe && isCurrent(e)) transferredAway(String(e.toAgentId));
        break;
      case 'transfer.cancelled':
        if (toMe && isCurrent(e)) clearCall();
        break;
      case 'transfer.failed':
        if (toMe && isCurrent(e)) clearCall();
        if (fromMe && isCurrent(e) && e.kind === 'blind') clearCall();
        break;
      case 'linkage.handed_off':
        if (isCurrent(e) && state.call) state.call.handedOff = { partner: String(e.partner), mode: control.state.linkage?.mode ?? 'three_way' };
        break;
      case 'agent.state':
        void refreshAgent().catch(report);
        break;
    }
  }

  // Another agent's consultation or three-way call: this desk's leg ended (they completed it elsewhere, or hung up).
  phone.onEnded = () => {
    const c = state.call;
    if (c?.kind === 'transfer' && c.transfer?.stage !== 'ringing') void refreshCall();
  };

  function report(err: unknown): void {
    state.error = describeError(err);
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
    control,
    serverNow,
    isBrowserPhone,
    async start() {
      await refreshAgent();
      feed.start();
    },
    stop() {
      clearTimeout(phoneRetry);
      feed.stop();
      phone.stop();
    },
    loadPartners: () => control.loadPartners().catch(report),
    // Transfers and linkages reject with the gateway's refusal: the panel that started one shows it beside its buttons.
    link: (partner: string, mode: 'transfer' | 'three_way', numberIndex = 0) => control.link(partner, mode, numberIndex),
    handOff: () => control.handOff(),
    cancelLinkage: () => control.cancelLinkage(),
    external: (number: string, mode: 'blind' | 'three_way') => control.external(number, mode),
    async transferToAgent(target: string, kind: 'blind' | 'attended'): Promise<void> {
      await control.toAgent(target, kind);
      if (kind === 'blind') transferredAway(target);
    },
    async transferToSkill(skill: string, label: string): Promise<void> {
      await control.toSkill(skill);
      transferredAway(label);
    },
    async completeTransfer(): Promise<void> {
      const to = control.state.transfer?.toAgentId ?? '';
      await control.complete();
      transferredAway(to);
    },
    cancelTransfer: () => control.cancelTransfer(),
    conference: () => control.conference(),
    /** Click-to-dial from "my work": the seat rings first (answer it), then the citizen. */
    dial: (body: { missedCallTaskId: string } | { ticketId: string }) => api<{ callId: string }>('POST', path('/dial'), body),
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
      // Another agent's consultation and a call back are not this agent's calls at the gateway: end the browser's leg.
      if (state.call && state.call.kind !== 'inbound' && phone.state.inCall) return phone.hangup();
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
      if (!c || c.phase !== 'talking' || c.kind !== 'inbound') return;
      await api('POST', path(c.held ? '/call/resume' : '/call/hold'));
      c.held = !c.held;
    }),
    toggleMute: () => act(async () => {
      const c = state.call;
      if (!c || c.phase !== 'talking' || c.kind !== 'inbound') return;
      await api('POST', path(c.muted ? '/call/unmute' : '/call/mute'));
      c.muted = !c.muted;
    }),
    dtmf(tone: string) {
      phone.sendDtmf(tone);
    },
    /** The ended call's intake was submitted (or a callback's result recorded): clear it from the desk. */
    clearEndedCall() {
      if (state.call?.phase === 'ended') clearCall(false);
    },
  };
}

export type Desk = ReturnType<typeof createDesk>;
