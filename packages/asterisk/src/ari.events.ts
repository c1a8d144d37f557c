import type { ChannelInfo, RecordingEnd, TelephonyEvents } from './telephony.port.js';

/** An ARI channel as the gateway sees it. */
export function toChannelInfo(ch: any, args: string[] = []): ChannelInfo {
  return {
    id: ch.id,
    name: ch.name,
    state: ch.state,
    callerNumber: ch.caller?.number ?? '',
    args,
    exten: ch.dialplan?.exten ?? '',
    createdAt: ch.creationtime ? Date.parse(ch.creationtime) : Date.now(),
  };
}

/** How an ARI recording ended, as the recording listeners read it. */
function toRecordingEnd(r: any): RecordingEnd {
  const duration = Number(r?.duration);
  return {
    name: String(r?.name ?? ''),
    format: String(r?.format ?? ''),
    target: String(r?.target_uri ?? ''),
    ...(typeof r?.cause === 'string' && r.cause !== '' && { cause: r.cause }),
    ...(r?.duration !== undefined && Number.isFinite(duration) && { durationSeconds: duration }),
  };
}

/** What ARI says about the adapter's applications themselves rather than about calls (AriTelephony.onApplicationReplaced). */
export interface AriApplicationEvents {
  /**
   * Asterisk gave `application` to a newer WebSocket: another process registered it, and this one gets none of its
   * calls from now on.
   */
  applicationReplaced(application: string): void;
}

/**
 * The ARI events the gateway handles, each with the handler-port (or application-event) call it becomes. The
 * subscription (ARI event filter, DEFAULT_ARI_EVENT_TYPES) and dispatchAriEvent() both read this one table, so an event
 * is never subscribed to and then dropped, nor handled but never sent.
 */
export const ARI_EVENT_HANDLERS = {
  StasisStart: (to, e) => to.stasisStart(toChannelInfo(e.channel, e.args ?? [])),
  StasisEnd: (to, e) => to.stasisEnd(e.channel.id),
  ChannelDestroyed: (to, e) => to.channelDestroyed(e.channel.id, Number(e.cause ?? 0)),
  ChannelDtmfReceived: (to, e) => to.dtmf(e.channel.id, String(e.digit)),
  PlaybackFinished: (to, e) => to.playbackFinished(String(e.playback?.id ?? ''), e.playback?.state === 'failed'),
  RecordingFinished: (to, e) => to.recordingFinished(toRecordingEnd(e.recording)),
  RecordingFailed: (to, e) => to.recordingFailed(toRecordingEnd(e.recording)),
  ApplicationReplaced: (_to, e, apps) => apps.applicationReplaced(String(e.application ?? '')),
} satisfies Record<string, (to: TelephonyEvents, event: any, apps: AriApplicationEvents) => void>;

/** An ARI event type the adapter handles. */
export type AriEventType = keyof typeof ARI_EVENT_HANDLERS;

/** The events the gateway's features handle: what the Stasis applications subscribe to. */
export const DEFAULT_ARI_EVENT_TYPES = Object.keys(ARI_EVENT_HANDLERS) as readonly AriEventType[];

/**
 * One ARI event to the handler port (or, for an event about the applications, to `apps`); returns its type, or
 * undefined for a type the gateway does not handle (ignored). A handler's throw is raised to the caller.
 */
export function dispatchAriEvent(to: TelephonyEvents, event: any, apps: AriApplicationEvents): AriEventType | undefined {
  const type = event?.type;
  if (typeof type !== 'string' || !Object.hasOwn(ARI_EVENT_HANDLERS, type)) return undefined;
  ARI_EVENT_HANDLERS[type as AriEventType](to, event, apps);
  return type as AriEventType;
}
