import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What one retention sweep did. */
export interface RetentionResult {
  deleted: number;
  kept: number;
}

/**
 * Deletes recordings older than `retentionDays` under `dir` (the `YYYY/MM/DD/` partitions Asterisk writes) by file
 * modification time, then removes partitions left empty. Symbolic links are never followed. `retentionDays` 0 keeps all.
 */
export async function sweepRecordings(dir: string, retentionDays: number, now: number): Promise<RetentionResult> {
  const result: RetentionResult = { deleted: 0, kept: 0 };
  if (retentionDays <= 0) return result;
  const cutoff = now - retentionDays * 86_400_000;
  const walk = async (path: string, depth: number): Promise<boolean> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch {
      return false;
    }
    let empty = true;
    for (const e of entries) {
      const full = join(path, e.name);
      if (e.isDirectory() && depth < 3) {
        if (await walk(full, depth + 1)) await rmdir(full).catch(() => undefined);
        else empty = false;
      } else if (e.isFile()) {
        const info = await stat(full).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) {
          await rm(full, { force: true });
          result.deleted++;
        } else {
          result.kept++;
          empty = false;
        }
      } else {
        empty = false;
      }
    }
    return empty;
  };
  await walk(dir, 0);
  return result;
}
