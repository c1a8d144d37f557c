import { randomUUID } from 'node:crypto';
import { CtiError, maskPhone, normalizeDialNumber, type AcdEngine, type Assignment, type Clock, type Language, type OutboundCallbackKind, type OutboundCallbackRecord, type OutboundCallbackResult, type TrunkName } from '@cti/domain';
import { seatEndpoint, trunkEndpoint, type ChannelInfo, type TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { OutboundWork, VirtualHoldRequest } from '../call/outbound-work.port.js';
import type { StasisExtension } from '../call/call.stasis.js';

/** One callback to a citizen moving through the queue and the two legs (agent first, then citizen). */
export interface CallbackJob {
  /** The ACD queue entry: the original call id for a virtual hold (keeps the place), `mc-…` for a missed call. */
  acdCallId: string;
  recordId: string;
  kind: OutboundCallbackKind;
  linkedId: string;
  taskId?: string;
  callerNumber: string;
  did: string;
  language: Language;
  requestedAt: number;
  phase: 'queued' | 'agent_ringing' | 'citizen_ringing' | 'connected';
  agentId?: string;
  seat?: string;
  agentLeg?: string;
  citizenLeg?: string;
  trunk?: TrunkName;
  dialledAt?: number;
  answeredAt?: number;
  bridgeId?: string;
  /** The agent who placed it from their desk (click-to-dial): only their seat rings, and the call is never queued. */
  placedBy?: string;
  /** The citizen's number as the dial policy allowed it when the agent placed the call (checked before their seat rang). */
  digits?: string;
}

/** What an agent dials from their desk: a missed-call task (漏接回拨), or a ticket's result callback (回访). */
export type DeskDial = { kind: 'missed_call'; taskId: string } | { kind: 'ticket_callback'; ticketId: string; callerNumber: string };

/** Where callback outcomes go (a durable publisher to the worker). */
export interface CallbackResultSink {
  publish(record: OutboundCallbackRecord): Promise<void>;
}

/** Missed-call tasks to work (CallbackTaskRepository fits). */
export interface MissedCallTaskSource {
  claimNext(): Promise<{ id: string; caller_number: string; linked_id: string; created_at: Date } | undefined>;
  /** Claims one given open task (an agent clicked it); undefined when it is not open any more. */
  claim(taskId: string): Promise<{ id: string; caller_number: string; linked_id: string; created_at: Date } | undefined>;
  release(taskId: string): Promise<void>;
}

/** Settings of outbound callbacks. */
export interface OutboundCallbackSettings {
  ringTimeoutSeconds: number;
  /** Seconds the citizen's phone rings. */
  citizenRingSeconds: number;
  /** Prefix dialled before the citizen's number on the trunks. */
  outboundPrefix: string;
  /** Number presented to the citizen (the hotline). */
  presentedNumber: string;
  /** Skill an agent needs for missed-call callbacks. */
  callbackSkill: string;
  /** Whether a trunk is believed up (AMI qualify); a trunk known down is skipped. Defaults to always up. */
  isTrunkUp?: (trunk: TrunkName) => boolean;
  /** Dial policy and audit of the citizen's number (OutsideDialGuard fits); without it, digits-only normalisation alone. */
  dialGuard?: { authorize(r: { purpose: 'callback'; number: string; actorRole: string; actorId: string | null; callId?: string }): Promise<string> };
}

/** Asks the routing loop to offer waiting work to free agents now (after a callback was queued or freed an agent). */
export interface RoutingTrigger {
  dispatch(): void;
}

/** Who placed a desk dial (for the dial policy's audit). */
export interface DeskDialActor {
  role: string;
  id: string | null;
}

/**
 * Calls citizens back: a waiting caller who pressed 1 keeps their place in the queue (virtual hold), and
 * missed-call tasks are worked by agents with the callback skill when no citizen is waiting. When the queue
 * reaches the job, the agent's seat rings first; once the agent answers, the citizen is dialled over the
 * primary trunk, then the backup trunk if the primary fails; both are bridged when the citizen answers.
 */
export class OutboundCallbackService implements OutboundWork, StasisExtension {
  readonly kinds = ['cb-agent', 'cb-citizen'] as const;
  private readonly jobs = new Map<string, CallbackJob>();
  /** Leg channel id → ACD call id of its job. */
  private readonly legs = new Map<string, string>();
  private legSeq = 0;
  private polling = false;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly acd: AcdEngine,
    private readonly results: CallbackResultSink,
    private readonly tasks: MissedCallTaskSource,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: OutboundCallbackSettings,
    /** The routing loop, which hands callback work back through assigned(). */
    private readonly routing: RoutingTrigger,
  ) {}

  /** Callback jobs not finished yet (for the API and persistence). */
  list(): CallbackJob[] {
    return [...this.jobs.values()];
  }

  /** Restores persisted jobs. */
  restore(jobs: CallbackJob[]): void {
    for (const j of jobs) {
      this.jobs.set(j.acdCallId, { ...j });
      if (j.agentLeg) this.legs.set(j.agentLeg, j.acdCallId);
      if (j.citizenLeg) this.legs.set(j.citizenLeg, j.acdCallId);
    }
  }

  owns(callId: string): boolean {
    return this.jobs.has(callId) || this.legs.has(callId);
  }

  takeVirtualHold(r: VirtualHoldRequest): void {
    this.jobs.set(r.callId, {
      acdCallId: r.callId,
      recordId: `vh-${r.callId}`,
      kind: 'virtual_hold',
      linkedId: r.callId,
      callerNumber: r.callerNumber,
      did: r.did,
      language: r.language,
      requestedAt: r.requestedAt,
      phase: 'queued',
    });
    this.events.publish({ type: 'callback.queued', at: this.clock.now(), kind: 'virtual_hold', callId: r.callId });
  }

  /**
   * When no citizen waits and an agent with the callback skill is ready, claims one missed-call task and queues it
   * (lowest priority, callback skill required). Returns whether a task was queued.
   */
  async pollMissedCalls(): Promise<boolean> {
    if (this.polling || this.acd.waitingCount() > 0) return false;
    if ([...this.jobs.values()].some((j) => j.kind === 'missed_call' && j.phase === 'queued')) return false;
    const skill = this.settings.callbackSkill;
    if (!this.acd.agents().some((a) => a.state === 'ready' && (a.skills[skill] ?? 0) > 0)) return false;
    this.polling = true;
    try {
      const task = await this.tasks.claimNext();
      if (!task) return false;
      const acdCallId = `mc-${task.id}-${randomUUID().slice(0, 8)}`;
      this.jobs.set(acdCallId, {
        acdCallId,
        recordId: acdCallId,
        kind: 'missed_call',
        linkedId: task.linked_id,
        taskId: task.id,
        callerNumber: task.caller_number,
        did: this.settings.presentedNumber,
        language: 'mandarin',
        requestedAt: task.created_at.getTime(),
        phase: 'queued',
      });
      // Inbound citizens always come first: the task needs the callback skill and has the lowest priority.
      this.acd.enqueue({ callId: acdCallId, line: 'callback', language: 'mandarin', requiredSkill: skill, priority: -1000 });
      this.events.publish({ type: 'callback.queued', at: this.clock.now(), kind: 'missed_call', taskId: task.id });
      this.routing.dispatch();
      return true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'missed-call tasks unavailable');
      return false;
    } finally {
      this.polling = false;
    }
  }

  /**
   * Click-to-dial: the agent calls a citizen back from their desk. The dial policy decides before anything rings
   * (CtiError: 400/403/429 with the reason); the agent's seat rings first, and once they answer the citizen is dialled
   * as for any callback. A missed-call task is claimed for it (CTI_ERR_CONFLICT when another agent has it); a seat
   * that does not answer puts the task back.
   */
  async dialFor(agentId: string, d: DeskDial, actor: DeskDialActor): Promise<CallbackJob> {
    const task = d.kind === 'missed_call' ? await this.tasks.claim(d.taskId) : undefined;
    if (d.kind === 'missed_call' && !task) throw new CtiError('CTI_ERR_CONFLICT', `missed-call task ${d.taskId} is not open: another agent is calling back, or it is done`, { taskId: d.taskId });
    const callerNumber = task ? task.caller_number : (d as { callerNumber: string }).callerNumber;
    const linkedId = task ? task.linked_id : `ticket-${(d as { ticketId: string }).ticketId}`;
    try {
      const digits = this.settings.dialGuard
        ? await this.settings.dialGuard.authorize({ purpose: 'callback', number: callerNumber, actorRole: actor.role, actorId: actor.id, callId: linkedId })
        : normalizeDialNumber(callerNumber);
      if (digits === undefined) throw new CtiError('CTI_ERR_VALIDATION', 'the citizen’s number is not a number that can be dialled', {});
      const acdCallId = task ? `mc-${task.id}-${randomUUID().slice(0, 8)}` : `tc-${(d as { ticketId: string }).ticketId}-${randomUUID().slice(0, 8)}`;
      const assignment = this.acd.reserveFor(agentId, { callId: acdCallId, line: 'callback', language: 'mandarin' });
      const job: CallbackJob = {
        acdCallId,
        recordId: acdCallId,
        kind: d.kind,
        linkedId,
        ...(task && { taskId: task.id }),
        callerNumber,
        did: this.settings.presentedNumber,
        language: 'mandarin',
        requestedAt: this.clock.now(),
        phase: 'queued',
        placedBy: agentId,
        digits,
      };
      this.jobs.set(acdCallId, job);
      this.log.info({ callbackId: acdCallId, kind: d.kind, agentId, caller: maskPhone(callerNumber) }, 'agent dials a citizen from the desk');
      this.assigned(assignment);
      return job;
    } catch (err) {
      if (task) await this.tasks.release(task.id).catch(() => undefined);
      throw err;
    }
  }

  assigned(a: Assignment): void {
    const job = this.jobs.get(a.callId);
    if (!job || job.phase !== 'queued') {
      this.acd.removeCall(a.callId);
      return;
    }
    const leg = `${a.callId}-cba${++this.legSeq}`;
    job.phase = 'agent_ringing';
    job.agentId = a.agentId;
    job.seat = a.seat;
    job.agentLeg = leg;
    this.legs.set(leg, job.acdCallId);
    this.events.publish({ type: 'call.offered', at: this.clock.now(), callId: job.acdCallId, agentId: a.agentId, seat: a.seat, caller: maskPhone(job.callerNumber), language: job.language, line: job.did, callback: job.kind });
    this.telephony
      .dial({ channelId: leg, endpoint: seatEndpoint(a.seat), callerNumber: job.callerNumber, timeoutSeconds: this.settings.ringTimeoutSeconds, appArgs: ['cb-agent', job.acdCallId], role: 'callback-seat', owner: job.acdCallId })
      .catch((err: Error) => {
        this.log.warn({ callbackId: job.recordId, seat: a.seat, err: err.message }, 'seat could not be dialled for a callback');
        this.channelGone(leg);
      });
  }

  start(channel: ChannelInfo): void | Promise<void> {
    const [kind, acdCallId] = channel.args;
    const job = acdCallId ? this.jobs.get(acdCallId) : undefined;
    if (!job) return this.telephony.hangup(channel.id).catch(() => undefined);
    if (kind === 'cb-agent' && job.phase === 'agent_ringing' && job.agentLeg === channel.id) return this.agentAnswered(job);
    if (kind === 'cb-citizen' && job.phase === 'citizen_ringing' && job.citizenLeg === channel.id) return this.citizenAnswered(job);
    return this.telephony.hangup(channel.id).catch(() => undefined);
  }

  private async agentAnswered(job: CallbackJob): Promise<void> {
    this.acd.connected(job.agentId as string, job.acdCallId);
    job.phase = 'citizen_ringing';
    job.dialledAt = this.clock.now();
    await this.telephony.startMoh(job.agentLeg as string).catch(() => undefined);
    // The primary trunk first, unless it is known to be down; the backup when the primary fails the leg.
    const primaryUp = this.settings.isTrunkUp?.('primary') ?? true;
    await this.dialCitizen(job, primaryUp ? 'primary' : 'backup');
  }

  /** The citizen's number as digits the dial policy allows, or undefined when refused (audited by the guard). */
  private async citizenDigits(job: CallbackJob): Promise<string | undefined> {
    if (job.digits !== undefined) return job.digits;
    if (!this.settings.dialGuard) return normalizeDialNumber(job.callerNumber);
    return this.settings.dialGuard
      .authorize({ purpose: 'callback', number: job.callerNumber, actorRole: 'system', actorId: job.agentId ?? null, callId: job.linkedId })
      .catch(() => undefined);
  }

  private async dialCitizen(job: CallbackJob, trunk: TrunkName): Promise<void> {
    const digits = await this.citizenDigits(job);
    // The agent may have hung up while the policy was checked: the job is finished and nobody is to be dialled.
    if (this.jobs.get(job.acdCallId) !== job || job.phase !== 'citizen_ringing') return;
    if (digits === undefined) {
      this.log.warn({ callbackId: job.recordId, caller: maskPhone(job.callerNumber) }, 'callback number refused by the dial policy');
      return this.finish(job, 'cancelled');
    }
    const leg = `${job.acdCallId}-cbc${++this.legSeq}`;
    job.citizenLeg = leg;
    job.trunk = trunk;
    this.legs.set(leg, job.acdCallId);
    this.log.info({ callbackId: job.recordId, trunk, caller: maskPhone(job.callerNumber) }, 'calling the citizen back');
    try {
      await this.telephony.dial({
        channelId: leg,
        endpoint: trunkEndpoint(`${this.settings.outboundPrefix}${digits}`, trunk),
        callerNumber: this.settings.presentedNumber,
        timeoutSeconds: this.settings.citizenRingSeconds,
        appArgs: ['cb-citizen', job.acdCallId],
        role: 'callback-citizen',
        owner: job.acdCallId,
      });
    } catch (err) {
      this.log.warn({ callbackId: job.recordId, trunk, err: (err as Error).message }, 'citizen leg could not be placed');
      this.channelGone(leg);
    }
  }

  private async citizenAnswered(job: CallbackJob): Promise<void> {
    job.phase = 'connected';
    job.answeredAt = this.clock.now();
    job.bridgeId = `bridge-${job.recordId}`;
    await this.telephony.stopMoh(job.agentLeg as string).catch(() => undefined);
    try {
      await this.telephony.bridge(job.bridgeId, [job.agentLeg as string, job.citizenLeg as string]);
      this.events.publish({ type: 'callback.connected', at: this.clock.now(), callId: job.acdCallId, callbackId: job.recordId, agentId: job.agentId, trunk: job.trunk });
    } catch (err) {
      this.log.error({ callbackId: job.recordId, err: (err as Error).message }, 'callback bridge failed');
      this.finish(job, 'cancelled');
    }
  }

  channelGone(channelId: string): void {
    const acdCallId = this.legs.get(channelId);
    if (acdCallId === undefined) return;
    this.legs.delete(channelId);
    const job = this.jobs.get(acdCallId);
    if (!job) return;
    if (channelId === job.agentLeg) {
      if (job.phase === 'agent_ringing' && job.placedBy !== undefined) {
        // The agent's own call and their seat did not answer (they rejected it): nothing to queue; a task goes back.
        this.finish(job, 'agent_unavailable');
      } else if (job.phase === 'agent_ringing') {
        // The seat did not answer: back to the queue at the same place, like an inbound call.
        job.phase = 'queued';
        job.agentLeg = undefined;
        this.acd.ringNoAnswer(job.agentId as string, job.acdCallId);
        this.routing.dispatch();
      } else {
        this.finish(job, job.phase === 'connected' ? 'reached' : 'cancelled');
      }
    } else if (channelId === job.citizenLeg) {
      if (job.phase === 'citizen_ringing') {
        if (job.trunk === 'primary') {
          void this.dialCitizen(job, 'backup');
        } else {
          this.finish(job, 'unreachable');
        }
      } else if (job.phase === 'connected') {
        this.finish(job, 'reached');
      }
    }
  }

  private finish(job: CallbackJob, result: OutboundCallbackResult): void {
    if (!this.jobs.delete(job.acdCallId)) return;
    const hadAgent = job.phase === 'citizen_ringing' || job.phase === 'connected';
    if (hadAgent) {
      try {
        this.acd.callEnded(job.agentId as string, job.acdCallId);
      } catch (err) {
        this.log.warn({ callbackId: job.recordId, err: (err as Error).message }, 'ACD did not know the callback');
      }
    } else {
      this.acd.removeCall(job.acdCallId);
    }
    for (const leg of [job.agentLeg, job.citizenLeg]) {
      if (!leg) continue;
      this.legs.delete(leg);
      void this.telephony.hangup(leg).catch(() => undefined);
    }
    if (job.bridgeId) void this.telephony.destroyBridge(job.bridgeId).catch(() => undefined);
    const record: OutboundCallbackRecord = {
      id: job.recordId,
      kind: job.kind,
      linkedId: job.linkedId,
      ...(job.taskId !== undefined && { taskId: job.taskId }),
      callerNumber: job.callerNumber,
      requestedAt: job.requestedAt,
      ...(job.agentId !== undefined && { agentId: job.agentId }),
      ...(job.dialledAt !== undefined && { dialledAt: job.dialledAt }),
      ...(job.answeredAt !== undefined && { answeredAt: job.answeredAt }),
      endedAt: this.clock.now(),
      ...(job.trunk !== undefined && { trunk: job.trunk }),
      result,
    };
    this.log.info({ callbackId: job.recordId, kind: job.kind, result, trunk: job.trunk }, 'callback finished');
    // callId: the id the offer carried (call.offered), so the desk knows which of its calls ended.
    this.events.publish({ type: 'callback.ended', at: this.clock.now(), callId: job.acdCallId, callbackId: job.recordId, kind: job.kind, result, agentId: job.agentId });
    void this.results.publish(record);
    this.routing.dispatch();
  }
}
