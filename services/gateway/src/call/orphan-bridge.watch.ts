import type { Logger } from '../logger.js';
import type { CallTelephony } from './call-telephony.port.js';

/**
 * Bridges a reconcile found with a citizen talking to someone no live call owns (a hand-off to a partner, say): never
 * cut off, they are watched, and when a party leaves, the last one is hung up and the bridge goes.
 */
export class OrphanBridgeWatch {
  /** Parties of watched bridges, by channel id. */
  private readonly orphans = new Map<string, { bridgeId: string; members: Set<string> }>();

  constructor(
    private readonly telephony: Pick<CallTelephony, 'hangup' | 'destroyBridge'>,
    private readonly log: Logger,
  ) {}

  /** Whether the channel is a party of a watched bridge. */
  has(channelId: string): boolean {
    return this.orphans.has(channelId);
  }

  /** The parties of every watched bridge. */
  channelIds(): string[] {
    return [...this.orphans.keys()];
  }

  watch(b: { id: string; channels: string[] }): void {
    const members = new Set(b.channels);
    for (const c of members) this.orphans.set(c, { bridgeId: b.id, members });
    this.log.warn({ bridgeId: b.id, channels: b.channels }, 'a caller is talking in a bridge no live call owns; it ends when a party leaves');
  }

  /** A channel went: if it was a party of a watched bridge and at most one is left, they are hung up and the bridge goes. */
  gone(channelId: string): void {
    const group = this.orphans.get(channelId);
    if (!group) return;
    this.orphans.delete(channelId);
    group.members.delete(channelId);
    if (group.members.size > 1) return;
    for (const c of group.members) {
      this.orphans.delete(c);
      void this.telephony.hangup(c).catch(() => undefined);
    }
    group.members.clear();
    void this.telephony.destroyBridge(group.bridgeId).catch(() => undefined);
  }
}
