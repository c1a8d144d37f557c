import * as fsp from 'node:fs/promises';
import type { SpoolFileHandle, SpoolFs } from './spool.file.js';

/**
 * The real file system (in a test's temporary directory) with a disk that can fill up: writes past `free` bytes
 * are short (as on a full tmpfs: the part that fits is written), then fail with ENOSPC. Counts fsyncs per path.
 */
export class FillableDisk implements SpoolFs {
  /** Bytes the disk still takes. */
  free = Number.POSITIVE_INFINITY;
  /** Make every open() fail with this code (e.g. EACCES), to model a spool that cannot be used at all. */
  failOpen: string | undefined;
  readonly syncs = new Map<string, number>();

  mkdir(path: string, options: { recursive: true }): Promise<unknown> {
    return fsp.mkdir(path, options);
  }

  async open(path: string, flags: 'a' | 'r' | 'w'): Promise<SpoolFileHandle> {
    if (this.failOpen) throw Object.assign(new Error(`${this.failOpen}: cannot open ${path}`), { code: this.failOpen });
    const fh = await fsp.open(path, flags);
    return {
      write: async (buffer, offset, length) => {
        const n = Math.min(length, this.free);
        if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        const r = await fh.write(buffer, offset, n, null);
        this.free -= r.bytesWritten;
        return { bytesWritten: r.bytesWritten };
      },
      sync: async () => {
        this.syncs.set(path, (this.syncs.get(path) ?? 0) + 1);
        await fh.sync();
      },
      truncate: (len) => fh.truncate(len),
      close: () => fh.close(),
    };
  }

  readFile(path: string): Promise<Buffer> {
    return fsp.readFile(path);
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return fsp.unlink(path);
  }
}
