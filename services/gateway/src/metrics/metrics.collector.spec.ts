import { describe, expect, it } from 'vitest';
import { MetricsCollector, loopLagSeconds, type MetricsProbes } from './metrics.collector.js';
import { renderPrometheus } from './prometheus.text.js';

const probes = (over: Partial<MetricsProbes> = {}): MetricsProbes => ({
  waitingCalls: () => 2,
  longestWaitSeconds: () => 17,
  agentsByState: () => ({ ready: 3, on_call: 1 }),
  trunks: () => ({ 'trunk-primary': { status: 'up' }, 'trunk-backup': { status: 'unknown' } }),
  ari: () => true,
  ami: () => false,
  queues: async () => [{ queue: 'call-records', waiting: 4, active: 1, delayed: 0, failed: 2, oldestWaitingAgeSeconds: 3.5 }],
  kpiWriteBacklog: () => 0,
  ...over,
});

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : line.slice(series.length + 1);
};

describe('metrics collector', () => {
  it('counts offered, answered and abandoned calls from bus events', async () => {
    const m = new MetricsCollector(probes());
    for (const callId of ['c1', 'c2', 'c3']) m.handle({ type: 'call.queued', at: 0, callId, line: '12345', language: 'mandarin' });
    m.handle({ type: 'call.connected', at: 0, callId: 'c1', agentId: 'a1', seat: 'seat-01' });
    m.handle({ type: 'call.offered', at: 0, callId: 'c2', agentId: 'a1', seat: 'seat-01', caller: '*******1234', language: 'mandarin', line: '12345' });
    m.handle({ type: 'call.ended', at: 0, callId: 'c1', outcome: 'answered', agentId: 'a1' });
    m.handle({ type: 'call.ended', at: 0, callId: 'c3', outcome: 'abandoned' });
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_calls_offered_total')).toBe('3');
    expect(sample(text, 'cti_calls_answered_total')).toBe('1');
    expect(sample(text, 'cti_calls_abandoned_total')).toBe('1');
    expect(sample(text, 'cti_calls_ended_total{outcome="answered"}')).toBe('1');
  });

  it('counts the call recordings Asterisk reported failed', async () => {
    const m = new MetricsCollector(probes());
    expect(sample(renderPrometheus(await m.collect()), 'cti_recordings_failed_total')).toBe('0');
    m.handle({ type: 'recording.failed', at: 0, callId: 'c1', recording: '2026/01/02/c1.wav', cause: 'Disk full' });
    m.handle({ type: 'recording.failed', at: 0, callId: 'c2', recording: '2026/01/02/c2.wav', cause: null });
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_recordings_failed_total')).toBe('2');
    expect(text).toContain('# TYPE cti_recordings_failed_total counter');
  });

  it('counts callers sent to the fallback queue (handed over or not) and waits Asterisk left without music', async () => {
    const m = new MetricsCollector(probes());
    m.handle({ type: 'call.fallback', at: 0, callId: 'c1', handedOver: true });
    m.handle({ type: 'call.fallback', at: 0, callId: 'c2', handedOver: true });
    m.handle({ type: 'call.fallback', at: 0, callId: 'c3', handedOver: false });
    m.handle({ type: 'call.wait_degraded', at: 0, callId: 'c4', reason: 'ARI POST /channels/c4/answer timed out after 10000 ms' });
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_calls_fallback_total{result="handed_over"}')).toBe('2');
    expect(sample(text, 'cti_calls_fallback_total{result="failed"}')).toBe('1');
    expect(sample(text, 'cti_caller_waits_degraded_total')).toBe('1');
  });

  it('samples queue, agents by state (zeros included), trunks, connections and job-queue lag', async () => {
    const m = new MetricsCollector(probes());
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_queue_waiting_calls')).toBe('2');
    expect(sample(text, 'cti_queue_longest_wait_seconds')).toBe('17');
    expect(sample(text, 'cti_agents{state="ready"}')).toBe('3');
    expect(sample(text, 'cti_agents{state="paused"}')).toBe('0');
    expect(sample(text, 'cti_trunk_up{trunk="primary"}')).toBe('1');
    expect(sample(text, 'cti_trunk_up{trunk="backup"}')).toBe('NaN');
    expect(sample(text, 'cti_connection_up{target="ami"}')).toBe('0');
    expect(sample(text, 'cti_connection_up{target="redis"}')).toBe('1');
    expect(sample(text, 'cti_job_queue_oldest_waiting_seconds{queue="call-records"}')).toBe('3.5');
    expect(Number(sample(text, 'cti_event_loop_lag_seconds{quantile="0.99"}'))).toBeGreaterThanOrEqual(0);
  });

  it('reads event-loop lag as how late the delay timer ran: 0 on a free loop, never below 0', () => {
    // The histogram holds the time between two runs of its 20 ms timer.
    expect(loopLagSeconds(20_000_000)).toBe(0);
    expect(loopLagSeconds(19_500_000)).toBe(0);
    expect(loopLagSeconds(0)).toBe(0);
    expect(loopLagSeconds(75_000_000)).toBeCloseTo(0.055, 9);
    expect(loopLagSeconds(30_000_000, 10)).toBeCloseTo(0.02, 9);
  });

  it('reports each record spool: bytes, records held in memory, losses, refused writes and torn bytes', async () => {
    const m = new MetricsCollector(probes({ recordSpools: () => [{ name: 'call-records', bytes: 4096, heldInMemory: 3, lostRecords: 1, writeFailures: 2, tornBytesDropped: 57 }] }));
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_record_spool_bytes{spool="call-records"}')).toBe('4096');
    expect(sample(text, 'cti_record_spool_held_in_memory{spool="call-records"}')).toBe('3');
    expect(sample(text, 'cti_records_lost_total{spool="call-records"}')).toBe('1');
    expect(sample(text, 'cti_record_spool_write_failures_total{spool="call-records"}')).toBe('2');
    expect(sample(text, 'cti_record_spool_torn_bytes_dropped_total{spool="call-records"}')).toBe('57');
  });

  it('reports Redis down and no queue samples when the queues cannot be read', async () => {
    const m = new MetricsCollector(probes({ queues: async () => Promise.reject(new Error('redis away')) }));
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_connection_up{target="redis"}')).toBe('0');
    expect(text).not.toContain('cti_job_queue_waiting{');
  });

  it('reports the lease epoch of the active gateway and whether it took the lease over from another', async () => {
    const m = new MetricsCollector(probes({ leadership: () => ({ epoch: 12, takeovers: 1 }) }));
    const text = renderPrometheus(await m.collect());
    m.stop();
    expect(sample(text, 'cti_gateway_leader_epoch')).toBe('12');
    expect(sample(text, 'cti_gateway_takeovers_total')).toBe('1');
    expect(text).toContain('# TYPE cti_gateway_takeovers_total counter');
  });
});
