import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { CtiError, type Clock } from '@cti/domain';
import type { RecordingEnd, TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher, GatewayEvent } from '../events/event-bus.js';
import type { RecordingListener } from '../call/call.stasis.js';
import type { ControlledCalls } from './control.ports.js';

/** Settings of call recording. */
export interface RecordingSettings {
  /** Whether answered calls are recorded. */
  enabled: boolean;
  /** Asterisk's recording directory as this host sees it. */
  directory: string;
  /** Offset of the partition's calendar from UTC in minutes (Beijing = 480). */
  utcOffsetMinutes: number;
}

/** A recording file the API may serve: absolute path and size. */
export interface RecordingFile {
  name: string;
  path: string;
  size: number;
}

/** Recording names are `YYYY/MM/DD/<call id>.wav`; nothing else is ever served. */
const NAME = /^\d{4}\/\d{2}\/\d{2}\/[0-9A-Za-z._-]{1,120}\.wav$/;

/** A recording's file name as the call record has it: its name and format's extension. */
const fileOf = (r: RecordingEnd): string => (r.format ? `${r.name}.${r.format}` : r.name);

/**
 * Records every answered call's bridge from answer to end (ARI bridge recording, so partner and transfer legs in
 * the bridge are included) under a date-partitioned name referenced from the call record, and resolves names to
 * files without ever leaving the recordings directory. Hears how each recording ended: a failed one is logged as an
 * error with its call and name and published as `recording.failed` (counted in /metrics).
 */
export class RecordingService implements RecordingListener {
  /** Call id → its recording's name (without extension), from the start of the recording to the call's end. */
  private readonly recording = new Map<string, string>();

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly calls: ControlledCalls,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: RecordingSettings,
    private readonly events: EventPublisher,
  ) {}

  /** The date-partitioned name of a call's recording, without extension. */
  nameFor(callId: string, at: number): string {
    const d = new Date(at + this.settings.utcOffsetMinutes * 60_000);
    const p = (n: number) => String(n).padStart(2, '0');
    const safeId = callId.replace(/[^0-9A-Za-z._-]/g, '_');
    return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${safeId}`;
  }

  /** Bus listener: a call's bridge came up (`call.connected`) → start recording it once; `call.ended` forgets it. */
  onEvent(e: GatewayEvent): void {
    if (e.type === 'call.ended') {
      this.recording.delete(e.callId);
      return;
    }
    if (e.type !== 'call.connected' || !this.settings.enabled) return;
    void this.startFor(e.callId);
  }

  /** Starts the bridge recording of a connected call; a failure is logged, the call goes on unrecorded. */
  async startFor(callId: string): Promise<void> {
    const call = this.calls.findCall(callId);
    if (!call?.bridgeId || this.recording.has(callId)) return;
    const name = this.nameFor(callId, call.answeredAt ?? this.clock.now());
    // Known before the request returns: Asterisk may report the recording's end (a failure) first.
    this.recording.set(callId, name);
    try {
      // Asterisk does not create the date partition itself ("No such file or directory"); we share its directory.
      await mkdir(join(this.settings.directory, dirname(name)), { recursive: true }).catch((err: Error) => this.log.warn({ callId, err: err.message }, 'recording partition not created'));
      await this.telephony.recordBridge(call.bridgeId, name, 'wav');
      this.calls.noteRecording(callId, `${name}.wav`);
      this.log.info({ callId, recording: `${name}.wav` }, 'recording the call');
    } catch (err) {
      this.recording.delete(callId);
      this.log.error({ callId, err: (err as Error).message }, 'call recording could not start');
    }
  }

  /** ARI RecordingFinished: the file is complete. */
  recordingFinished(r: RecordingEnd): void {
    const callId = this.callOf(r.name);
    this.log.info({ callId, recording: fileOf(r), durationSeconds: r.durationSeconds }, 'call recording finished');
  }

  /**
   * ARI RecordingFailed: the file is missing or cut short. Logged as an error and published (`recording.failed`,
   * counted in /metrics). The call is not recorded again: a new recording under its name would overwrite what the
   * failed one kept, and the call record still names that file.
   */
  recordingFailed(r: RecordingEnd): void {
    const callId = this.callOf(r.name);
    const recording = fileOf(r);
    this.log.error({ callId, recording, cause: r.cause ?? null, target: r.target }, 'call recording failed');
    this.events.publish({ type: 'recording.failed', at: this.clock.now(), callId, recording, cause: r.cause ?? null });
  }

  /**
   * The call of a recording: the live call it was started for, else its name's last part (the call id, made safe for
   * a file name): the recording of an ended call, or of one recorded before a restart.
   */
  private callOf(name: string): string {
    for (const [callId, n] of this.recording) if (n === name) return callId;
    return basename(name);
  }

  /**
   * The file of a recording name from a request or a call row. Anything but `YYYY/MM/DD/<id>.wav` is
   * CTI_ERR_VALIDATION (`..`, absolute paths, NUL, backslashes); a name whose real path (symlinks resolved)
   * is outside the directory is CTI_ERR_VALIDATION too; a missing file is CTI_ERR_NOT_FOUND.
   */
  async resolveFile(name: string): Promise<RecordingFile> {
    if (name.includes('\0') || isAbsolute(name) || name.split(/[\\/]/).includes('..') || !NAME.test(name)) {
      throw new CtiError('CTI_ERR_VALIDATION', 'invalid recording name', { expected: 'YYYY/MM/DD/<call id>.wav' });
    }
    const root = resolve(this.settings.directory);
    const candidate = resolve(join(root, name));
    if (!candidate.startsWith(root + sep)) throw new CtiError('CTI_ERR_VALIDATION', 'invalid recording name', {});
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
    } catch {
      throw new CtiError('CTI_ERR_NOT_FOUND', 'no such recording', { name });
    }
    if (!real.startsWith(realRoot + sep)) throw new CtiError('CTI_ERR_VALIDATION', 'invalid recording name', {});
    const info = await stat(real).catch(() => undefined);
    if (!info?.isFile()) throw new CtiError('CTI_ERR_NOT_FOUND', 'no such recording', { name });
    return { name, path: real, size: info.size };
  }
}
