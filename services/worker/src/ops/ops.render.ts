import { beijingDateTime, type ops } from '@cti/domain';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const bj = (ms: number) => beijingDateTime(ms).slice(0, 16) + ' (北京时间)';
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
const mins = (ms: number | null) => (ms === null ? '—' : `${(ms / 60_000).toFixed(1)} min`);
const MARK: Record<ops.CheckStatus, string> = { pass: '正常 PASS', warn: '警告 WARN', fail: '故障 FAIL' };

const page = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}
.pass{color:#186a3b}.warn{color:#9a6700}.fail{color:#b00020;font-weight:bold}</style></head><body>${body}</body></html>`;

/** Plain-text and HTML renderings of a daily inspection. */
export function renderInspection(r: ops.InspectionResult): { text: string; html: string } {
  const title = `系统巡检报告 Daily inspection — ${bj(r.at)}`;
  const text = [
    title,
    `总体结论 Overall: ${MARK[r.overall]}`,
    '',
    ...r.checks.map((c) => `[${c.status.toUpperCase().padEnd(4)}] ${c.label}: ${c.value}${c.note ? ` — ${c.note}` : ''}`),
    '',
  ].join('\n');
  const rows = r.checks.map((c) => `<tr><td>${esc(c.label)}</td><td class="${c.status}">${MARK[c.status]}</td><td>${esc(c.value)}</td><td>${esc(c.note ?? '')}</td></tr>`).join('');
  const html = page(title, `<h1>${esc(title)}</h1><p>总体结论 Overall: <span class="${r.overall}">${MARK[r.overall]}</span></p>
<table><tr><th>检查项 Check</th><th>结论 Status</th><th>读数 Value</th><th>说明 Note</th></tr>${rows}</table>`);
  return { text, html };
}

/** Everything a periodic operations report shows. */
export interface OpsReportData {
  kind: ops.OpsReportKind;
  from: number;
  to: number;
  generatedAt: number;
  incidents: ops.IncidentSummary;
  inspections: ops.InspectionSummary;
}

const KIND_TITLE: Record<ops.OpsReportKind, string> = { weekly: '每周巡检报告 Weekly inspection report', quarterly: '季度运维报告 Quarterly operations report', annual: '年度运维报告 Annual operations report' };

/** Plain-text and HTML renderings of a weekly/quarterly/annual report. */
export function renderOpsReport(d: OpsReportData): { text: string; html: string } {
  const title = `${KIND_TITLE[d.kind]} — ${bj(d.from)} … ${bj(d.to)}`;
  const i = d.incidents;
  const levels = (Object.keys(i.byLevel) as ops.FaultLevel[]).map((l) => ({ l, s: i.byLevel[l] }));
  const ytd = i.yearToDate;
  const text = [
    title,
    '',
    `巡检 Inspections: ${d.inspections.count} (pass ${d.inspections.pass}, warn ${d.inspections.warn}, fail ${d.inspections.fail}); days without one: ${d.inspections.daysWithout}`,
    ...d.inspections.recurring.map((r) => `  recurring: ${r.id} on ${r.days} day(s), worst ${r.worst}`),
    `故障 Incidents: ${i.total} (open ${i.open}, staff-reported ${i.staffReported}), fault time in period ${hours(i.periodFaultMs)}`,
    ...levels.map(({ l, s }) => `  ${l}: ${s.count} incidents, ${s.resolved} resolved, ${s.breached} SLA breaches, mean recovery ${mins(s.meanRecoveryMs)}, max ${mins(s.maxRecoveryMs)}`),
    ...i.breaches.map((b) => `  breach: ${b.level} ${b.title} started ${bj(b.startedAt)}, recovery ${mins(b.recoveryMs)}`),
    `年度累计故障时间 Year-to-date fault time: ${hours(ytd.faultMs)} of ${hours(ytd.budgetMs)} (${(ytd.usedShare * 100).toFixed(1)}%) — ${ytd.withinBudget ? 'within budget' : 'OVER BUDGET'}`,
    '',
  ].join('\n');
  const levelRows = levels.map(({ l, s }) => `<tr><td>${l}</td><td>${s.count}</td><td>${s.resolved}</td><td class="${s.breached ? 'fail' : 'pass'}">${s.breached}</td><td>${mins(s.meanRecoveryMs)}</td><td>${mins(s.maxRecoveryMs)}</td></tr>`).join('');
  const recRows = d.inspections.recurring.map((r) => `<tr><td>${esc(r.id)}</td><td>${r.days}</td><td class="${r.worst}">${r.worst}</td></tr>`).join('');
  const html = page(title, `<h1>${esc(title)}</h1>
<h2>巡检 Inspections</h2><p>${d.inspections.count} inspections: pass ${d.inspections.pass}, warn ${d.inspections.warn}, fail ${d.inspections.fail}; days without one: ${d.inspections.daysWithout}</p>
${recRows ? `<table><tr><th>Check</th><th>Days not passing</th><th>Worst</th></tr>${recRows}</table>` : ''}
<h2>故障 Incidents</h2><p>${i.total} incidents (open ${i.open}, staff-reported ${i.staffReported}); fault time in period ${hours(i.periodFaultMs)}</p>
<table><tr><th>Level</th><th>Incidents</th><th>Resolved</th><th>SLA breaches</th><th>Mean recovery</th><th>Max recovery</th></tr>${levelRows}</table>
<h2>年度累计故障时间 Year-to-date fault time</h2><p class="${ytd.withinBudget ? 'pass' : 'fail'}">${hours(ytd.faultMs)} of ${hours(ytd.budgetMs)} (${(ytd.usedShare * 100).toFixed(1)}%)</p>`);
  return { text, html };
}
