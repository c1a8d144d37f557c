import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { WaitAborted, alive, startProcess, waitFor } from './processes.js';

/** Where the pid of the gateway under test is kept, so restarts by tests are still stopped at teardown. */
export function pidFile(root: string, runId: string): string {
  return `${root}.run/${runId}/gateway.pid`;
}

/** Starts services/<name>/dist/main.js with `env`, logging to the run's folder, and records its pid in `pidPath`. */
function startService(root: string, env: Record<string, string>, name: 'gateway' | 'worker', pidPath: (root: string, runId: string) => string): ChildProcess {
  const runId = env.CTI_DB_SCHEMA as string;
  const child = startProcess('node', [`services/${name}/dist/main.js`], { cwd: root, env, log: `${root}.run/${runId}/${name}.log` });
  writeFileSync(pidPath(root, runId), String(child.pid));
  return child;
}

/** Starts the gateway with the test environment and records its pid. */
export function startGateway(root: string, env: Record<string, string>): ChildProcess {
  return startService(root, env, 'gateway', pidFile);
}


/** Stops the process (gateway or worker) whose pid is recorded, with `signal` (SIGKILL after 10 s). */
export async function stopGatewayByPidFile(file: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  if (!pid || !alive(pid)) return;
  process.kill(pid, signal);
  try {
    await waitFor('gateway exit', () => !alive(pid), 10_000, 100);
  } catch {
    process.kill(pid, 'SIGKILL');
  }
}

/**
 * Restarts the gateway and waits until it is healthy, or fails at once with its log's tail when it exits. The bound
 * only catches a start that hangs: on a loaded machine a start takes as long as it takes, and every step waits for it.
 */
export async function restartGateway(root: string, env: Record<string, string>, apiUrl: string): Promise<void> {
  await awaitHealthy(startGateway(root, env), root, env, apiUrl);
}

/**
 * Waits until the gateway `child` answers /healthz with 200 and routes calls; fails at once, with its log's tail, if it
 * exits first. A restarted gateway answers 200 as soon as ARI, Redis and PostgreSQL answer, while it still reconciles
 * its restored state with Asterisk (`routing: 'held'`): what it found in Stasis is known (and logged) only after that.
 */
export async function awaitHealthy(child: ChildProcess, root: string, env: Record<string, string>, apiUrl: string): Promise<void> {
  const log = `${root}.run/${env.CTI_DB_SCHEMA}/gateway.log`;
  await waitFor('gateway healthy and routing', async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new WaitAborted(`gateway exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail(log)}`);
    const res = await fetch(`${apiUrl}/healthz`);
    return res.status === 200 && ((await res.json()) as { routing?: string }).routing === 'on';
  }, START_BOUND_MS);
}

/** A start that has not become healthy in 3 minutes is hung, not slow. */
const START_BOUND_MS = 180_000;

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Where the pid of the worker under test is kept. */
export function workerPidFile(root: string, runId: string): string {
  return `${root}.run/${runId}/worker.pid`;
}

/** Starts the worker with `env` and records its pid. */
export function startWorker(root: string, env: Record<string, string>): ChildProcess {
  return startService(root, env, 'worker', workerPidFile);
}

/**
 * Kills (SIGKILL) every gateway or worker process left running with this run's schema in its environment: a gateway or worker a test
 * started and lost track of (a timed-out test whose restart went on in the background) must not outlive the run
 * and poll a dropped schema or hold the run's ports. Returns the pids it killed.
 */
export function killLeftoversOfRun(runId: string): number[] {
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    let cmdline: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch {
      continue;
    }
    // Only our services (node …/dist/main.js): Asterisk also has the run's environment and is stopped by its script.
    if (!/dist\/main\.js/.test(cmdline) || !environ.split('\0').includes(`CTI_DB_SCHEMA=${runId}`)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return killed;
}
