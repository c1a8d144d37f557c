import { CtiError, maskPhone, type Clock } from '@cti/domain';
import { seatEndpoint, type ChannelInfo, type TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher, GatewayEvent } from '../events/event-bus.js';
import type { StasisExtension } from '../call/call.stasis.js';
import type { CallSession } from '../call/call-session.js';
import { TRANSFER_PAUSE_REASON, type AgentAvailability, type ControlledCalls } from './control.ports.js';

/** A transfer to another agent in progress (their seat ringing, or the consultation). */
export interface Transfer {
  id: string;
  callId: string;
  kind: 'blind' | 'attended';
  fromAgentId: string;
  /** The first agent's leg (attended: consulting outside the call's bridge). */
  fromLeg: string;
  toAgentId: string;
  toSeat: string;
  toLeg: string;
  bridgeId: string;
  consultBridgeId: string;
  phase: 'ringing' | 'consulting';
}

/** Holds and transfers in progress, for the gateway's saved state (a restart or a standby carries them on). */
export interface CallControlSnapshot {
  seq: number;
  /** Calls on hold (the agent out of the bridge, the caller hearing music). */
  held: string[];
  transfers: Transfer[];
  /** Agents taking part in a call through a transfer or three-way call, by their leg. */
  borrowed: Array<{ legId: string; agentId: string; callId: string }>;
}

/** Settings of call control. */
export interface CallControlSettings {
  ringTimeoutSeconds: number;
}

/**
 * What an agent does on their own live call: hold (the caller hears music), mute, hang up, blind transfer (to an
 * agent or a skill queue), attended transfer (consult while the caller holds; complete, cancel, or make it a three-way
 * call). A target agent is held for the transfer with the pause reason `transfer` so the ACD offers them nothing else,
 * and made ready again when their part ends.
 */
export class CallControlService implements StasisExtension {
  readonly kinds = ['xfer'] as const;
  private readonly held = new Set<string>();
  private readonly transfers = new Map<string, Transfer>();
  private readonly byLeg = new Map<string, Transfer>();
  /** Agents taking part in a call through a transfer or three-way: their leg → agent id, made ready when it ends. */
  private readonly borrowed = new Map<string, { agentId: string; callId: string }>();
  private seq = 0;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly calls: ControlledCalls,
    private readonly agents: AgentAvailability,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: CallControlSettings,
  ) {}

  /** The agent's live call; CTI_ERR_NO_SUCH_CALL when they have none. */
  callOf(agentId: string): CallSession {
    const call = this.calls.findCallByAgent(agentId);
    if (!call?.bridgeId || !call.agentChannelId) throw new CtiError('CTI_ERR_NO_SUCH_CALL', `agent ${agentId} is not on a call`, { agentId });
    return call;
  }

  /** Whether the call is on hold. */
  isHeld(callId: string): boolean {
    return this.held.has(callId);
  }

  /** Holds and transfers in progress, for the gateway's saved state. */
  snapshot(): CallControlSnapshot {
    return {
      seq: this.seq,
      held: [...this.held],
      transfers: [...this.transfers.values()].map((t) => ({ ...t })),
      borrowed: [...this.borrowed].map(([legId, b]) => ({ legId, ...b })),
    };
  }

  /** Carries on the holds and transfers a gateway before this one saved; reconcile() then checks them against Asterisk. */
  restore(s: CallControlSnapshot | undefined): void {
    if (!s) return;
    this.seq = Math.max(this.seq, s.seq);
    for (const callId of s.held) this.held.add(callId);
    for (const saved of s.transfers) {
      const t = { ...saved };
      this.transfers.set(t.callId, t);
      this.byLeg.set(t.toLeg, t);
    }
    for (const b of s.borrowed) this.borrowed.set(b.legId, { agentId: b.agentId, callId: b.callId });
  }

  /**
   * After a restart or takeover: what ended while no gateway listened ends now, as if it had been seen — a hold of a
   * call that is gone is dropped; a transfer whose caller is gone is cleaned up; a target who left (or never answered)
   * fails the transfer (attended: back to the first agent; blind: the queue); a first agent who left during an attended
   * transfer hands the caller to the target; a three-way participant gone is made ready.
   */
  async reconcile(): Promise<void> {
    if (!this.held.size && !this.transfers.size && !this.borrowed.size) return;
    const present = new Set(await this.telephony.listChannelIds());
    for (const callId of [...this.held]) if (!present.has(callId)) this.held.delete(callId);
    for (const t of [...this.transfers.values()]) {
      if (!present.has(t.callId)) this.channelGone(t.callId);
      else if (t.kind === 'attended' && !present.has(t.fromLeg)) this.claimsGone(t.fromLeg);
      else if (!present.has(t.toLeg)) this.channelGone(t.toLeg);
    }
    for (const leg of [...this.borrowed.keys()]) if (!present.has(leg)) this.channelGone(leg);
  }

  /** The transfer in progress on a call, if any. */
  findTransfer(callId: string): Transfer | undefined {
    return this.transfers.get(callId);
  }

  /** Hold: the agent steps out of the bridge and the caller hears music; resume brings the agent back. */
  async hold(agentId: string, on: boolean): Promise<void> {
    const call = this.callOf(agentId);
    if (this.transfers.has(call.callId)) throw new CtiError('CTI_ERR_INVALID_STATE', 'a transfer is in progress', { callId: call.callId });
    if (on === this.held.has(call.callId)) return;
    const bridge = call.bridgeId as string;
    const leg = call.agentChannelId as string;
    if (on) {
      await this.telephony.removeFromBridge(bridge, [leg]);
      await this.telephony.bridgeMoh(bridge, true);
      this.held.add(call.callId);
    } else {
      await this.telephony.bridgeMoh(bridge, false);
      await this.telephony.addToBridge(bridge, [leg]);
      this.held.delete(call.callId);
    }
    this.events.publish({ type: on ? 'call.held' : 'call.resumed', at: this.clock.now(), callId: call.callId, agentId });
  }

  /** Mute: the caller no longer hears the agent (audio from the agent's phone is dropped). */
  async mute(agentId: string, on: boolean): Promise<void> {
    const call = this.callOf(agentId);
    await this.telephony.mute(call.agentChannelId as string, on, 'in');
    this.events.publish({ type: on ? 'call.muted' : 'call.unmuted', at: this.clock.now(), callId: call.callId, agentId });
  }

  /** The agent hangs up their call (the caller is hung up too). */
  async hangup(agentId: string): Promise<void> {
    const call = this.callOf(agentId);
    await this.telephony.hangup(call.agentChannelId as string);
  }

  /** Blind transfer to a skill queue: the caller waits first in line with music, the agent is free at once. */
  async blindToSkill(agentId: string, skill: string): Promise<void> {
    const call = this.callOf(agentId);
    this.assertNoTransfer(call);
    this.held.delete(call.callId);
    await this.calls.requeue(call.callId, { requiredSkill: skill });
  }

  /** Transfer to another agent: blind (the first agent leaves now) or attended (they consult first). */
  async toAgent(agentId: string, target: string, kind: 'blind' | 'attended'): Promise<Transfer> {
    const call = this.callOf(agentId);
    this.assertNoTransfer(call);
    if (target === agentId) throw new CtiError('CTI_ERR_VALIDATION', 'cannot transfer to oneself', { target });
    const to = this.agents.findAgent(target);
    if (!to || to.state !== 'ready') throw new CtiError('CTI_ERR_INVALID_STATE', `agent ${target} is not ready`, { target, state: to?.state ?? 'logged_out' });
    this.agents.pause(target, TRANSFER_PAUSE_REASON);
    const id = `${call.callId}-xf${++this.seq}`;
    const t: Transfer = {
      id,
      callId: call.callId,
      kind,
      fromAgentId: agentId,
      fromLeg: call.agentChannelId as string,
      toAgentId: target,
      toSeat: to.seat,
      toLeg: `${id}-leg`,
      bridgeId: call.bridgeId as string,
      consultBridgeId: `${id}-consult`,
      phase: 'ringing',
    };
    this.transfers.set(call.callId, t);
    this.byLeg.set(t.toLeg, t);
    if (this.held.delete(call.callId)) await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
    if (kind === 'blind') {
      // The first agent leaves now; the caller hears music in the call's bridge while the target rings.
      const released = this.calls.releaseAgent(call.callId);
      if (released) {
        await this.telephony.removeFromBridge(t.bridgeId, [released.legId]).catch(() => undefined);
        await this.telephony.hangup(released.legId).catch(() => undefined);
      }
      await this.telephony.bridgeMoh(t.bridgeId, true).catch(() => undefined);
    } else {
      // Consult: the first agent steps out to a consultation bridge; the caller holds with music.
      await this.telephony.removeFromBridge(t.bridgeId, [t.fromLeg]);
      await this.telephony.bridgeMoh(t.bridgeId, true);
      await this.telephony.bridge(t.consultBridgeId, [t.fromLeg]);
    }
    // The target's desk pops this like an offer: who is calling (masked) and from which agent.
    this.events.publish({ type: 'transfer.ringing', at: this.clock.now(), callId: call.callId, transferId: id, kind, fromAgentId: agentId, toAgentId: target, caller: maskPhone(call.callerNumber) });
    try {
      await this.telephony.dial({ channelId: t.toLeg, endpoint: seatEndpoint(t.toSeat), callerNumber: call.callerNumber, timeoutSeconds: this.settings.ringTimeoutSeconds, appArgs: ['xfer', id], role: 'transfer', owner: call.callId });
    } catch (err) {
      this.log.warn({ callId: call.callId, seat: t.toSeat, err: (err as Error).message }, 'transfer target could not be rung');
      await this.targetGone(t);
    }
    return t;
  }

  /** StasisExtension: the target agent answered. */
  async start(channel: ChannelInfo): Promise<void> {
    const t = this.byLeg.get(channel.id);
    if (!t || t.phase !== 'ringing') {
      await this.telephony.hangup(channel.id).catch(() => undefined);
      return;
    }
    this.borrowed.set(t.toLeg, { agentId: t.toAgentId, callId: t.callId });
    if (t.kind === 'blind') {
      this.finishTransfer(t);
      await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
      await this.telephony.addToBridge(t.bridgeId, [t.toLeg]);
      this.calls.attachAgentLeg(t.callId, { agentId: t.toAgentId, seat: t.toSeat, legId: t.toLeg });
      this.events.publish({ type: 'transfer.completed', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
      return;
    }
    t.phase = 'consulting';
    await this.telephony.addToBridge(t.consultBridgeId, [t.toLeg]);
    this.events.publish({ type: 'transfer.consulting', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
  }

  /** Attended transfer: the target takes the caller; the first agent leaves. */
  async complete(agentId: string): Promise<void> {
    const t = this.consulting(agentId);
    this.finishTransfer(t);
    const released = this.calls.releaseAgent(t.callId);
    await this.telephony.destroyBridge(t.consultBridgeId).catch(() => undefined);
    if (released) await this.telephony.hangup(released.legId).catch(() => undefined);
    await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
    await this.telephony.addToBridge(t.bridgeId, [t.toLeg]);
    this.calls.attachAgentLeg(t.callId, { agentId: t.toAgentId, seat: t.toSeat, legId: t.toLeg });
    this.events.publish({ type: 'transfer.completed', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
  }

  /** Attended transfer becomes a three-way call: both agents and the caller in the call's bridge. */
  async conference(agentId: string): Promise<void> {
    const t = this.consulting(agentId);
    this.finishTransfer(t);
    await this.telephony.destroyBridge(t.consultBridgeId).catch(() => undefined);
    await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
    await this.telephony.addToBridge(t.bridgeId, [t.fromLeg, t.toLeg]);
    this.events.publish({ type: 'transfer.conference', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
  }

  /** Cancels a transfer: the target is hung up and the first agent is back with the caller. */
  async cancel(agentId: string): Promise<void> {
    const call = this.callOf(agentId);
    const t = this.transfers.get(call.callId);
    if (!t || t.kind !== 'attended') throw new CtiError('CTI_ERR_INVALID_STATE', 'no attended transfer in progress', { callId: call.callId });
    this.finishTransfer(t);
    this.borrowed.delete(t.toLeg);
    this.readyAgain(t.toAgentId);
    await this.telephony.hangup(t.toLeg).catch(() => undefined);
    await this.returnFirstAgent(t);
    this.events.publish({ type: 'transfer.cancelled', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
  }

  private async returnFirstAgent(t: Transfer): Promise<void> {
    await this.telephony.destroyBridge(t.consultBridgeId).catch(() => undefined);
    await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
    await this.telephony.addToBridge(t.bridgeId, [t.fromLeg]);
  }

  private consulting(agentId: string): Transfer {
    const call = this.callOf(agentId);
    const t = this.transfers.get(call.callId);
    if (!t || t.kind !== 'attended' || t.phase !== 'consulting') throw new CtiError('CTI_ERR_INVALID_STATE', 'no consultation in progress', { callId: call.callId });
    return t;
  }

  private assertNoTransfer(call: CallSession): void {
    if (this.transfers.has(call.callId)) throw new CtiError('CTI_ERR_CONFLICT', 'a transfer is already in progress', { callId: call.callId });
  }

  private finishTransfer(t: Transfer): void {
    this.transfers.delete(t.callId);
    this.byLeg.delete(t.toLeg);
  }

  private readyAgain(agentId: string): void {
    const a = this.agents.findAgent(agentId);
    if (a?.state === 'paused' && a.pauseReason === TRANSFER_PAUSE_REASON) {
      try {
        this.agents.ready(agentId);
      } catch (err) {
        this.log.warn({ agentId, err: (err as Error).message }, 'agent could not be made ready after a transfer');
      }
    }
  }

  /** The target's seat did not answer (or could not be rung): attended → back to the first agent; blind → the queue. */
  private async targetGone(t: Transfer): Promise<void> {
    if (this.transfers.get(t.callId) !== t) return;
    this.finishTransfer(t);
    this.readyAgain(t.toAgentId);
    this.events.publish({ type: 'transfer.failed', at: this.clock.now(), callId: t.callId, transferId: t.id, kind: t.kind, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId });
    if (t.kind === 'attended') await this.returnFirstAgent(t).catch(() => undefined);
    else await this.calls.requeue(t.callId).catch(() => false);
  }

  /**
   * StasisExtension: the first agent hung up during an attended transfer. The caller is not cut off: a consultation
   * completes the transfer (the target takes the caller, as if the agent had pressed complete); while the target
   * still rings, it goes on as a blind transfer (the caller holds with music until the target answers, or is queued
   * again if they do not).
   */
  claimsGone(channelId: string): boolean {
    const t = [...this.transfers.values()].find((x) => x.kind === 'attended' && x.fromLeg === channelId);
    if (!t) return false;
    const released = this.calls.releaseAgent(t.callId);
    this.log.info({ callId: t.callId, agentId: t.fromAgentId, toAgentId: t.toAgentId, phase: t.phase }, 'first agent hung up during an attended transfer; handing the caller to the target');
    void this.telephony.destroyBridge(t.consultBridgeId).catch(() => undefined);
    if (t.phase === 'ringing') {
      t.kind = 'blind';
      return true;
    }
    this.finishTransfer(t);
    void (async () => {
      await this.telephony.bridgeMoh(t.bridgeId, false).catch(() => undefined);
      await this.telephony.addToBridge(t.bridgeId, [t.toLeg]);
      this.calls.attachAgentLeg(t.callId, { agentId: t.toAgentId, seat: t.toSeat, legId: t.toLeg });
      this.events.publish({ type: 'transfer.completed', at: this.clock.now(), callId: t.callId, transferId: t.id, fromAgentId: t.fromAgentId, toAgentId: t.toAgentId, by: 'first_agent_hangup' });
    })().catch((err: Error) => {
      // The target cannot take the caller (their leg went too): the caller is queued again rather than left alone.
      this.log.warn({ callId: t.callId, err: err.message, released: released?.agentId }, 'transfer after the first agent hung up failed; queueing the caller again');
      void this.calls.requeue(t.callId).catch(() => false);
    });
    return true;
  }

  channelGone(channelId: string): void {
    const t = this.byLeg.get(channelId);
    if (t) {
      if (t.phase === 'ringing') void this.targetGone(t);
      else {
        // The target left during the consultation: back to the caller.
        this.finishTransfer(t);
        this.borrowed.delete(channelId);
        this.readyAgain(t.toAgentId);
        void this.returnFirstAgent(t).catch(() => undefined);
      }
      return;
    }
    const borrowed = this.borrowed.get(channelId);
    if (borrowed) {
      this.borrowed.delete(channelId);
      this.readyAgain(borrowed.agentId);
      // A three-way participant who hangs up leaves the call going on; the call's own agent leg is CallService's.
    }
    if (this.held.has(channelId)) this.held.delete(channelId);
    const pending = this.transfers.get(channelId);
    if (pending) {
      // The caller hung up during a transfer.
      this.finishTransfer(pending);
      this.borrowed.delete(pending.toLeg);
      this.readyAgain(pending.toAgentId);
      void this.telephony.hangup(pending.toLeg).catch(() => undefined);
      void this.telephony.hangup(pending.fromLeg).catch(() => undefined);
      void this.telephony.destroyBridge(pending.consultBridgeId).catch(() => undefined);
    }
  }

  /** Bus listener: when a call ends, agents borrowed into it (three-way participants) are hung up and made ready. */
  onEvent(e: GatewayEvent): void {
    if (e.type !== 'call.ended') return;
    for (const [leg, b] of [...this.borrowed]) {
      if (b.callId !== e.callId) continue;
      this.borrowed.delete(leg);
      this.readyAgain(b.agentId);
      // The transferred-to agent's leg is the call's agent leg (CallService hangs it up); a third agent's is ours.
      void this.telephony.hangup(leg).catch(() => undefined);
    }
  }
}
