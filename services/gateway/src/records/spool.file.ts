import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSpoolLine, isIntactSpoolLine, parseSpool } from './spool-line.codec.js';

/** An open file as the spool uses it (the slice of fs/promises' FileHandle it needs). */
export interface SpoolFileHandle {
  write(buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  truncate(len: number): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls the spool makes (a slice of node:fs/promises), so tests can fill the disk. */
export interface SpoolFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: 'a' | 'r' | 'w'): Promise<SpoolFileHandle>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** The real file system. */
export const nodeSpoolFs: SpoolFs = fsp;

/** Where the spool reports what it had to drop or could not do. */
export interface SpoolLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

const isMissing = (err: unknown): boolean => (err as { code?: string }).code === 'ENOENT';

/** Writes all of `buf` (a full disk may take part of it), then fsyncs; a write that makes no progress is ENOSPC. */
async function writeAllAndSync(fh: SpoolFileHandle, buf: Buffer): Promise<void> {
  let written = 0;
  while (written < buf.length) {
    const { bytesWritten } = await fh.write(buf, written, buf.length - written, null);
    if (bytesWritten <= 0) throw Object.assign(new Error('spool write made no progress'), { code: 'ENOSPC' });
    written += bytesWritten;
  }
  await fh.sync();
}

/**
 * A durable append-only spool of framed JSON lines (see spool-line.codec.ts) on local disk: what the queue could
 * not take is kept here until it can be delivered. Every write is fsynced, and so is the directory after a file is
 * created or renamed, so an acknowledged append survives a power cut. A write cut short (crash, full disk) is cut
 * off again or, found on open, cut or terminated, so the next append always starts on a fresh line; torn bytes are
 * logged with their offset, never silently glued to the next record. Draining renames the file first, so records
 * appended during a drain are never lost, and a crash mid-drain only causes redelivery (records are idempotent).
 * All I/O is asynchronous (thread pool): nothing here blocks the event loop of the call path.
 */
export class SpoolFile<T> {
  private readonly pending: string;
  private readonly draining: string;
  private opening: Promise<void> | undefined;
  private opened = false;
  private pendingBytes = 0;
  private drainingBytes = 0;
  /** The pending file may end in a torn line (a failed write could not be cut off): repair before appending. */
  private tailSuspect = true;
  private lock: Promise<unknown> = Promise.resolve();
  private torn = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly log: SpoolLog,
    private readonly fs: SpoolFs = nodeSpoolFs,
  ) {
    this.pending = join(dir, `${name}.jsonl`);
    this.draining = join(dir, `${name}.draining.jsonl`);
  }

  /** Creates the directory and repairs torn file ends left by a crash; retried on the next call when it fails. */
  open(): Promise<void> {
    this.opening ??= this.exclusive(() => this.recover()).catch((err) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  /** Whether open() has succeeded (before that, what the disk holds is not known). */
  isOpen(): boolean {
    return this.opened;
  }

  /** Whether anything waits for delivery (unknown before open(): then true, so nothing overtakes it). */
  hasItems(): boolean {
    return !this.opened || this.pendingBytes > 0 || this.drainingBytes > 0;
  }

  /** Bytes on disk (pending and draining files). */
  size(): number {
    return this.pendingBytes + this.drainingBytes;
  }

  /** Torn bytes dropped since start (logged each time). */
  tornBytesDropped(): number {
    return this.torn;
  }

  /** Bytes `items` take once framed. */
  static encodedSize(items: readonly unknown[]): number {
    return items.reduce<number>((n, i) => n + Buffer.byteLength(encodeSpoolLine(i)), 0);
  }

  /**
   * Appends the items and forces them to disk; resolves only once they are durable. On failure (ENOSPC, EIO…)
   * nothing of them stays in the file, and the error (with its code) is thrown to the caller.
   */
  async append(items: readonly T[]): Promise<void> {
    await this.open();
    const buf = Buffer.from(items.map((i) => encodeSpoolLine(i)).join(''));
    await this.exclusive(async () => {
      if (this.tailSuspect) await this.repairTail(this.pending, 'pending');
      const created = this.pendingBytes === 0;
      const fh = await this.fs.open(this.pending, 'a');
      try {
        await writeAllAndSync(fh, buf);
      } catch (err) {
        // A short write (full disk) left a torn line the next append would glue to: cut it off now.
        try {
          await fh.truncate(this.pendingBytes);
          await fh.sync();
        } catch {
          this.tailSuspect = true;
        }
        throw err;
      } finally {
        await fh.close().catch(() => undefined);
      }
      this.pendingBytes += buf.length;
      // Should this fail, the caller keeps the items and appends them again: a duplicate, never a loss.
      if (created) await this.syncDir();
    });
  }

  /**
   * Hands every spooled item to `deliver` in order; items from a failed delivery onwards stay spooled.
   * Torn bytes are logged and dropped. Returns the number delivered.
   */
  async drain(deliver: (item: T) => Promise<void>): Promise<number> {
    await this.open();
    const ready = await this.exclusive(async () => {
      if (this.drainingBytes > 0) return true;
      if (this.pendingBytes === 0) return false;
      await this.fs.rename(this.pending, this.draining);
      await this.syncDir();
      this.drainingBytes = this.pendingBytes;
      this.pendingBytes = 0;
      return true;
    });
    if (!ready) return 0;
    const { items, dropped } = parseSpool<T>(await this.fs.readFile(this.draining));
    for (const d of dropped) this.dropped(this.draining, d.offset, d.bytes, 'no intact record in these bytes (torn write)');
    let delivered = 0;
    for (const item of items) {
      try {
        await deliver(item);
        delivered++;
      } catch {
        break;
      }
    }
    const rest = items.slice(delivered);
    if (delivered === 0 && dropped.length === 0) return 0;
    await this.exclusive(async () => {
      if (rest.length === 0) {
        await this.fs.unlink(this.draining);
        await this.syncDir();
        this.drainingBytes = 0;
        return;
      }
      // The undelivered stay in the draining file, which the next drain resumes before anything appended
      // meanwhile: order is kept. Written aside then renamed, so a crash loses nothing; if the disk refuses the
      // copy, the file stays as it was and the delivered records are delivered again (idempotent).
      const tmp = `${this.draining}.tmp`;
      const buf = Buffer.from(rest.map((i) => encodeSpoolLine(i)).join(''));
      try {
        const fh = await this.fs.open(tmp, 'w');
        try {
          await writeAllAndSync(fh, buf);
        } finally {
          await fh.close().catch(() => undefined);
        }
        await this.fs.rename(tmp, this.draining);
        await this.syncDir();
        this.drainingBytes = buf.length;
      } catch (err) {
        await this.fs.unlink(tmp).catch(() => undefined);
        this.log.warn({ spool: this.name, err: (err as Error).message, code: (err as { code?: string }).code, undelivered: rest.length }, 'spool: could not shorten the draining file; delivered records will be delivered again');
      }
    });
    return delivered;
  }

  /** Runs `fn` after every earlier file operation of this spool (appends, renames and rewrites never interleave). */
  private exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async recover(): Promise<void> {
    await this.fs.mkdir(this.dir, { recursive: true });
    await this.syncDir();
    await this.repairTail(this.draining, 'draining');
    await this.repairTail(this.pending, 'pending');
    this.opened = true;
  }

  /**
   * Makes `file` end on a line boundary: a last line that is an intact record only missing its newline is
   * terminated; torn bytes are cut off (and logged). Learns the file's size on the way.
   */
  private async repairTail(file: string, which: 'pending' | 'draining'): Promise<void> {
    let content: Buffer;
    try {
      content = await this.fs.readFile(file);
    } catch (err) {
      if (!isMissing(err)) throw err;
      content = Buffer.alloc(0);
    }
    let size = content.length;
    if (size > 0 && content[size - 1] !== 0x0a) {
      const lineStart = content.lastIndexOf(0x0a) + 1;
      const fh = await this.fs.open(file, 'a');
      try {
        if (isIntactSpoolLine(content.subarray(lineStart))) {
          await fh.write(Buffer.from('\n'), 0, 1, null);
          size++;
          this.log.info({ spool: this.name, file, offset: lineStart }, 'spool: last record was complete but unterminated; kept');
        } else {
          await fh.truncate(lineStart);
          this.dropped(file, lineStart, size - lineStart, 'torn write at the end of the file (crash or full disk mid-append)');
          size = lineStart;
        }
        await fh.sync();
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
    if (which === 'pending') {
      this.pendingBytes = size;
      this.tailSuspect = false;
    } else {
      this.drainingBytes = size;
    }
  }

  private dropped(file: string, offset: number, bytes: number, why: string): void {
    this.torn += bytes;
    this.log.warn({ spool: this.name, file, offset, bytes, why }, 'spool: dropped torn bytes');
  }

  /** Makes a file's creation, rename or removal durable (the entry lives in the directory). */
  private async syncDir(): Promise<void> {
    const fh = await this.fs.open(this.dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}
