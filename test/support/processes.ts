import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Starts a long-running child with its output in a log file; the caller stops it by pid. How it ended (exit code or
 * signal) is appended to the same log as a JSON line when it exits, so a process that died without a word of its own
 * (killed, crashed) still leaves the cause in the log a failed test prints.
 */
export function startProcess(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; log: string }): ChildProcess {
  mkdirSync(join(opts.log, '..'), { recursive: true });
  const out = openSync(opts.log, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', out, out] });
  child.once('exit', (code, signal) => {
    try {
      appendFileSync(opts.log, `${JSON.stringify({ level: code === 0 ? 30 : 50, time: Date.now(), pid: child.pid, name: 'test-harness', code, signal, msg: 'process exited' })}\n`);
    } catch {
      /* the run's folder is gone (teardown): nothing to tell */
    }
  });
  child.once('close', () => {
    try {
      closeSync(out);
    } catch {
      /* already closed */
    }
  });
  return child;
}

/** Stops a child with a signal and waits for it to exit (SIGKILL after `graceMs`). */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs scripts/asterisk.sh with the test environment. */
export function asteriskScript(root: string, env: Record<string, string>, ...args: string[]): string {
  const r = spawnSync('bash', [join(root, 'scripts/asterisk.sh'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`asterisk.sh ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Thrown by a `waitFor` check when waiting longer is pointless (the process it waits for has exited). */
export class WaitAborted extends Error {}

/**
 * The bound of one step of a browser or call scenario: it only ends a wait for what never comes (each wait ends as
 * soon as its condition holds), so it is the same for every step and far above a quiet machine's seconds. Short
 * bounds (5–15 s) tuned on a quiet machine failed steps that were merely slow on a loaded CI host.
 */
export const STEP_BOUND_MS = 60_000;

/** Polls `check` until it returns true or `timeoutMs` passes; a check that throws WaitAborted ends the wait at once. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
