import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DialplanHeartbeat, HEARTBEAT_VARIABLE } from './dialplan-heartbeat.js';

const log = () => ({ info: vi.fn(), warn: vi.fn() });
const settle = () => new Promise((r) => setImmediate(r));

describe('DialplanHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => vi.useRealTimers());

  it('sets CTI_GW_HEARTBEAT to the epoch second at once and every second while serving', async () => {
    const set: Array<[string, string]> = [];
    let now = 1_796_000_000_400;
    const hb = new DialplanHeartbeat({ setGlobalVar: async (n, v) => void set.push([n, v]) }, () => true, () => now, log());
    hb.start();
    await settle();
    now += 1_000;
    vi.advanceTimersByTime(1_000);
    await settle();
    expect(set).toEqual([[HEARTBEAT_VARIABLE, '1796000000'], [HEARTBEAT_VARIABLE, '1796000001']]);
    hb.stop();
    vi.advanceTimersByTime(5_000);
    await settle();
    expect(set).toHaveLength(2);
  });

  it('does not beat while the gateway does not serve (ARI down), and beats again once it does', async () => {
    const set: string[] = [];
    let serving = false;
    const hb = new DialplanHeartbeat({ setGlobalVar: async (_n, v) => void set.push(v) }, () => serving, () => 5_000, log());
    hb.start();
    vi.advanceTimersByTime(3_000);
    await settle();
    expect(set).toEqual([]);
    serving = true;
    await hb.beat();
    expect(set).toEqual(['5']);
  });

  it('retires by stopping and setting the heartbeat to 0, so new callers skip Stasis() at once; a failure is only logged', async () => {
    const set: string[] = [];
    const hb = new DialplanHeartbeat({ setGlobalVar: async (_n, v) => void set.push(v) }, () => true, () => 7_000, log());
    hb.start();
    await settle();
    await hb.retire();
    vi.advanceTimersByTime(5_000);
    await settle();
    expect(set).toEqual(['7', '0']);
    const l = log();
    const failing = new DialplanHeartbeat({ setGlobalVar: async () => Promise.reject(new Error('ARI away')) }, () => true, () => 7_000, l);
    await failing.retire();
    expect(l.warn).toHaveBeenCalledTimes(1);
  });

  it('logs a failing beat once, not every second, and says when it works again', async () => {
    let fail = true;
    const l = log();
    const hb = new DialplanHeartbeat({ setGlobalVar: async () => { if (fail) throw new Error('ARI 503'); } }, () => true, () => 0, l);
    await hb.beat();
    await hb.beat();
    fail = false;
    await hb.beat();
    expect(l.warn).toHaveBeenCalledTimes(1);
    expect(l.info).toHaveBeenCalledTimes(1);
  });
});
