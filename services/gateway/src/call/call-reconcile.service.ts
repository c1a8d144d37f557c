import type { AcdEngine, TrunkName } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { CallSession } from './call-session.js';
import type { CallAdmission } from './call-admission.service.js';
import type { CallEnding } from './call-ending.service.js';
import type { CallRegistry } from './call.registry.js';
import type { CallRouting } from './call-routing.service.js';
import type { CallTelephony } from './call-telephony.port.js';
import type { CallerWaitService } from './caller-wait.service.js';
import type { OrphanBridgeWatch } from './orphan-bridge.watch.js';
import type { OutboundWork } from './outbound-work.port.js';

/** Channels a reconcile asks Asterisk about at once (their tags): bounded, not one awaited request after another. */
const RECONCILE_CONCURRENCY = 16;

/** Maps items with at most `limit` promises in flight; results in input order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * After (re)connecting to ARI — and after a restart with restored state — makes the gateway's view match Asterisk:
 * sessions whose caller vanished while we were blind are ended and recorded; a seat that was ringing is hung up and
 * its call goes back to its original place (events for it may have been lost). Channels unknown to us are told apart
 * by the tags set when they were created (see LegRole): only citizens' inbound calls (`CTI_ROLE=inbound`, set by the
 * dialplan) are adopted as callers, in arrival order; a leg of a live call is kept and ends with that call; any other
 * leg is hung up and logged, never queued.
 */
export class CallReconcile {
  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: Pick<AcdEngine, 'removeCall' | 'enqueue' | 'findCall'>,
    private readonly routing: Pick<CallRouting, 'whileReconciling' | 'legGone'>,
    private readonly admission: Pick<CallAdmission, 'inbound'>,
    private readonly wait: Pick<CallerWaitService, 'holdInQueue'>,
    private readonly ending: Pick<CallEnding, 'end' | 'sendToFallback'>,
    private readonly orphans: OrphanBridgeWatch,
    private readonly log: Logger,
    /** The owner of callback work, whose channels are not ours to judge; absent = none. */
    private readonly outbound?: Pick<OutboundWork, 'owns'>,
  ) {}

  /** Reconciles with Asterisk, routing held meanwhile; routes afterwards. */
  async reconcile(): Promise<void> {
    await this.routing.whileReconciling(() => this.reconcileWithAsterisk());
  }

  private async reconcileWithAsterisk(): Promise<void> {
    // Only what the gateway knew before asking is judged by the answer: a caller whose StasisStart arrives while the
    // lists are on their way (the applications are registered and events flow — a takeover under calls) is not in
    // them, yet very much there (seen in gateway-takeover.e2e.ts: such a caller was ended as abandoned).
    const sessionsBefore = new Set(this.registry.callIds());
    const legsBefore = new Set([...this.registry.legIds(), ...this.registry.ownedLegIds()]);
    const channels = await this.telephony.listAppChannels();
    const present = new Set(channels.map((c) => c.id));
    const bridges = await this.telephony.listBridges();
    const bridgeOf = new Map<string, { id: string; channels: string[] }>();
    for (const b of bridges) for (const c of b.channels) bridgeOf.set(c, b);
    // Channels of calls we know: ending one of them below must not make its legs look unknown.
    const known = new Set<string>([...this.registry.callIds(), ...this.registry.legIds(), ...this.registry.ownedLegIds(), ...this.orphans.channelIds()]);
    for (const s of this.registry.all()) {
      if (!sessionsBefore.has(s.callId)) continue;
      if (!present.has(s.callId)) {
        this.ending.end(s, 'caller');
      } else if (s.phase === 'ringing') {
        const leg = s.agentChannelId;
        if (leg) {
          this.registry.removeLeg(leg);
          await this.telephony.hangup(leg).catch(() => undefined);
        }
        this.requeueAtOriginalPlace(s);
      } else if (s.phase === 'connected' && (!s.agentChannelId || !present.has(s.agentChannelId) || !bridgeOf.has(s.callId))) {
        this.ending.end(s, s.agentChannelId && present.has(s.agentChannelId) ? 'caller' : 'agent');
      } else if (s.phase === 'queued' && s.languagePendingUntil === undefined && !this.acd.findCall(s.callId)) {
        // Saved while its admission was on its way (the takeover came between StasisStart and the queue): it was never
        // put in the queue, and nothing else would put it there (gateway-takeover.e2e.ts, loaded host: such a caller
        // waited unserved until they hung up).
        this.log.info({ callId: s.callId }, 'queueing a caller whose admission the previous process had not finished');
        s.playbackId = undefined;
        this.requeueAtOriginalPlace(s);
        if (s.callerAnswered) await this.telephony.startMoh(s.callId).catch(() => undefined);
      } else if (s.phase === 'queued') {
        s.playbackId = undefined;
        await this.telephony.startMoh(s.callId).catch(() => undefined);
      }
    }
    for (const legId of this.registry.legIds()) if (legsBefore.has(legId) && !present.has(legId)) this.routing.legGone(legId);
    for (const legId of this.registry.ownedLegIds()) if (legsBefore.has(legId) && !present.has(legId)) this.registry.removeOwnedLeg(legId);
    const unknown = channels
      .filter((c) => !known.has(c.id) && !this.outbound?.owns(c.id))
      .sort((a, b) => a.createdAt - b.createdAt);
    if (!unknown.length) return;
    // What each channel is for, from the tags set at origination (outbound legs) or by the dialplan (inbound calls).
    const tagged = await mapBounded(unknown, RECONCILE_CONCURRENCY, async (c) => ({ channel: c, tags: await this.telephony.tagsOf(c, (id) => this.registry.ownerOf(id)) }));
    const inboundIds = new Set(tagged.filter((t) => t.tags.inbound).map((t) => t.channel.id));
    // A citizen talking with someone the gateway no longer knows (a hand-off to a partner, say): never cut them off;
    // watch the bridge and end it when either side leaves.
    for (const b of bridges) {
      if (b.channels.length >= 2 && b.channels.some((c) => inboundIds.has(c)) && !b.channels.some((c) => this.registry.has(c))) this.orphans.watch(b);
    }
    for (const { channel: c, tags } of tagged) {
      if (this.orphans.has(c.id)) continue;
      const bridge = bridgeOf.get(c.id);
      if (tags.inbound) {
        if (bridge) await this.telephony.removeFromBridge(bridge.id, [c.id]).catch(() => undefined);
        const trunk: TrunkName = tags.trunk === 'backup' ? 'backup' : 'primary';
        this.log.info({ callId: c.id, trunk }, 'adopting a waiting caller found in Stasis');
        await this.admission.inbound(c, trunk, c.exten || '12345', true);
      } else if (tags.owner !== undefined && (this.registry.has(tags.owner) || this.outbound?.owns(tags.owner))) {
        // A leg of a call that is still up (a partner in a three-way call, say): it ends when that call ends.
        if (this.registry.has(tags.owner)) this.registry.addOwnedLeg(c.id, tags.owner);
        this.log.info({ channelId: c.id, channel: c.name, role: tags.role, owner: tags.owner }, 'keeping a leg of a live call found in Stasis');
      } else {
        this.log.warn({ channelId: c.id, channel: c.name, role: tags.role ?? null, owner: tags.owner ?? null }, 'hanging up a leg found in Stasis that no live call owns (never queued as a caller)');
        await this.telephony.hangup(c.id).catch((err: Error) => this.log.warn({ channelId: c.id, err: err.message }, 'unowned leg could not be hung up'));
      }
    }
  }

  /** Puts a call whose seat stopped ringing back in the queue where it was, without counting a miss against the agent. */
  private requeueAtOriginalPlace(s: CallSession): void {
    this.acd.removeCall(s.callId);
    s.phase = 'queued';
    s.agentChannelId = undefined;
    this.acd.enqueue({ callId: s.callId, line: s.did, language: s.language, enqueuedAt: s.queuedAt ?? s.arrivedAt });
    // A caller who was only ringing now waits: answer them and play hold music.
    if (!s.callerAnswered) void this.wait.holdInQueue(s).catch((err) => this.ending.sendToFallback(s, err));
  }
}
