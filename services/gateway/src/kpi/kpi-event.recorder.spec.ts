import { describe, expect, it } from 'vitest';
import type { AgentStateChange, KpiWrite } from '@cti/db';
import type { AgentState } from '@cti/domain';
import type { GatewayEvent } from '../events/event-bus.js';
import { KpiEventRecorder, type KpiEventStore } from './kpi-event.recorder.js';

/** A store that logs what it was asked, can hold a batch open, and refuses writes about one call. */
class FakeStore implements KpiEventStore {
  readonly log: string[] = [];
  gate: Promise<void> | undefined;
  badCall: string | undefined;

  private check(w: KpiWrite): void {
    if (w.kind !== 'state' && w.callId === this.badCall) throw new Error(`bad write for ${w.callId}`);
  }

  async recordBatch(writes: readonly KpiWrite[]): Promise<void> {
    await this.gate;
    writes.forEach((w) => this.check(w));
    this.log.push(`batch ${writes.map(label).join(' ')}`);
  }
  async recordChange(change: AgentStateChange): Promise<void> {
    this.log.push(`one ${label({ kind: 'state', change })}`);
  }
  async recordOffer(callId: string, agentId: string, at: number): Promise<void> {
    const w: KpiWrite = { kind: 'offer', callId, agentId, at };
    this.check(w);
    this.log.push(`one ${label(w)}`);
  }
  async resolveOffer(callId: string, agentId: string, answered: boolean, at: number): Promise<void> {
    const w: KpiWrite = { kind: 'resolve', callId, agentId, answered, at };
    this.check(w);
    this.log.push(`one ${label(w)}`);
  }
}

const label = (w: KpiWrite) => (w.kind === 'state' ? `${w.change.agentId}:${w.change.to}` : `${w.kind}:${w.callId}`);
const state = (agentId: string, to: AgentState, at = 1): GatewayEvent => ({ type: 'agent.state', at, agentId, from: 'logged_out', to, seat: 'seat-01' });
const offered = (callId: string, at = 1): GatewayEvent => ({ type: 'call.offered', at, callId, agentId: 'a1', seat: 'seat-01', caller: '*******1234', language: 'mandarin', line: '12345' });
const connected = (callId: string, at = 2): GatewayEvent => ({ type: 'call.connected', at, callId, agentId: 'a1', seat: 'seat-01' });

describe('KpiEventRecorder', () => {
  it('stores what arrives while a batch is being stored as the next batch, in event order', async () => {
    const store = new FakeStore();
    let open = () => undefined as void;
    store.gate = new Promise<void>((r) => (open = r));
    const recorder = new KpiEventRecorder(store, () => undefined, undefined, 0);
    recorder.handle(state('a1', 'reserved'));
    recorder.handle(offered('c1'));
    recorder.handle({ type: 'call.queued', at: 1, callId: 'c2', line: '12345', language: 'mandarin' }); // not a KPI fact: ignored
    recorder.handle(connected('c1'));
    recorder.handle(state('a1', 'on_call', 2));
    expect(recorder.backlog()).toBe(4);
    open();
    await recorder.drain();
    expect(store.log).toEqual(['batch a1:reserved', 'batch offer:c1 resolve:c1 a1:on_call']);
    expect(recorder.backlog()).toBe(0);
  });

  it('retries a refused batch write by write, so only the bad write is reported and lost', async () => {
    const store = new FakeStore();
    store.badCall = 'c9';
    const errors: Array<{ err: string; type: string }> = [];
    const recorder = new KpiEventRecorder(store, (err, e) => errors.push({ err: (err as Error).message, type: e.type }), undefined, 0);
    store.gate = new Promise<void>((r) => setTimeout(r, 5));
    recorder.handle(state('a0', 'ready')); // first batch, alone
    recorder.handle(state('a1', 'reserved'));
    recorder.handle(offered('c9'));
    recorder.handle(offered('c1'));
    await recorder.drain();
    expect(store.log).toEqual(['batch a0:ready', 'one a1:reserved', 'one offer:c1']);
    expect(errors).toEqual([{ err: 'bad write for c9', type: 'call.offered' }]);
  });

  it('runs a task of its own at its place in the order, and reports its failure without stopping the writes', async () => {
    const store = new FakeStore();
    const failures: string[] = [];
    const recorder = new KpiEventRecorder(store, () => undefined, undefined, 0);
    recorder.run(async () => void store.log.push('tidy'), () => undefined);
    recorder.handle(state('a1', 'ready'));
    recorder.run(async () => Promise.reject(new Error('no database')), (err) => failures.push((err as Error).message));
    recorder.handle(state('a1', 'paused'));
    await recorder.drain();
    expect(store.log).toEqual(['tidy', 'batch a1:ready', 'batch a1:paused']);
    expect(failures).toEqual(['no database']);
  });

  it('waits lingerMs after the first write so that what follows shares its batch', async () => {
    const store = new FakeStore();
    const recorder = new KpiEventRecorder(store, () => undefined, undefined, 30);
    recorder.handle(state('a1', 'reserved'));
    await new Promise((r) => setTimeout(r, 5));
    recorder.handle(offered('c1'));
    recorder.handle(connected('c1'));
    await recorder.drain();
    expect(store.log).toEqual(['batch a1:reserved offer:c1 resolve:c1']);
  });

  it('dates a state change from when the ACD says the state began, not when the event was published', async () => {
    const store = new FakeStore();
    const batches: KpiWrite[][] = [];
    store.recordBatch = async (w) => void batches.push([...w]);
    const recorder = new KpiEventRecorder(store, () => undefined, (agentId, s) => (agentId === 'a1' && s === 'ready' ? 900 : undefined), 0);
    recorder.handle(state('a1', 'ready', 1000));
    recorder.handle(state('a2', 'ready', 1000));
    await recorder.drain();
    expect(batches.flat().map((w) => (w.kind === 'state' ? w.change.at : -1))).toEqual([900, 1000]);
  });
});
