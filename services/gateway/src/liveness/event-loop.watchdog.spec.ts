import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
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

describe('event-loop watchdog', () => {
  it('kills a process whose main loop is stuck, with a fatal log line saying why', async () => {
    const end = await run('stall');
    expect(end.signal).toBe('SIGKILL');
    expect(end.stderr).toContain('event loop stalled');
  }, 40_000);

  it('leaves a busy process alone that was suspended (SIGSTOP) longer than the allowance and resumed', async () => {
    const end = await run('busy', async (pid) => {
      await new Promise((r) => setTimeout(r, 200)); // into the first chunk
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 5_000));
      process.kill(pid, 'SIGCONT');
    });
    expect(end).toMatchObject({ code: 0, signal: null });
  }, 40_000);
});
