import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { DurablePublisher, spoolSignal, type RecordQueue, type SpoolLimits } from './durable.publisher.js';
import { SpoolFile } from './spool.file.js';
import { FillableDisk } from './spool-fs.fixtures.test.js';

interface Rec {
  id: string;
  pad: string;
}
const rec = (id: string): Rec => ({ id, pad: 'x'.repeat(200) });
const ONE = SpoolFile.encodedSize([rec('r1')]);

/** A queue that is up or down, as told; keeps what it accepted. */
class SwitchableQueue {
  up = false;
  readonly added: string[] = [];
  add = async (_name: string, data: Rec): Promise<unknown> => {
    if (!this.up) throw new Error('redis down');
    this.added.push(data.id);
    return {};
  };
}

type SpyLog = Logger & { error: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn>; info: ReturnType<typeof vi.fn> };
function spyLog(): SpyLog {
  const log: Record<string, unknown> = {};
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) log[level] = vi.fn();
  return log as unknown as SpyLog;
}
const messages = (fn: ReturnType<typeof vi.fn>) => fn.mock.calls.map((c) => c[1] as string);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cti-durable-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function setup(limits: Partial<SpoolLimits> = {}) {
  const queue = new SwitchableQueue();
  const disk = new FillableDisk();
  const log = spyLog();
  const full: SpoolLimits = { maxBytes: 1_000_000, alertBytes: 800_000, memoryRecords: 100, ...limits };
  const p = new DurablePublisher<Rec>(queue as unknown as RecordQueue, dir, { spoolName: 'recs', jobName: 'rec', jobIdOf: (r) => r.id, describe: (r) => ({ id: r.id }) }, log, 50, { limits: full, fs: disk });
  return { queue, disk, log, p };
}
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `r${i + from}`);

describe('DurablePublisher on a full disk', () => {
  it('never rejects when the disk is full during a Redis outage: the record is held in memory and an incident signal is raised', async () => {
    const { disk, p, log } = setup();
    disk.free = ONE + 20; // one record fits, the next is torn off by ENOSPC
    for (const id of ids(3)) await expect(p.publish(rec(id))).resolves.toBeUndefined();
    expect(p.status()).toMatchObject({ bytes: ONE, heldInMemory: 2, holdReason: 'ENOSPC', lostRecords: 0, writeFailures: 1 });
    expect(spoolSignal(p.status())).toMatchObject({ name: 'recs', atRisk: 'held_in_memory', lostRecords: 0, detail: { holdReason: 'ENOSPC', heldInMemory: 2 } });
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ kind: 'recs', reason: 'ENOSPC' }), expect.stringContaining('holding them in memory'));
  });

  it('writes the records held in memory to disk once space returns, then delivers everything in order exactly once', async () => {
    const { queue, disk, p } = setup();
    disk.free = ONE + 20;
    for (const id of ids(4)) await p.publish(rec(id));
    disk.free = Number.POSITIVE_INFINITY;
    await p.flush(); // Redis still down: the held records go to disk
    expect(p.status()).toMatchObject({ bytes: 4 * ONE, heldInMemory: 0, holdReason: undefined });
    expect(spoolSignal(p.status()).atRisk).toBeUndefined();
    queue.up = true;
    while (p.hasSpooled()) await p.flush();
    expect(queue.added).toEqual(ids(4));
  });

  it('delivers from memory when Redis returns before the disk does: spooled ones first, then those held, in order', async () => {
    const { queue, disk, p } = setup();
    disk.free = 2 * ONE + 20;
    for (const id of ids(5)) await p.publish(rec(id));
    expect(p.status()).toMatchObject({ heldInMemory: 3 });
    queue.up = true;
    await p.flush();
    expect(queue.added).toEqual(ids(5));
    expect(p.hasSpooled()).toBe(false);
    expect(p.status()).toMatchObject({ heldInMemory: 0, holdReason: undefined, lostRecords: 0 });
  });

  it('bounds the spool file: past maxBytes records wait in memory (not on disk), and the alert share raises the signal first', async () => {
    const { queue, p } = setup({ maxBytes: 3 * ONE, alertBytes: 2 * ONE });
    await p.publish(rec('r1'));
    expect(spoolSignal(p.status()).atRisk).toBeUndefined();
    await p.publish(rec('r2'));
    expect(spoolSignal(p.status()).atRisk).toBe('near_bound');
    for (const id of ids(3, 3)) await p.publish(rec(id));
    expect(p.status()).toMatchObject({ bytes: 3 * ONE, heldInMemory: 2, holdReason: 'bound', writeFailures: 0 });
    expect(spoolSignal(p.status()).atRisk).toBe('held_in_memory');
    queue.up = true;
    while (p.hasSpooled()) await p.flush();
    expect(queue.added).toEqual(ids(5));
  });

  it('past the memory bound loses records loudly: counted, logged as errors with the record, signalled as records lost', async () => {
    const { queue, disk, p, log } = setup({ memoryRecords: 2 });
    disk.free = 0;
    for (const id of ids(5)) await p.publish(rec(id));
    expect(p.status()).toMatchObject({ heldInMemory: 2, lostRecords: 3 });
    expect(spoolSignal(p.status())).toMatchObject({ atRisk: 'held_in_memory', lostRecords: 3 });
    const lost = log.error.mock.calls.filter((c) => String(c[1]).startsWith('record LOST'));
    expect(lost.map((c) => (c[0] as { id: string }).id)).toEqual(['r3', 'r4', 'r5']);
    queue.up = true;
    await p.flush();
    expect(queue.added).toEqual(['r1', 'r2']);
  });

  it('keeps delivering when the spool cannot be used at all (directory not writable): records wait in memory, then go to Redis', async () => {
    const { queue, disk, p } = setup();
    disk.failOpen = 'EACCES';
    for (const id of ids(2)) await expect(p.publish(rec(id))).resolves.toBeUndefined();
    expect(p.status()).toMatchObject({ heldInMemory: 2, holdReason: 'EACCES' });
    queue.up = true;
    await p.flush();
    expect(queue.added).toEqual(ids(2));
    await p.publish(rec('r3'));
    expect(queue.added).toEqual(ids(3));
  });

  it('says so loudly when records held in memory are still there at shutdown', async () => {
    const { disk, p, log } = setup();
    disk.free = 0;
    await p.publish(rec('r1'));
    await p.close();
    expect(messages(log.error)).toContain('records LOST at shutdown: neither Redis nor the disk took them');
    expect(p.status().lostRecords).toBe(1);
  });

  it('retries a refused disk on the redelivery timer, not on every new record', async () => {
    const { disk, p } = setup();
    disk.free = 0;
    await p.publish(rec('r1'));
    for (const id of ids(3, 2)) await p.publish(rec(id));
    expect(p.status()).toMatchObject({ heldInMemory: 4, writeFailures: 1 });
    await p.flush();
    expect(p.status().writeFailures).toBe(2);
  });
});
