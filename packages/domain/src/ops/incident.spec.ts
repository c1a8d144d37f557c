import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { createOpsSla, DEFAULT_OPS_SLA, parseRecoveryMinutes } from './fault-level.js';
import { acknowledgeIncident, incidentSla, incidentState, openIncident, overdueIncidents, resolveIncident } from './incident.js';

const M = 60_000;
const base = { id: 'i1', source: 'staff' as const, title: 'Trunk flapping', openedAt: 1_000 * M };

describe('incident lifecycle', () => {
  it('goes open → acknowledged → resolved and refuses to go back', () => {
    const i = openIncident({ ...base, level: 'L2', startedAt: 990 * M });
    expect(incidentState(i)).toBe('open');
    const a = acknowledgeIncident(i, 'sup1', 1_005 * M);
    expect(incidentState(a)).toBe('acknowledged');
    expect(() => acknowledgeIncident(a, 'sup1', 1_006 * M)).toThrow(CtiError);
    const r = resolveIncident(a, 'sup1', 1_050 * M, 'carrier fixed');
    expect(incidentState(r)).toBe('resolved');
    expect(() => resolveIncident(r, null, 1_060 * M, null)).toThrowError(/already resolved/);
    expect(() => acknowledgeIncident(r, null, 1_060 * M)).toThrow(CtiError);
  });
  it('may be resolved without acknowledgement (a detected fault that recovered by itself)', () => {
    const r = resolveIncident(openIncident({ ...base, level: 'L1', source: 'detected' }), null, 1_010 * M, null);
    expect(r.acknowledgedAt).toBeNull();
    expect(incidentState(r)).toBe('resolved');
  });
  it('refuses a fault starting after it was reported, and a recovery before the start', () => {
    expect(() => openIncident({ ...base, level: 'L1', startedAt: 1_001 * M })).toThrowError(/start after/);
    expect(() => resolveIncident(openIncident({ ...base, level: 'L1' }), null, 999 * M, null)).toThrowError(/precede/);
  });
});

describe('recovery deadlines', () => {
  it('gives L1 1 h, L2 1.5 h, L3 2 h, L4 3 h from the start of the fault', () => {
    for (const [level, minutes] of [['L1', 60], ['L2', 90], ['L3', 120], ['L4', 180]] as const) {
      const i = openIncident({ ...base, level, startedAt: 900 * M });
      expect(incidentSla(i, DEFAULT_OPS_SLA, 901 * M).deadline).toBe((900 + minutes) * M);
    }
  });
  it('flags an unresolved incident past its deadline as overdue, and a late recovery as breached', () => {
    const i = openIncident({ ...base, level: 'L1' });
    expect(incidentSla(i, DEFAULT_OPS_SLA, 1_059 * M)).toMatchObject({ overdue: false, breached: false, remainingMs: M });
    expect(incidentSla(i, DEFAULT_OPS_SLA, 1_061 * M)).toMatchObject({ overdue: true, breached: true });
    const late = resolveIncident(i, null, 1_070 * M, null);
    expect(incidentSla(late, DEFAULT_OPS_SLA, 2_000 * M)).toMatchObject({ overdue: false, breached: true, recoveryMs: 70 * M });
    const onTime = resolveIncident(i, null, 1_030 * M, null);
    expect(incidentSla(onTime, DEFAULT_OPS_SLA, 2_000 * M)).toMatchObject({ breached: false, recoveryMs: 30 * M });
  });
  it('lists overdue incidents, most overdue first', () => {
    const a = openIncident({ ...base, id: 'a', level: 'L4' });
    const b = openIncident({ ...base, id: 'b', level: 'L1' });
    const c = openIncident({ ...base, id: 'c', level: 'L2' });
    expect(overdueIncidents([a, b, c], DEFAULT_OPS_SLA, 1_100 * M).map((i) => i.id)).toEqual(['b', 'c']);
  });
  it('reads deadlines from configuration and rejects incomplete ones', () => {
    expect(parseRecoveryMinutes('L1:30,L2:45,L3:60,L4:90')).toEqual({ L1: 30, L2: 45, L3: 60, L4: 90 });
    expect(() => parseRecoveryMinutes('L1:30,L2:45,L3:60')).toThrowError(/L4/);
    expect(() => parseRecoveryMinutes('L5:30')).toThrow(CtiError);
    expect(() => createOpsSla('L1:60,L2:90,L3:120,L4:180', 0)).toThrow(CtiError);
    expect(createOpsSla('L1:60,L2:90,L3:120,L4:180', 24)).toEqual(DEFAULT_OPS_SLA);
  });
});
