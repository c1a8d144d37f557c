// The heartbeat over real TCP sockets on loopback, with a real process killed (SIGKILL) on the far end.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TcpLeaderHeartbeat } from './leader-heartbeat.tcp.js';
import type { HeartbeatLoss } from './leadership.ports.js';

/** Resolves with how the watch of `address` ended. */
function lossOf(heartbeat: TcpLeaderHeartbeat, address: string): { ended: Promise<HeartbeatLoss> } {
  return { ended: new Promise((resolve) => heartbeat.watch(address, resolve)) };
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('TcpLeaderHeartbeat', () => {
  it('counts the standbys connected to the active’s listener, and tells a standby when the listener closes', async () => {
    const active = new TcpLeaderHeartbeat();
    const standby = new TcpLeaderHeartbeat();
    const address = await active.listen('127.0.0.1', 0);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const watch = lossOf(standby, address);
    await expect.poll(() => active.watchers()).toBe(1);
    await active.close();
    expect(await watch.ended).toBe('closed');
  });

  it('says refused when nobody listens at the address (a restarted host, or the holder died before a standby connected)', async () => {
    const standby = new TcpLeaderHeartbeat();
    expect(await lossOf(standby, `127.0.0.1:${await closedPort()}`).ended).toBe('refused');
  });

  it('says closed at once when the process holding the listener is killed', async () => {
    const child = spawn(process.execPath, ['-e', "require('net').createServer(() => console.log('conn')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    try {
      await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const standby = new TcpLeaderHeartbeat();
      const watch = lossOf(standby, `127.0.0.1:${lines[0]}`);
      await expect.poll(() => lines.includes('conn'), { timeout: 10_000 }).toBe(true);
      child.kill('SIGKILL');
      expect(await watch.ended).toBe('closed');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('stops watching without a word when told to', async () => {
    const active = new TcpLeaderHeartbeat();
    const address = await active.listen('127.0.0.1', 0);
    const heard: HeartbeatLoss[] = [];
    const stop = new TcpLeaderHeartbeat().watch(address, (how) => heard.push(how));
    await expect.poll(() => active.watchers()).toBe(1);
    stop();
    await expect.poll(() => active.watchers()).toBe(0);
    await active.close();
    expect(heard).toEqual([]);
  });
});
