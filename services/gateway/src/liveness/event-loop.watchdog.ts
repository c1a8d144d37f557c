import { Worker } from 'node:worker_threads';

/** Settings of the event-loop watchdog. */
export interface WatchdogSettings {
  /** The main loop may go this long without a turn before the process is killed. */
  maxLagMs: number;
  /** How often the main loop reports a turn (and the watchdog thread looks). */
  tickMs?: number;
}

/** What the watchdog saw of the main thread during a stall: its scheduler state and CPU time since its loop last turned. */
export interface MainThreadSample {
  /** The state letter of /proc/<pid>/task/<pid>/stat: R running or runnable, S sleeping, D in uninterruptible I/O… */
  state: string;
  /** CPU milliseconds the main thread used since its loop last turned. */
  cpuMs: number;
}

/**
 * Whether a main loop that has not turned for `lagMs` is stuck (kill) or only starved of CPU by a busy machine (wait).
 * Stuck: it sleeps in a blocking call (state other than R) past the allowance, or it has used at least half the
 * allowance in CPU time on one turn (a spinning handler). Starved: it is runnable but the machine gave it less than
 * that (seen on a CI host at a load of 13 per core): killing it would turn a slow gateway into a dead one, and it is
 * killed all the same once its CPU time reaches half the allowance if it really spins. Without a sample (no /proc),
 * the wall-clock lag alone decides.
 */
export function judgeStall(lagMs: number, maxLagMs: number, main: MainThreadSample | undefined): 'ok' | 'starved' | 'stuck' {
  if (lagMs <= maxLagMs) return 'ok';
  if (main && main.state === 'R' && main.cpuMs < maxLagMs / 2) return 'starved';
  return 'stuck';
}

/**
 * The watchdog thread. It shares one Float64 slot with the main thread: the time of the main loop's last turn.
 * A stall counts only while this thread itself kept running: a whole process that was suspended (SIGSTOP, a VM
 * pause) finds its own checks late too, and gives the main loop a fresh allowance instead of killing it on wake-up.
 * The main thread's state and CPU time come from /proc (its thread id is the process id; times in USER_HZ = 100).
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync, writeSync } = require('node:fs');
const judgeStall = ${judgeStall.toString()};
const last = new Float64Array(workerData.shared);
const { maxLagMs, tickMs } = workerData;
const mainCpu = () => {
  try {
    const stat = readFileSync('/proc/' + process.pid + '/task/' + process.pid + '/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], cpuMs: (Number(f[11]) + Number(f[12])) * 10 };
  } catch {
    return undefined;
  }
};
let lastCheck = Date.now();
let turnSeen = last[0];
let cpuAtTurn = mainCpu();
let starvedSince = 0;
setInterval(() => {
  const now = Date.now();
  if (now - lastCheck > maxLagMs / 2) last[0] = now; // this thread was frozen as well: the process was suspended
  lastCheck = now;
  if (last[0] !== turnSeen) {
    turnSeen = last[0];
    cpuAtTurn = mainCpu();
    starvedSince = 0;
  }
  const lag = now - last[0];
  if (lag <= maxLagMs) return;
  const m = mainCpu();
  const main = m && cpuAtTurn ? { state: m.state, cpuMs: m.cpuMs - cpuAtTurn.cpuMs } : undefined;
  const verdict = judgeStall(lag, maxLagMs, main);
  const line = { time: now, pid: process.pid, name: 'gateway', lagMs: lag, maxLagMs, mainState: main && main.state, mainCpuMs: main && main.cpuMs };
  if (verdict === 'starved') {
    if (!starvedSince) writeSync(2, JSON.stringify({ level: 40, ...line, msg: 'event loop starved of CPU by a busy machine (runnable, little CPU time): not a hang, not killed' }) + '\\n');
    starvedSince = starvedSince || now;
    return;
  }
  // Where the main thread waits in the kernel (system call number and arguments, wait channel): the cause of a stall.
  const proc = (f) => { try { return readFileSync('/proc/' + process.pid + '/task/' + process.pid + '/' + f, 'utf8').trim(); } catch { return undefined; } };
  writeSync(2, JSON.stringify({ level: 60, ...line, mainSyscall: proc('syscall'), mainWchan: proc('wchan'), msg: 'event loop stalled; exiting so the supervisor restarts the gateway' }) + '\\n');
  process.kill(process.pid, 'SIGKILL');
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
