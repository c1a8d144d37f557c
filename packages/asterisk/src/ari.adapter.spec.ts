import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ARI_EVENT_HANDLERS, AriTelephony, DEFAULT_ARI_EVENT_TYPES, dispatchAriEvent, type AdapterLogger, type AriApplicationEvents } from './ari.adapter.js';
import type { TelephonyEvents } from './telephony.port.js';

type Reached = keyof TelephonyEvents | keyof AriApplicationEvents;

/** A handler port (and application-event listener) that notes every call: [method, ...args]. */
function recordingPort() {
  const calls: Array<[Reached, ...unknown[]]> = [];
  const note =
    <K extends Reached>(method: K) =>
    (...args: unknown[]) =>
      void calls.push([method, ...args]);
  const port: TelephonyEvents = {
    stasisStart: note('stasisStart'),
    stasisEnd: note('stasisEnd'),
    channelDestroyed: note('channelDestroyed'),
    dtmf: note('dtmf'),
    playbackFinished: note('playbackFinished'),
    recordingFinished: note('recordingFinished'),
    recordingFailed: note('recordingFailed'),
    connection: note('connection'),
  };
  const apps: AriApplicationEvents = { applicationReplaced: note('applicationReplaced') };
  return { port, apps, calls };
}

const channel = { id: '1733475600.42', name: 'PJSIP/trunk-primary-0000001a', state: 'Ring', caller: { number: '13800001234' }, dialplan: { exten: '12345' } };
const recording = (state: string, more: Record<string, unknown> = {}) => ({ name: '2026/01/02/1733475600.42', format: 'wav', state, target_uri: 'bridge:bridge-1733475600.42', ...more });

/**
 * One ARI event (as Asterisk sends it) of every type the gateway subscribes to, and the handler it must reach. A type
 * added to the subscription without a sample here fails the first test: add its sample and its handler.
 */
const SAMPLES: Record<string, { event: Record<string, unknown>; reaches: Reached }> = {
  StasisStart: { event: { type: 'StasisStart', channel, args: ['inbound', 'primary', '12345'] }, reaches: 'stasisStart' },
  StasisEnd: { event: { type: 'StasisEnd', channel }, reaches: 'stasisEnd' },
  ChannelDestroyed: { event: { type: 'ChannelDestroyed', channel, cause: 16 }, reaches: 'channelDestroyed' },
  ChannelDtmfReceived: { event: { type: 'ChannelDtmfReceived', channel, digit: '2' }, reaches: 'dtmf' },
  PlaybackFinished: { event: { type: 'PlaybackFinished', playback: { id: 'pb-1' } }, reaches: 'playbackFinished' },
  RecordingFinished: { event: { type: 'RecordingFinished', recording: recording('done', { duration: 42 }) }, reaches: 'recordingFinished' },
  RecordingFailed: { event: { type: 'RecordingFailed', recording: recording('failed', { cause: 'Disk full' }) }, reaches: 'recordingFailed' },
  ApplicationReplaced: { event: { type: 'ApplicationReplaced', application: 'cti12345-0' }, reaches: 'applicationReplaced' },
};

const quiet = (): AdapterLogger & { errors: Array<[object, string | undefined]> } => {
  const errors: Array<[object, string | undefined]> = [];
  return { info: () => undefined, warn: () => undefined, error: (o, m) => void errors.push([o, m]), errors };
};

/** The adapter's own dispatch (what the WebSocket listener calls), reached without a connection. */
const dispatchOf = (ari: AriTelephony) => (event: unknown) => (ari as unknown as { dispatch(e: unknown): void }).dispatch(event);

/** An adapter delivering to `port` as it does after start(), without connecting. */
function adapterWith(port: TelephonyEvents, log: AdapterLogger): AriTelephony {
  const ari = new AriTelephony({ url: 'http://127.0.0.1:1', user: 'u', password: 'p', apps: ['cti'] }, log);
  (ari as unknown as { events: TelephonyEvents }).events = port;
  return ari;
}

describe('ARI events: what is subscribed is what is dispatched', () => {
  it('subscribes to exactly the types it has a handler for', () => {
    expect([...DEFAULT_ARI_EVENT_TYPES].sort()).toEqual(Object.keys(ARI_EVENT_HANDLERS).sort());
    expect([...DEFAULT_ARI_EVENT_TYPES].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each([...DEFAULT_ARI_EVENT_TYPES])('dispatches %s to its handler, once', (type) => {
    const { port, apps, calls } = recordingPort();
    const sample = SAMPLES[type];
    expect(sample, `no sample event for the subscribed type ${type}`).toBeDefined();
    expect(dispatchAriEvent(port, sample?.event, apps)).toBe(type);
    expect(calls.map(([method]) => method)).toEqual([sample?.reaches]);
  });

  it('reaches a different handler for each subscribed type', () => {
    const reached = DEFAULT_ARI_EVENT_TYPES.map((type) => {
      const { port, apps, calls } = recordingPort();
      dispatchAriEvent(port, SAMPLES[type]?.event, apps);
      return calls[0]?.[0];
    });
    expect(new Set(reached).size).toBe(DEFAULT_ARI_EVENT_TYPES.length);
  });

  it('ignores types it does not subscribe to, names of Object.prototype and frames without a type', () => {
    const { port, apps, calls } = recordingPort();
    for (const event of [{ type: 'ChannelStateChange', channel }, { type: 'toString' }, { type: '__proto__' }, { type: 'constructor' }, {}, null, 'x']) {
      expect(dispatchAriEvent(port, event, apps)).toBeUndefined();
    }
    expect(calls).toEqual([]);
  });
});

describe('ARI recording events', () => {
  it('hands a failed recording to the handler port with its name, format, target and cause (it was dropped before)', () => {
    const { port, calls } = recordingPort();
    const ari = adapterWith(port, quiet());
    dispatchOf(ari)({ type: 'RecordingFailed', recording: recording('failed', { cause: 'Disk full' }) });
    expect(calls).toEqual([['recordingFailed', { name: '2026/01/02/1733475600.42', format: 'wav', target: 'bridge:bridge-1733475600.42', cause: 'Disk full' }]]);
  });

  it('hands a finished recording to the handler port with its duration', () => {
    const { port, calls } = recordingPort();
    const ari = adapterWith(port, quiet());
    dispatchOf(ari)({ type: 'RecordingFinished', recording: recording('done', { duration: 42 }) });
    expect(calls).toEqual([['recordingFinished', { name: '2026/01/02/1733475600.42', format: 'wav', target: 'bridge:bridge-1733475600.42', durationSeconds: 42 }]]);
  });

  it('logs a handler that throws instead of raising it into the WebSocket', () => {
    const { port } = recordingPort();
    port.recordingFailed = () => {
      throw new Error('boom');
    };
    const log = quiet();
    const ari = adapterWith(port, log);
    expect(() => dispatchOf(ari)({ type: 'RecordingFailed', recording: recording('failed') })).not.toThrow();
    expect(log.errors).toEqual([[{ err: 'boom', event: 'RecordingFailed' }, 'ARI event handler failed']]);
  });
});

describe('ARI application events and the request guard', () => {
  it('tells every ApplicationReplaced listener which application another connection took, and no call handler', () => {
    const { port, calls } = recordingPort();
    const ari = adapterWith(port, quiet());
    const replaced: string[] = [];
    ari.onApplicationReplaced((app) => replaced.push(`first ${app}`));
    ari.onApplicationReplaced((app) => replaced.push(`second ${app}`));
    dispatchOf(ari)({ type: 'ApplicationReplaced', application: 'cti12345-2' });
    expect(replaced).toEqual(['first cti12345-2', 'second cti12345-2']);
    expect(calls).toEqual([]);
  });

  it('asks the guard before each REST request, and sends nothing the guard refuses', async () => {
    let allowed = false;
    let asked = 0;
    const ari = new AriTelephony({ url: 'http://127.0.0.1:1', user: 'u', password: 'p', apps: ['cti'], beforeRequest: () => {
      asked++;
      if (!allowed) throw new Error('leadership lost');
    } }, quiet());
    await expect(ari.answer('ch-1')).rejects.toThrow('leadership lost');
    await expect(ari.setGlobalVar('CTI_GW_HEARTBEAT', '1')).rejects.toThrow('leadership lost');
    expect(asked).toBe(2);
    allowed = true;
    // Allowed: the request goes out (and fails on the closed port, not on the guard).
    await expect(ari.setGlobalVar('CTI_GW_HEARTBEAT', '1')).rejects.not.toThrow('leadership lost');
    expect(asked).toBe(3);
  });

  it('does not connect when the guard refuses', async () => {
    const log = quiet();
    const warnings: string[] = [];
    log.warn = (_o, m) => void warnings.push(String(m));
    const ari = new AriTelephony({ url: 'http://127.0.0.1:1', user: 'u', password: 'p', apps: ['cti'], beforeRequest: () => {
      throw new Error('leadership lost');
    } }, log);
    await ari.start(recordingPort().port);
    expect(warnings).toEqual(['ARI not (re)connected: this process may no longer act on Asterisk']);
    expect(ari.isUp()).toBe(false);
  });

  it('describes ARI ahead without asking the guard (a standby may read the description) and never rejects when Asterisk is away', async () => {
    const log = quiet();
    const warnings: string[] = [];
    log.warn = (_o, m) => void warnings.push(String(m));
    let asked = 0;
    const ari = new AriTelephony({ url: 'http://127.0.0.1:1', user: 'u', password: 'p', apps: ['cti'], beforeRequest: () => {
      asked++;
      throw new Error('not active');
    } }, log);
    await ari.prepare();
    await ari.prepare(); // described once
    expect(asked).toBe(0);
    expect(warnings).toEqual(['ARI not described ahead; it will be when the gateway starts']);
    expect(ari.isUp()).toBe(false);
  });

  it('uses a bridge an earlier gateway made for the same call instead of failing on 409, and still fails on other refusals', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url?.split('?')[0]}`);
      const exists = req.method === 'POST' && req.url?.startsWith('/ari/bridges/bridge-C1?');
      const refused = req.method === 'POST' && req.url?.startsWith('/ari/bridges/bridge-C2?');
      res.statusCode = exists ? 409 : refused ? 500 : 204;
      res.end(exists ? JSON.stringify({ message: "Bridge with id 'bridge-C1' already exists" }) : '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const log = quiet();
      const infos: string[] = [];
      log.info = (_o, m) => void infos.push(String(m));
      const ari = new AriTelephony({ url: `http://127.0.0.1:${port}`, user: 'u', password: 'p', apps: ['cti'] }, log);
      await ari.bridge('bridge-C1', ['C1', 'C1-leg1']);
      expect(requests).toEqual(['POST /ari/bridges/bridge-C1', 'POST /ari/bridges/bridge-C1/addChannel']);
      expect(infos).toEqual(['bridge already there (made by an earlier gateway for the same call); using it']);
      await expect(ari.createBridge('bridge-C2')).rejects.toThrow(/^500/);
      await ari.stop();
    } finally {
      server.close();
    }
  });
});
