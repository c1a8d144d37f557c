import { describe, expect, it } from 'vitest';
import type { AmiClient, AmiEvent } from './ami.adapter.js';
import { TrunkMonitor, type TrunkStatus } from './trunk.monitor.js';

/** The slice of AmiClient TrunkMonitor uses, driven by hand. */
class FakeAmi {
  private readonly events: Array<(e: AmiEvent) => void> = [];
  private readonly connections: Array<(up: boolean) => void> = [];
  contacts: AmiEvent[] = [];
  failList = false;
  onEvent(l: (e: AmiEvent) => void) {
    this.events.push(l);
  }
  onConnection(l: (up: boolean) => void) {
    this.connections.push(l);
  }
  /** Like Asterisk: PJSIPShowContacts lists no static (AOR `contact=`) contacts; PJSIPShowEndpoint gives each one's status. */
  async listAction(fields: Record<string, string | number>, row: string): Promise<AmiEvent[]> {
    if (this.failList) throw new Error('AMI down');
    if (fields.action !== 'PJSIPShowEndpoint' || row !== 'ContactStatusDetail') return [];
    return this.contacts.filter((c) => c.aor === fields.endpoint);
  }
  emit(e: Record<string, string>) {
    for (const l of this.events) l({ event: 'ContactStatus', ...e });
  }
  connect() {
    for (const l of this.connections) l(true);
  }
}

function fixture() {
  const ami = new FakeAmi();
  let now = 1_000;
  const changes: Array<[string, TrunkStatus]> = [];
  const monitor = new TrunkMonitor(ami as unknown as AmiClient, ['trunk-primary', 'trunk-backup'], () => now, (t, s) => changes.push([t, { ...s }]));
  return { ami, monitor, changes, setNow: (ms: number) => (now = ms) };
}

describe('TrunkMonitor', () => {
  it('starts with every trunk unknown', () => {
    const { monitor } = fixture();
    expect(monitor.snapshot()).toEqual({
      'trunk-primary': { status: 'unknown', rttMs: null, since: 1_000 },
      'trunk-backup': { status: 'unknown', rttMs: null, since: 1_000 },
    });
  });

  it('flips a trunk down on Unreachable and up on Reachable, with since timestamps and onChange', () => {
    const { ami, monitor, changes, setNow } = fixture();
    setNow(2_000);
    ami.emit({ contactstatus: 'Reachable', aor: 'trunk-primary', roundtripusec: '4500' });
    setNow(3_000);
    ami.emit({ contactstatus: 'Unreachable', aor: 'trunk-primary', roundtripusec: '0' });
    setNow(4_000);
    ami.emit({ contactstatus: 'Reachable', aor: 'trunk-primary', roundtripusec: '2000' });
    expect(changes).toEqual([
      ['trunk-primary', { status: 'up', rttMs: 4.5, since: 2_000 }],
      ['trunk-primary', { status: 'down', rttMs: 4.5, since: 3_000 }],
      ['trunk-primary', { status: 'up', rttMs: 2, since: 4_000 }],
    ]);
    expect(monitor.snapshot()['trunk-backup']?.status).toBe('unknown');
  });

  it('updates the round-trip without a change event or new since while the status holds', () => {
    const { ami, monitor, changes, setNow } = fixture();
    ami.emit({ contactstatus: 'Reachable', aor: 'trunk-backup', roundtripusec: '1000' });
    setNow(9_000);
    ami.emit({ contactstatus: 'Reachable', aor: 'trunk-backup', roundtripusec: '3000' });
    expect(changes).toHaveLength(1);
    expect(monitor.snapshot()['trunk-backup']).toEqual({ status: 'up', rttMs: 3, since: 1_000 });
  });

  it('ignores Created/Updated events, other events and unknown AORs', () => {
    const { ami, changes } = fixture();
    ami.emit({ contactstatus: 'Created', aor: 'trunk-primary' });
    ami.emit({ contactstatus: 'Updated', aor: 'trunk-primary' });
    ami.emit({ contactstatus: 'Unreachable', aor: 'seat-01' });
    ami.emit({ event: 'PeerStatus', aor: 'trunk-primary', contactstatus: 'Unreachable' });
    expect(changes).toEqual([]);
  });

  it('reads every contact when AMI (re)connects', async () => {
    const { ami, monitor } = fixture();
    ami.contacts = [
      { event: 'ContactStatusDetail', aor: 'trunk-primary', status: 'Reachable', roundtripusec: '7000' },
      { event: 'ContactStatusDetail', aor: 'trunk-backup', status: 'Unreachable', roundtripusec: '0' },
    ];
    ami.connect();
    await new Promise((r) => setImmediate(r));
    expect(monitor.snapshot()).toMatchObject({ 'trunk-primary': { status: 'up', rttMs: 7 }, 'trunk-backup': { status: 'down' } });
  });

  it('keeps the last status when the snapshot action fails', async () => {
    const { ami, monitor } = fixture();
    ami.emit({ contactstatus: 'Reachable', aor: 'trunk-primary' });
    ami.failList = true;
    await expect(monitor.refresh()).resolves.toBeUndefined();
    expect(monitor.snapshot()['trunk-primary']?.status).toBe('up');
  });
});
