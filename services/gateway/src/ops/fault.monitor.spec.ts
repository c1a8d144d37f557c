import { describe, expect, it } from 'vitest';
import { CtiError, ManualClock, ops } from '@cti/domain';
import { EventBus } from '../events/event-bus.js';
import { FaultMonitor, type DetectedIncidentStore } from './fault.monitor.js';

/** An in-memory incident store that can be made unavailable, like PostgreSQL going away. */
class FakeStore implements DetectedIncidentStore {
  down = false;
  readonly rows = new Map<string, ops.Incident>();
  private check() {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
  async open(i: ops.Incident) {
    this.check();
    if (this.rows.has(i.id)) return false;
    if ([...this.rows.values()].some((r) => r.condition === i.condition && r.resolvedAt === null)) throw new CtiError('CTI_ERR_CONFLICT', 'open');
    this.rows.set(i.id, i);
    return true;
  }
  async resolveCondition(condition: string, at: number, note: string | null) {
    this.check();
    const open = [...this.rows.values()].find((r) => r.condition === condition && r.resolvedAt === null);
    if (!open) return undefined;
    const next = { ...open, resolvedAt: at, resolutionNote: note };
    this.rows.set(open.id, next);
    return next;
  }
  async listOpenDetected() {
    this.check();
    return [...this.rows.values()].filter((r) => r.resolvedAt === null);
  }
}

const quiet = { info: () => undefined, warn: () => undefined };
const rules: ops.DetectionRules = { levels: ops.DEFAULT_FAULT_LEVELS, openAfterMs: { ari_down: 30_000, trunk_down: 60_000, trunks_down: 60_000, ami_down: 60_000 }, resolveAfterMs: 5_000 };

function fixture(store = new FakeStore()) {
  const clock = new ManualClock(Date.parse('2026-11-27T10:00:00Z'));
  const state = { ari: true, ami: true, trunks: { 'trunk-primary': { status: 'up' }, 'trunk-backup': { status: 'up' } } as Record<string, { status: string }> };
  const bus = new EventBus();
  // A loose view of each event (the tests read fields of several types at once).
  const events: Array<{ type: string; [k: string]: unknown }> = [];
  bus.subscribe((e) => events.push({ ...e }));
  let n = 0;
  const monitor = new FaultMonitor(store, { ari: () => state.ari, ami: () => state.ami, trunks: () => state.trunks }, { rules, intake: { windowMs: 60_000, minFailed: 3, failedRatio: 0.5 } }, bus, () => clock.now(), () => `inc-${++n}`, quiet);
  bus.subscribe(monitor.handle);
  const step = async (ms: number) => {
    clock.advance(ms);
    monitor.tick();
    await monitor.flush();
  };
  return { store, clock, state, bus, events, monitor, step };
}

describe('FaultMonitor', () => {
  it('records a standby’s takeover as an L2 incident from the old active’s loss to the new one serving, resolved at once, one per epoch, and keeps it while the database is away', async () => {
    const { store, monitor, events, step } = fixture();
    await step(0);
    const lostAt = Date.parse('2026-11-27T10:00:01Z');
    store.down = true;
    monitor.recordTakeover({ epoch: 7, detected: 'heartbeat', from: '6:gw-a', lostAt, servingAt: lostAt + 240 });
    await monitor.flush();
    expect(store.rows.size).toBe(0);
    expect(monitor.pendingWrites()).toBe(2);
    store.down = false;
    await step(1_000);
    expect([...store.rows.values()]).toEqual([
      expect.objectContaining({ level: 'L2', condition: 'gateway_takeover:7', startedAt: lostAt, resolvedAt: lostAt + 240, detail: expect.objectContaining({ detected: 'heartbeat', from: '6:gw-a', takeoverMs: 240 }) }),
    ]);
    expect(events.filter((e) => e.type.startsWith('ops.incident')).map((e) => [e.type, e.condition])).toEqual([['ops.incident.opened', 'gateway_takeover:7'], ['ops.incident.resolved', 'gateway_takeover:7']]);
    // A later takeover is an incident of its own, even right after the first.
    monitor.recordTakeover({ epoch: 8, detected: 'lease-expired', from: '7:gw-b', lostAt: lostAt + 5_000, servingAt: lostAt + 7_300 });
    await monitor.flush();
    expect([...store.rows.values()].map((r) => [r.condition, r.resolvedAt !== null])).toEqual([['gateway_takeover:7', true], ['gateway_takeover:8', true]]);
  });

  it('records no takeover when the kind is left out of the fault levels', async () => {
    const store = new FakeStore();
    const levels: Partial<Record<ops.FaultKind, ops.FaultLevel>> = { ...ops.DEFAULT_FAULT_LEVELS };
    delete levels.gateway_takeover;
    const monitor = new FaultMonitor(store, { ari: () => true, ami: () => true, trunks: () => ({}) }, { rules: { ...rules, levels }, intake: { windowMs: 60_000, minFailed: 3, failedRatio: 0.5 } }, new EventBus(), () => 0, () => 'inc-1', quiet);
    monitor.recordTakeover({ epoch: 2, detected: 'heartbeat', from: null, lostAt: 0, servingAt: 100 });
    await monitor.flush();
    expect(store.rows.size).toBe(0);
  });

  it('opens an incident at once when a record spool holds records in memory (disk full), another when records are lost, and resolves the first once the disk takes them again', async () => {
    const store = new FakeStore();
    const clock = new ManualClock(Date.parse('2026-11-27T10:00:00Z'));
    let spool: ops.SpoolSignal = { name: 'call-records', atRisk: undefined, lostRecords: 0, detail: {} };
    const monitor = new FaultMonitor(store, { ari: () => true, ami: () => true, trunks: () => ({}), spools: () => [spool] }, { rules, intake: { windowMs: 60_000, minFailed: 3, failedRatio: 0.5 } }, new EventBus(), () => clock.now(), () => `inc-${store.rows.size + 1}`, quiet);
    const step = async (ms: number) => {
      clock.advance(ms);
      monitor.tick();
      await monitor.flush();
    };
    await step(0);
    spool = { ...spool, atRisk: 'held_in_memory', detail: { holdReason: 'ENOSPC', heldInMemory: 3 } };
    await step(1_000);
    expect([...store.rows.values()]).toEqual([expect.objectContaining({ level: 'L3', condition: 'spool_at_risk:call-records', resolvedAt: null, detail: expect.objectContaining({ reason: 'held_in_memory', holdReason: 'ENOSPC' }) })]);
    spool = { ...spool, lostRecords: 2 };
    await step(1_000);
    expect([...store.rows.values()].find((r) => r.condition === 'records_lost:call-records')).toMatchObject({ level: 'L2', resolvedAt: null, detail: expect.objectContaining({ lostRecords: 2 }) });
    spool = { ...spool, atRisk: undefined, detail: {} };
    await step(1_000);
    await step(5_000);
    const byCondition = new Map([...store.rows.values()].map((r) => [r.condition, r]));
    expect(byCondition.get('spool_at_risk:call-records')?.resolvedAt).not.toBeNull();
    expect(byCondition.get('records_lost:call-records')?.resolvedAt).toBeNull(); // lost records do not come back
  });

  it('opens an L1 incident when ARI stays down past the threshold and auto-resolves it with the recovery time', async () => {
    const f = fixture();
    const t0 = f.clock.now();
    await f.step(0);
    f.state.ari = false;
    await f.step(1_000);
    await f.step(29_000);
    expect(f.store.rows.size).toBe(0);
    await f.step(1_000);
    const [inc] = [...f.store.rows.values()];
    expect(inc).toMatchObject({ level: 'L1', source: 'detected', condition: 'ari_down', startedAt: t0 + 1_000, resolvedAt: null });
    f.state.ari = true;
    await f.step(10_000);
    await f.step(5_000);
    expect(f.store.rows.get(inc!.id)).toMatchObject({ resolvedAt: t0 + 41_000 });
    expect(f.events.filter((e) => e.type.startsWith('ops.')).map((e) => [e.type, e.recoveryMs ?? null])).toEqual([
      ['ops.incident.opened', null],
      ['ops.incident.resolved', 40_000],
    ]);
  });

  it('leaves no incident for an ARI reconnect within the threshold', async () => {
    const f = fixture();
    f.state.ari = false;
    await f.step(1_000);
    await f.step(20_000);
    f.state.ari = true;
    await f.step(10_000);
    await f.step(60_000);
    expect(f.store.rows.size).toBe(0);
  });

  it('opens L3 for one trunk down and L1 as well when both are down', async () => {
    const f = fixture();
    await f.step(0);
    f.state.trunks = { 'trunk-primary': { status: 'down' }, 'trunk-backup': { status: 'up' } };
    f.bus.publish({ type: 'trunk.status', at: f.clock.now(), trunk: 'trunk-primary', status: 'down' });
    await f.step(60_000);
    expect([...f.store.rows.values()].map((i) => [i.condition, i.level])).toEqual([['trunk_down:trunk-primary', 'L3']]);
    f.state.trunks = { 'trunk-primary': { status: 'down' }, 'trunk-backup': { status: 'down' } };
    await f.step(1_000);
    await f.step(60_000);
    expect([...f.store.rows.values()].map((i) => [i.condition, i.level]).sort()).toEqual([['trunk_down:trunk-backup', 'L3'], ['trunk_down:trunk-primary', 'L3'], ['trunks_down', 'L1']]);
  });

  it('opens L2 when calls keep failing to reach agents', async () => {
    const f = fixture();
    for (let i = 0; i < 3; i++) f.bus.publish({ type: 'call.ended', at: f.clock.now(), callId: `c${i}`, outcome: 'failed' });
    await f.monitor.flush();
    await f.step(0);
    expect([...f.store.rows.values()].map((i) => [i.condition, i.level])).toEqual([['intake_failing', 'L2']]);
  });

  it('keeps incident changes in memory while PostgreSQL is down and writes them in order when it returns', async () => {
    const f = fixture();
    f.store.down = true;
    const t0 = f.clock.now();
    await f.step(0); // adoption attempt fails; detection goes on regardless
    f.state.ari = false;
    await f.step(0);
    await f.step(30_000);
    expect(f.monitor.pendingWrites()).toBe(1);
    f.state.ari = true;
    await f.step(5_000);
    await f.step(5_000);
    expect(f.monitor.pendingWrites()).toBe(2);
    expect(f.store.rows.size).toBe(0);
    f.store.down = false;
    await f.step(1_000);
    expect(f.monitor.pendingWrites()).toBe(0);
    expect([...f.store.rows.values()]).toEqual([expect.objectContaining({ condition: 'ari_down', startedAt: t0, resolvedAt: t0 + 35_000 })]);
  });

  it('resolves an incident a previous gateway left open once its condition is clear', async () => {
    const store = new FakeStore();
    const old = ops.openIncident({ id: 'old', level: 'L3', source: 'detected', condition: 'trunk_down:trunk-backup', title: 'x', openedAt: Date.parse('2026-11-27T09:00:00Z') });
    await store.open(old);
    const f = fixture(store);
    await f.step(0);
    await f.step(0);
    await f.step(5_000);
    expect(store.rows.get('old')?.resolvedAt).toBe(Date.parse('2026-11-27T10:00:00Z'));
  });

  it('does not duplicate an incident a previous gateway left open for a condition that still holds', async () => {
    const store = new FakeStore();
    await store.open(ops.openIncident({ id: 'old', level: 'L1', source: 'detected', condition: 'ari_down', title: 'x', openedAt: Date.parse('2026-11-27T09:59:00Z') }));
    const f = fixture(store);
    f.state.ari = false;
    await f.step(0);
    await f.step(0);
    await f.step(40_000);
    expect([...store.rows.keys()]).toEqual(['old']);
    f.state.ari = true;
    await f.step(0);
    await f.step(5_000);
    expect(store.rows.get('old')?.resolvedAt).toBe(Date.parse('2026-11-27T10:00:40Z'));
  });
});
