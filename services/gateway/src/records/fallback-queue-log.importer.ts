import { mkdirSync } from 'node:fs';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maskPhone, type CallRecord, type TrunkName } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from '../call/call-record.sink.js';

/** One queue_log line: `epoch|callid|queue|agent|event|data…`. */
export interface QueueLogEntry {
  at: number;
  callId: string;
  queue: string;
  agent: string;
  event: string;
  data: string[];
}

/** Events after which app_queue is done with a caller. */
const TERMINAL = new Set(['COMPLETECALLER', 'COMPLETEAGENT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER']);

/** Parses a queue_log line; undefined for anything else. */
export function parseQueueLogLine(line: string): QueueLogEntry | undefined {
  const parts = line.split('|');
  if (parts.length < 5) return undefined;
  const [at, callId, queue, agent, event, ...data] = parts as [string, string, string, string, string, ...string[]];
  const seconds = Number(at);
  if (!Number.isFinite(seconds) || !callId || callId === 'NONE') return undefined;
  return { at: seconds * 1000, callId, queue, agent, event, data };
}

/**
 * The call record of one caller the native fallback queue handled: ENTERQUEUE (url `trunk:line`, caller id),
 * CONNECT (the seat answered), and a terminal event. queue_log has one-second resolution.
 */
export function fallbackCallRecord(entries: QueueLogEntry[], agentAtSeat: (seat: string) => string | undefined): CallRecord | undefined {
  const enter = entries.find((e) => e.event === 'ENTERQUEUE');
  const end = entries.find((e) => TERMINAL.has(e.event));
  if (!enter || !end) return undefined;
  const [trunkName, line] = (enter.data[0] ?? '').split(':');
  const trunk: TrunkName = trunkName === 'backup' ? 'backup' : 'primary';
  const connect = entries.find((e) => e.event === 'CONNECT');
  const seat = connect ? /^PJSIP\/(seat-\d+(?:-web)?)/.exec(connect.agent)?.[1] : undefined;
  const rang = entries.filter((e) => e.event === 'RINGNOANSWER' || e.event === 'RINGCANCELED').length + (connect ? 1 : 0);
  const agentId = seat ? agentAtSeat(seat) : undefined;
  return {
    linkedId: enter.callId,
    trunk,
    callerNumber: enter.data[1] ?? '',
    did: line || '12345',
    language: 'mandarin',
    arrivedAt: enter.at,
    queuedAt: enter.at,
    ...(rang > 0 && { offeredAt: enter.at }),
    ...(connect && { answeredAt: connect.at }),
    endedAt: Math.max(end.at, connect?.at ?? 0),
    ...(agentId && { agentId }),
    ...(seat && { seat }),
    outcome: connect ? 'answered' : 'abandoned',
    endedBy: end.event === 'COMPLETEAGENT' ? 'agent' : 'caller',
    offers: rang,
    viaFallback: true,
  };
}

/**
 * Imports the calls the dialplan's native queue served while the gateway could not (gateway down, or a handler
 * failure), from Asterisk's queue_log, so they count in the answer rate like any other call.
 * Reads only what was appended since the last import (the offset is kept on disk); lines of callers still in the
 * queue wait in a pending file. Publishing is idempotent by linkedid, so a crash only causes redelivery.
 */
export class FallbackQueueLogImporter {
  private running = false;
  private readonly offsetFile: string;
  private readonly pendingFile: string;
  /** What the state files hold (undefined: not read yet), so an import that changed nothing writes nothing. */
  private written: { offset: string; pending: string } | undefined;

  constructor(
    private readonly queueLog: string,
    stateDir: string,
    private readonly queueName: string,
    private readonly sink: CallRecordSink,
    private readonly agentAtSeat: (seat: string) => string | undefined,
    private readonly log: Logger,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.offsetFile = join(stateDir, 'queue_log.offset');
    this.pendingFile = join(stateDir, 'queue_log.pending');
  }

  /**
   * Imports what was appended since last time; returns how many calls were published. All file access is
   * asynchronous (libuv's threads): a rename or write on a file system busy with another process's fsync (PostgreSQL
   * after a restart) waited in the kernel for 10 s on the main thread once, and the event-loop watchdog ended the
   * gateway (main thread in state D).
   */
  async importNow(): Promise<number> {
    if (this.running || !this.queueLog) return 0;
    this.running = true;
    try {
      const size = await stat(this.queueLog).then((st) => st.size, (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? -1 : Promise.reject(err)));
      if (size < 0) return 0;
      this.written ??= { offset: await readIfExists(this.offsetFile), pending: await readIfExists(this.pendingFile) };
      let offset = Number(this.written.offset) || 0;
      if (offset > size) offset = 0; // rotated or truncated: start over (redelivery is harmless)
      const fresh = await this.readFrom(offset, size);
      const complete = fresh.lastIndexOf('\n') + 1; // a half-written last line waits for the next import
      const lines = [this.written.pending, fresh.slice(0, complete)].join('\n').split('\n');
      const byCall = new Map<string, { entries: QueueLogEntry[]; lines: string[] }>();
      for (const line of lines) {
        const e = parseQueueLogLine(line);
        if (!e || e.queue !== this.queueName) continue;
        const entry = byCall.get(e.callId) ?? { entries: [], lines: [] };
        entry.entries.push(e);
        entry.lines.push(line);
        byCall.set(e.callId, entry);
      }
      let published = 0;
      const waiting: string[] = [];
      for (const { entries, lines: callLines } of byCall.values()) {
        const record = fallbackCallRecord(entries, this.agentAtSeat);
        if (!record) {
          waiting.push(...callLines);
          continue;
        }
        await this.sink.publish(record);
        published++;
        this.log.info({ callId: record.linkedId, caller: maskPhone(record.callerNumber), outcome: record.outcome, seat: record.seat }, 'fallback call imported from queue_log');
      }
      const pending = waiting.length ? waiting.join('\n') + '\n' : '';
      const next = String(offset + Buffer.byteLength(fresh.slice(0, complete)));
      if (pending !== this.written.pending) await writeAtomically(this.pendingFile, pending);
      this.written.pending = pending;
      if (next !== this.written.offset) await writeAtomically(this.offsetFile, next);
      this.written.offset = next;
      return published;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, file: this.queueLog }, 'fallback queue_log import failed; will retry');
      return 0;
    } finally {
      this.running = false;
    }
  }

  private async readFrom(offset: number, size: number): Promise<string> {
    if (size <= offset) return '';
    const fh = await open(this.queueLog, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  }
}

/** The file's text, or '' when there is none. */
async function readIfExists(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}
