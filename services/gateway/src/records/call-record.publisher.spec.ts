import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '@cti/domain';
import { CallRecordPublisher, type RecordQueue } from './call-record.publisher.js';
import { parseSpool } from './spool-line.codec.js';
import { silentLogger } from '../call/call.fixtures.test.js';

type Mode = 'ok' | 'fail' | 'hang';

/** A queue whose add() succeeds, rejects or never settles, as told; keeps what it accepted. */
class FakeQueue {
  mode: Mode = 'ok';
  /** Fail after this many more successful adds (for mid-drain failures). */
  failAfter: number | undefined;
  readonly added: Array<{ jobId: string | undefined; data: CallRecord }> = [];

  add = async (_name: string, data: CallRecord, opts?: { jobId?: string }): Promise<unknown> => {
    if (this.failAfter !== undefined) {
      if (this.failAfter === 0) throw new Error('redis down');
      this.failAfter--;
    }
    if (this.mode === 'fail') throw new Error('redis down');
    if (this.mode === 'hang') return new Promise(() => undefined);
    this.added.push({ jobId: opts?.jobId, data });
    return {};
  };

  ids(): string[] {
    return this.added.map((a) => a.data.linkedId);
  }
}

const record = (linkedId: string): CallRecord => ({
  linkedId,
  trunk: 'primary',
  callerNumber: '13800001234',
  did: '12345',
  language: 'mandarin',
  arrivedAt: 1_000,
  queuedAt: 1_500,
  endedAt: 9_000,
  outcome: 'abandoned',
  endedBy: 'caller',
  offers: 0,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cti-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function publisher(queue: FakeQueue, addTimeoutMs = 2_000) {
  return new CallRecordPublisher(queue as unknown as RecordQueue, dir, silentLogger(), addTimeoutMs);
}

describe('CallRecordPublisher', () => {
  it('adds a record to the queue with its linkedid as job id', async () => {
    const q = new FakeQueue();
    const p = publisher(q);
    await p.publish(record('L1'));
    expect(q.added).toEqual([{ jobId: 'L1', data: record('L1') }]);
    expect(p.hasSpooled()).toBe(false);
  });

  it('spools the record on disk when add() rejects', async () => {
    const q = new FakeQueue();
    q.mode = 'fail';
    const p = publisher(q);
    await expect(p.publish(record('L1'))).resolves.toBeUndefined();
    expect(p.hasSpooled()).toBe(true);
    expect(parseSpool(readFileSync(join(dir, 'call-records.jsonl')))).toEqual({ items: [record('L1')], dropped: [] });
  });

  it('spools the record when add() does not answer within the timeout', async () => {
    const q = new FakeQueue();
    q.mode = 'hang';
    const p = publisher(q, 20);
    await p.publish(record('L1'));
    expect(p.hasSpooled()).toBe(true);
  });

  it('drains the spool in order once the queue works again', async () => {
    const q = new FakeQueue();
    q.mode = 'fail';
    const p = publisher(q);
    for (const id of ['L1', 'L2', 'L3']) await p.publish(record(id));
    q.mode = 'ok';
    expect(await p.flush()).toBe(3);
    expect(q.ids()).toEqual(['L1', 'L2', 'L3']);
    expect(p.hasSpooled()).toBe(false);
  });

  it('puts records published while the spool is non-empty behind it, even when the queue is up', async () => {
    const q = new FakeQueue();
    q.mode = 'fail';
    const p = publisher(q);
    await p.publish(record('L1'));
    q.mode = 'ok';
    await p.publish(record('L2'));
    expect(q.added).toEqual([]);
    await p.flush();
    expect(q.ids()).toEqual(['L1', 'L2']);
  });

  it('loses nothing and keeps the order when delivery fails mid-drain', async () => {
    const q = new FakeQueue();
    q.mode = 'fail';
    const p = publisher(q);
    for (const id of ['L1', 'L2', 'L3', 'L4']) await p.publish(record(id));
    q.mode = 'ok';
    q.failAfter = 2;
    expect(await p.flush()).toBe(2);
    expect(p.hasSpooled()).toBe(true);
    q.failAfter = undefined;
    await p.publish(record('L5'));
    expect(await p.flush()).toBeGreaterThan(0);
    await p.flush();
    expect(q.ids()).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(p.hasSpooled()).toBe(false);
  });

  it('keeps records published during a failing drain behind the undelivered ones', async () => {
    const q = new FakeQueue();
    q.mode = 'fail';
    const p = publisher(q);
    for (const id of ['L1', 'L2', 'L3']) await p.publish(record(id));
    // L1 is delivered, then L6 arrives while L2 is in flight, then L2 fails.
    let releaseL2!: () => void;
    let calls = 0;
    q.mode = 'ok';
    const realAdd = q.add;
    q.add = async (name, data, opts) => {
      calls++;
      if (calls === 2) {
        await new Promise<void>((r) => (releaseL2 = r));
        throw new Error('redis down');
      }
      return realAdd(name, data, opts);
    };
    const draining = p.flush();
    await new Promise((r) => setImmediate(r));
    await p.publish(record('L6'));
    releaseL2();
    expect(await draining).toBe(1);
    q.add = realAdd;
    while (p.hasSpooled()) await p.flush();
    expect(q.ids()).toEqual(['L1', 'L2', 'L3', 'L6']);
  });
});
