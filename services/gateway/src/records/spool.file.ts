import { appendFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A durable append-only spool of JSON lines on local disk: what the queue could not take is kept
 * here (fsynced) until it can be delivered. Draining renames the file first, so records appended
 * during a drain are never lost, and a crash mid-drain only causes redelivery (records are idempotent).
 */
export class SpoolFile<T> {
  private readonly pending: string;
  private readonly draining: string;

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.pending = join(dir, `${name}.jsonl`);
    this.draining = join(dir, `${name}.draining.jsonl`);
  }

  /** Appends one item and forces it to disk. */
  append(item: T): void {
    appendFileSync(this.pending, JSON.stringify(item) + '\n');
    const fd = openSync(this.pending, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Whether anything waits for delivery. */
  hasItems(): boolean {
    return existsSync(this.pending) || existsSync(this.draining);
  }

  /**
   * Hands every spooled item to `deliver` in order; items from a failed delivery onwards stay spooled.
   * Returns the number delivered.
   */
  async drain(deliver: (item: T) => Promise<void>): Promise<number> {
    if (!existsSync(this.draining)) {
      if (!existsSync(this.pending)) return 0;
      renameSync(this.pending, this.draining);
    }
    const lines = readFileSync(this.draining, 'utf8').split('\n').filter((l) => l.trim() !== '');
    let delivered = 0;
    for (const line of lines) {
      let item: T;
      try {
        item = JSON.parse(line) as T;
      } catch {
        delivered++; // a torn last line from a crash mid-append: nothing recoverable in it
        continue;
      }
      try {
        await deliver(item);
        delivered++;
      } catch {
        break;
      }
    }
    const rest = lines.slice(delivered);
    if (rest.length === 0) {
      unlinkSync(this.draining);
    } else {
      // The undelivered stay in the draining file, which the next drain resumes before anything
      // appended meanwhile: order is kept. Written aside then renamed, so a crash loses nothing.
      const tmp = `${this.draining}.tmp`;
      writeFileSync(tmp, rest.map((l) => l + '\n').join(''));
      const fd = openSync(tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.draining);
    }
    return delivered;
  }
}
