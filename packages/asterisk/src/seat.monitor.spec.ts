import { describe, expect, it } from 'vitest';
import type { AmiClient, AmiEvent } from './ami.adapter.js';
import { SeatMonitor } from './seat.monitor.js';

/** The slice of AmiClient SeatMonitor uses, driven by hand. */
class FakeAmi {
  private readonly events: Array<(e: AmiEvent) => void> = [];
  private readonly connections: Array<(up: boolean) => void> = [];
  contacts: AmiEvent[] = [];
  onEvent(l: (e: AmiEvent) => void) {
    this.events.push(l);
  }
  onConnection(l: (up: boolean) => void) {
    this.connections.push(l);
  }
  async listAction(): Promise<AmiEvent[]> {
    return this.contacts;
  }
  emit(aor: string, contactstatus: string) {
    for (const l of this.events) l({ event: 'ContactStatus', aor, contactstatus });
  }
  connect() {
    for (const l of this.connections) l(true);
  }
}

function fixture() {
  const ami = new FakeAmi();
  const changes: Array<[string, boolean]> = [];
  const monitor = new SeatMonitor(ami as unknown as AmiClient, (aor) => aor.startsWith('seat-'), (s, r) => changes.push([s, r]));
  return { ami, monitor, changes };
}

describe('SeatMonitor', () => {
  it('reports a seat whose qualify goes unanswered as unreachable, and reachable again when it answers', () => {
    const { ami, monitor, changes } = fixture();
    ami.emit('seat-03', 'Unreachable');
    expect(monitor.isUnreachable('seat-03')).toBe(true);
    ami.emit('seat-03', 'Unreachable');
    ami.emit('seat-03', 'Reachable');
    ami.emit('seat-03', 'Reachable');
    expect(changes).toEqual([['seat-03', false], ['seat-03', true]]);
    expect(monitor.isUnreachable('seat-03')).toBe(false);
  });

  it('counts a removed registration as unreachable and a new one as reachable; ignores trunks and other states', () => {
    const { ami, changes } = fixture();
    ami.emit('seat-01', 'Removed');
    ami.emit('seat-01', 'Updated');
    ami.emit('seat-01', 'Created');
    ami.emit('trunk-primary', 'Unreachable');
    expect(changes).toEqual([['seat-01', false], ['seat-01', true]]);
  });

  it('takes the contact list at every AMI connect', async () => {
    const { ami, monitor, changes } = fixture();
    ami.contacts = [
      { event: 'ContactList', aor: 'seat-01', status: 'Unreachable' },
      { event: 'ContactList', aor: 'seat-02', status: 'Reachable' },
      { event: 'ContactList', aor: 'seat-03', status: 'Unknown' },
    ];
    ami.connect();
    await new Promise((r) => setImmediate(r));
    expect(changes).toEqual([['seat-01', false]]);
    expect(monitor.isUnreachable('seat-03')).toBe(false);
  });
});
