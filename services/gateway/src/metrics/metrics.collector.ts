import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { CallOutcome } from '@cti/domain';
import type { GatewayEvent } from '../events/event-bus.js';
import type { MetricFamily, Sample } from './prometheus.text.js';

/** Job counts of one BullMQ queue and the age of its oldest waiting job. */
export interface QueueLag {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Age of the oldest waiting job in seconds; 0 when none waits. */
  oldestWaitingAgeSeconds: number;
}

/** One local record spool (records Redis could not take), as /metrics reports it. */
export interface RecordSpoolReading {
  name: string;
  /** Bytes on disk. */
  bytes: number;
  /** Records held in memory because the disk refused them. */
  heldInMemory: number;
  /** Records lost since start. */
  lostRecords: number;
  /** Failed spool writes since start. */
  writeFailures: number;
  /** Torn bytes dropped since start. */
  tornBytesDropped: number;
}

/** Live readings the collector samples at scrape time; each answers quickly and never throws. */
export interface MetricsProbes {
  /** Calls waiting (not yet reserved for an agent). */
  waitingCalls(): number;
  /** Longest current wait, seconds. */
  longestWaitSeconds(): number;
  /** Logged-in agents by ACD state. */
  agentsByState(): Record<string, number>;
  /** Trunk statuses by name. */
  trunks(): Record<string, { status: string }>;
  ari(): boolean;
  ami(): boolean;
  /** BullMQ queues; rejects when Redis is away. */
  queues(): Promise<QueueLag[]>;
  /** KPI event writes not yet stored. */
  kpiWriteBacklog(): number;
  /** Local record spools; absent = none reported. */
  recordSpools?(): readonly RecordSpoolReading[];
  /**
   * This active gateway's lease (docs/domain.md §20): its epoch, and 1 when it became active by taking over from
   * another holder (0 when it found the lease free); absent = not reported.
   */
  leadership?(): { epoch: number; takeovers: number };
}

const AGENT_STATES = ['ready', 'reserved', 'on_call', 'wrap_up', 'paused'];

/** The timer interval of the event-loop delay histogram (ms). */
const LOOP_RESOLUTION_MS = 20;

/**
 * Event-loop lag in seconds from a value of perf_hooks' delay histogram (ns). The histogram holds the time between two
 * runs of its timer, which fires every LOOP_RESOLUTION_MS: a free loop reads about 20 ms there. The lag is what is
 * beyond that, never below 0 (an empty histogram reads 0).
 */
export function loopLagSeconds(histogramNs: number, resolutionMs = LOOP_RESOLUTION_MS): number {
  return Math.max(0, histogramNs / 1e9 - resolutionMs / 1000);
}

/**
 * Counts call and failed-recording events from the bus (since this process started, as Prometheus counters do) and samples the live
 * state at scrape time: queue, agents, trunks, connections, job-queue lag and event-loop lag.
 */
export class MetricsCollector {
  private offered = 0;
  private answered = 0;
  private recordingsFailed = 0;
  private waitsDegraded = 0;
  private readonly fallbacks = { handed_over: 0, failed: 0 };
  private readonly ended = new Map<CallOutcome, number>([['answered', 0], ['abandoned', 0], ['failed', 0]]);
  private readonly loop: IntervalHistogram;

  constructor(private readonly probes: MetricsProbes) {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
  }

  /** Bus subscriber. */
  readonly handle = (e: GatewayEvent): void => {
    if (e.type === 'call.queued') this.offered++;
    else if (e.type === 'call.connected') this.answered++;
    else if (e.type === 'call.ended') this.ended.set(e.outcome, (this.ended.get(e.outcome) ?? 0) + 1);
    else if (e.type === 'recording.failed') this.recordingsFailed++;
    else if (e.type === 'call.wait_degraded') this.waitsDegraded++;
    else if (e.type === 'call.fallback') this.fallbacks[e.handedOver ? 'handed_over' : 'failed']++;
  };

  /** Stops the event-loop monitor. */
  stop(): void {
    this.loop.disable();
  }

  /** Every metric family, sampled now. */
  async collect(): Promise<MetricFamily[]> {
    const p = this.probes;
    const byState = p.agentsByState();
    const states = [...new Set([...AGENT_STATES, ...Object.keys(byState)])];
    let queues: QueueLag[] = [];
    let redisUp = 1;
    try {
      queues = await p.queues();
    } catch {
      redisUp = 0;
    }
    const q = (f: (x: QueueLag) => number): Sample[] => queues.map((x) => ({ labels: { queue: x.queue }, value: f(x) }));
    const spools = p.recordSpools?.() ?? [];
    const sp = (f: (x: RecordSpoolReading) => number): Sample[] => spools.map((x) => ({ labels: { spool: x.name }, value: f(x) }));
    const leadership = p.leadership?.();
    const families: MetricFamily[] = [
      { name: 'cti_calls_offered_total', help: 'Calls offered to the agent queue since the gateway started.', type: 'counter', samples: [{ value: this.offered }] },
      { name: 'cti_calls_answered_total', help: 'Calls answered by an agent since the gateway started.', type: 'counter', samples: [{ value: this.answered }] },
      { name: 'cti_calls_abandoned_total', help: 'Calls the caller abandoned before an agent answered, since the gateway started.', type: 'counter', samples: [{ value: this.ended.get('abandoned') ?? 0 }] },
      {
        name: 'cti_calls_ended_total', help: 'Calls ended since the gateway started, by outcome.', type: 'counter',
        samples: [...this.ended].map(([outcome, value]) => ({ labels: { outcome }, value })),
      },
      {
        name: 'cti_calls_fallback_total', help: 'Callers sent to the dialplan fallback queue since the gateway started: handed over, or hung up after it could not take them.', type: 'counter',
        samples: (['handed_over', 'failed'] as const).map((result) => ({ labels: { result }, value: this.fallbacks[result] })),
      },
      { name: 'cti_caller_waits_degraded_total', help: 'Requests for waiting callers Asterisk did not carry out (overload); the callers kept their place, since the gateway started.', type: 'counter', samples: [{ value: this.waitsDegraded }] },
      { name: 'cti_recordings_failed_total', help: 'Call recordings Asterisk reported failed (file missing or cut short), since the gateway started.', type: 'counter', samples: [{ value: this.recordingsFailed }] },
      { name: 'cti_queue_waiting_calls', help: 'Calls waiting for an agent.', type: 'gauge', samples: [{ value: p.waitingCalls() }] },
      { name: 'cti_queue_longest_wait_seconds', help: 'Longest current wait in the queue.', type: 'gauge', samples: [{ value: p.longestWaitSeconds() }] },
      { name: 'cti_agents', help: 'Logged-in agents by ACD state.', type: 'gauge', samples: states.map((state) => ({ labels: { state }, value: byState[state] ?? 0 })) },
      {
        name: 'cti_trunk_up', help: 'Carrier trunk reachable (1), unreachable (0) or not yet known (NaN).', type: 'gauge',
        samples: Object.entries(p.trunks()).map(([trunk, s]) => ({ labels: { trunk: trunk.replace(/^trunk-/, '') }, value: s.status === 'up' ? 1 : s.status === 'down' ? 0 : Number.NaN })),
      },
      {
        name: 'cti_connection_up', help: 'Connection state of the gateway to Asterisk ARI and AMI and to Redis.', type: 'gauge',
        samples: [{ labels: { target: 'ari' }, value: p.ari() ? 1 : 0 }, { labels: { target: 'ami' }, value: p.ami() ? 1 : 0 }, { labels: { target: 'redis' }, value: redisUp }],
      },
      { name: 'cti_job_queue_waiting', help: 'BullMQ jobs waiting, by queue.', type: 'gauge', samples: q((x) => x.waiting) },
      { name: 'cti_job_queue_active', help: 'BullMQ jobs being processed, by queue.', type: 'gauge', samples: q((x) => x.active) },
      { name: 'cti_job_queue_delayed', help: 'BullMQ delayed jobs (retries and schedules), by queue.', type: 'gauge', samples: q((x) => x.delayed) },
      { name: 'cti_job_queue_failed', help: 'BullMQ failed jobs kept for inspection, by queue.', type: 'gauge', samples: q((x) => x.failed) },
      { name: 'cti_job_queue_oldest_waiting_seconds', help: 'Age of the oldest waiting BullMQ job (queue lag), by queue.', type: 'gauge', samples: q((x) => x.oldestWaitingAgeSeconds) },
      { name: 'cti_record_spool_bytes', help: 'Bytes of records waiting in the local spool on disk (Redis did not take them), by spool.', type: 'gauge', samples: sp((x) => x.bytes) },
      { name: 'cti_record_spool_held_in_memory', help: 'Records held in memory only because the disk refused the spool (full, or its bound reached), by spool.', type: 'gauge', samples: sp((x) => x.heldInMemory) },
      { name: 'cti_records_lost_total', help: 'Records lost since the gateway started (spool memory bound exceeded while the disk refused), by spool.', type: 'counter', samples: sp((x) => x.lostRecords) },
      { name: 'cti_record_spool_write_failures_total', help: 'Spool writes the disk refused since the gateway started (e.g. ENOSPC), by spool.', type: 'counter', samples: sp((x) => x.writeFailures) },
      { name: 'cti_record_spool_torn_bytes_dropped_total', help: 'Torn bytes (cut-short writes) the spool dropped since the gateway started, by spool.', type: 'counter', samples: sp((x) => x.tornBytesDropped) },
      { name: 'cti_kpi_event_write_backlog', help: 'Agent-state and ring events not yet stored for KPIs.', type: 'gauge', samples: [{ value: p.kpiWriteBacklog() }] },
      {
        name: 'cti_event_loop_lag_seconds', help: 'How late the event loop of the gateway process ran a timer (perf_hooks), since the last scrape: 0 on a free loop.', type: 'gauge',
        samples: [
          { labels: { quantile: '0.5' }, value: loopLagSeconds(this.loop.percentile(50)) },
          { labels: { quantile: '0.99' }, value: loopLagSeconds(this.loop.percentile(99)) },
          { labels: { quantile: '1' }, value: loopLagSeconds(this.loop.max) },
        ],
      },
      ...(leadership
        ? [
            { name: 'cti_gateway_leader_epoch', help: 'Epoch of the lease this active gateway holds (every takeover increments it).', type: 'gauge' as const, samples: [{ value: leadership.epoch }] },
            { name: 'cti_gateway_takeovers_total', help: 'Takeovers of the lease from another gateway by this process since it started (0 or 1).', type: 'counter' as const, samples: [{ value: leadership.takeovers }] },
          ]
        : []),
    ];
    this.loop.reset();
    return families;
  }
}
