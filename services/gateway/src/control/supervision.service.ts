import { CtiError, type Clock, type SupervisionMode } from '@cti/domain';
import { seatEndpoint, type ChannelInfo, type TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher, SupervisionEndReason } from '../events/event-bus.js';
import type { StasisExtension } from '../call/call.stasis.js';
import type { ControlledCalls } from './control.ports.js';

type Direction = 'none' | 'in' | 'out' | 'both';

/**
 * Snoop directions on the AGENT's channel. `spy` is what the supervisor hears: `in` = audio coming from the
 * agent's phone, `out` = audio going to it (the caller, a partner); `both` = the whole conversation. `whisper` is
 * where the supervisor's voice goes: `out` = into the audio sent to the agent's phone, so only the agent hears it;
 * `both` = also into the audio the agent sends into the call, so the caller hears it too (barge).
 */
export const SNOOP_DIRECTIONS: Readonly<Record<SupervisionMode, { spy: Direction; whisper: Direction }>> = {
  monitor: { spy: 'both', whisper: 'none' },
  whisper: { spy: 'both', whisper: 'out' },
  barge: { spy: 'both', whisper: 'both' },
};

/** One supervisor's session on one call. */
export interface SupervisionSession {
  id: string;
  callId: string;
  agentId: string;
  agentLeg: string;
  supervisor: string;
  seat: string;
  mode: SupervisionMode;
  phase: 'ringing' | 'active';
  seatLeg: string;
  snoopId?: string;
  bridgeId: string;
  startedAt: number;
}

/** The supervision sessions in progress as saved with the gateway's state. */
export interface SupervisionSnapshot {
  seq: number;
  sessions: SupervisionSession[];
}

/** Settings of supervision. */
export interface SupervisionSettings {
  /** How long the supervisor's seat rings before the session ends unanswered. */
  ringTimeoutSeconds: number;
}

/** The least a supervisor's own phone rings (seconds): they asked for the call, so it is answered, if slowly. */
export const SUPERVISOR_RING_TIMEOUT_S = 30;

/**
 * Supervisor monitor / whisper / barge through ARI snoop channels: the supervisor's own seat is rung; when it
 * answers, a snoop channel on the agent's channel (directions per mode) and the seat leg share a private bridge.
 * Switching mode replaces the snoop channel (ARI cannot change a snoop's directions); stop hangs up both.
 */
export class SupervisionService implements StasisExtension {
  readonly kinds = ['sv-seat', 'sv-snoop'] as const;
  private readonly sessions = new Map<string, SupervisionSession>();
  private readonly byChannel = new Map<string, string>();
  private seq = 0;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly calls: ControlledCalls,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: SupervisionSettings,
  ) {}

  /** Sessions in progress. */
  list(): SupervisionSession[] {
    return [...this.sessions.values()];
  }

  /** The sessions in progress, for the gateway's saved state (a standby taking over can still stop them). */
  snapshot(): SupervisionSnapshot {
    return { seq: this.seq, sessions: this.list().map((s) => ({ ...s })) };
  }

  /** Carries on the sessions a gateway before this one saved; reconcile() then checks them against Asterisk. */
  restore(snap: SupervisionSnapshot | undefined): void {
    if (!snap) return;
    this.seq = Math.max(this.seq, snap.seq);
    for (const s of snap.sessions) {
      const session = { ...s };
      this.sessions.set(session.id, session);
      this.byChannel.set(session.seatLeg, session.id);
      if (session.snoopId) this.byChannel.set(session.snoopId, session.id);
    }
  }

  /** After a restart or takeover: a session whose agent, seat or snoop channel ended while no gateway listened ends now. */
  async reconcile(): Promise<void> {
    if (!this.sessions.size) return;
    const present = new Set(await this.telephony.listChannelIds());
    for (const s of this.list()) {
      for (const ch of [s.agentLeg, s.seatLeg, ...(s.phase === 'active' && s.snoopId ? [s.snoopId] : [])]) {
        if (!present.has(ch)) {
          this.channelGone(ch);
          break;
        }
      }
    }
  }

  /** The session; CTI_ERR_NOT_FOUND when it ended. */
  get(id: string): SupervisionSession {
    const s = this.sessions.get(id);
    if (!s) throw new CtiError('CTI_ERR_NOT_FOUND', `no supervision session ${id}`, { id });
    return s;
  }

  /** Rings the supervisor's seat to supervise the agent's current call in `mode`. */
  async begin(o: { agentId: string; supervisor: string; seat: string; mode: SupervisionMode }): Promise<SupervisionSession> {
    const call = this.calls.findCallByAgent(o.agentId);
    if (!call?.agentChannelId) throw new CtiError('CTI_ERR_NO_SUCH_CALL', `agent ${o.agentId} is not on a call`, { agentId: o.agentId });
    if (call.seat === o.seat) throw new CtiError('CTI_ERR_VALIDATION', 'the supervisor seat is the agent\'s own seat', { seat: o.seat });
    const id = `sv-${call.callId}-${++this.seq}`;
    const session: SupervisionSession = {
      id,
      callId: call.callId,
      agentId: o.agentId,
      agentLeg: call.agentChannelId,
      supervisor: o.supervisor,
      seat: o.seat,
      mode: o.mode,
      phase: 'ringing',
      seatLeg: `${id}-seat`,
      bridgeId: `${id}-bridge`,
      startedAt: this.clock.now(),
    };
    this.sessions.set(id, session);
    this.byChannel.set(session.seatLeg, id);
    try {
      await this.telephony.dial({ channelId: session.seatLeg, endpoint: seatEndpoint(o.seat), callerNumber: 'supervise', timeoutSeconds: this.settings.ringTimeoutSeconds, appArgs: ['sv-seat', id], role: 'supervisor-seat', owner: call.callId });
    } catch (err) {
      this.end(session, 'seat_unreachable');
      throw new CtiError('CTI_ERR_UNAVAILABLE', `seat ${o.seat} could not be rung`, { seat: o.seat, reason: (err as Error).message });
    }
    this.events.publish({ type: 'supervision.ringing', at: this.clock.now(), sessionId: id, callId: call.callId, agentId: o.agentId, supervisor: o.supervisor, mode: o.mode });
    return session;
  }

  /** StasisExtension: the supervisor's seat answered, or a snoop channel arrived. */
  async start(channel: ChannelInfo): Promise<void> {
    const [kind, id] = channel.args;
    const s = id ? this.sessions.get(id) : undefined;
    if (!s) {
      await this.telephony.hangup(channel.id).catch(() => undefined);
      return;
    }
    if (kind === 'sv-seat' && channel.id === s.seatLeg && s.phase === 'ringing') {
      s.phase = 'active';
      await this.telephony.bridge(s.bridgeId, [s.seatLeg]);
      await this.snoop(s);
      return;
    }
    if (kind === 'sv-snoop' && channel.id === s.snoopId) {
      await this.telephony.addToBridge(s.bridgeId, [channel.id]);
      this.events.publish({ type: 'supervision.active', at: this.clock.now(), sessionId: s.id, callId: s.callId, agentId: s.agentId, mode: s.mode, snoopId: s.snoopId });
      return;
    }
    await this.telephony.hangup(channel.id).catch(() => undefined);
  }

  private async snoop(s: SupervisionSession): Promise<void> {
    const snoopId = `${s.id}-snoop${++this.seq}`;
    const previous = s.snoopId;
    s.snoopId = snoopId;
    this.byChannel.set(snoopId, s.id);
    const { spy, whisper } = SNOOP_DIRECTIONS[s.mode];
    await this.telephony.snoop(s.agentLeg, { snoopId, spy, whisper, appArgs: ['sv-snoop', s.id], owner: s.callId });
    if (previous) {
      this.byChannel.delete(previous);
      await this.telephony.removeFromBridge(s.bridgeId, [previous]).catch(() => undefined);
      await this.telephony.hangup(previous).catch((err: Error) => this.log.warn({ sessionId: s.id, err: err.message }, 'previous snoop channel not hung up'));
    }
  }

  /** Switches the session's mode (monitor ↔ whisper ↔ barge) with a new snoop channel. */
  async switchMode(id: string, mode: SupervisionMode): Promise<SupervisionSession> {
    const s = this.get(id);
    if (s.mode === mode) return s;
    s.mode = mode;
    if (s.phase === 'active') await this.snoop(s);
    this.events.publish({ type: 'supervision.mode', at: this.clock.now(), sessionId: s.id, callId: s.callId, mode });
    return s;
  }

  /** Ends the session: the supervisor's seat and the snoop channel are hung up. */
  stop(id: string): void {
    this.end(this.get(id), 'stopped');
  }

  channelGone(channelId: string): void {
    for (const s of [...this.sessions.values()]) if (s.agentLeg === channelId) this.end(s, 'call_ended');
    const id = this.byChannel.get(channelId);
    const s = id ? this.sessions.get(id) : undefined;
    if (!s) return;
    // The snoop being replaced is not the end; the seat leg, the agent leg or the current snoop are.
    if (channelId === s.seatLeg || channelId === s.snoopId) this.end(s, channelId === s.seatLeg ? 'supervisor_left' : 'call_ended');
  }

  private end(s: SupervisionSession, reason: SupervisionEndReason): void {
    if (!this.sessions.delete(s.id)) return;
    for (const ch of [s.seatLeg, s.snoopId]) {
      if (!ch) continue;
      this.byChannel.delete(ch);
      void this.telephony.hangup(ch).catch(() => undefined);
    }
    void this.telephony.destroyBridge(s.bridgeId).catch(() => undefined);
    this.log.info({ sessionId: s.id, callId: s.callId, reason }, 'supervision ended');
    this.events.publish({ type: 'supervision.ended', at: this.clock.now(), sessionId: s.id, callId: s.callId, reason });
  }
}
