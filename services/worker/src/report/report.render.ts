import { beijingDateTime, type StaffKpiRow, type kpi } from '@cti/domain';
import type { ReportData } from './report.builder.js';

const KIND_ZH = { daily: '日报', weekly: '周报', monthly: '月报' } as const;
const PAUSE_ZH: Record<string, string> = { unspecified: '未说明' };

const pct = (v: number | null) => (v === null ? '—' : `${(Math.floor(v * 1000) / 10).toFixed(1)}%`);
const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toFixed(digits));
const hms = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const passZh = (p: boolean | null) => (p === null ? '—' : p ? '达标' : '未达标');
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const pauses = (r: Readonly<Record<string, number>>) =>
  Object.entries(r).map(([k, v]) => `${PAUSE_ZH[k] ?? k} ${hms(v)}`).join('；') || '—';

const staffValue = (r: StaffKpiRow) => (r.value === null ? '—' : r.unit === 'rate' ? pct(r.value) : r.unit === 'days' ? `${r.value} 天` : `${r.value} 次`);
const staffTarget = (r: StaffKpiRow) => {
  const v = r.unit === 'rate' ? `${Math.round(r.target * 1000) / 10}%` : r.unit === 'days' ? `${r.target} 个月` : `${r.target} 次`;
  return `${r.comparison === 'at_least' ? '≥' : '≤'} ${v}`;
};

/** One row of the per-line table (双号并行, docs/domain.md §18): counts, answer rate against the line's target. */
const lineRow = (name: string, did: string, k: kpi.CallKpis, targetNote = ''): string[] => [
  name, did, String(k.offered), String(k.answered), String(k.abandoned), String(k.failed), String(k.answeredWithin.numerator),
  pct(k.answerRate.value), k.answerRate.target === undefined ? '—' : `${pct(k.answerRate.target)}${targetNote}`, passZh(k.answerRate.pass ?? null),
];

/** The sections of a report as header + rows of plain cells, shared by the HTML and CSV renderings. */
function sections(d: ReportData): Array<{ title: string; header: string[]; rows: string[][] }> {
  return [
    {
      title: '合同考核指标',
      header: ['指标', '数值', '分子', '分母', '目标', '是否达标'],
      rows: d.contract.map((r) => [r.nameZh, pct(r.value), String(r.numerator), String(r.denominator), r.target === null ? '—' : pct(r.target), passZh(r.pass)]),
    },
    {
      title: '接通率口径说明',
      header: ['项目', '数量'],
      rows: [
        ['进入人工队列的呼叫（剔除前）', String(d.answer.offeredInPeriod)],
        ['剔除：不计入线路', String(d.answer.excludedLine)],
        ['剔除：系统故障时段', String(d.answer.excludedFaultWindow)],
        ['剔除：骚扰/恶意来电（已标记号码）', String(d.answer.excludedMarkedCaller)],
        ['剔除：短时放弃', String(d.answer.excludedShortAbandon)],
        ['计入呼叫', String(d.answer.denominator)],
        ['人工接通', String(d.answer.numerator)],
        ['放弃', String(d.answer.abandoned)],
        ['失败', String(d.answer.failed)],
        ['放弃后回拨接通（单列，不计入接通）', String(d.answer.abandonedCalledBack)],
      ],
    },
    {
      title: '分线路接通情况（双号并行）',
      header: ['线路', '号码', '呼入（计入）', '接通', '放弃', '失败', `${d.serviceLevelSeconds}秒内接通`, '接通率', '目标', '是否达标'],
      rows: [
        lineRow('全中心', '—', d.byLine.centre),
        ...d.byLine.lines.map((l) => lineRow(l.name, l.line, l, l.ownTarget ? undefined : '（中心目标）')),
      ],
    },
    {
      title: '分时段话务量',
      header: ['时段', '呼入', '接通', '放弃', `${d.serviceLevelSeconds}秒内接通`, '接通率'],
      rows: d.trafficByHour.map((h) => [
        `${String(h.hour).padStart(2, '0')}:00-${String(h.hour + 1).padStart(2, '0')}:00`,
        String(h.offered), String(h.answered), String(h.abandoned), String(h.answeredWithin), pct(h.offered ? h.answered / h.offered : null),
      ]),
    },
    {
      title: '坐席绩效',
      header: ['坐席', '姓名', '接通效率', '接听量', '通话时长', '保持时长', '话后处理', '平均处理时长(秒)', '工时利用率', '占用率', '在线时长', '小休（按原因）', '质检次数', '质检均分'],
      rows: d.agents.map((a) => [
        a.agentId, a.name, pct(a.answerEfficiency.value), String(a.answeredCalls), hms(a.talkMs), hms(a.holdMs), hms(a.wrapMs), num(a.ahtSeconds),
        pct(a.utilization.value), pct(a.occupancy.value), hms(a.loggedInMs), pauses(a.pauseMsByReason), String(a.qaReviews), num(a.qaScoreAverage),
      ]),
    },
    {
      title: '应急联动',
      header: ['联动单位', '次数'],
      rows: d.linkages.map((l) => [l.partner, String(l.count)]),
    },
    ...(d.staff
      ? [{
          title: '人员指标（合同要求）',
          header: ['指标', '数值', '目标', '是否达标', '说明'],
          rows: d.staff.map((r) => [r.nameZh, staffValue(r), staffTarget(r), passZh(r.pass), r.detailZh]),
        }]
      : []),
    {
      title: '工单（按类别及办理时限）',
      header: ['类别', '受理', '已办结', '按时办结', '办理中（未超期）', '超期未办结'],
      rows: d.tickets.map((t) => [t.category, String(t.total), String(t.closed), String(t.closedOnTime), String(t.openInTime), String(t.overdue)]),
    },
  ];
}

/** A report as one self-contained HTML page (inline CSS, printable). */
export function renderReportHtml(d: ReportData): string {
  const title = `甘孜州12345热线${KIND_ZH[d.kind]}（${d.label}）`;
  const body = sections(d)
    .map((s) => `<h2>${esc(s.title)}</h2>\n<table>\n<thead><tr>${s.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${
      s.rows.length ? s.rows.map((r) => `<tr>${r.map((c) => `<td${c === '未达标' ? ' class="fail"' : c === '达标' ? ' class="pass"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n') : `<tr><td colspan="${s.header.length}">无数据</td></tr>`
    }\n</tbody>\n</table>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 32px; color: #1a1a1a; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 28px; border-left: 4px solid #1f4f8f; padding-left: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #c8d0dc; padding: 4px 8px; text-align: right; } th { background: #eef2f8; }
td:first-child, th:first-child { text-align: left; }
.pass { color: #1e8449; } .fail { color: #c0392b; font-weight: bold; }
.meta { color: #555; }
</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">统计区间（北京时间）：${beijingDateTime(d.from)} 至 ${beijingDateTime(d.to)}　生成时间：${beijingDateTime(d.generatedAt)}</p>
${body}
</body></html>
`;
}

const csvCell = (c: string) => (/[",\n\r]/.test(c) || /^[=+\-@]/.test(c) ? `"${(/^[=+\-@]/.test(c) ? "'" : '') + c.replace(/"/g, '""')}"` : c);

/** A report as CSV: one block per section (title line, header, rows), blank line between; UTF-8 with BOM for Excel. */
export function renderReportCsv(d: ReportData): string {
  const lines: string[] = [`甘孜州12345热线${KIND_ZH[d.kind]},${csvCell(d.label)}`, `统计区间（北京时间）,${beijingDateTime(d.from)},${beijingDateTime(d.to)}`, ''];
  for (const s of sections(d)) {
    lines.push(csvCell(s.title), s.header.map(csvCell).join(','), ...s.rows.map((r) => r.map(csvCell).join(',')), '');
  }
  return '\uFEFF' + lines.join('\r\n');
}

/** The headline numbers of a report, stored beside it for listings and checks. */
export function reportSummary(d: ReportData): Record<string, unknown> {
  return {
    label: d.label,
    offered: d.answer.denominator,
    answered: d.answer.numerator,
    abandoned: d.answer.abandoned,
    answerRate: d.answer.value,
    agents: d.agents.length,
    tickets: d.tickets.reduce((n, t) => n + t.total, 0),
    contract: Object.fromEntries(d.contract.map((r) => [r.key, { value: r.value, target: r.target, pass: r.pass }])),
    lines: Object.fromEntries(d.byLine.lines.map((l) => [l.line, { name: l.name, offered: l.offered, answered: l.answered, abandoned: l.abandoned, answerRate: l.answerRate.value, target: l.answerRate.target ?? null, pass: l.answerRate.pass ?? null }])),
    ...(d.staff && { staff: Object.fromEntries(d.staff.map((r) => [r.key, { value: r.value, target: r.target, pass: r.pass }])) }),
  };
}
