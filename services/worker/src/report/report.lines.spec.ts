import { describe, expect, it } from 'vitest';
import { kpi } from '@cti/domain';
import { buildReportData, type ReportFactSource } from './report.builder.js';
import { renderReportCsv, renderReportHtml, reportSummary } from './report.render.js';

// A day of calls on two merged lines (双号并行, docs/domain.md §18): the report shows each line beside the centre.
const from = Date.parse('2026-12-06T00:00:00+08:00');
const period = { from, to: from + 86_400_000 };
const call = (id: string, line: string, atS: number, outcome: 'answered' | 'abandoned', waitS: number): kpi.CallFact => ({
  callId: id, line, trunk: 'primary', offeredAt: from + atS * 1000, outcome, waitMs: waitS * 1000,
  ...(outcome === 'answered' ? { answeredAt: from + (atS + waitS) * 1000, agentId: 'a01' } : {}),
  endedAt: from + (atS + waitS + 60) * 1000,
});
const calls = [
  call('c1', '12345', 3_600, 'answered', 5),
  call('c2', '12345', 3_700, 'answered', 20),
  call('c3', '12345', 3_800, 'abandoned', 30),
  call('c4', '12315', 3_900, 'answered', 4),
  call('c5', '12315', 4_000, 'answered', 6),
];
const source: ReportFactSource = {
  kpiConfig: async (o) => kpi.createKpiConfig(o),
  facts: async () => ({ calls, agentIntervals: [], tickets: [], qaReviews: [] }),
  ticketsByCategory: async () => [],
  hotlineLines: async () => [
    { did: '12345', name: '12345政务服务便民热线', answerRateTarget: null },
    { did: '12315', name: '12315消费者投诉举报专线', answerRateTarget: 0.9 },
  ],
};

describe('report per line', () => {
  it('has a per-line table beside the whole centre, each line with its own counts and its answer rate against its target (HTML, CSV, summary)', async () => {
    const d = await buildReportData('daily', period, source, async () => [], {}, period.to + 600_000);
    const csv = renderReportCsv(d).split('\r\n');
    const at = csv.indexOf('分线路接通情况（双号并行）');
    expect(at).toBeGreaterThan(0);
    expect(csv.slice(at + 1, at + 5)).toEqual([
      '线路,号码,呼入（计入）,接通,放弃,失败,15秒内接通,接通率,目标,是否达标',
      '全中心,—,5,4,1,0,3,80.0%,98.0%,未达标',
      '12345政务服务便民热线,12345,3,2,1,0,1,66.6%,98.0%（中心目标）,未达标',
      '12315消费者投诉举报专线,12315,2,2,0,0,2,100.0%,90.0%,达标',
    ]);
    const html = renderReportHtml(d);
    expect(html).toContain('<h2>分线路接通情况（双号并行）</h2>');
    expect(html).toContain('<td>12315消费者投诉举报专线</td><td>12315</td><td>2</td><td>2</td>');
    expect(reportSummary(d).lines).toEqual({
      12345: { name: '12345政务服务便民热线', offered: 3, answered: 2, abandoned: 1, answerRate: 2 / 3, target: 0.98, pass: false },
      12315: { name: '12315消费者投诉举报专线', offered: 2, answered: 2, abandoned: 0, answerRate: 1, target: 0.9, pass: true },
    });
  });

  it('without registered lines shows each DID that had calls, named as unregistered', async () => {
    const { hotlineLines: _none, ...bare } = source;
    const d = await buildReportData('daily', period, bare, async () => [], {}, period.to + 600_000);
    expect(d.byLine.lines.map((l) => [l.line, l.name, l.offered])).toEqual([['12315', '未登记线路 12315', 2], ['12345', '未登记线路 12345', 3]]);
  });
});
