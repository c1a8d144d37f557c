import { Worker } from 'node:worker_threads';

/** Settings of the event-loop watchdog. */
export interface WatchdogSettings {
  /** The main loop may go this long without a turn before the process is killed. */
  maxLagMs: number;
  /** How often the main loop reports a turn (and the watchdog thread looks). */
  tickMs?: number;
}

/**
 * The watchdog thread. It shares one Float64 slot with the main thread: the time of the main loop's last turn.
 * A stall counts only while this thread itself kept running: a whole process that was suspended (SIGSTOP, a VM
 * pause) finds its own checks late too, and gives the main loop a fresh allowance instead of killing it on wake-up.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const last = new Float64Array(workerData.shared);
const { maxLagMs, tickMs } = workerData;
let lastCheck = Date.now();
setInterval(() => {
  const now = Date.now();
  if (now - lastCheck > maxLagMs / 2) last[0] = now; // this thread was frozen as well: the process was suspended
  lastCheck = now;
  const lag = now - last[0];
  if (lag > maxLagMs) {
    writeSync(2, JSON.stringify({ level: 60, time: now, name: 'gateway', lagMs: lag, maxLagMs, msg: 'event loop stalled; exiting so the supervisor restarts the gateway' }) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, tickMs);
`;

/**
 * Starts a worker thread that kills the process when its event loop has not turned for `maxLagMs`: a gateway whose
 * loop is stuck keeps its ARI socket open but serves nobody, and only an exit lets its supervisor (systemd, the
 * container runtime) start a working one. Returns a stop function (for a clean shutdown).
 */
export function startEventLoopWatchdog(settings: WatchdogSettings): () => void {
  const tickMs = settings.tickMs ?? Math.max(50, Math.min(1_000, Math.floor(settings.maxLagMs / 4)));
  const shared = new SharedArrayBuffer(8);
  const last = new Float64Array(shared);
  last[0] = Date.now();
  const ticker = setInterval(() => (last[0] = Date.now()), tickMs);
  ticker.unref();
  const thread = new Worker(THREAD_SOURCE, { eval: true, workerData: { shared, maxLagMs: settings.maxLagMs, tickMs } });
  thread.unref();
  return () => {
    clearInterval(ticker);
    void thread.terminate();
  };
}
