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
    const [kind, a, b] = channel.args;
    if (kind === 'inbound') {
      const trunk = a === 'backup' ? 'backup' : 'primary';
      void this.calls.inbound(channel, trunk, b || channel.exten || '12345');
    } else if (kind === 'agent' && a) {
      void this.calls.agentAnswered(channel.id, a);
    } else if (channel.args.length > 0) {
      this.log.warn({ channel: channel.name, kind }, 'channel entered Stasis with unknown arguments');
    }
  }

  stasisEnd(channelId: string): void {
    this.calls.channelGone(channelId);
  }

  channelDestroyed(channelId: string): void {
    this.calls.channelGone(channelId);
  }

  dtmf(channelId: string, digit: string): void {
    if (digit === '2') this.calls.languageChosen(channelId, 'tibetan');
    else if (digit === '1') this.calls.languageChosen(channelId, 'mandarin');
  }

  connection(up: boolean): void {
    this.log.info({ up }, up ? 'ARI connected' : 'ARI disconnected');
    this.onConnection(up);
    if (up) {
      if (this.wasUp) this.log.info({}, 'ARI reconnected; reconciling calls');
      this.wasUp = true;
      this.calls.reconcile().catch((err: Error) => this.log.error({ err: err.message }, 'reconcile failed'));
    }
  }
}
