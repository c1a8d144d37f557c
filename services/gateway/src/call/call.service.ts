import type { AcdEngine, Clock, Language, TrunkName } from '@cti/domain';
import type { ChannelInfo, TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallRecordSink } from './call-record.sink.js';
import type { CallSession } from './call-session.js';
import { CallAdmission } from './call-admission.service.js';
import { CallChanges } from './call.changes.js';
import { CallConnection } from './call-connection.service.js';
import { CallEnding } from './call-ending.service.js';
import { CallHandover } from './call-handover.service.js';
import { CallReconcile } from './call-reconcile.service.js';
import { CallRegistry, type CallRegistrySnapshot } from './call.registry.js';
import { CallRouting } from './call-routing.service.js';
import { AsteriskCallTelephony } from './call-telephony.adapter.js';
import { noLanguageMemory, type CallerWaitSettings, type LanguageMemory } from './caller-wait.js';
import { CallerWaitService } from './caller-wait.service.js';
import { OrphanBridgeWatch } from './orphan-bridge.watch.js';
import type { OutboundWork } from './outbound-work.port.js';

/** Settings the call logic needs. */
export interface CallServiceSettings {
  ringTimeoutSeconds: number;
  /** Dialplan context that queues a caller natively when the gateway cannot serve them. */
  fallbackContext: string;
  /** Dialplan context where a caller whose agent ended the call may rate it; absent = no rating (hung up). */
  ratingContext?: string;
  /** Pauses before each new try of a fallback request Asterisk did not carry out (default FALLBACK_RETRY_MS). */
  fallbackRetryMs?: readonly number[];
  /** Announcements, callback offer and surge; absent = none of them (silent hold music). */
  wait?: CallerWaitSettings;
}

/** What the call services are built from. */
export interface CallServiceDeps {
  telephony: TelephonyPort;
  acd: AcdEngine;
  sink: CallRecordSink;
  notifier: EventPublisher;
  clock: Clock;
  log: Logger;
  settings: CallServiceSettings;
  /** The live call state; built by the caller when something else (persistence) reads it too. */
  registry?: CallRegistry;
  languages?: LanguageMemory;
  /** The owner of callback work in the queue (the callback service); absent = inbound calls only, no callback offer. */
  outbound?: OutboundWork;
  /** The Asterisk sound name of a merged line's own greeting, by DID; absent = no line greetings. */
  lineGreeting?: (did: string) => string | undefined;
  /** Called after every change of calls or ACD state (persistence); absent = nothing. */
  onChange?: () => void;
}

/** The parts of the call logic, one job each (see createCallService). */
export interface CallServiceParts {
  registry: CallRegistry;
  admission: CallAdmission;
  wait: CallerWaitService;
  routing: CallRouting;
  connection: CallConnection;
  handover: CallHandover;
  ending: CallEnding;
  reconcile: CallReconcile;
}

/**
 * The life of inbound calls, as the Stasis handler, call control, the routes and main.ts see it: one front over the
 * parts that do the work (registry, admission, caller's wait, routing, connection, hand-over, ending, reconcile).
 * Every method is safe to call from an ARI event: failures are logged and the caller is sent back to the dialplan
 * fallback rather than stranded.
 */
export class CallService {
  constructor(private readonly parts: CallServiceParts) {}

  // ---- state ----

  /** Whether callers are being routed to seats (false from a restore until the reconcile that follows it, and during any reconcile). */
  isRouting(): boolean {
    return this.parts.routing.isRouting();
  }

  /** The state to persist. */
  snapshot(): CallRegistrySnapshot {
    return this.parts.registry.snapshot();
  }

  /** Restores persisted state (before the first ARI connection; reconcile() then checks it against Asterisk). */
  restore(snapshot: CallRegistrySnapshot): void {
    this.parts.routing.holdUntilReconciled();
    this.parts.registry.restore(snapshot);
  }

  /** Estimated wait in seconds for a caller at `position`, from recent answer times. */
  estimatedWait(position: number): number | undefined {
    return this.parts.wait.estimatedWait(position);
  }

  /** Live sessions (for the API and tests). */
  liveCalls(): CallSession[] {
    return this.parts.registry.all();
  }

  /** Finds a live session by call id. */
  findCall(callId: string): CallSession | undefined {
    return this.parts.registry.find(callId);
  }

  // ---- the port call control (services/gateway/src/control) uses; it never touches sessions otherwise ----

  /** The connected call an agent is talking on (their leg attached), if any. */
  findCallByAgent(agentId: string): CallSession | undefined {
    return this.parts.registry.findByAgent(agentId);
  }

  /** Notes the call's recording name, referenced from its call record. */
  noteRecording(callId: string, name: string): void {
    this.parts.registry.noteRecording(callId, name);
  }

  /** See CallHandover.releaseAgent. */
  releaseAgent(callId: string): { agentId: string; legId: string } | undefined {
    return this.parts.handover.releaseAgent(callId);
  }

  /** See CallHandover.attachAgentLeg. */
  attachAgentLeg(callId: string, agent: { agentId: string; seat: string; legId: string }): boolean {
    return this.parts.handover.attachAgentLeg(callId, agent);
  }

  /** See CallHandover.requeue. */
  requeue(callId: string, target: { requiredSkill?: string } = {}): Promise<boolean> {
    return this.parts.handover.requeue(callId, target);
  }

  /** See CallHandover.handOff. */
  handOff(callId: string): CallSession | undefined {
    return this.parts.handover.handOff(callId);
  }

  // ---- ARI events (through CallStasisHandler) ----

  /** A citizen's call entered the Stasis app from a trunk: answer, hold music, queue. */
  inbound(channel: ChannelInfo, trunk: TrunkName, did: string, adopted = false): Promise<void> {
    return this.parts.admission.inbound(channel, trunk, did, adopted);
  }

  /** The caller chose a language (DTMF 2 = Tibetan, 3 = Mandarin); remembered for their next call. */
  languageChosen(callId: string, language: Language): void {
    this.parts.admission.languageChosen(callId, language);
  }

  /** A playback ended: resume the hold music, or hang up after a farewell. */
  playbackFinished(playbackId: string, failed = false): void {
    this.parts.wait.playbackFinished(playbackId, failed);
  }

  /** The caller pressed 1 after the callback offer: hand their place to the callback service and say goodbye. */
  callbackRequested(callId: string): void {
    this.parts.wait.callbackRequested(callId);
  }

  /** An agent leg answered and entered Stasis: bridge it with the caller. */
  agentAnswered(legId: string, callId: string): Promise<void> {
    return this.parts.connection.agentAnswered(legId, callId);
  }

  /** A channel left Stasis or was destroyed (see CallConnection.channelGone). */
  channelGone(channelId: string, cause?: number, destroyFollows = false): void {
    this.parts.connection.channelGone(channelId, cause, destroyFollows);
  }

  /** After (re)connecting to ARI: make our view match Asterisk (see CallReconcile). */
  reconcile(): Promise<void> {
    return this.parts.reconcile.reconcile();
  }

  // ---- routing and timers ----

  /** Offers every call the ACD can match now to its agent's seat (held while restored state is being reconciled). */
  dispatch(): void {
    this.parts.routing.dispatch();
  }

  /** Wrap-up expiry and similar timers, language windows, announcements: once a second. */
  tick(): void {
    this.parts.routing.tick();
  }

  /** Publishes every record still waiting for a hang-up cause (at shutdown). */
  flushAwaitingCauses(): void {
    this.parts.ending.flushAwaitingCauses();
  }
}

/** Builds the call logic's parts in dependency order, each given what it uses, behind one CallService. */
export function createCallService(d: CallServiceDeps): CallService {
  const { acd, sink, notifier, clock, log, settings } = d;
  const registry = d.registry ?? new CallRegistry();
  const telephony = new AsteriskCallTelephony(d.telephony);
  const changes = new CallChanges(d.onChange ?? (() => undefined), log);
  const wait = new CallerWaitService(registry, telephony, acd, sink, notifier, changes, clock, log, {
    languages: d.languages ?? noLanguageMemory,
    ...(settings.wait && { wait: settings.wait }),
    ...(d.outbound && { outbound: d.outbound }),
    ...(d.lineGreeting && { lineGreeting: d.lineGreeting }),
  });
  const ending = new CallEnding(registry, telephony, acd, sink, notifier, clock, log, settings.fallbackContext, settings.ratingContext, settings.fallbackRetryMs);
  const routing = new CallRouting(registry, telephony, acd, wait, ending, notifier, changes, clock, log, {
    ringTimeoutSeconds: settings.ringTimeoutSeconds,
    ...(d.outbound && { outbound: d.outbound }),
  });
  const admission = new CallAdmission(registry, telephony, acd, routing, wait, ending, notifier, clock, log, settings.wait);
  const orphans = new OrphanBridgeWatch(telephony, log);
  const connection = new CallConnection(registry, telephony, acd, routing, ending, orphans, notifier, changes, clock, log);
  const handover = new CallHandover(registry, telephony, acd, routing, sink, notifier, changes, clock, log);
  const reconcile = new CallReconcile(registry, telephony, acd, routing, admission, wait, ending, orphans, log, d.outbound);
  return new CallService({ registry, admission, wait, routing, connection, handover, ending, reconcile });
}
