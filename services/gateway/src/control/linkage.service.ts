import { CtiError, EXTERNAL_LINKAGE_PARTNER, maskPhone, type Clock, type LinkageMode, type LinkagePartner, type LinkageRecord, type LinkageResult, type TrunkName } from '@cti/domain';
import { trunkEndpoint, type ChannelInfo, type TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { StasisExtension } from '../call/call.stasis.js';
import { TRUNK_FAILURE_CAUSES, type ControlledCalls, type TrunkStatusSource } from './control.ports.js';
import type { PartnerDirectory, PartnerDirectoryEntry } from './partner.directory.js';

/** Where finished linkages go (a durable publisher to the worker); never throws. */
export interface LinkageSink {
  publish(record: LinkageRecord): Promise<void>;
}

/** A linkage in progress. */
export interface Linkage {
  id: string;
  callId: string;
  partner: LinkagePartner;
  number: string;
  mode: LinkageMode;
  agentId: string;
  agentLeg: string;
  bridgeId: string;
  phase: 'ringing' | 'connected' | 'handed_off';
  trunk: TrunkName;
  trunksTried: TrunkName[];
  legId: string;
  dialledAt: number;
  legDialledAt: number;
  answeredAt?: number;
  agentLeftAt?: number;
  /** A transfer to an outside number: the agent leaves as soon as the far end answers. */
  autoHandOff?: boolean;
  /** The line dialled: a directory partner, or an outside number. */
  line: PartnerDirectoryEntry;
}

/** The linkages in progress as saved with the gateway's state. */
export interface LinkageSnapshot {
  seq: number;
  linkages: Linkage[];
}

/** Settings of linkages. */
export interface LinkageSettings {
  /** Number presented to the partner (the hotline). */
  presentedNumber: string;
  /** Digits dialled before an outside number an agent transfers to (CTI_TRANSFER_PREFIX). */
  transferPrefix?: string;
  /** Ring time of an outside number, seconds. */
  externalRingTimeoutS?: number;
}

/** Partner key of transfers to an outside number (not a directory line; never an emergency hand-over of the ticket). */
export const EXTERNAL_PARTNER = EXTERNAL_LINKAGE_PARTNER;

/**
 * Emergency and utility linkage (docs/domain.md §4). The partner is dialled over its preferred trunk (the fallback one
 * when the preferred is down, or when the leg fails on the trunk) while the caller keeps talking with the agent;
 * on answer the partner joins the call's bridge (three parties); the agent may then hand off (leave caller and
 * partner together) or stay. A partner that does not answer is reported (`linkage.failed`); the caller never
 * stopped talking with the agent, who can retry or try the next number. Every linkage ends in a LinkageRecord.
 */
export class LinkageService implements StasisExtension {
  readonly kinds = ['linkage'] as const;
  private readonly byCall = new Map<string, Linkage>();
  private readonly byLeg = new Map<string, Linkage>();
  /** Originate requests still on their way, by leg id: a hang-up sent before one returns could miss the leg. */
  private readonly dialling = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly calls: ControlledCalls,
    private readonly partners: PartnerDirectory,
    private readonly trunks: TrunkStatusSource,
    private readonly sink: LinkageSink,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: LinkageSettings,
  ) {}

  /** Linkages in progress. */
  list(): Linkage[] {
    return [...this.byCall.values()];
  }

  /** The linkages in progress, for the gateway's saved state (a standby taking over carries them on). */
  snapshot(): LinkageSnapshot {
    return { seq: this.seq, linkages: this.list().map((l) => ({ ...l, trunksTried: [...l.trunksTried] })) };
  }

  /** Carries on the linkages a gateway before this one saved; reconcile() then checks them against Asterisk. */
  restore(s: LinkageSnapshot | undefined): void {
    if (!s) return;
    this.seq = Math.max(this.seq, s.seq);
    for (const l of s.linkages) {
      const linkage = { ...l, trunksTried: [...l.trunksTried] };
      this.byCall.set(linkage.callId, linkage);
      if (linkage.legId) this.byLeg.set(linkage.legId, linkage);
    }
  }

  /**
   * After a restart or takeover: what ended while no gateway listened ends now — the call gone ends the linkage, a
   * ringing partner leg gone counts as not answered, an answered one gone ends it (each linkage writes its record).
   */
  async reconcile(): Promise<void> {
    if (!this.byCall.size) return;
    const present = new Set(await this.telephony.listChannelIds());
    for (const l of this.list()) {
      if (!present.has(l.callId)) this.finish(l, l.phase === 'ringing' ? 'cancelled' : 'answered');
      else if (l.legId && !present.has(l.legId)) this.channelGone(l.legId);
    }
  }

  /** The linkage of a call, if one is in progress. */
  findByCall(callId: string): Linkage | undefined {
    return this.byCall.get(callId);
  }

  /** Starts a linkage from the agent's current call; `numberIndex` picks another of the partner's numbers. */
  async begin(agentId: string, o: { partner: string; mode: LinkageMode; numberIndex?: number }): Promise<Linkage> {
    return this.startLinkage(agentId, this.partners.get(o.partner), o.mode, o.numberIndex ?? 0, false);
  }

  /**
   * Transfers the agent's call to an outside number over the trunks (primary, backup on failure): the caller keeps
   * talking with the agent while it rings; on answer the agent leaves at once (`blind`) or stays (`three_way`).
   */
  async beginExternal(agentId: string, number: string, leave: boolean): Promise<Linkage> {
    // Only digits (OutsideDialGuard's output) ever reach the dial string `PJSIP/<number>@trunk-…`.
    if (!/^\d{3,20}$/.test(number)) throw new CtiError('CTI_ERR_VALIDATION', 'an outside number must be 3–20 digits', {});
    const line: PartnerDirectoryEntry = {
      key: EXTERNAL_PARTNER,
      name: number,
      numbers: [`${this.settings.transferPrefix ?? ''}${number}`],
      preferredTrunk: 'primary',
      fallbackTrunk: 'backup',
      ringTimeoutS: this.settings.externalRingTimeoutS ?? 30,
    };
    return this.startLinkage(agentId, line, leave ? 'transfer' : 'three_way', 0, leave);
  }

  private async startLinkage(agentId: string, line: PartnerDirectoryEntry, mode: LinkageMode, numberIndex: number, autoHandOff: boolean): Promise<Linkage> {
    const o = { mode, numberIndex };
    const call = this.calls.findCallByAgent(agentId);
    if (!call || !call.bridgeId || !call.agentChannelId) throw new CtiError('CTI_ERR_NO_SUCH_CALL', `agent ${agentId} is not on a call`, { agentId });
    if (this.byCall.has(call.callId)) throw new CtiError('CTI_ERR_CONFLICT', 'a linkage is already in progress on this call', { callId: call.callId });
    const number = line.numbers[o.numberIndex];
    if (number === undefined) throw new CtiError('CTI_ERR_VALIDATION', `partner ${line.key} has ${line.numbers.length} number(s)`, { numberIndex: o.numberIndex });
    const now = this.clock.now();
    const trunk = this.firstTrunk(line);
    const linkage: Linkage = {
      id: `${call.callId}-lk${++this.seq}-${now}`,
      callId: call.callId,
      partner: line.key,
      number,
      mode: o.mode,
      agentId,
      agentLeg: call.agentChannelId,
      bridgeId: call.bridgeId,
      phase: 'ringing',
      trunk,
      trunksTried: [],
      legId: '',
      dialledAt: now,
      legDialledAt: now,
      line,
      ...(autoHandOff && { autoHandOff }),
    };
    this.byCall.set(call.callId, linkage);
    this.log.info({ callId: call.callId, partner: line.key, mode: o.mode, trunk, caller: maskPhone(call.callerNumber) }, 'linkage started');
    this.events.publish({ type: 'linkage.dialling', at: now, callId: call.callId, linkageId: linkage.id, agentId, partner: line.key, mode: o.mode, trunk });
    await this.dialLeg(linkage, line, trunk);
    return linkage;
  }

  /** Preferred trunk, unless it is known down and the fallback is not. */
  private firstTrunk(line: PartnerDirectoryEntry): TrunkName {
    const status = this.trunks.snapshot();
    const down = (t: TrunkName) => status[`trunk-${t}`]?.status === 'down';
    if (line.fallbackTrunk && down(line.preferredTrunk) && !down(line.fallbackTrunk)) return line.fallbackTrunk;
    return line.preferredTrunk;
  }

  private async dialLeg(l: Linkage, line: PartnerDirectoryEntry, trunk: TrunkName): Promise<void> {
    const legId = `${l.callId}-lkleg${++this.seq}`;
    if (l.legId) this.byLeg.delete(l.legId);
    l.legId = legId;
    l.trunk = trunk;
    l.trunksTried.push(trunk);
    l.legDialledAt = this.clock.now();
    this.byLeg.set(legId, l);
    const dialled = this.telephony.dial({
      channelId: legId,
      endpoint: trunkEndpoint(l.number, trunk),
      callerNumber: this.settings.presentedNumber,
      timeoutSeconds: line.ringTimeoutS,
      appArgs: ['linkage', l.id],
      role: 'partner',
      owner: l.callId,
    });
    this.dialling.set(legId, dialled.catch(() => undefined));
    try {
      await dialled;
    } catch (err) {
      this.log.warn({ callId: l.callId, partner: l.partner, trunk, err: (err as Error).message }, 'partner leg could not be placed');
      this.legFailed(l, legId, true);
    } finally {
      this.dialling.delete(legId);
    }
  }

  /** Hangs up a partner leg, after its originate has returned if it is still on its way (or the leg would ring on). */
  private hangupLeg(legId: string): void {
    const pending = this.dialling.get(legId) ?? Promise.resolve();
    void pending.then(() => this.telephony.hangup(legId)).catch((err: Error) => this.log.warn({ legId, err: err.message }, 'partner leg could not be hung up'));
  }

  /** The partner answered: into the call's bridge, three parties. */
  async startLeg(channel: ChannelInfo): Promise<void> {
    const l = this.byLeg.get(channel.id);
    if (!l || l.phase !== 'ringing' || l.legId !== channel.id) {
      await this.telephony.hangup(channel.id).catch(() => undefined);
      return;
    }
    l.phase = 'connected';
    l.answeredAt = this.clock.now();
    try {
      await this.telephony.addToBridge(l.bridgeId, [channel.id]);
    } catch (err) {
      this.log.error({ callId: l.callId, err: (err as Error).message }, 'partner could not join the call');
      await this.telephony.hangup(channel.id).catch(() => undefined);
      return;
    }
    this.log.info({ callId: l.callId, partner: l.partner, trunk: l.trunk }, 'partner answered; three-way');
    this.events.publish({ type: 'linkage.answered', at: l.answeredAt, callId: l.callId, linkageId: l.id, agentId: l.agentId, partner: l.partner, trunk: l.trunk });
    if (l.autoHandOff) await this.handOff(l.agentId).catch((err: Error) => this.log.warn({ callId: l.callId, err: err.message }, 'automatic hand-off failed; the agent stays'));
  }

  /** StasisExtension: the partner leg entered Stasis on answer. */
  start(channel: ChannelInfo): Promise<void> {
    return this.startLeg(channel);
  }

  /** The agent leaves caller and partner talking (hand-off); the agent is free. */
  async handOff(agentId: string): Promise<Linkage> {
    const l = this.ofAgent(agentId);
    if (l.phase !== 'connected') throw new CtiError('CTI_ERR_INVALID_STATE', `linkage is ${l.phase}; the partner must have answered`, { phase: l.phase });
    const session = this.calls.handOff(l.callId);
    if (!session) throw new CtiError('CTI_ERR_NO_SUCH_CALL', 'the call ended', { callId: l.callId });
    l.phase = 'handed_off';
    l.agentLeftAt = this.clock.now();
    await this.telephony.removeFromBridge(l.bridgeId, [l.agentLeg]).catch(() => undefined);
    await this.telephony.hangup(l.agentLeg).catch(() => undefined);
    this.events.publish({ type: 'linkage.handed_off', at: l.agentLeftAt, callId: l.callId, linkageId: l.id, agentId, partner: l.partner });
    return l;
  }

  /** The agent stops a ringing linkage, or drops the partner from a three-way call. */
  async cancel(agentId: string): Promise<void> {
    const l = this.ofAgent(agentId);
    if (l.phase === 'handed_off') throw new CtiError('CTI_ERR_INVALID_STATE', 'the call was handed off', {});
    this.finish(l, l.phase === 'ringing' ? 'cancelled' : 'answered');
  }

  private ofAgent(agentId: string): Linkage {
    const call = this.calls.findCallByAgent(agentId);
    const l = call && this.byCall.get(call.callId);
    if (!l || l.agentId !== agentId) throw new CtiError('CTI_ERR_NO_SUCH_CALL', `agent ${agentId} has no linkage in progress`, { agentId });
    return l;
  }

  channelGone(channelId: string, cause?: number): void {
    const byLeg = this.byLeg.get(channelId);
    if (byLeg) {
      if (byLeg.phase === 'ringing') this.legFailed(byLeg, channelId, cause !== undefined && TRUNK_FAILURE_CAUSES.has(cause), cause);
      else this.finish(byLeg, 'answered');
      return;
    }
    const byCall = this.byCall.get(channelId);
    if (byCall) this.finish(byCall, byCall.phase === 'ringing' ? 'cancelled' : 'answered');
  }

  /** A ringing leg ended without answer: the other trunk when it failed on the trunk, else the agent is told. */
  private legFailed(l: Linkage, legId: string, trunkFailure: boolean, cause?: number): void {
    if (l.legId !== legId || l.phase !== 'ringing' || !this.byCall.has(l.callId)) return;
    const line = l.line;
    const other = l.trunk === line.preferredTrunk ? line.fallbackTrunk : line.preferredTrunk;
    if (trunkFailure && other && !l.trunksTried.includes(other)) {
      this.log.warn({ callId: l.callId, partner: l.partner, trunk: l.trunk, cause }, 'partner leg failed on the trunk; trying the other trunk');
      this.events.publish({ type: 'linkage.trunk_fallback', at: this.clock.now(), callId: l.callId, linkageId: l.id, agentId: l.agentId, partner: l.partner, from: l.trunk, to: other, cause: cause ?? null });
      void this.dialLeg(l, line, other);
      return;
    }
    this.finish(l, trunkFailure ? 'failed' : 'no_answer', cause);
  }

  private finish(l: Linkage, result: LinkageResult, cause?: number): void {
    if (this.byCall.get(l.callId) !== l) return;
    this.byCall.delete(l.callId);
    this.byLeg.delete(l.legId);
    const now = this.clock.now();
    this.hangupLeg(l.legId);
    if (l.phase === 'handed_off') {
      // Nobody else owns the call any more: the caller and the bridge end with the linkage.
      void this.telephony.hangup(l.callId).catch(() => undefined);
      void this.telephony.destroyBridge(l.bridgeId).catch(() => undefined);
    }
    const record: LinkageRecord = {
      id: l.id,
      linkedId: l.callId,
      partner: l.partner,
      number: l.number,
      mode: l.mode,
      agentId: l.agentId,
      trunk: l.trunk,
      dialledAt: l.dialledAt,
      ...(l.answeredAt !== undefined && { answeredAt: l.answeredAt }),
      ...(l.agentLeftAt !== undefined && { agentLeftAt: l.agentLeftAt }),
      endedAt: now,
      result,
    };
    this.log.info({ callId: l.callId, partner: l.partner, result, trunk: l.trunk, cause }, 'linkage ended');
    if (result === 'no_answer' || result === 'failed') {
      this.events.publish({ type: 'linkage.failed', at: now, callId: l.callId, linkageId: l.id, agentId: l.agentId, partner: l.partner, result, trunk: l.trunk, nextNumberIndex: this.nextIndex(l) });
    }
    this.events.publish({ type: 'linkage.ended', at: now, callId: l.callId, linkageId: l.id, agentId: l.agentId, partner: l.partner, result });
    void this.sink.publish(record);
  }

  private nextIndex(l: Linkage): number | null {
    const numbers = l.line.numbers;
    const i = numbers.indexOf(l.number);
    return i >= 0 && i + 1 < numbers.length ? i + 1 : null;
  }
}
