import { describe, expect, it } from 'vitest';
import { renderPrometheus } from './prometheus.text.js';

describe('Prometheus text format', () => {
  it('writes HELP, TYPE and one line per sample, ending with a newline', () => {
    const text = renderPrometheus([
      { name: 'cti_calls_offered_total', help: 'Calls offered to the agent queue.', type: 'counter', samples: [{ value: 3 }] },
      { name: 'cti_agents', help: 'Agents by state.', type: 'gauge', samples: [{ labels: { state: 'ready' }, value: 2 }, { labels: { state: 'on_call' }, value: 0 }] },
    ]);
    expect(text).toBe(
      '# HELP cti_calls_offered_total Calls offered to the agent queue.\n# TYPE cti_calls_offered_total counter\ncti_calls_offered_total 3\n' +
        '# HELP cti_agents Agents by state.\n# TYPE cti_agents gauge\ncti_agents{state="ready"} 2\ncti_agents{state="on_call"} 0\n',
    );
  });

  it('escapes label values and help text, and writes NaN and infinities as the format spells them', () => {
    const text = renderPrometheus([
      { name: 'x', help: 'a\\b\nc', type: 'gauge', samples: [{ labels: { q: 'say "hi"\\\n' }, value: Number.NaN }, { value: Number.POSITIVE_INFINITY }, { value: -Infinity }] },
    ]);
    expect(text.split('\n')).toEqual(['# HELP x a\\\\b\\nc', '# TYPE x gauge', 'x{q="say \\"hi\\"\\\\\\n"} NaN', 'x +Inf', 'x -Inf', '']);
  });

  it('rejects invalid metric and label names', () => {
    expect(() => renderPrometheus([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow(/metric name/);
    expect(() => renderPrometheus([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'a-b': '1' }, value: 1 }] }])).toThrow(/label name/);
    expect(() => renderPrometheus([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __x: '1' }, value: 1 }] }])).toThrow(/label name/);
  });

  it('parses back line by line: every sample line is name{labels} value', () => {
    const text = renderPrometheus([{ name: 'cti_trunk_up', help: 'h', type: 'gauge', samples: [{ labels: { trunk: 'primary' }, value: 1 }, { labels: { trunk: 'backup' }, value: 0 }] }]);
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    for (const l of samples) expect(l).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? \S+$/);
  });
});
