import type { ChannelInfo, RecordingEnd, TelephonyEvents } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { CallService } from './call.service.js';

/**
 * A feature that owns channels entering Stasis with particular first arguments (e.g. `linkage`, `snoop`,
 * `callback`) and wants to hear about channels going away, DTMF and finished playbacks.
 */
export interface StasisExtension {
  /** First Stasis arguments this extension owns. */
  kinds: readonly string[];
  start(channel: ChannelInfo): void | Promise<void>;
  /** A channel left Stasis or was destroyed; `cause` (Q.850) only comes with ChannelDestroyed. */
  channelGone?(channelId: string, cause?: number): void;
  /**
   * Asked first when a channel goes: true means the extension takes the departure over and the call service is not
   * told (e.g. the first agent hanging up during an attended transfer does not end the call).
   */
  claimsGone?(channelId: string): boolean;
  /** Returns true when the digit was consumed and must not reach the queue logic. */
  dtmf?(channelId: string, digit: string): boolean;
  playbackFinished?(playbackId: string): void;
  /**
   * After each (re)connection, once the calls are reconciled: state carried over a restart or takeover is checked
   * against Asterisk (channels that ended while no gateway listened).
   */
  reconcile?(): Promise<void>;
}

/** A feature that hears how the recordings it started ended (RecordingService). */
export interface RecordingListener {
  recordingFinished(recording: RecordingEnd): void;
  recordingFailed(recording: RecordingEnd): void;
}

/** Turns ARI events into CallService calls; knows the Stasis argument conventions of extensions.conf. */
export class CallStasisHandler implements TelephonyEvents {
  private wasUp = false;

  constructor(
    private readonly calls: CallService,
    private readonly log: Logger,
    private readonly onConnection: (up: boolean) => void = () => undefined,
    private readonly extensions: StasisExtension[] = [],
    private readonly recordings: RecordingListener[] = [],
  ) {}

  stasisStart(channel: ChannelInfo): void {
    this.guard('StasisStart', channel.id, () => {
      const [kind, a, b] = channel.args;
      if (kind === 'inbound') {
        const trunk = a === 'backup' ? 'backup' : 'primary';
        return this.calls.inbound(channel, trunk, b || channel.exten || '12345');
      }
      if (kind === 'agent' && a) return this.calls.agentAnswered(channel.id, a);
      const extension = this.extensions.find((e) => kind !== undefined && e.kinds.includes(kind));
      if (extension) return extension.start(channel);
      if (channel.args.length > 0) this.log.warn({ channel: channel.name, kind }, 'channel entered Stasis with unknown arguments');
      return undefined;
    });
  }

  stasisEnd(channelId: string): void {
    this.gone('StasisEnd', channelId);
  }

  channelDestroyed(channelId: string, cause?: number): void {
    this.gone('ChannelDestroyed', channelId, cause);
  }

  private gone(event: string, channelId: string, cause?: number): void {
    let claimed = false;
    for (const e of this.extensions) if (!claimed && e.claimsGone) this.guard(event, channelId, () => void (claimed = e.claimsGone?.(channelId) ?? false));
    // After a StasisEnd the channel's ChannelDestroyed (with the hang-up cause) follows at once.
    if (!claimed) this.guard(event, channelId, () => this.calls.channelGone(channelId, cause, event === 'StasisEnd'));
    for (const e of this.extensions) if (e.channelGone) this.guard(event, channelId, () => e.channelGone?.(channelId, cause));
  }

  /** The caller's keys while waiting: 2 = Tibetan, 3 = back to Mandarin, 1 = call me back (when offered). */
  dtmf(channelId: string, digit: string): void {
    this.guard('ChannelDtmfReceived', channelId, () => {
      for (const e of this.extensions) if (e.dtmf?.(channelId, digit)) return;
      if (digit === '2') this.calls.languageChosen(channelId, 'tibetan');
      else if (digit === '3') this.calls.languageChosen(channelId, 'mandarin');
      else if (digit === '1') this.calls.callbackRequested(channelId);
    });
  }

  playbackFinished(playbackId: string, failed = false): void {
    this.guard('PlaybackFinished', undefined, () => this.calls.playbackFinished(playbackId, failed));
    for (const e of this.extensions) if (e.playbackFinished) this.guard('PlaybackFinished', undefined, () => e.playbackFinished?.(playbackId));
  }

  recordingFinished(recording: RecordingEnd): void {
    for (const l of this.recordings) this.guard('RecordingFinished', undefined, () => l.recordingFinished(recording));
  }

  recordingFailed(recording: RecordingEnd): void {
    for (const l of this.recordings) this.guard('RecordingFailed', undefined, () => l.recordingFailed(recording));
  }

  connection(up: boolean): void {
    this.log.info({ up }, up ? 'ARI connected' : 'ARI disconnected');
    this.guard('connection', undefined, () => this.onConnection(up));
    if (up) {
      if (this.wasUp) this.log.info({}, 'ARI reconnected; reconciling calls');
      this.wasUp = true;
      this.guard('reconcile', undefined, async () => {
        await this.calls.reconcile();
        for (const e of this.extensions) if (e.reconcile) this.guard('reconcile', undefined, () => e.reconcile?.());
      });
    }
  }

  /** Runs one event's work; a throw or rejection is logged, never raised into the ARI client (handlers must not throw). */
  private guard(event: string, channelId: string | undefined, work: () => void | Promise<void>): void {
    const failed = (err: unknown) => this.log.error({ event, channelId, err: (err as Error)?.message }, 'ARI event handling failed');
    try {
      const pending = work();
      if (pending) pending.catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}
