/**
 * The call bench's report: the table of runs, the acd / app_queue ratios, the goals of issue 3 at the top rate, and
 * diagnostics; then its last line, one JSON object with the figures.
 */
import type { RunResult } from './stats.js';

/** p50 and p99 of the ACD over app_queue's at one rate (null when either is missing). */
export interface RateRatio {
  rate_cps: number;
  p50_ratio: number | null;
  p99_ratio: number | null;
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const pad = (s: string | number, w: number) => String(s).padStart(w);

/** The ACD's latencies over app_queue's at each rate, rounded to hundredths. */
export function ratios(results: RunResult[], rates: number[]): RateRatio[] {
  return rates.map((rate) => {
    const a = results.find((r) => r.system === 'acd' && r.rate === rate);
    const q = results.find((r) => r.system === 'app_queue' && r.rate === rate);
    const ratio = (x?: number, y?: number) => (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) && y > 0 ? Math.round((x / y) * 100) / 100 : null);
    return { rate_cps: rate, p50_ratio: ratio(a?.p50, q?.p50), p99_ratio: ratio(a?.p99, q?.p99) };
  });
}

/** The printed report (lines without their newlines). */
export function callsReport(results: RunResult[], rateRatios: RateRatio[], o: { cores: number; totalS: number; runDir: string }): string[] {
  const lines = [
    '',
    'INVITE (caller) → 200 OK (seat), real SIPp calls through Asterisk 22, 27 auto-answer seats',
    `${'system'.padEnd(10)}${pad('cps', 5)}${pad('talk ms', 9)}${pad('calls', 7)}${pad('answered', 10)}${pad('ans %', 8)}${pad('p50 ms', 9)}${pad('p90 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('caller 200 p50', 16)}${pad('cpu ast/gw/seats', 19)}`,
  ];
  for (const r of results) {
    const cpu = `${Math.round((r.cpu.asterisk ?? 0) * 100)}/${Math.round((r.cpu.gateway ?? 0) * 100)}/${Math.round((r.cpu.seats ?? 0) * 100)}%`;
    lines.push(
      `${r.system.padEnd(10)}${pad(r.rate, 5)}${pad(r.talkMs, 9)}${pad(r.calls, 7)}${pad(r.answered, 10)}${pad(f((100 * r.answered) / Math.max(1, r.calls)), 8)}` +
        `${pad(f(r.p50), 9)}${pad(f(r.p90), 9)}${pad(f(r.p99), 9)}${pad(f(r.max), 9)}${pad(f(r.callerOkP50), 16)}${pad(cpu, 19)}`,
    );
  }
  lines.push('', 'ratio acd / app_queue');
  for (const r of rateRatios) lines.push(`  ${pad(r.rate_cps, 4)} cps: p50 ×${r.p50_ratio ?? '—'}  p99 ×${r.p99_ratio ?? '—'}`);
  const top = results.filter((r) => r.system === 'acd').sort((a, b) => b.rate - a.rate)[0];
  const topRatio = rateRatios.find((r) => r.rate_cps === top?.rate);
  if (top) {
    lines.push('', `goals at ${top.rate} cps (issue 3):`);
    lines.push(`  100% answered ........ ${top.answered === top.calls ? 'met' : 'MISSED'} (${top.answered}/${top.calls})`);
    const base = results.find((r) => r.system === 'app_queue' && r.rate === top.rate);
    // A ratio to an app_queue that itself could not answer every call compares two collapses, not two routers.
    const comparable = base !== undefined && base.answered === base.calls;
    lines.push(
      comparable
        ? `  p50 within 3× app_queue ${topRatio?.p50_ratio !== null && (topRatio?.p50_ratio ?? Infinity) <= 3 ? 'met' : 'MISSED'} (×${topRatio?.p50_ratio ?? '—'})`
        : `  p50 within 3× app_queue not comparable: app_queue itself answered ${base ? `${base.answered}/${base.calls}` : 'no run'} (the machine is saturated at this rate)`,
    );
    lines.push(`  p99 under 100 ms ..... ${top.p99 < 100 ? 'met' : 'MISSED'} (${f(top.p99)} ms)`);
  }
  lines.push('', 'diagnostics (ARI events/call = events Asterisk queued for the Stasis app per offered call; HTTP refused = ARI connections over http.conf sessionlimit)');
  for (const r of results) {
    lines.push(
      `  ${r.system.padEnd(10)}${pad(r.rate, 4)} cps: ARI events/call ${f(r.ariEventsPerCall)}, ARI event queue max depth ${r.ariQueueMaxDepth}, HTTP refused ${r.httpRefused}, ` +
        `caller SIPp ok/failed ${r.sippOk}/${r.sippFailed}, 1-min load ${f(r.loadavg)}${r.gateway ? `, gateway log ${JSON.stringify(r.gateway)}` : ''}`,
    );
  }
  if (results.some((r) => r.loadavg > o.cores)) lines.push(`  NOTE: load average above ${o.cores} cores during some runs: other work shared the machine; figures are pessimistic`);
  lines.push(`total ${o.totalS.toFixed(0)} s; SIPp logs in ${o.runDir}`);
  return lines;
}

/** The last line's object: the settings that shape the figures, each run's headline figures, and the ratios. */
export function callsSummary(results: RunResult[], rateRatios: RateRatio[], o: { recording: boolean; seatProcesses: number; rounds: number }) {
  return {
    recording: o.recording,
    seat_processes: o.seatProcesses,
    rounds: o.rounds,
    runs: results.map((r) => ({ system: r.system, rate_cps: r.rate, calls: r.calls, answered: r.answered, p50_ms: Math.round(r.p50 * 10) / 10, p99_ms: Math.round(r.p99 * 10) / 10 })),
    ratios: rateRatios,
  };
}
