import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolFile, type SpoolLog } from './spool.file.js';
import { encodeSpoolLine, parseSpool } from './spool-line.codec.js';
import { FillableDisk } from './spool-fs.fixtures.test.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cti-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const log = () => ({ info: vi.fn<SpoolLog['info']>(), warn: vi.fn<SpoolLog['warn']>() }) satisfies SpoolLog;

async function drainAll(spool: SpoolFile<{ n: number }>): Promise<number[]> {
  const got: number[] = [];
  while (spool.hasItems()) await spool.drain(async (i) => void got.push(i.n));
  return got;
}

describe('SpoolFile', () => {
  it('keeps a record appended after a crash left a torn line at the end: the torn bytes are cut off on open and logged', async () => {
    const before = new SpoolFile<{ n: number }>(dir, 's', log());
    await before.append([{ n: 1 }, { n: 2 }]);
    appendFileSync(join(dir, 's.jsonl'), encodeSpoolLine({ n: 3 }).slice(0, 12)); // the process died mid-write
    const l = log();
    const after = new SpoolFile<{ n: number }>(dir, 's', l);
    await after.append([{ n: 4 }]);
    expect(await drainAll(after)).toEqual([1, 2, 4]);
    const firstTwo = Buffer.byteLength(encodeSpoolLine({ n: 1 }) + encodeSpoolLine({ n: 2 }));
    expect(l.warn).toHaveBeenCalledWith(expect.objectContaining({ spool: 's', offset: firstTwo, bytes: 12 }), 'spool: dropped torn bytes');
    expect(after.tornBytesDropped()).toBe(12);
  });

  it('recovers every intact record around torn lines in the middle, glued or terminated, and reports the torn bytes', async () => {
    const torn = encodeSpoolLine({ n: 99 }).slice(0, 15);
    const text = encodeSpoolLine({ n: 1 }) + torn + encodeSpoolLine({ n: 2 }) + torn + '\n' + encodeSpoolLine({ n: 3 });
    writeFileSync(join(dir, 's.jsonl'), text);
    const l = log();
    const spool = new SpoolFile<{ n: number }>(dir, 's', l);
    expect(await drainAll(spool)).toEqual([1, 2, 3]);
    const dropped = l.warn.mock.calls.filter((c) => c[1] === 'spool: dropped torn bytes').map((c) => c[0] as { offset: number; bytes: number });
    const at = (s: string) => Buffer.byteLength(s);
    expect(dropped).toEqual([
      expect.objectContaining({ offset: at(encodeSpoolLine({ n: 1 })), bytes: 15 }),
      expect.objectContaining({ offset: at(encodeSpoolLine({ n: 1 }) + torn + encodeSpoolLine({ n: 2 })), bytes: 15 }),
    ]);
  });

  it('rejects a line whose checksum does not match (bit rot, a torn JSON that still parses)', () => {
    const good = encodeSpoolLine({ n: 1, text: 'abc' });
    const rotten = good.replace('abc', 'abd');
    expect(parseSpool<{ n: number }>(Buffer.from(rotten + good))).toEqual({ items: [{ n: 1, text: 'abc' }], dropped: [{ offset: 0, bytes: rotten.length - 1 }] });
  });

  it('keeps a last record that is complete but lost its newline in a crash', async () => {
    writeFileSync(join(dir, 's.jsonl'), encodeSpoolLine({ n: 1 }) + encodeSpoolLine({ n: 2 }).trimEnd());
    const spool = new SpoolFile<{ n: number }>(dir, 's', log());
    await spool.append([{ n: 3 }]);
    expect(await drainAll(spool)).toEqual([1, 2, 3]);
  });

  it('reads spools written before records were framed (bare JSON lines)', async () => {
    writeFileSync(join(dir, 's.draining.jsonl'), '{"n":1}\n{"n":2}\n');
    const spool = new SpoolFile<{ n: number }>(dir, 's', log());
    await spool.append([{ n: 3 }]);
    expect(await drainAll(spool)).toEqual([1, 2, 3]);
  });

  it('leaves no torn line behind when the disk fills mid-write, so the next append is intact', async () => {
    const disk = new FillableDisk();
    const spool = new SpoolFile<{ n: number; pad: string }>(dir, 's', log(), disk);
    const rec = (n: number) => ({ n, pad: 'x'.repeat(100) });
    await spool.append([rec(1)]);
    disk.free = 50; // half a record fits: a short write, then ENOSPC
    await expect(spool.append([rec(2)])).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(join(dir, 's.jsonl'), 'utf8')).toBe(encodeSpoolLine(rec(1)));
    expect(spool.size()).toBe(Buffer.byteLength(encodeSpoolLine(rec(1))));
    disk.free = Number.POSITIVE_INFINITY;
    await spool.append([rec(2)]);
    const got: number[] = [];
    while (spool.hasItems()) await spool.drain(async (i) => void got.push(i.n));
    expect(got).toEqual([1, 2]);
  });

  it('fsyncs the directory after creating, renaming and removing spool files', async () => {
    const disk = new FillableDisk();
    const spool = new SpoolFile<{ n: number }>(dir, 's', log(), disk);
    await spool.open();
    const dirSyncs = () => disk.syncs.get(dir) ?? 0;
    const afterOpen = dirSyncs();
    await spool.append([{ n: 1 }]);
    expect(dirSyncs()).toBe(afterOpen + 1); // the file was created
    await spool.append([{ n: 2 }]);
    expect(dirSyncs()).toBe(afterOpen + 1); // appending to an existing file changes no directory entry
    expect(disk.syncs.get(join(dir, 's.jsonl'))).toBe(2);
    let calls = 0;
    await spool.drain(async () => {
      if (++calls === 2) throw new Error('redis down');
    });
    expect(dirSyncs()).toBe(afterOpen + 3); // rename to draining, then the shortened copy renamed over it
    await spool.drain(async () => undefined);
    expect(dirSyncs()).toBe(afterOpen + 4); // the emptied draining file removed
    expect(existsSync(join(dir, 's.draining.jsonl'))).toBe(false);
  });

  it('resumes a drain interrupted by a crash before anything newer', async () => {
    writeFileSync(join(dir, 's.draining.jsonl'), encodeSpoolLine({ n: 1 }) + encodeSpoolLine({ n: 2 }));
    const spool = new SpoolFile<{ n: number }>(dir, 's', log());
    await spool.append([{ n: 3 }]);
    expect(await drainAll(spool)).toEqual([1, 2, 3]);
  });

  it('is empty and delivers nothing when nothing was appended', async () => {
    const spool = new SpoolFile<{ n: number }>(dir, 's', log());
    await spool.open();
    expect(spool.hasItems()).toBe(false);
    expect(await spool.drain(async () => undefined)).toBe(0);
  });
});
