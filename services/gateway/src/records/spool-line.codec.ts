import { createHash } from 'node:crypto';

/**
 * One spool record per line, framed as `#<checksum> <json>\n`: the checksum (8 hex digits of SHA-256 over the
 * JSON) tells an intact record from the torn remains of a write cut short (crash, full disk), and the frame start
 * lets a reader find an intact record even behind a torn prefix on the same line. Lines of the older unframed
 * format (bare JSON) are still read.
 */
const FRAME_START = /#[0-9a-f]{8} /g;

const checksum = (json: string): string => createHash('sha256').update(json).digest('hex').slice(0, 8);

/** The framed line of one record, newline included. */
export function encodeSpoolLine(item: unknown): string {
  const json = JSON.stringify(item);
  return `#${checksum(json)} ${json}\n`;
}

/** Bytes the spool could not read as a record, where they were. */
export interface DroppedBytes {
  /** Byte offset in the file. */
  offset: number;
  /** Length in bytes. */
  bytes: number;
}

/** What a spool file holds: its intact records in order, and the torn bytes around them. */
export interface ParsedSpool<T> {
  items: T[];
  dropped: DroppedBytes[];
}

function parseFrame<T>(text: string): { ok: true; item: T } | { ok: false } {
  const m = /^#([0-9a-f]{8}) /.exec(text);
  if (!m) return { ok: false };
  const json = text.slice(10);
  if (checksum(json) !== m[1]) return { ok: false };
  try {
    return { ok: true, item: JSON.parse(json) as T };
  } catch {
    return { ok: false };
  }
}

/** Reads one line: an intact frame (possibly behind torn bytes), a legacy bare-JSON record, or nothing. */
function parseLine<T>(line: string): { item?: T; tornPrefix: number } {
  const starts = [0, ...[...line.matchAll(FRAME_START)].map((m) => m.index ?? 0).filter((i) => i > 0)];
  for (const at of starts) {
    const f = parseFrame<T>(line.slice(at));
    if (f.ok) return { item: f.item, tornPrefix: at };
  }
  if (line.startsWith('{')) {
    try {
      return { item: JSON.parse(line) as T, tornPrefix: 0 };
    } catch {
      // torn legacy line: nothing recoverable in it
    }
  }
  return { tornPrefix: line.length };
}

/** Splits a spool file into its intact records and the torn bytes it has to drop (with their offsets). */
export function parseSpool<T>(content: Buffer): ParsedSpool<T> {
  const items: T[] = [];
  const dropped: DroppedBytes[] = [];
  let offset = 0;
  while (offset < content.length) {
    let end = content.indexOf(0x0a, offset);
    if (end < 0) end = content.length;
    const raw = content.subarray(offset, end);
    if (raw.length > 0) {
      const line = raw.toString('utf8');
      const { item, tornPrefix } = parseLine<T>(line);
      if (item !== undefined) items.push(item);
      if (tornPrefix > 0) dropped.push({ offset, bytes: Buffer.byteLength(line.slice(0, tornPrefix)) });
    }
    offset = end + 1;
  }
  return { items, dropped };
}

/** Whether `line` (without its newline) is one intact framed record. */
export function isIntactSpoolLine(line: Buffer): boolean {
  return parseFrame(line.toString('utf8')).ok;
}
