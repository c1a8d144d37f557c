import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { judgeStall } from './event-loop.watchdog.js';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./watchdog-child.fixture.test.ts', import.meta.url));

/** Runs the fixture; `onReady` acts on the child once its watchdog runs. Resolves with how it ended. */
function run(mode: 'stall' | 'busy', onReady: (pid: number) => Promise<void> = async () => undefined) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    // tsx as a loader of this node (its CLI would run the fixture in a grandchild, hiding the signal).
    const p = spawn(process.execPath, ['--import', 'tsx', child, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => {
      if (String(d).includes('ready')) void onReady(p.pid as number).catch(reject);
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

// Each child is a Node process under tsx doing CPU work of a fixed size (1.5 s of CPU, or a spin until killed): the
// tests' own limits only guard against a hang (a host loaded with an end-to-end run beside it took over 40 s).
describe('event-loop watchdog', () => {
  it('kills a process whose main loop is stuck, with a fatal log line saying why', async () => {
    const end = await run('stall');
    expect(end.signal).toBe('SIGKILL');
    expect(end.stderr).toContain('event loop stalled');
    expect(JSON.parse(end.stderr.split('\n').find((l) => l.includes('event loop stalled')) as string)).toMatchObject({ mainState: 'R', mainSyscall: 'running' });
  }, 120_000);

  it('leaves a busy process alone that was suspended (SIGSTOP) longer than the allowance and resumed', async () => {
    const end = await run('busy', async (pid) => {
      await new Promise((r) => setTimeout(r, 200)); // into the first chunk
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 5_000));
      process.kill(pid, 'SIGCONT');
    });
    expect(end).toMatchObject({ code: 0, signal: null });
  }, 120_000);

  it('tells a stuck main loop from one a busy machine starves of CPU', () => {
    expect(judgeStall(9_000, 10_000, { state: 'R', cpuMs: 9_000 })).toBe('ok');
    expect(judgeStall(10_500, 10_000, { state: 'R', cpuMs: 10_000 })).toBe('stuck'); // a spinning handler
    expect(judgeStall(10_500, 10_000, { state: 'S', cpuMs: 10 })).toBe('stuck'); // blocked in a call
    expect(judgeStall(10_500, 10_000, { state: 'D', cpuMs: 10 })).toBe('stuck');
    expect(judgeStall(10_500, 10_000, { state: 'R', cpuMs: 700 })).toBe('starved'); // runnable, given 7 % of a CPU
    expect(judgeStall(60_000, 10_000, { state: 'R', cpuMs: 5_000 })).toBe('stuck'); // starved, but it spins all the same
    expect(judgeStall(10_500, 10_000, undefined)).toBe('stuck');
  });

  // Starving one thread needs a competitor at nice -20 on its CPU: root only (as the suite runs).
  it.skipIf(process.getuid?.() !== 0)('leaves a main loop alone that the machine starves of CPU past the allowance, and says so', async () => {
    const end = await run('busy', async (pid) => {
      await new Promise((r) => setTimeout(r, 200)); // into the first chunk
      // Only the main thread (its thread id is the pid) is pinned to CPU 0 at nice 19, beside a spinner at nice -20
      // there: it gets a few thousandths of that CPU, while the watchdog thread runs as before.
      await new Promise((r, j) => spawn('sh', ['-c', `taskset -p -c 0 ${pid} >/dev/null && renice -n 19 -p ${pid} >/dev/null`], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? r(c) : j(new Error(`taskset/renice: ${c}`)))));
      const spinner = spawn('nice', ['-n', '-20', 'taskset', '-c', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 6_000));
      spinner.kill('SIGKILL');
      // Back to its own share of the machine, so that it finishes its work on a busy host too.
      spawn('sh', ['-c', `taskset -p -c 0-$(($(nproc) - 1)) ${pid} >/dev/null; renice -n 0 -p ${pid} >/dev/null`], { stdio: 'inherit' });
    });
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.stderr).toContain('event loop starved of CPU');
  }, 120_000);
});
