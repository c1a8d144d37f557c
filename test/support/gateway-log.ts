import { readFileSync, statSync } from 'node:fs';

/** One line of a gateway's JSON log (pino): its message, process, time (epoch ms) and fields. */
export type GatewayLogLine = { msg?: string; pid?: number; time?: number; [k: string]: unknown };

/**
 * The gateway's JSON lines in `file` from byte `fromOffset` on (other output, e.g. a stack trace, is skipped). The
 * harness's own line of how a process exited (test/support/processes.ts) is left out unless `withExits`.
 */
export function gatewayLogLines(file: string, fromOffset = 0, withExits = false): GatewayLogLine[] {
  return readFileSync(file, 'utf8')
    .slice(fromOffset)
    .split('\n')
    .flatMap((l) => {
      try {
        const line = JSON.parse(l) as GatewayLogLine;
        return withExits || line.name !== 'test-harness' ? [line] : [];
      } catch {
        return []; // not one of the gateway's JSON lines
      }
    });
}

/** The size of `file` in bytes, 0 when it does not exist yet (an offset to read a log from later). */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** A gateway's /healthz (status and body; an active answers 200, a standby 503), or undefined when nothing answers. */
export async function gatewayHealth(url: string): Promise<{ status: number; body: any } | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined;
  }
}

/** One sample of the gateway's /metrics at `url` (no token in the test environment), or undefined when absent. */
export async function gatewayMetric(url: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
