import ari from 'ari-client';
import { AriRest, AriRestError, seg, type AriQuery } from './ari.rest.js';
import { LEG_VARS, type ChannelInfo, type DialOptions, type SnoopOptions, type TelephonyEvents, type TelephonyPort } from './telephony.port.js';
import { DEFAULT_ARI_EVENT_TYPES, dispatchAriEvent, toChannelInfo, type AriApplicationEvents, type AriEventType } from './ari.events.js';

export { ARI_EVENT_HANDLERS, DEFAULT_ARI_EVENT_TYPES, dispatchAriEvent, type AriApplicationEvents, type AriEventType } from './ari.events.js';

/** The slice of a logger the adapters use (pino fits). */
export interface AdapterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where and as whom to reach ARI. */
export interface AriSettings {
  url: string;
  user: string;
  password: string;
  /** How long a REST request may go unanswered (AriUnansweredError); default 10 s. */
  requestTimeoutMs?: number;
  /** The Stasis applications to register (all on one connection; calls are spread over them by the dialplan). */
  apps: string[];
  /**
   * Event types the application receives (ARI eventFilter); default DEFAULT_ARI_EVENT_TYPES, every type the adapter
   * dispatches. Asterisk otherwise sends every channel and bridge event — about 60 per call — and its outgoing queue
   * backs up under load. Only types with a handler can be named (ARI_EVENT_HANDLERS).
   */
  eventTypes?: readonly AriEventType[];
  /**
   * Called, synchronously, before every REST request and before (re)connecting the event WebSocket; it throws (or ends
   * the process) when this process may no longer act on Asterisk: a gateway that lost its leadership must not ring,
   * bridge, hang up or register anything. None: always allowed.
   */
  beforeRequest?: () => void;
}

/**
 * Suffix of an application no channel ever enters: it is subscribed to every PJSIP endpoint and receives only
 * ChannelDestroyed, because a Stasis application stops hearing of a channel at its StasisEnd, before the
 * ChannelDestroyed that carries the hang-up cause (44 = Asterisk heard no RTP: a dead leg).
 */
export const HANGUP_CAUSE_APP_SUFFIX = '-hangups';


/** Tries of a hang-up that fails on the way (see hangup). */
const HANGUP_ATTEMPTS = 3;

function isNotFound(err: unknown): boolean {
  if ((err as { status?: number })?.status === 404) return true;
  const msg = String((err as Error)?.message ?? err);
  return /not found|404|Channel not in Stasis/i.test(msg);
}

/**
 * ARI over ari-client, with our own supervision: ari-client gives up reconnecting after about
 * 43 s, so on give-up this adapter starts a new client with capped backoff, forever.
 * The WebSocket URL carries the credentials and is never logged.
 */
export class AriTelephony implements TelephonyPort {
  private client: any;
  /** Where events go, from start() on: the handler acts through this adapter, so it is built after it (a true cycle). */
  private events: TelephonyEvents | undefined;
  private stopped = false;
  private attempt = 0;
  private up = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A client described ahead by prepare(), not yet started. */
  private prepared: Promise<any> | undefined;

  /** REST calls go straight over HTTP (see AriRest), each after settings.beforeRequest; ari-client runs the event WebSocket and the registration. */
  private readonly rest: Pick<AriRest, 'request' | 'close'>;
  private readonly replacedListeners: Array<(application: string) => void> = [];
  private readonly applicationEvents: AriApplicationEvents = {
    applicationReplaced: (application) => {
      this.log.warn({ application }, 'ARI application replaced: another connection registered it');
      for (const listener of this.replacedListeners) listener(application);
    },
  };

  constructor(
    private readonly settings: AriSettings,
    private readonly log: AdapterLogger,
  ) {
    const rest = new AriRest(settings.url, settings.user, settings.password, settings.requestTimeoutMs);
    const guard = settings.beforeRequest;
    this.rest = guard
      ? {
          request: <T>(...args: Parameters<AriRest['request']>) => {
            guard();
            return rest.request<T>(...args);
          },
          close: () => rest.close(),
        }
      : rest;
  }

  /**
   * `listener` hears of every application Asterisk handed to another WebSocket (ApplicationReplaced): another process
   * registered it and takes its calls from now on.
   */
  onApplicationReplaced(listener: (application: string) => void): void {
    this.replacedListeners.push(listener);
  }

  /**
   * Whether settings.beforeRequest lets this process (re)connect; a refusal stops the adapter for good (a reconnect
   * ari-client already scheduled cannot be cancelled: the gateway's guard ends the process rather than throw).
   */
  private mayConnect(): boolean {
    try {
      this.settings.beforeRequest?.();
      return true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'ARI not (re)connected: this process may no longer act on Asterisk');
      void this.stop();
      return false;
    }
  }

  /**
   * Describes ARI ahead of start() (ari-client reads Asterisk's REST description, a few hundred milliseconds) without
   * registering any application, so that a standby gateway's takeover only opens the WebSocket. Read-only, so it is
   * not subject to settings.beforeRequest; never rejects (start() describes again when this did not work).
   */
  async prepare(): Promise<void> {
    this.prepared ??= ari.connect(this.settings.url, this.settings.user, this.settings.password).catch((err: Error) => {
      this.log.warn({ err: err.message, ari: this.settings.url }, 'ARI not described ahead; it will be when the gateway starts');
      return undefined;
    });
    await this.prepared;
  }

  /** Whether the event WebSocket is connected now. */
  isUp(): boolean {
    return this.up;
  }

  /**
   * Connects and keeps connecting until stop(), delivering ARI events to `events`. Resolves once the first attempt
   * finished (up or not).
   */
  async start(events: TelephonyEvents): Promise<void> {
    this.events = events;
    this.stopped = false;
    await this.connectOnce();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.rest.close();
    try {
      this.client?.stop();
    } catch {
      /* already closed */
    }
    this.setUp(false);
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.events?.connection(up);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.attempt, 6));
    this.attempt++;
    this.retryTimer = setTimeout(() => void this.connectOnce(), delay);
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped || !this.mayConnect()) return;
    let client: any;
    try {
      // A client prepare() described serves the first connection only; a reconnection describes afresh.
      const prepared = await this.prepared;
      this.prepared = undefined;
      client = prepared ?? (await ari.connect(this.settings.url, this.settings.user, this.settings.password));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, attempt: this.attempt, ari: this.settings.url }, 'ARI not reachable, will retry');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    try {
      this.client?.stop();
    } catch {
      /* old client already closed */
    }
    this.client = client;
    this.wire(client);
    try {
      const causes = `${this.settings.apps[0]}${HANGUP_CAUSE_APP_SUFFIX}`;
      await client.start([...this.settings.apps, causes]);
      const allowed = (this.settings.eventTypes ?? DEFAULT_ARI_EVENT_TYPES).map((type) => ({ type }));
      await Promise.all([
        ...this.settings.apps.map((applicationName) =>
          client.applications
            .filter({ applicationName, filter: { allowed } })
            .catch((err: Error) => this.log.warn({ err: err.message, app: applicationName }, 'ARI event filter not applied; receiving every event')),
        ),
        this.watchHangupCauses(client, causes),
      ]);
      this.attempt = 0;
      this.log.info({ apps: this.settings.apps }, 'ARI applications registered');
      this.setUp(true);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'ARI WebSocket failed, will retry');
      this.scheduleReconnect();
    }
  }

  /** Subscribes the hang-up cause application to every PJSIP channel's ChannelDestroyed (see HANGUP_CAUSE_APP_SUFFIX). */
  private async watchHangupCauses(client: any, applicationName: string): Promise<void> {
    try {
      await client.applications.filter({ applicationName, filter: { allowed: [{ type: 'ChannelDestroyed' }] } });
      await this.rest.request('POST', `/applications/${seg(applicationName)}/subscription`, { eventSource: 'endpoint:PJSIP' });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, app: applicationName }, 'hang-up causes not watched; records of dead legs will lack their cause');
    }
  }

  private wire(client: any): void {
    // ari-client would build a resource object (with a closure per ARI operation) for every channel in every event; on
    // each (re)connect the adapter reads the WebSocket's frames itself instead (takeOverEvents), and this listener only
    // serves if that is not possible. dispatch() picks the events the gateway handles.
    client.on('*', (event: any) => this.dispatch(event));
    client.on('WebSocketReconnecting', () => {
      if (client !== this.client || !this.mayConnect()) return;
      this.log.warn({}, 'ARI WebSocket lost, ari-client reconnecting');
      this.setUp(false);
    });
    client.on('WebSocketConnected', () => {
      if (client !== this.client) return;
      this.takeOverEvents(client);
      this.attempt = 0;
      this.setUp(true);
    });
    client.on('WebSocketMaxRetries', () => {
      if (client !== this.client) return;
      this.log.warn({}, 'ari-client gave up reconnecting; starting a new client');
      this.setUp(false);
      this.scheduleReconnect();
    });
  }

  /**
   * Reads the event frames of the client's WebSocket directly (ari-client still connects, reconnects and pings).
   * Runs in ari-client's 'open' handler, before any frame can arrive on the new socket.
   */
  private takeOverEvents(client: any): void {
    const ws = client._ws;
    if (!ws || typeof ws.removeAllListeners !== 'function' || typeof ws.on !== 'function') {
      if (!this.warnedNoTakeover) this.log.warn({}, 'ari-client WebSocket not reachable; events go through ari-client');
      this.warnedNoTakeover = true;
      return;
    }
    ws.removeAllListeners('message');
    ws.on('message', (data: unknown) => {
      let event: any;
      try {
        event = JSON.parse(String(data));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'ARI sent a frame that is not JSON; ignored');
        return;
      }
      this.dispatch(event);
    });
  }

  private warnedNoTakeover = false;

  /** One ARI event to the gateway's handlers; a handler that throws is logged, never raised into the WebSocket. */
  private dispatch(event: any): void {
    try {
      if (this.events) dispatchAriEvent(this.events, event, this.applicationEvents);
    } catch (err) {
      this.log.error({ err: (err as Error).message, event: event?.type }, 'ARI event handler failed');
    }
  }

  private appTurn = 0;

  /** Originated legs are spread over the applications like the dialplan spreads inbound calls. */
  private nextApp(): string {
    const apps = this.settings.apps;
    return apps[this.appTurn++ % apps.length] as string;
  }

  private post(path: string, query?: AriQuery): Promise<unknown> {
    return this.rest.request('POST', path, query);
  }

  /** DELETE that treats "already gone" (404, not in Stasis) as done. */
  private async remove(path: string, query?: AriQuery): Promise<void> {
    await this.rest.request('DELETE', path, query).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Sets an Asterisk global (dialplan) variable, e.g. the gateway's heartbeat. */
  async setGlobalVar(name: string, value: string): Promise<void> {
    await this.post('/asterisk/variable', { variable: name, value });
  }

  async answer(channelId: string): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/answer`);
  }

  async startMoh(channelId: string): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/moh`, { mohClass: 'default' });
  }

  async stopMoh(channelId: string): Promise<void> {
    await this.remove(`/channels/${seg(channelId)}/moh`);
  }

  async hangup(channelId: string): Promise<void> {
    // A hang-up lost on the way (a time-out or a reset connection on a busy machine) would leave a caller, a partner
    // or a seat on the line and a leg in Stasis that nobody owns: retried, unless Asterisk itself refused it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.remove(`/channels/${seg(channelId)}`);
        return;
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (attempt >= HANGUP_ATTEMPTS || (status !== undefined && status < 500)) throw err;
        this.log.warn({ channelId, attempt, err: (err as Error).message }, 'hang-up failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async dial(o: DialOptions): Promise<void> {
    await this.rest.request(
      'POST',
      '/channels',
      { endpoint: o.endpoint, app: this.nextApp(), appArgs: o.appArgs.join(','), callerId: o.callerNumber, timeout: o.timeoutSeconds, channelId: o.channelId },
      { variables: { [LEG_VARS.role]: o.role, [LEG_VARS.owner]: o.owner } },
    );
  }

  /**
   * Creates the bridge, or finds it already there: bridge ids are the gateway's own and fixed per call
   * (`bridge-<callId>`), so an existing one was made for this very call by a gateway before this one (one killed after
   * preparing a caller's bridge, whose caller the next adopted: its connect met 409 and sent the caller to the fallback).
   */
  async createBridge(bridgeId: string): Promise<void> {
    try {
      await this.post(`/bridges/${seg(bridgeId)}`, { type: 'mixing', name: bridgeId });
    } catch (err) {
      if (!(err instanceof AriRestError && err.status === 409)) throw err;
      this.log.info({ bridgeId }, 'bridge already there (made by an earlier gateway for the same call); using it');
    }
  }

  async bridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.createBridge(bridgeId);
    await this.addToBridge(bridgeId, channelIds);
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    await this.remove(`/bridges/${seg(bridgeId)}`);
  }

  async continueInDialplan(channelId: string, context: string, exten: string, priority: number): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/continue`, { context, extension: exten, priority });
  }

  async listAppChannels(): Promise<ChannelInfo[]> {
    const apps = await Promise.all(this.settings.apps.map((name) => this.rest.request<{ channel_ids?: string[] }>('GET', `/applications/${seg(name)}`)));
    const ids = new Set<string>(apps.flatMap((a) => a?.channel_ids ?? []));
    const channels = (await this.rest.request<any[]>('GET', '/channels')) ?? [];
    return channels.filter((c) => ids.has(c.id)).map((c) => toChannelInfo(c));
  }

  async play(channelId: string, playbackId: string, media: string[]): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/play/${seg(playbackId)}`, { media: media.join(',') });
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.remove(`/playbacks/${seg(playbackId)}`);
  }

  async hold(channelId: string, on: boolean): Promise<void> {
    // ARI hold only signals; music on hold is what the held party should hear.
    if (on) await this.startMoh(channelId);
    else await this.rest.request('DELETE', `/channels/${seg(channelId)}/moh`);
  }

  async mute(channelId: string, on: boolean, direction: 'in' | 'out' | 'both'): Promise<void> {
    await this.rest.request(on ? 'POST' : 'DELETE', `/channels/${seg(channelId)}/mute`, { direction });
  }

  async addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.post(`/bridges/${seg(bridgeId)}/addChannel`, { channel: channelIds.join(',') });
  }

  async removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.post(`/bridges/${seg(bridgeId)}/removeChannel`, { channel: channelIds.join(',') }).catch((err: unknown) => {
      if (!isNotFound(err) && !/not in bridge|422/i.test(String((err as Error)?.message))) throw err;
    });
  }

  async snoop(channelId: string, o: SnoopOptions): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/snoop/${seg(o.snoopId)}`, { spy: o.spy, whisper: o.whisper, app: this.nextApp(), appArgs: o.appArgs.join(',') });
    // Snoop takes no variables: tag it right after (an untagged snoop found by a restarted gateway is hung up anyway).
    await Promise.all([this.setVar(o.snoopId, LEG_VARS.role, 'snoop'), this.setVar(o.snoopId, LEG_VARS.owner, o.owner)]).catch(() => undefined);
  }

  async recordBridge(bridgeId: string, name: string, format: string): Promise<void> {
    await this.post(`/bridges/${seg(bridgeId)}/record`, { name, format, ifExists: 'overwrite', beep: false, terminateOn: 'none' });
  }

  async getVar(channelId: string, name: string): Promise<string | undefined> {
    try {
      const r = await this.rest.request<{ value?: string }>('GET', `/channels/${seg(channelId)}/variable`, { variable: name });
      return r?.value ?? undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async setVar(channelId: string, name: string, value: string): Promise<void> {
    await this.post(`/channels/${seg(channelId)}/variable`, { variable: name, value });
  }

  async bridgeMoh(bridgeId: string, on: boolean): Promise<void> {
    if (on) await this.post(`/bridges/${seg(bridgeId)}/moh`, { mohClass: 'default' });
    else await this.remove(`/bridges/${seg(bridgeId)}/moh`);
  }

  async stopRecording(name: string): Promise<void> {
    await this.post(`/recordings/live/${seg(name)}/stop`).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async listChannelIds(): Promise<string[]> {
    const channels = (await this.rest.request<Array<{ id: string }>>('GET', '/channels')) ?? [];
    return channels.map((c) => c.id);
  }

  async listBridges(): Promise<Array<{ id: string; channels: string[] }>> {
    const bridges = (await this.rest.request<any[]>('GET', '/bridges')) ?? [];
    return bridges.map((b) => ({ id: b.id, channels: b.channels ?? [] }));
  }
}
