import type { Config } from '@cti/contracts';
import { BEIJING_OFFSET_MS, systemClock, type AcdEngine } from '@cti/domain';
import type { TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { AuditTrail } from '../agent/supervisor.routes.js';
import type { EventBus } from '../events/event-bus.js';
import type { StasisExtension } from '../call/call.stasis.js';
import type { DurablePublisherOptions, RecordQueue } from '../records/durable.publisher.js';
import type { RouteRegistry } from '../http/route.registry.js';
import { registerCallControlRoutes, type RecordingLookup } from './call-control.routes.js';
import { CallControlService, type CallControlSnapshot } from './call-control.service.js';
import { LinkageService, type LinkageSnapshot } from './linkage.service.js';
import { LinkagePublisher } from './linkage.publisher.js';
import { spoolLimitsFromConfig } from '../records/durable.publisher.js';
import { PartnerDirectory } from './partner.directory.js';
import { RecordingService } from './recording.service.js';
import { SUPERVISOR_RING_TIMEOUT_S, SupervisionService, type SupervisionSnapshot } from './supervision.service.js';
import type { ControlledCalls, TrunkStatusSource } from './control.ports.js';
import type { OutsideDialGuard } from './outside-dial.guard.js';

/** Call control's state in the gateway's saved state: what a gateway taking over needs to end it properly. */
export interface ControlSnapshot {
  linkages?: LinkageSnapshot;
  supervision?: SupervisionSnapshot;
  /** Holds and agent-to-agent transfers (absent in states saved before they were kept). */
  calls?: CallControlSnapshot;
}

/** What call control needs from the gateway's wiring. */
export interface CallControlWiringDeps {
  /** Partners, linkage spool, transfer prefix, ring time-outs and recordings. */
  config: Pick<
    Config,
    | 'CTI_PARTNERS_FILE'
    | 'CTI_PARTNER_RING_TIMEOUT_S'
    | 'CTI_SPOOL_DIR'
    | 'CTI_SPOOL_MAX_MB'
    | 'CTI_SPOOL_ALERT_RATIO'
    | 'CTI_SPOOL_MEMORY_RECORDS'
    | 'CTI_TRANSFER_PREFIX'
    | 'CTI_RING_TIMEOUT_S'
    | 'CTI_RECORD_CALLS'
    | 'CTI_RECORDINGS_DIR'
  >;
  telephony: TelephonyPort;
  calls: ControlledCalls;
  acd: AcdEngine;
  bus: EventBus;
  log: Logger;
  linkageQueue: RecordQueue;
  trunks: TrunkStatusSource;
  /** Which call a recording belongs to (CallRecordingRepository fits). */
  recordingLookup: RecordingLookup;
  /** Where recording reads and supervision are audited (AuditRepository fits). */
  audit: AuditTrail;
  /** Dial policy, per-agent limit and audit of outside numbers (shared with callbacks). */
  dialGuard: Pick<OutsideDialGuard, 'authorize'>;
  /** The call records' spool options (bound, replica acknowledgement); default: the configured bound alone. */
  spoolOptions?: DurablePublisherOptions;
}

/** Builds call control (services, Stasis extensions, routes) once, for main.ts. */
export function createCallControl(d: CallControlWiringDeps) {
  const { config, telephony, calls, bus, log } = d;
  const partners = PartnerDirectory.load(config.CTI_PARTNERS_FILE, config.CTI_PARTNER_RING_TIMEOUT_S);
  // The same spool bound, alert share and memory hold as the call records (config CTI_SPOOL_*).
  const linkagePublisher = new LinkagePublisher(d.linkageQueue, config.CTI_SPOOL_DIR, log, 2_000, d.spoolOptions ?? { limits: spoolLimitsFromConfig(config) });
  const linkages = new LinkageService(telephony, calls, partners, d.trunks, linkagePublisher, bus, systemClock, log, { presentedNumber: '12345', transferPrefix: config.CTI_TRANSFER_PREFIX, externalRingTimeoutS: config.CTI_PARTNER_RING_TIMEOUT_S });
  const control = new CallControlService(telephony, calls, d.acd, bus, systemClock, log, { ringTimeoutSeconds: config.CTI_RING_TIMEOUT_S });
  const recordings = new RecordingService(telephony, calls, systemClock, log, { enabled: config.CTI_RECORD_CALLS, directory: config.CTI_RECORDINGS_DIR, utcOffsetMinutes: BEIJING_OFFSET_MS / 60_000 }, bus);
  // The supervisor asked to listen and answers their own phone (the console's browser phone by itself): the agents'
  // ring-no-answer timeout is not the measure — a busy PC's browser took more than 5 s to set up its media (L41).
  const supervision = new SupervisionService(telephony, calls, bus, systemClock, log, { ringTimeoutSeconds: Math.max(config.CTI_RING_TIMEOUT_S, SUPERVISOR_RING_TIMEOUT_S) });
  const unsubscribe = [bus.subscribe((e) => recordings.onEvent(e)), bus.subscribe((e) => control.onEvent(e))];
  const extensions: StasisExtension[] = [control, linkages, supervision];
  return {
    extensions,
    /** Linkages and supervision sessions in progress, saved with the gateway's state (docs/domain.md §20). */
    snapshot: (): ControlSnapshot => ({ linkages: linkages.snapshot(), supervision: supervision.snapshot(), calls: control.snapshot() }),
    /** Carries them on after a restart or takeover; the extensions' reconcile() checks them against Asterisk. */
    restore(s: ControlSnapshot | undefined): void {
      linkages.restore(s?.linkages);
      control.restore(s?.calls);
      supervision.restore(s?.supervision);
    },
    /** The active gateway's duty: linkage records a crash left in the spool go to the worker. */
    startRedelivery: () => linkagePublisher.startRedelivery(),
    /** Hears how call recordings ended (ARI RecordingFinished / RecordingFailed). */
    recordings,
    feature: (routes: RouteRegistry) =>
      registerCallControlRoutes(routes, {
        calls,
        control,
        linkages,
        recordings,
        recordingLookup: d.recordingLookup,
        supervision,
        partners,
        audit: d.audit,
        dialGuard: d.dialGuard,
        now: systemClock.now,
        seatOf: (agentId) => d.acd.findAgent(agentId)?.seat,
      }),
    hasSpooled: () => linkagePublisher.hasSpooled(),
    /** The linkage spool's state, for the fault monitor and /metrics. */
    spoolStatus: () => linkagePublisher.status(),
    async stop(): Promise<void> {
      for (const u of unsubscribe) u();
      linkagePublisher.stop();
      await linkagePublisher.flush().catch(() => 0);
    },
  };
}
