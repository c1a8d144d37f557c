import type { GatewayEvent } from '../events/event-bus.js';
import type { AgentStateChange, KpiWrite } from '@cti/db';

/** Where agent state changes and rings are stored (AgentStateRepository fits). */
export interface KpiEventStore {
  /** Many writes at once, with the result of applying them in order. */
  recordBatch(writes: readonly KpiWrite[]): Promise<void>;
  recordChange(change: AgentStateChange): Promise<void>;
  recordOffer(callId: string, agentId: string, at: number): Promise<void>;
  resolveOffer(callId: string, agentId: string, answered: boolean, at: number): Promise<void>;
}

/** When an agent's current ACD state began, if the ACD knows (more exact than the event's publish time). */
export type StateSince = (agentId: string, state: string) => number | undefined;

type Queued = { write: KpiWrite; event: GatewayEvent } | { task: () => Promise<unknown>; onError: (err: unknown) => void };

/** Most writes stored in one batch. */
const MAX_BATCH = 500;

/**
 * Persists the live events the KPI engine needs and the call records lack: agent state intervals (`agent.state`)
 * and each ring at an agent (`call.offered` → `call.connected` | `call.ring_no_answer`).
 * Writes are stored in event order, one batch at a time: a batch takes what arrived within `lingerMs` of its first
 * write, and whatever arrives while it is being stored goes into the next one (a few statements per batch instead of
 * about 14 per call). A failed batch is
 * retried write by write, so a bad write is reported and skipped alone, never allowed to stall the ones behind it
 * or the call path; an interval is never closed before it was opened.
 */
export class KpiEventRecorder {
  private readonly queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private inFlight = 0;

  constructor(
    private readonly store: KpiEventStore,
    private readonly onError: (err: unknown, event: GatewayEvent) => void,
    private readonly stateSince: StateSince = () => undefined,
    /**
     * How long the first write waits for company before its batch is stored (the facts are for reports, not calls).
     * 250 ms: at 100 calls/s a batch holds ~125 writes, four statements and a commit, four times a second; each
     * statement's round trip cost the gateway more CPU than building it.
     */
    private readonly lingerMs = 250,
  ) {}

  /** Bus subscriber. */
  readonly handle = (e: GatewayEvent): void => {
    const write = this.toWrite(e);
    if (!write) return;
    this.queue.push({ write, event: e });
    this.kick();
  };

  /** Queues a write of the caller's own behind the event writes (e.g. tidying intervals at start). */
  run(task: () => Promise<unknown>, onError: (err: unknown) => void): void {
    this.queue.push({ task, onError });
    this.kick();
  }

  /** Writes queued but not yet done (for metrics and tests). */
  backlog(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves once every write queued so far is done. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length) this.kick();
    });
  }

  private async flush(): Promise<void> {
    if (this.lingerMs > 0) await new Promise((r) => setTimeout(r, this.lingerMs));
    while (this.queue.length) {
      const head = this.queue[0] as Queued;
      if ('task' in head) {
        this.queue.shift();
        this.inFlight = 1;
        await head.task().then(() => undefined, head.onError);
        this.inFlight = 0;
        continue;
      }
      let n = 0;
      while (n < this.queue.length && n < MAX_BATCH && 'write' in (this.queue[n] as Queued)) n++;
      const batch = this.queue.splice(0, n) as Array<{ write: KpiWrite; event: GatewayEvent }>;
      this.inFlight = batch.length;
      try {
        await this.store.recordBatch(batch.map((b) => b.write));
      } catch (err) {
        if (batch.length === 1) this.onError(err, (batch[0] as { event: GatewayEvent }).event);
        else for (const b of batch) await this.one(b.write).catch((e) => this.onError(e, b.event));
      }
      this.inFlight = 0;
    }
  }

  private one(w: KpiWrite): Promise<void> {
    if (w.kind === 'state') return this.store.recordChange(w.change);
    if (w.kind === 'offer') return this.store.recordOffer(w.callId, w.agentId, w.at);
    return this.store.resolveOffer(w.callId, w.agentId, w.answered, w.at);
  }

  private toWrite(e: GatewayEvent): KpiWrite | undefined {
    switch (e.type) {
      case 'agent.state': {
        const { agentId, seat, to, reason } = e;
        const since = this.stateSince(agentId, to);
        const at = since !== undefined && since <= e.at ? since : e.at;
        return { kind: 'state', change: { agentId, seat, to, ...(reason !== undefined && { reason }), at } };
      }
      case 'call.offered':
        return { kind: 'offer', callId: e.callId, agentId: e.agentId, at: e.at };
      case 'call.connected':
        return { kind: 'resolve', callId: e.callId, agentId: e.agentId, answered: true, at: e.at };
      case 'call.ring_no_answer':
        return { kind: 'resolve', callId: e.callId, agentId: e.agentId, answered: false, at: e.at };
      default:
        return undefined;
    }
  }
}
