import type { ChannelInfo, TelephonyPort } from '@cti/asterisk';

/** What a channel found in Stasis is for, from the tags set when it was created (see LegRole in @cti/asterisk). */
export interface ChannelTags {
  /** A citizen's inbound call, tagged by the dialplan: the only kind of channel ever adopted as a caller. */
  inbound: boolean;
  /** What the channel is for, as tagged (for the log); absent when untagged. */
  role?: string;
  /** The call a leg belongs to (not for inbound calls). */
  owner?: string;
  /** The trunk an inbound call came in on, as tagged. */
  trunk?: string;
}

/** Ringing an agent's seat for a call: the answered leg enters Stasis as that call's agent leg. */
export interface SeatRing {
  legId: string;
  callId: string;
  seat: string;
  callerNumber: string;
  timeoutSeconds: number;
}

/**
 * The Asterisk the call services drive, in their own words: seats, not endpoint strings; tags, not channel variables
 * or channel names. The rest is the plain slice of TelephonyPort they use.
 */
export interface CallTelephony
  extends Pick<
    TelephonyPort,
    | 'answer'
    | 'startMoh'
    | 'stopMoh'
    | 'hangup'
    | 'createBridge'
    | 'bridge'
    | 'destroyBridge'
    | 'addToBridge'
    | 'removeFromBridge'
    | 'bridgeMoh'
    | 'continueInDialplan'
    | 'play'
    | 'stopPlayback'
    | 'listAppChannels'
    | 'listBridges'
  > {
  /** Rings the agent's seat for the call (its leg is tagged as the call's seat leg). */
  ringSeat(ring: SeatRing): Promise<void>;
  /**
   * The tags of a channel found in Stasis; a channel already gone has none. `knownOwnerOf` names the live call a
   * channel belongs to when the gateway knows it (asked for the channel an untagged snoop spies on).
   */
  tagsOf(channel: ChannelInfo, knownOwnerOf: (channelId: string) => string | undefined): Promise<ChannelTags>;
}
