/**
 * Measurement for the benches: CPU time of processes from /proc, SIPp's message logs and statistics, Asterisk's own
 * counters (CLI, log) and the gateway's log, RTP received by Asterisk (ARI), and the heap (a usable gc()).
 */
import { existsSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ari } from '../../test/support/api.js';
import type { E2eContext } from '../../test/support/e2e.env.js';
import { log, sleep } from './stack.js';

// ---------------------------------------------------------------------------------------------------------------
// CPU (/proc)

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const TICKS_PER_S = 100;

/** CPU ticks (user+system) of a pid, or 0 when it is gone. */
export function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** The pid written in `file`, or undefined when there is none. */
export function pidFromFile(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU ticks of each named group of processes (a pid not running counts 0), keyed in the groups' order. */
export function cpuSnapshot(groups: Record<string, Array<number | undefined>>): Record<string, number> {
  const ticks: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) ticks[name] = pids.reduce<number>((sum, pid) => sum + cpuTicks(pid), 0);
  return ticks;
}

/**
 * Waits until the `watched` groups of `snapshot()` are quiet (under 15% of one core together over a second, at most
 * 60 s), so that a run does not start while the previous run's work (the worker storing records and tickets) goes on.
 */
export async function settle(name: string, snapshot: () => Record<string, number>, watched: readonly string[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    const a = snapshot();
    await sleep(1_000);
    const b = snapshot();
    const busy = watched.reduce((sum, k) => sum + ((b[k] ?? 0) - (a[k] ?? 0)), 0) / TICKS_PER_S;
    if (busy < 0.15) break;
    if (Date.now() - started > 60_000) {
      log(`${name}: the machine did not become quiet in 60 s (last second ${Math.round(busy * 100)}% of a core); starting anyway`);
      return;
    }
  }
  const waited = Date.now() - started;
  if (waited > 1_500) log(`${name}: waited ${(waited / 1000).toFixed(1)} s for the previous run's work to finish`);
}

// ---------------------------------------------------------------------------------------------------------------
// SIPp

/**
 * Parses SIPp <log> lines `KIND <sec>.000000 <usec>.000000 <number>` of the numbers starting with `prefix` into
 * number → epoch ms (the earliest time of a number wins).
 */
export function readTimes(file: string, kind: string, into: Map<string, number>, prefix: string): void {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [k, sec, usec, num] = line.split(' ');
    if (k !== kind || sec === undefined || usec === undefined || num === undefined) continue;
    if (!num.startsWith(prefix)) continue;
    const ms = Number.parseFloat(sec) * 1000 + Number.parseFloat(usec) / 1000;
    const seen = into.get(num);
    if (seen === undefined || seen > ms) into.set(num, ms);
  }
}

/** The count on the last line of SIPp's statistics output that names `label` ("Successful call", "Failed call"), or 0. */
export function sippCount(output: string, label: string): number {
  const lines = output.split('\n').filter((l) => l.includes(label));
  const m = /(\d+)\s*$/.exec((lines.at(-1) ?? '').trim());
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Asterisk and the gateway

/** Runs one Asterisk CLI command on the bench's instance; its output. */
export type AsteriskCli = (command: string) => string;

/** Channels up in Asterisk (`core show channels count`), or -1 when the answer cannot be read. */
export function activeChannels(cli: AsteriskCli): number {
  const m = /(\d+) active channels?/.exec(cli('core show channels count'));
  return m ? Number(m[1]) : -1;
}

/** Counters of the taskprocessor that queues ARI events for our Stasis app (`core show taskprocessors`). */
export function ariQueueStats(cli: AsteriskCli): { name: string; processed: number; maxDepth: number; raw: string } {
  const raw = cli('core show taskprocessors like stasis/m:ari:application');
  const m = /(stasis\/m:ari:application\/\S+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(raw);
  return m?.[1] !== undefined ? { name: m[1], processed: Number(m[2]), maxDepth: Number(m[4]), raw } : { name: '', processed: 0, maxDepth: 0, raw };
}

/** Counts the matches of `pattern` (a global RegExp) in a growing log file since the previous count. */
export class LogGrowthCounter {
  private seen = 0;

  constructor(
    private readonly file: string,
    private readonly pattern: RegExp,
  ) {}

  count(): number {
    const text = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
    const n = (text.slice(this.seen).match(this.pattern) ?? []).length;
    this.seen = text.length;
    return n;
  }
}

/** What the gateway logged about calls in a span of time. */
export interface GatewayCounts {
  arrived: number;
  answered: number;
  fallbacks: number;
  ringNoAnswer: number;
  errors: number;
  /** Waiting callers Asterisk did not serve in time who kept their place (docs/domain.md §23). */
  waitsDegraded?: number;
  /** Callers hung up because the fallback queue could not take them either. */
  fallbacksFailed?: number;
}

/** Gateway log lines (pino JSON) of `file` between two instants, counted by message; errors are level 50 and above. */
export function gatewayCounts(file: string, from: number, to: number): GatewayCounts {
  const c = { arrived: 0, answered: 0, fallbacks: 0, ringNoAnswer: 0, errors: 0, waitsDegraded: 0, fallbacksFailed: 0 };
  if (!existsSync(file)) return c;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { time?: number; msg?: string; level?: number };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!e.time || e.time < from || e.time > to) continue;
    if (e.msg === 'call arrived') c.arrived++;
    else if (e.msg === 'call answered') c.answered++;
    else if (e.msg?.startsWith('call handling failed')) c.fallbacks++;
    else if (e.msg?.startsWith('seat did not answer')) c.ringNoAnswer++;
    else if (e.msg?.startsWith('Asterisk did not carry out a request for a waiting caller')) c.waitsDegraded++;
    else if (e.msg?.startsWith('fallback failed too')) c.fallbacksFailed++;
    if ((e.level ?? 0) >= 50) c.errors++;
  }
  return c;
}

/** RTP packets Asterisk has received on the channel of `endpoint` (a browser phone), or -1 before that channel exists. */
export async function asteriskRtpReceived(ctx: E2eContext, endpoint: string): Promise<number> {
  const channels: Array<{ id: string; name: string }> = (await ari(ctx, 'GET', '/channels')).body;
  const leg = channels.find((c) => c.name.startsWith(`PJSIP/${endpoint}-`));
  if (!leg) return -1;
  const stats: { rxcount: number } = (await ari(ctx, 'GET', `/channels/${leg.id}/rtp_statistics`)).body;
  return stats.rxcount;
}

// ---------------------------------------------------------------------------------------------------------------
// heap

/** A gc() that collects now (node --expose-gc, or exposed at run time), or undefined when none can be had. */
export function loadGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
