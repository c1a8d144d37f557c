import { describe, expect, it } from 'vitest';
import { createKpiConfig, defaultKpiConfig } from './kpi.config.js';

describe('createKpiConfig', () => {
  it('defaults to the contract targets and no exclusions', () => {
    expect(createKpiConfig()).toMatchObject({
      shortAbandonSeconds: 0, faultWindows: [], excludedLines: [], serviceLevelSeconds: 15, answerRateTarget: 0.98,
      satisfactionTarget: 0.98, onTimeTarget: 1, directAnswerTarget: 0.8, fcrTarget: 0.5, transferAccuracyTarget: 0.95,
      formAccuracyTarget: 0.95, agentEfficiencyTarget: 0.95, utilizationTarget: 0.9, qaCoverageTarget: 0.1,
    });
  });

  it('returns a frozen config that cannot be changed behind the engine', () => {
    const c = createKpiConfig({ faultWindows: [{ from: 1, to: 2 }] });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.faultWindows)).toBe(true);
    expect(Object.isFrozen(defaultKpiConfig)).toBe(true);
  });

  it('rejects a target outside [0, 1], a negative threshold and an empty fault window', () => {
    const code = expect.objectContaining({ code: 'CTI_ERR_VALIDATION' });
    expect(() => createKpiConfig({ answerRateTarget: 98 })).toThrow(code);
    expect(() => createKpiConfig({ shortAbandonSeconds: -1 })).toThrow(code);
    expect(() => createKpiConfig({ faultWindows: [{ from: 5, to: 5 }] })).toThrow(code);
  });
});
