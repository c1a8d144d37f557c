import { execFileSync, spawn, type ChildProcess, type ChildProcessWithoutNullStreams, type SpawnOptions, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';

/**
 * Starts SIPp below the system under test's priority. SIPp polls its sockets every millisecond (about 900 wake-ups a
 * second even when idle, whatever -timer_resol says); 27 seat phones at normal priority on a CPU-bound two-core
 * machine starved PostgreSQL and the gateway (measured with stress-ng --cpu 2: 20 `psql -c 'select 1'` took 102 s
 * beside 27 idle seat phones, 4 s with them at nice 10, 8 s with no phones). The phones stand for devices on other
 * hosts: they must not take the CPU from the switch, the gateway and the database they test.
 */
/** `child` (a SIPp just spawned) at SIPP_NICE. */
function lowered<T extends ChildProcess>(child: T): T {
  if (child.pid !== undefined) setPriority(child.pid, SIPP_NICE);
  return child;
}

const SIPP_NICE = 10;

/**
 * Spawns SIPp so that it dies with the test process that started it (setpriv's parent-death signal): a file whose
 * cleanup failed half-way (an afterAll whose first request met a dead gateway) left 27 seat phones answering on its
 * ports for every later file. setpriv execs SIPp, so the child's pid is SIPp's.
 */
function spawnSipp(args: string[], opts: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'>): ChildProcessWithoutNullStreams;
function spawnSipp(args: string[], opts: SpawnOptions): ChildProcess;
function spawnSipp(args: string[], opts: SpawnOptions): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', 'KILL', 'sipp', ...args], opts);
}

/** SIPp runs in test/sipp/: the scenarios' `rtp_stream` names their media file (silence.ulaw) relative to it. */
function mediaDir(root: string): string {
  return join(root, 'test/sipp');
}

/** Outcome of a SIPp caller run. */
export interface CallerRun {
  successful: number;
  failed: number;
  output: string;
}

/** SIPp's exit status when it could not bind a socket (its port was taken). */
const SIPP_BIND_FAILED = 254;

/** The UDP sockets on these ports and their processes (`ss`), for a bind failure's report. */
function portHolders(ports: number[]): string {
  try {
    const lines = execFileSync('ss', ['-H', '-uanp'], { encoding: 'utf8' }).split('\n');
    const held = lines.filter((l) => ports.some((p) => new RegExp(`:${p}\\s`).test(l)));
    return held.length ? `holders of UDP ${ports.join(', ')}:\n${held.join('\n')}` : `no UDP socket on ${ports.join(', ')} now`;
  } catch (err) {
    return `ss failed: ${(err as Error).message}`;
  }
}

/** Places `count` calls to 12345 from a trunk's source address; each caller hangs up after `holdMs`. */
export function placeCalls(
  root: string,
  o: { target: string; from: string; count: number; rate?: number; holdMs: number; service?: string; mediaPort: number; timeoutS?: number; scenario?: string; callerPrefix?: string; onStart?: (sipp: ChildProcess) => void },
): Promise<CallerRun> {
  // Citizens' numbers are the prefix followed by SIPp's call number; a fresh prefix per run keeps numbers
  // (remembered languages, one missed-call task per number per day) from leaking between tests.
  const callerPrefix = o.callerPrefix ?? `139${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
  const [ip, port] = o.from.split(':') as [string, string];
  const args = [
    o.target, '-sf', join(root, `test/sipp/${o.scenario ?? 'caller'}.xml`), '-s', o.service ?? '12345', '-i', ip, '-p', port, '-mp', String(o.mediaPort),
    '-m', String(o.count), '-r', String(o.rate ?? 10), '-l', String(Math.max(o.count, 10)), '-d', String(o.holdMs), '-aa', '-nostdin',
    '-timeout', String(o.timeoutS ?? 90), '-timeout_error', '-recv_timeout', String((o.timeoutS ?? 90) * 1000),
    '-key', 'caller_prefix', callerPrefix,
  ];
  return new Promise((resolve, reject) => {
    const child = lowered(spawnSipp(args, { cwd: mediaDir(root), stdio: ['ignore', 'pipe', 'pipe'] }));
    o.onStart?.(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    // 'close', not 'exit': SIPp prints its statistics as it exits, and 'exit' can come before the pipes are read.
    child.on('close', (code, signal) => {
      // 254: SIPp could not bind one of its sockets. Say who holds the ports (the error itself is printed first and
      // falls outside the tail a failing test shows).
      if (code === SIPP_BIND_FAILED) output += `\n[sipp could not bind] ${output.split('\n').filter((l) => /bind|in use/i.test(l)).slice(0, 3).join(' | ')}\n${portHolders([Number(port), o.mediaPort, o.mediaPort + 2])}`;
      output += `\n[sipp exited: code ${code}, signal ${signal}]`;
      const last = (label: string) => {
        const lines = output.split('\n').filter((l) => l.includes(label));
        const m = /(\d+)\s*$/.exec((lines.at(-1) ?? '').trim());
        return m ? Number(m[1]) : 0;
      };
      resolve({ successful: last('Successful call'), failed: last('Failed call'), output });
    });
  });
}

/** SIPp softphones answering for seats (one process per seat port), optionally after `ringMs` of ringing. */
export function startSeats(root: string, ports: number[], ringMs = 0, scenario = 'seat'): ChildProcess[] {
  return ports.map((port) => startUas(root, '127.0.0.1', port, scenario, ringMs));
}

/** One SIPp UAS (a seat, or a citizen's phone at a trunk's address) running `scenario` with `-d ms`. */
export function startUas(root: string, ip: string, port: number, scenario: string, ms = 0): ChildProcess {
  return lowered(spawnSipp(['-sf', join(root, `test/sipp/${scenario}.xml`), '-i', ip, '-p', String(port), '-mp', String(20000 + (port % 1000) * 8), '-d', String(ms), '-aa', '-l', '1000', '-nostdin'], {
    cwd: mediaDir(root),
    stdio: 'ignore',
  }));
}

/** A SIPp UAS at a carrier trunk's address that logs every SIP message it receives and sends. */
export interface TrunkPhone {
  child: ChildProcess;
  /** Whether it has answered one of Asterisk's qualify OPTIONS with 200 OK. */
  answeredQualify(): boolean;
}

/**
 * Starts `scenario` at a trunk's address (a partner's line, an outside number) with a message log in `logDir`.
 * Asterisk places no call to a trunk whose last qualify failed, and a qualify sent just before this phone bound its
 * port can fail after a test already saw the trunk "up" (from an earlier phone at that address): see trunkAnswering.
 */
export function startTrunkUas(root: string, ip: string, port: number, scenario: string, logDir: string, ms = 0): TrunkPhone {
  mkdirSync(logDir, { recursive: true });
  const log = join(logDir, `trunk-${ip}-${port}-${Date.now()}.sip.log`);
  // At normal priority, unlike the seat phones: one process stands for a carrier's or partner's network, which answers
  // Asterisk's qualify within its 3 s as a real one does. Lowered beside two CPU hogs, it missed qualify after qualify
  // and the trunk stayed "down" for the whole 40 s a linkage test waits for it (L14: trunk-primary never came up).
  const child = spawnSipp([
    '-sf', join(root, `test/sipp/${scenario}.xml`), '-i', ip, '-p', String(port), '-mp', String(20000 + (port % 1000) * 8),
    '-d', String(ms), '-aa', '-l', '1000', '-nostdin', '-trace_msg', '-message_file', log,
  ], { cwd: mediaDir(root), stdio: 'ignore' });
  return {
    child,
    answeredQualify: () =>
      existsSync(log) &&
      readFileSync(log, 'utf8')
        .split(/^-{20,} /m)
        .some((m) => m.includes('message sent') && /^SIP\/2\.0 200 /m.test(m) && /^CSeq: \d+ OPTIONS/m.test(m)),
  };
}

/** Runs one SIPp UAC call of `scenario` against `target` from `from` (ip:port) with extra arguments; resolves with its tally. */
export function runScenario(root: string, o: { target: string; from: string; scenario: string; args?: string[]; timeoutS?: number }): Promise<CallerRun> {
  const [ip, port] = o.from.split(':') as [string, string];
  const args = [
    o.target, '-sf', join(root, `test/sipp/${o.scenario}.xml`), '-i', ip, '-p', port, '-m', '1', '-nostdin',
    '-timeout', String(o.timeoutS ?? 20), '-timeout_error', '-recv_timeout', String((o.timeoutS ?? 20) * 1000), ...(o.args ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = lowered(spawnSipp(args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', () => {
      const last = (label: string) => Number(/(\d+)\s*$/.exec((output.split('\n').filter((l) => l.includes(label)).at(-1) ?? '').trim())?.[1] ?? 0);
      resolve({ successful: last('Successful call'), failed: last('Failed call'), output });
    });
  });
}
