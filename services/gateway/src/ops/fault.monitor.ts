import { ops } from '@cti/domain';
import type { EventPublisher, GatewayEvent } from '../events/event-bus.js';

/** Where detected incidents go (IncidentRepository fits). */
export interface DetectedIncidentStore {
  /** Stores a new incident; idempotent by id. Throws CTI_ERR_CONFLICT when its condition already has an open one. */
  open(i: ops.Incident): Promise<boolean>;
  /** Resolves the open detected incident of a condition; undefined when none was open. */
  resolveCondition(condition: string, resolvedAt: number, note: string | null): Promise<ops.Incident | undefined>;
  listOpenDetected(): Promise<ops.Incident[]>;
}

/** Live state the detector samples; each answers at once from memory. */
export interface FaultProbes {
  ari(): boolean;
  ami(): boolean;
  trunks(): Record<string, { status: string }>;
  /** Local record spools (near their bound, records held in memory, records lost); absent = not watched. */
  spools?(): readonly ops.SpoolSignal[];
}

/** The slice of pino the monitor logs to. */
export interface MonitorLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface FaultMonitorSettings {
  rules: ops.DetectionRules;
  intake: ops.IntakeWatchSettings;
}

type Pending = { type: 'open'; incident: ops.Incident } | { type: 'resolve'; condition: string; resolvedAt: number };

/**
 * Turns what the gateway sees (ARI/AMI connection, trunk status, call outcomes) into incidents through
 * the pure FaultDetector. Writes go through an ordered in-memory outbox: while PostgreSQL is away they
 * wait and are retried, and nothing here ever blocks or throws into call handling.
 */
export class FaultMonitor {
  private readonly detector: ops.FaultDetector;
  private readonly intake: ops.IntakeWatch;
  private readonly takeoverLevel: ops.FaultLevel | undefined;
  private readonly outbox: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private adopted = false;
  /** Detection waits for the first adoption attempt, so a left-open incident is taken over before it is judged. */
  private adoptionTried = false;
  private timer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly store: DetectedIncidentStore,
    private readonly probes: FaultProbes,
    settings: FaultMonitorSettings,
    private readonly bus: EventPublisher,
    private readonly now: () => number,
    private readonly newId: () => string,
    private readonly log: MonitorLog,
  ) {
    this.detector = new ops.FaultDetector(settings.rules);
    this.intake = new ops.IntakeWatch(settings.intake);
    this.takeoverLevel = settings.rules.levels.gateway_takeover;
  }

  /**
   * A standby took over from an active gateway that died or froze (docs/domain.md §20): an incident of kind
   * `gateway_takeover` (its own condition per epoch) is opened and resolved at once, from when the old active was lost
   * to when this one serves, so the console, the wallboard's alerts and the yearly fault time show it. A planned
   * switchover (the old one released the lease) is no incident and is not reported here.
   */
  recordTakeover(t: { epoch: number; detected: 'heartbeat' | 'lease-expired'; from: string | null; lostAt: number; servingAt: number }): void {
    if (!this.takeoverLevel) return; // the kind is left out of CTI_OPS_FAULT_LEVELS
    const condition = `gateway_takeover:${t.epoch}`;
    const lostAt = Math.min(t.lostAt, t.servingAt);
    const incident = ops.openIncident({
      id: this.newId(), level: this.takeoverLevel, source: 'detected', condition,
      title: `Active gateway lost (${t.detected === 'heartbeat' ? 'process ended' : 'stopped renewing its lease'}); a standby took over as epoch ${t.epoch}`,
      detail: { kind: 'gateway_takeover', epoch: t.epoch, detected: t.detected, from: t.from, takeoverMs: t.servingAt - lostAt },
      startedAt: lostAt, openedAt: t.servingAt,
    });
    this.log.warn({ condition, level: this.takeoverLevel, from: t.from, takeoverMs: t.servingAt - lostAt }, 'gateway takeover: incident opened and resolved');
    this.outbox.push({ type: 'open', incident }, { type: 'resolve', condition, resolvedAt: t.servingAt });
    void this.flush();
  }

  /** Bus subscriber: call outcomes feed the intake check; status changes are evaluated at once. */
  readonly handle = (e: GatewayEvent): void => {
    if (e.type === 'call.ended') this.intake.record(e.outcome, e.at);
    if (e.type === 'trunk.status' || e.type === 'call.ended') this.tick();
  };

  /** Starts sampling every `everyMs`. */
  start(everyMs = 1_000): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), everyMs);
    this.timer.unref();
  }

  /** Stops sampling and gives pending writes one last chance. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Incident writes waiting for the database. */
  pendingWrites(): number {
    return this.outbox.length;
  }

  /** Samples the probes once, queues what the detector decides and flushes. */
  tick(): void {
    if (!this.adoptionTried) {
      void this.flush();
      return;
    }
    try {
      const trunks: Record<string, 'up' | 'down' | 'unknown'> = {};
      for (const [name, t] of Object.entries(this.probes.trunks())) trunks[name] = t.status === 'up' || t.status === 'down' ? t.status : 'unknown';
      const now = this.now();
      const signals: ops.FaultSignals = { ari: this.probes.ari(), ami: this.probes.ami(), trunks, intakeFailing: this.intake.failing(now), spools: this.probes.spools?.() };
      for (const a of this.detector.observe(ops.classifyFaults(signals), now)) {
        if (a.type === 'open') {
          const incident = ops.openIncident({
            id: this.newId(), level: a.level, source: 'detected', condition: a.condition, title: a.title,
            detail: { ...a.detail, kind: a.kind }, startedAt: a.startedAt, openedAt: a.openedAt,
          });
          this.log.warn({ condition: a.condition, level: a.level, startedAt: new Date(a.startedAt).toISOString() }, 'fault detected: incident opened');
          this.outbox.push({ type: 'open', incident });
        } else {
          this.log.info({ condition: a.condition, resolvedAt: new Date(a.resolvedAt).toISOString() }, 'fault recovered: incident resolved');
          this.outbox.push({ type: 'resolve', condition: a.condition, resolvedAt: a.resolvedAt });
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'fault detection failed');
    }
    void this.flush();
  }

  /** Writes queued incident changes in order; stops at the first failure and retries on the next tick. */
  flush(): Promise<void> {
    if (this.flushing) {
      // A drain is under way and may have passed the new entries: run once more after it.
      this.again ??= this.flushing.then(() => {
        this.again = undefined;
        return this.flush();
      });
      return this.again;
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      if (!this.adopted) {
        // Incidents left open by a previous gateway: resolved when their condition is found clear.
        try {
          this.detector.adopt((await this.store.listOpenDetected()).map((i) => ({ condition: i.condition ?? '', startedAt: i.startedAt })));
          this.adopted = true;
        } finally {
          this.adoptionTried = true;
        }
      }
      while (this.outbox.length) {
        const p = this.outbox[0]!;
        if (p.type === 'open') {
          try {
            if (await this.store.open(p.incident)) this.bus.publish({ type: 'ops.incident.opened', at: p.incident.openedAt, id: p.incident.id, level: p.incident.level, condition: p.incident.condition, title: p.incident.title });
          } catch (err) {
            // The condition already has an open incident (from before a restart): that one stands.
            if ((err as { code?: string }).code !== 'CTI_ERR_CONFLICT') throw err;
          }
        } else {
          const r = await this.store.resolveCondition(p.condition, p.resolvedAt, 'recovered (detected automatically)');
          if (r) this.bus.publish({ type: 'ops.incident.resolved', at: p.resolvedAt, id: r.id, level: r.level, condition: p.condition, recoveryMs: p.resolvedAt - r.startedAt });
        }
        this.outbox.shift();
      }
      if (this.lastError) this.log.info({ written: true }, 'incident store reachable again; pending incident writes done');
      this.lastError = undefined;
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log.warn({ err: msg, pending: this.outbox.length }, 'incident store unavailable; keeping incident changes in memory');
      this.lastError = msg;
    }
  }
}
