import { describe, expect, it } from 'vitest';
import { loadConfig } from '@cti/contracts';
import { loadRoutingSettings } from './acd-config.loader.js';

describe('loadRoutingSettings', () => {
  it('uses the ACD defaults with the CTI_* overrides when no file is set', () => {
    const s = loadRoutingSettings(loadConfig({ CTI_WRAP_UP_S: '12', CTI_MAX_RING_NO_ANSWER: '4', CTI_LANGUAGE_WINDOW_S: '2' }));
    expect(s.acd).toMatchObject({ defaultStrategy: 'longest_idle', wrapUpSeconds: 12, maxRingNoAnswer: 4 });
    expect(s.wait.languageWindowSeconds).toBe(2);
    expect(s.wait.prompts.language.length).toBeGreaterThan(0);
  });

  it('reads per-line strategies and recorded prompts from the file', () => {
    const file = JSON.stringify({ acd: { lines: { '96119': { strategy: 'skill_sparing', requiredSkill: 'water' } } }, prompts: { language: ['sound:custom/cti-lang'] } });
    const s = loadRoutingSettings(loadConfig({ CTI_ACD_CONFIG_FILE: '/etc/cti/acd.json' }), () => file);
    expect(s.acd.lines['96119']).toEqual({ strategy: 'skill_sparing', requiredSkill: 'water' });
    expect(s.wait.prompts.language).toEqual(['sound:custom/cti-lang']);
  });

  it('refuses an unknown strategy or a prompt that is not an ARI media URI, naming the field', () => {
    const cfg = loadConfig({ CTI_ACD_CONFIG_FILE: '/x.json' });
    expect(() => loadRoutingSettings(cfg, () => JSON.stringify({ acd: { defaultStrategy: 'random' } }))).toThrow(/defaultStrategy/);
    expect(() => loadRoutingSettings(cfg, () => JSON.stringify({ prompts: { surge: ['/etc/passwd'] } }))).toThrow(/prompts.surge/);
    expect(() => loadRoutingSettings(cfg, () => '{not json')).toThrow(/CTI_ACD_CONFIG_FILE/);
  });
});
