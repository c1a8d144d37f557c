// Fakes shared by the call specs; `.test.ts` so tsc skips it and the unit project does not collect it (as in domain/acd).
import { vi } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig, type CallRecord } from '@cti/domain';
import type { ChannelInfo, DialOptions, SnoopOptions, TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from './call-record.sink.js';
import { createCallService } from './call.service.js';
import { defaultCallerWaitPrompts, type CallerWaitSettings, type LanguageMemory } from './caller-wait.js';
import type { OutboundWork } from './outbound-work.port.js';
import type { EventPublisher, GatewayEvent } from '../events/event-bus.js';

type Method = keyof TelephonyPort;

/** Caller-wait settings with a 3 s language window, announcements every 30 s, the callback offer after 60 s. */
export const promptWait: CallerWaitSettings = {
  languageWindowSeconds: 3,
  announceIntervalSeconds: 30,
  virtualHoldAfterSeconds: 60,
  surgeWaitingCalls: 10,
  surgePredictedWaitSeconds: 600,
  prompts: defaultCallerWaitPrompts,
};

/** A TelephonyPort that records every call and can be told to reject a method. */
export class FakeTelephony implements TelephonyPort {
  readonly calls: Array<{ method: Method; args: unknown[] }> = [];
  readonly failures = new Map<Method, Error>();
  channels: ChannelInfo[] = [];
  /** Channel variables by channel id (getVar reads them). */
  readonly vars = new Map<string, Record<string, string>>();
  bridges: Array<{ id: string; channels: string[] }> = [];

  /** Methods that wait until the test calls the returned function before they settle. */
  readonly held = new Map<Method, Promise<void>>();

  holdOn(method: Method): () => void {
    let release = () => undefined as void;
    this.held.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.held.delete(method);
      release();
    };
  }

  failOn(method: Method, message = `${method} failed`): void {
    this.failures.set(method, new Error(message));
  }

  /** Fails `method` with `err` (e.g. Asterisk's AriUnansweredError); `times` calls only, when given, then succeeds. */
  failWith(method: Method, err: Error, times?: number): void {
    if (times === undefined) this.failures.set(method, err);
    else this.failSeries.set(method, [...(this.failSeries.get(method) ?? []), ...Array.from({ length: times }, () => err)]);
  }

  /** Errors for the next calls of a method, one per call. */
  private readonly failSeries = new Map<Method, Error[]>();

  argsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private async record(method: Method, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    await this.held.get(method);
    const once = this.failSeries.get(method)?.shift();
    if (once) throw once;
    const err = this.failures.get(method);
    if (err) throw err;
  }

  answer(channelId: string) {
    return this.record('answer', channelId);
  }
  startMoh(channelId: string) {
    return this.record('startMoh', channelId);
  }
  stopMoh(channelId: string) {
    return this.record('stopMoh', channelId);
  }
  hangup(channelId: string) {
    return this.record('hangup', channelId);
  }
  dial(options: DialOptions) {
    return this.record('dial', options);
  }
  createBridge(bridgeId: string) {
    return this.record('createBridge', bridgeId);
  }
  bridge(bridgeId: string, channelIds: string[]) {
    return this.record('bridge', bridgeId, channelIds);
  }
  destroyBridge(bridgeId: string) {
    return this.record('destroyBridge', bridgeId);
  }
  continueInDialplan(channelId: string, context: string, exten: string, priority: number) {
    return this.record('continueInDialplan', channelId, context, exten, priority);
  }
  async listAppChannels(): Promise<ChannelInfo[]> {
    await this.record('listAppChannels');
    return this.channels;
  }
  /** Channels that exist but are in no application (legs still ringing); listChannelIds() adds them to `channels`. */
  outsideApp: string[] = [];
  async listChannelIds(): Promise<string[]> {
    await this.record('listChannelIds');
    return [...this.channels.map((c) => c.id), ...this.outsideApp];
  }
  async listBridges(): Promise<Array<{ id: string; channels: string[] }>> {
    await this.record('listBridges');
    return this.bridges;
  }
  play(channelId: string, playbackId: string, media: string[]) {
    return this.record('play', channelId, playbackId, media);
  }
  stopPlayback(playbackId: string) {
    return this.record('stopPlayback', playbackId);
  }
  hold(channelId: string, on: boolean) {
    return this.record('hold', channelId, on);
  }
  mute(channelId: string, on: boolean, direction: 'in' | 'out' | 'both') {
    return this.record('mute', channelId, on, direction);
  }
  addToBridge(bridgeId: string, channelIds: string[]) {
    return this.record('addToBridge', bridgeId, channelIds);
  }
  removeFromBridge(bridgeId: string, channelIds: string[]) {
    return this.record('removeFromBridge', bridgeId, channelIds);
  }
  snoop(channelId: string, o: SnoopOptions) {
    return this.record('snoop', channelId, o);
  }
  recordBridge(bridgeId: string, name: string, format: string) {
    return this.record('recordBridge', bridgeId, name, format);
  }
  async getVar(channelId: string, name: string): Promise<string | undefined> {
    await this.record('getVar', channelId, name);
    return this.vars.get(channelId)?.[name];
  }
  setVar(channelId: string, name: string, value: string) {
    return this.record('setVar', channelId, name, value);
  }
  bridgeMoh(bridgeId: string, on: boolean) {
    return this.record('bridgeMoh', bridgeId, on);
  }
  stopRecording(name: string) {
    return this.record('stopRecording', name);
  }
}

/** A sink that keeps what it was given. */
export class FakeSink implements CallRecordSink {
  readonly records: CallRecord[] = [];
  async publish(record: CallRecord): Promise<void> {
    this.records.push(record);
  }
}

/** A logger that records and prints nothing. */
export function silentLogger(): Logger {
  const log: Record<string, unknown> = {};
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) log[level] = vi.fn();
  log.child = () => log;
  return log as unknown as Logger;
}

export function channel(id: string, over: Partial<ChannelInfo> = {}): ChannelInfo {
  return { id, name: `PJSIP/trunk-primary-${id}`, state: 'Ring', callerNumber: '13800001234', args: ['inbound', 'primary', '12345'], exten: '12345', createdAt: 1_000, ...over };
}

/** A CallService over the real ACD engine (no wrap-up) with fakes around it; `outbound`: the owner of callback work, if any. */
export function callFixture(wait?: CallerWaitSettings, languages?: LanguageMemory, outbound?: OutboundWork, lineGreeting?: (did: string) => string | undefined) {
  const clock = new ManualClock(1_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const telephony = new FakeTelephony();
  const sink = new FakeSink();
  const events: GatewayEvent[] = [];
  const notifier: EventPublisher = { publish: (e) => void events.push(e) };
  const log = silentLogger();
  const service = createCallService({ telephony, acd, sink, notifier, clock, log, settings: { ringTimeoutSeconds: 15, fallbackContext: 'cti-fallback', fallbackRetryMs: [1, 1, 1], ...(wait && { wait }) }, languages, outbound, ...(lineGreeting && { lineGreeting }) });
  const readyAgent = (agentId: string, seat: string, skills: Record<string, number> = { mandarin: 5 }) => {
    acd.login({ agentId, seat, skills });
    acd.ready(agentId);
  };
  return { clock, acd, telephony, sink, events, log, service, readyAgent };
}

/** Lets rejected promises' handlers (dial().catch) run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
