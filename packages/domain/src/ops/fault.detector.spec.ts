import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyFaults, DEFAULT_FAULT_LEVELS, FaultDetector, IntakeWatch, parseFaultLevels, type FaultSignals } from './fault.detector.js';

const healthy: FaultSignals = { ari: true, ami: true, trunks: { 'trunk-primary': 'up', 'trunk-backup': 'up' }, intakeFailing: false };
const rules = { levels: DEFAULT_FAULT_LEVELS, openAfterMs: { ari_down: 30_000, trunk_down: 10_000, trunks_down: 10_000 }, resolveAfterMs: 5_000 };

describe('classifyFaults', () => {
  it('sees nothing when everything is up', () => {
    expect(classifyFaults(healthy)).toEqual([]);
  });
  it('turns both trunks down into the all-trunks condition plus one per trunk', () => {
    const keys = classifyFaults({ ...healthy, trunks: { 'trunk-primary': 'down', 'trunk-backup': 'down' } }).map((c) => c.key);
    expect(keys).toEqual(['trunks_down', 'trunk_down:trunk-backup', 'trunk_down:trunk-primary']);
  });
  it('does not treat an unknown trunk (AMI away) as down', () => {
    expect(classifyFaults({ ...healthy, ami: false, trunks: { 'trunk-primary': 'unknown', 'trunk-backup': 'down' } }).map((c) => c.key)).toEqual(['ami_down', 'trunk_down:trunk-backup']);
  });
  it('turns a spool at risk into a per-spool condition and lost records into a separate one', () => {
    const spools = [
      { name: 'call-records', atRisk: 'held_in_memory' as const, lostRecords: 0, detail: { memoryRecords: 3, lastWriteError: 'ENOSPC' } },
      { name: 'callback-results', atRisk: undefined, lostRecords: 0, detail: {} },
      { name: 'linkages', atRisk: 'near_bound' as const, lostRecords: 2, detail: { bytes: 900 } },
    ];
    const got = classifyFaults({ ...healthy, spools });
    expect(got.map((c) => [c.key, c.kind])).toEqual([
      ['spool_at_risk:call-records', 'spool_at_risk'],
      ['spool_at_risk:linkages', 'spool_at_risk'],
      ['records_lost:linkages', 'records_lost'],
    ]);
    expect(got[0]!.detail).toEqual({ spool: 'call-records', reason: 'held_in_memory', memoryRecords: 3, lastWriteError: 'ENOSPC' });
    expect(got[2]!.detail).toMatchObject({ spool: 'linkages', lostRecords: 2 });
    expect(DEFAULT_FAULT_LEVELS).toMatchObject({ spool_at_risk: 'L3', records_lost: 'L2' });
  });
  it('classifies by the configured levels: ARI/both trunks L1, intake L2, one trunk L3', () => {
    expect(DEFAULT_FAULT_LEVELS).toMatchObject({ ari_down: 'L1', trunks_down: 'L1', intake_failing: 'L2', trunk_down: 'L3' });
    expect(parseFaultLevels('ari_down:L2, trunk_down:L4')).toEqual({ ari_down: 'L2', trunk_down: 'L4' });
    expect(() => parseFaultLevels('disk_full:L1')).toThrowError(/invalid fault level rule/);
  });
});

describe('FaultDetector', () => {
  const ariDown = classifyFaults({ ...healthy, ari: false });

  it('opens nothing for an ARI drop shorter than the threshold', () => {
    const d = new FaultDetector(rules);
    expect(d.observe(ariDown, 0)).toEqual([]);
    expect(d.observe(ariDown, 29_999)).toEqual([]);
    expect(d.observe([], 30_500)).toEqual([]);
    expect(d.openConditions()).toEqual([]);
  });
  it('opens an L1 incident started when ARI dropped, once it stays down past the threshold, and resolves it at recovery', () => {
    const d = new FaultDetector(rules);
    d.observe(ariDown, 1_000);
    const opened = d.observe(ariDown, 31_000);
    expect(opened).toEqual([expect.objectContaining({ type: 'open', condition: 'ari_down', level: 'L1', startedAt: 1_000, openedAt: 31_000 })]);
    expect(d.observe(ariDown, 40_000)).toEqual([]);
    expect(d.observe([], 50_000)).toEqual([]);
    expect(d.observe([], 55_000)).toEqual([{ type: 'resolve', condition: 'ari_down', resolvedAt: 50_000 }]);
    expect(d.openConditions()).toEqual([]);
  });
  it('keeps the incident open across a flap shorter than the resolve delay', () => {
    const d = new FaultDetector(rules);
    d.observe(ariDown, 0);
    d.observe(ariDown, 30_000);
    expect(d.observe([], 31_000)).toEqual([]);
    expect(d.observe(ariDown, 33_000)).toEqual([]);
    expect(d.observe([], 40_000)).toEqual([]);
    expect(d.observe([], 45_000)).toEqual([{ type: 'resolve', condition: 'ari_down', resolvedAt: 40_000 }]);
  });
  it('ignores kinds without a configured level', () => {
    const d = new FaultDetector({ ...rules, levels: { ari_down: 'L1' } });
    expect(d.observe(classifyFaults({ ...healthy, ami: false }), 0)).toEqual([]);
  });
  it('resolves incidents adopted from before a restart when their condition is gone', () => {
    const d = new FaultDetector(rules);
    d.adopt([{ condition: 'trunk_down:trunk-primary', startedAt: 100 }]);
    d.observe([], 1_000);
    expect(d.observe([], 6_000)).toEqual([{ type: 'resolve', condition: 'trunk_down:trunk-primary', resolvedAt: 1_000 }]);
  });
  it('always opens before it resolves, at most one open incident per condition (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20_000 })), { maxLength: 60 }), (steps) => {
        const d = new FaultDetector(rules);
        let t = 0;
        let open = false;
        for (const [down, dt] of steps) {
          t += dt;
          for (const a of d.observe(down ? ariDown : [], t)) {
            if (a.type === 'open') {
              expect(open).toBe(false);
              open = true;
              expect(a.openedAt - a.startedAt).toBeGreaterThanOrEqual(30_000);
            } else {
              expect(open).toBe(true);
              open = false;
              expect(a.resolvedAt).toBeLessThanOrEqual(t);
            }
          }
        }
      }),
    );
  });
});

describe('IntakeWatch', () => {
  it('reports failing when enough of the window’s calls failed, and recovers as they age out', () => {
    const w = new IntakeWatch({ windowMs: 60_000, minFailed: 3, failedRatio: 0.5 });
    w.record('answered', 0);
    w.record('failed', 1_000);
    w.record('failed', 2_000);
    expect(w.failing(3_000)).toBe(false);
    w.record('failed', 3_000);
    expect(w.failing(3_000)).toBe(true);
    w.record('answered', 4_000);
    w.record('answered', 5_000);
    w.record('abandoned', 5_000);
    expect(w.failing(6_000)).toBe(false);
    expect(w.failing(200_000)).toBe(false);
  });

  it('agrees with counting the whole window afresh over a long run (pruning and compaction included)', () => {
    const settings = { windowMs: 10_000, minFailed: 5, failedRatio: 0.3 };
    const w = new IntakeWatch(settings);
    const all: Array<{ at: number; failed: boolean }> = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let at = 0;
    let failingSeen = 0;
    for (let i = 0; i < 20_000; i++) {
      at += Math.floor(rand() * 20);
      // Failures come in bursts: a quarter of the run fails often, the rest rarely.
      const failed = rand() < (Math.floor(at / 50_000) % 4 === 1 ? 0.6 : 0.05);
      w.record(failed ? 'failed' : 'answered', at);
      all.push({ at, failed });
      if (i % 97 !== 0) continue;
      const inWindow = all.filter((o) => o.at > at - settings.windowMs);
      const nFailed = inWindow.filter((o) => o.failed).length;
      const expected = nFailed >= settings.minFailed && nFailed / inWindow.length >= settings.failedRatio;
      expect(w.failing(at)).toBe(expected);
      if (expected) failingSeen++;
    }
    expect(failingSeen).toBeGreaterThan(10); // both answers were exercised
  });
});
