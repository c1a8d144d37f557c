import type { TrunkName } from '@cti/domain';

/** A channel as the call logic needs to see it. */
export interface ChannelInfo {
  id: string;
  name: string;
  state: string;
  callerNumber: string;
  /** Stasis application arguments, when the channel is in our application. */
  args: string[];
  /** Dialled extension of the channel's dialplan location. */
  exten: string;
  createdAt: number;
}

/**
 * What a leg the gateway originates is for. It is set on the channel at origination (channel variable
 * `CTI_ROLE`, with the owning call in `CTI_OWNER`) so that a restarted gateway, which lost its memory of the leg,
 * can tell it from a citizen's call: the dialplan marks inbound calls `CTI_ROLE=inbound`, and only those are ever
 * adopted as callers.
 */
export type LegRole = 'seat' | 'transfer' | 'partner' | 'callback-seat' | 'callback-citizen' | 'supervisor-seat' | 'snoop';

/** Channel variable names of the leg tags (see LegRole). */
export const LEG_VARS = { role: 'CTI_ROLE', owner: 'CTI_OWNER', trunk: 'CTI_TRUNK' } as const;

/** The role the dialplan gives a citizen's inbound call. */
export const INBOUND_ROLE = 'inbound';

/** The dial string of an agent's seat: its PJSIP endpoint (asterisk-conf renders one per seat). */
export const seatEndpoint = (seat: string): string => `PJSIP/${seat}`;

/** The dial string of an outside number (digits only, outbound prefix included) over carrier trunk `trunk-<trunk>`. */
export const trunkEndpoint = (digits: string, trunk: TrunkName): string => `PJSIP/${digits}@trunk-${trunk}`;

/**
 * The id of the channel a snoop channel spies on, from the snoop's name (`Snoop/<spied channel's unique id>-<8 hex>`,
 * as Asterisk's res_stasis_snoop names it; the unique id of a channel the gateway originates is the id it chose);
 * undefined for any other channel. See docs/domain.md §7 (Snoop channels).
 */
export function spiedChannelOf(channelName: string): string | undefined {
  const m = /^Snoop\/(.+)-[0-9a-f]{8}$/.exec(channelName);
  return m?.[1];
}

/** Options for ringing an endpoint into the Stasis application. */
export interface DialOptions {
  /** Channel id to create, so events can be matched before originate returns. */
  channelId: string;
  /** Endpoint, e.g. `PJSIP/seat-01`. */
  endpoint: string;
  callerNumber: string;
  timeoutSeconds: number;
  /** Stasis arguments the answered channel arrives with. */
  appArgs: string[];
  /** What the leg is for, set on the channel as CTI_ROLE. */
  role: LegRole;
  /** The call that owns the leg (its caller's channel id, or the callback's queue id), set as CTI_OWNER. */
  owner: string;
}

/** A snoop channel on a call's leg into our app (the snoop channel is tagged role `snoop`, owned by `owner`). */
export interface SnoopOptions {
  snoopId: string;
  spy: 'none' | 'in' | 'out' | 'both';
  whisper: 'none' | 'in' | 'out' | 'both';
  appArgs: string[];
  /** The call being supervised. */
  owner: string;
}

/** Call control the gateway needs from Asterisk (ARI). Methods reject with a CtiError-like Error on failure. */
export interface TelephonyPort {
  answer(channelId: string): Promise<void>;
  startMoh(channelId: string): Promise<void>;
  stopMoh(channelId: string): Promise<void>;
  /** Hangs up; a channel that is already gone is not an error. */
  hangup(channelId: string): Promise<void>;
  dial(options: DialOptions): Promise<void>;
  /** Creates an empty mixing bridge. */
  createBridge(bridgeId: string): Promise<void>;
  /** Creates a mixing bridge holding the channels. */
  bridge(bridgeId: string, channelIds: string[]): Promise<void>;
  /** Destroys a bridge; a bridge already gone is not an error. */
  destroyBridge(bridgeId: string): Promise<void>;
  /** Sends a channel back to the dialplan (e.g. the fallback queue) instead of stranding it. */
  continueInDialplan(channelId: string, context: string, exten: string, priority: number): Promise<void>;
  /** Channels currently in our Stasis application (for reconciliation after a reconnect). */
  listAppChannels(): Promise<ChannelInfo[]>;
  /** Ids of every channel in Asterisk now, in an application or not (a leg still ringing is in none). */
  listChannelIds(): Promise<string[]>;
  /** Bridge ids currently owned by our application and their channels. */
  listBridges(): Promise<Array<{ id: string; channels: string[] }>>;
  /** Plays media (`sound:…`, `digits:…`, `number:…`, `tone:…`) on a channel; resolves when started. */
  play(channelId: string, playbackId: string, media: string[]): Promise<void>;
  /** Stops a playback; one already finished is not an error. */
  stopPlayback(playbackId: string): Promise<void>;
  /** Puts a channel on hold (the far end hears music on hold) or takes it off. */
  hold(channelId: string, on: boolean): Promise<void>;
  /** Mutes or unmutes a channel's audio in a direction. */
  mute(channelId: string, on: boolean, direction: 'in' | 'out' | 'both'): Promise<void>;
  /** Adds channels to an existing bridge. */
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  /** Removes channels from a bridge; a channel already gone is not an error. */
  removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  /** Creates a snoop channel on `channelId` into our app: spy hears, whisper speaks (`none`, `in`, `out`, `both`). */
  snoop(channelId: string, o: SnoopOptions): Promise<void>;
  /** Starts recording a bridge to `name` (relative to Asterisk's recording directory) in `format`. */
  recordBridge(bridgeId: string, name: string, format: string): Promise<void>;
  /** Reads a channel variable; undefined when unset. */
  getVar(channelId: string, name: string): Promise<string | undefined>;
  /** Sets a channel variable. */
  setVar(channelId: string, name: string, value: string): Promise<void>;
  /** Plays music on hold to everyone in a bridge (a caller held while their agent consults) or stops it. */
  bridgeMoh(bridgeId: string, on: boolean): Promise<void>;
  /** Stops a live recording (by its name), keeping the file; one already finished is not an error. */
  stopRecording(name: string): Promise<void>;
}

/** A recording as Asterisk reports its end (ARI RecordingFinished / RecordingFailed). */
export interface RecordingEnd {
  /** The name it was started under: relative to Asterisk's recording directory, without the format's extension. */
  name: string;
  /** The format (file extension), e.g. `wav`. */
  format: string;
  /** What was recorded, e.g. `bridge:<bridge id>`; empty when Asterisk did not say. */
  target: string;
  /** Why it failed, when Asterisk says (RecordingFailed). */
  cause?: string;
  /** Seconds recorded, when Asterisk says. */
  durationSeconds?: number;
}

/** Events from Asterisk the call logic reacts to. Handlers must not throw. */
export interface TelephonyEvents {
  stasisStart(channel: ChannelInfo): void;
  stasisEnd(channelId: string): void;
  channelDestroyed(channelId: string, cause: number): void;
  dtmf(channelId: string, digit: string): void;
  /** A playback started with play() finished (or was stopped); `failed`: Asterisk could not play it (a missing sound file). */
  playbackFinished(playbackId: string, failed?: boolean): void;
  /** A recording started with recordBridge() ended and its file is complete. */
  recordingFinished(recording: RecordingEnd): void;
  /** A recording started with recordBridge() failed: its file is missing or cut short. */
  recordingFailed(recording: RecordingEnd): void;
  /** Connection to ARI went up (after start or a reconnect) or down. */
  connection(up: boolean): void;
}
