import { INBOUND_ROLE, LEG_VARS, seatEndpoint, spiedChannelOf, type ChannelInfo, type DialOptions, type TelephonyPort } from '@cti/asterisk';
import type { CallTelephony, ChannelTags, SeatRing } from './call-telephony.port.js';

/**
 * CallTelephony over the gateway's TelephonyPort (ARI): knows the seat endpoints, the Stasis arguments of an agent
 * leg (`agent,<callId>`, see extensions.conf), the CTI_* leg tags and how Asterisk names snoop channels. Every method
 * reaches the port when called, so a test may replace a port method after wiring.
 */
export class AsteriskCallTelephony implements CallTelephony {
  constructor(private readonly port: TelephonyPort) {}

  ringSeat(r: SeatRing): Promise<void> {
    const dial: DialOptions = { channelId: r.legId, endpoint: seatEndpoint(r.seat), callerNumber: r.callerNumber, timeoutSeconds: r.timeoutSeconds, appArgs: ['agent', r.callId], role: 'seat', owner: r.callId };
    return this.port.dial(dial);
  }

  /**
   * The CTI_ROLE/CTI_OWNER/CTI_TRUNK tags (see LegRole). A snoop channel can only be tagged after it exists (ARI's
   * snoop takes no variables), so one found untagged — the gateway died in between — is known by what Asterisk named
   * it after: the channel it spies on, whose owner it shares.
   */
  async tagsOf(c: ChannelInfo, knownOwnerOf: (channelId: string) => string | undefined): Promise<ChannelTags> {
    const read = (name: string) => this.port.getVar(c.id, name).catch(() => undefined);
    const role = await read(LEG_VARS.role);
    const spied = !role ? spiedChannelOf(c.name) : undefined;
    if (spied !== undefined) {
      const owner = knownOwnerOf(spied) ?? (await this.port.getVar(spied, LEG_VARS.owner).catch(() => undefined));
      return { inbound: false, role: 'snoop', ...(owner !== undefined && { owner }) };
    }
    const inbound = role === INBOUND_ROLE;
    const other = await read(inbound ? LEG_VARS.trunk : LEG_VARS.owner);
    return { inbound, ...(role !== undefined && { role }), ...(other !== undefined && (inbound ? { trunk: other } : { owner: other })) };
  }

  answer(channelId: string): Promise<void> {
    return this.port.answer(channelId);
  }
  startMoh(channelId: string): Promise<void> {
    return this.port.startMoh(channelId);
  }
  stopMoh(channelId: string): Promise<void> {
    return this.port.stopMoh(channelId);
  }
  hangup(channelId: string): Promise<void> {
    return this.port.hangup(channelId);
  }
  createBridge(bridgeId: string): Promise<void> {
    return this.port.createBridge(bridgeId);
  }
  bridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.port.bridge(bridgeId, channelIds);
  }
  destroyBridge(bridgeId: string): Promise<void> {
    return this.port.destroyBridge(bridgeId);
  }
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.port.addToBridge(bridgeId, channelIds);
  }
  removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.port.removeFromBridge(bridgeId, channelIds);
  }
  bridgeMoh(bridgeId: string, on: boolean): Promise<void> {
    return this.port.bridgeMoh(bridgeId, on);
  }
  continueInDialplan(channelId: string, context: string, exten: string, priority: number): Promise<void> {
    return this.port.continueInDialplan(channelId, context, exten, priority);
  }
  play(channelId: string, playbackId: string, media: string[]): Promise<void> {
    return this.port.play(channelId, playbackId, media);
  }
  stopPlayback(playbackId: string): Promise<void> {
    return this.port.stopPlayback(playbackId);
  }
  listAppChannels(): Promise<ChannelInfo[]> {
    return this.port.listAppChannels();
  }
  listBridges(): Promise<Array<{ id: string; channels: string[] }>> {
    return this.port.listBridges();
  }
}
