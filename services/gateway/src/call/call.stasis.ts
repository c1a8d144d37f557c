import type { ChannelInfo, TelephonyEvents } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { CallService } from './call.service.js';

/** Turns ARI events into CallService calls; knows the Stasis argument conventions of extensions.conf. */
export class CallStasisHandler implements TelephonyEvents {
  private wasUp = false;

  constructor(
    private readonly calls: CallService,
    private readonly log: Logger,
    private readonly onConnection: (up: boolean) => void = () => undefined,
  ) {}

  stasisStart(channel: ChannelInfo): void {
    this.guard('StasisStart', channel.id, () => {
      const [kind, a, b] = channel.args;
      if (kind === 'inbound') {
        const trunk = a === 'backup' ? 'backup' : 'primary';
        return this.calls.inbound(channel, trunk, b || channel.exten || '12345');
      }
      if (kind === 'agent' && a) return this.calls.agentAnswered(channel.id, a);
      if (channel.args.length > 0) this.log.warn({ channel: channel.name, kind }, 'channel entered Stasis with unknown arguments');
      return undefined;
    });
  }

  stasisEnd(channelId: string): void {
    this.guard('StasisEnd', channelId, () => this.calls.channelGone(channelId));
  }

  channelDestroyed(channelId: string): void {
    this.guard('ChannelDestroyed', channelId, () => this.calls.channelGone(channelId));
  }

  dtmf(channelId: string, digit: string): void {
    this.guard('ChannelDtmfReceived', channelId, () => {
      if (digit === '2') this.calls.languageChosen(channelId, 'tibetan');
      else if (digit === '1') this.calls.languageChosen(channelId, 'mandarin');
    });
  }

  connection(up: boolean): void {
    this.log.info({ up }, up ? 'ARI connected' : 'ARI disconnected');
    this.guard('connection', undefined, () => this.onConnection(up));
    if (up) {
      if (this.wasUp) this.log.info({}, 'ARI reconnected; reconciling calls');
      this.wasUp = true;
      this.guard('reconcile', undefined, () => this.calls.reconcile());
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
