/**
 * Bench only (npm run soak): preloaded into the gateway and the worker with `node --import`, so both are measured the
 * same way without code of theirs. Every CTI_BENCH_PROBE_EVERY_MS (default 10 000) it appends one JSON line to
 * <CTI_BENCH_PROBE_DIR>/probe-<service>.jsonl:
 *   {"t": epoch ms, "rss": bytes, "heapUsed": bytes,
 *    "window": {"p50","p99","max"} ms of the event-loop delay over the last interval,
 *    "total": {"p99","max","count"} ms since the start, or since the last SIGUSR2 (the soak sends it after its warm-up)}
 * The delay is how late perf_hooks' monitorEventLoopDelay timer (every 10 ms) ran: its histogram holds the time between
 * two runs, 10 ms on a free loop, so 10 ms is taken off (a stall of d ms shows as about d ms; a free loop as about 0).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.CTI_BENCH_PROBE_DIR;
const service = /services\/([a-z-]+)\//.exec(process.argv[1] ?? '')?.[1] ?? String(process.pid);
if (dir) {
  const every = Number(process.env.CTI_BENCH_PROBE_EVERY_MS ?? 10_000);
  const file = join(dir, `probe-${service}.jsonl`);
  const RESOLUTION_MS = 10;
  const window = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let total = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  window.enable();
  total.enable();
  const ms = (ns) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100);
  process.on('SIGUSR2', () => {
    total.disable();
    total = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    total.enable();
  });
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const line = {
      t: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      window: { p50: ms(window.percentile(50)), p99: ms(window.percentile(99)), max: ms(window.max) },
      total: { p99: ms(total.percentile(99)), max: ms(total.max), count: total.count },
    };
    window.reset();
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // The probe never stops the service it measures.
    }
  }, every);
  timer.unref();
}
