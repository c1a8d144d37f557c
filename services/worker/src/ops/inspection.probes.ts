import { readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ops } from '@cti/domain';

/** The slice of AmiClient the inspection uses. */
export interface AmiPort {
  isUp(): boolean;
  action(fields: Record<string, string | number>): Promise<Record<string, unknown>>;
  listAction(fields: Record<string, string | number>, rowEvent: string): Promise<Array<Record<string, string>>>;
}

/** The slice of ioredis the inspection uses. */
export interface RedisInfoPort {
  info(): Promise<string>;
}

/** PostgreSQL figures (a Kysely-backed function fits). */
export interface PostgresStatsPort {
  stats(): Promise<{ connections: number; maxConnections: number; databaseBytes: number }>;
  /** The newest backup attempt. */
  lastBackup(): Promise<{ startedAt: number; ok: boolean } | undefined>;
}

/** Where the inspection looks; all from configuration. */
export interface InspectionTargets {
  trunks: readonly string[];
  ari: { url: string; user: string; password: string };
  diskPaths: readonly string[];
  recordingsDir: string;
  credentials: ReadonlyArray<{ name: string; expiresAt: number }>;
}

type Probe<T> = ops.Probe<T>;

const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));
async function probe<T>(f: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: errMsg(e) };
  }
}

/** AMI Command output as lines (asterisk-manager gives one string or an array of `Output:` values). */
export function commandLines(res: Record<string, unknown>): string[] {
  const out = res.output ?? res.content ?? '';
  return (Array.isArray(out) ? out.map(String) : String(out).split('\n')).map((l) => l.replace(/^Output: /, '')).filter((l) => l.trim() !== '');
}

/**
 * Parses `core show taskprocessors`. Columns differ between versions (Asterisk 22 adds low/high times),
 * so "In Queue" and "Max Depth" are located by the header; without one, they are the 2nd and 3rd numbers.
 */
export function parseTaskProcessors(lines: readonly string[]): Array<{ name: string; queued: number; maxDepth: number }> {
  const header = lines.find((l) => /^\s*Processor\s/.test(l));
  const cols = header ? header.trim().split(/\s{2,}/) : [];
  const qi = cols.indexOf('In Queue') > 0 ? cols.indexOf('In Queue') : 2;
  const mi = cols.indexOf('Max Depth') > 0 ? cols.indexOf('Max Depth') : 3;
  const out: Array<{ name: string; queued: number; maxDepth: number }> = [];
  for (const l of lines) {
    const t = l.trim().split(/\s+/);
    if (t.length < 6 || !t.slice(1).every((x) => /^\d+$/.test(x))) continue;
    out.push({ name: t[0]!, queued: Number(t[qi]), maxDepth: Number(t[mi]) });
  }
  return out;
}

/** Parses `core show uptime seconds` → system uptime in seconds. */
export function parseUptimeSeconds(lines: readonly string[]): number | null {
  for (const l of lines) {
    const m = /System uptime:\s*(\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return null;
}

/** Parses `core show channels count` → active channels and calls. */
export function parseChannelCount(lines: readonly string[]): { channels: number | null; calls: number | null } {
  const text = lines.join('\n');
  const ch = /(\d+)\s+active channels?/.exec(text);
  const ca = /(\d+)\s+active calls?/.exec(text);
  return { channels: ch ? Number(ch[1]) : null, calls: ca ? Number(ca[1]) : null };
}

/** Fields of Redis INFO as numbers. */
export function parseRedisInfo(info: string): { usedMemoryBytes: number; maxMemoryBytes: number; connectedClients: number; uptimeSeconds: number } {
  const f = new Map(info.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as const));
  const n = (k: string) => Number(f.get(k) ?? 0);
  return { usedMemoryBytes: n('used_memory'), maxMemoryBytes: n('maxmemory'), connectedClients: n('connected_clients'), uptimeSeconds: n('uptime_in_seconds') };
}

async function amiCommand(ami: AmiPort, command: string): Promise<string[]> {
  const res = await ami.action({ action: 'Command', command });
  return commandLines(res);
}

/** Disk of the nearest existing ancestor of `path` (a data directory may not exist yet). */
async function diskOf(path: string): Promise<{ freeBytes: number; totalBytes: number }> {
  let p = resolve(path);
  for (;;) {
    try {
      const s = await statfs(p);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw e;
      p = dirname(p);
    }
  }
}

/** Size and file count of a directory tree (stops counting after `maxFiles`). */
async function treeSize(dir: string, maxFiles = 200_000): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length && files < maxFiles) {
    const d = stack.pop()!;
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        bytes += (await stat(p)).size;
        files++;
      }
    }
  }
  return { bytes, files };
}

/** Reachability of one trunk from its endpoint's contact status details (qualify results). */
export async function trunkStatus(ami: AmiPort, name: string): Promise<{ name: string; status: 'up' | 'down' | 'unknown'; rttMs: number | null }> {
  const rows = await ami.listAction({ action: 'PJSIPShowEndpoint', endpoint: name }, 'ContactStatusDetail');
  const reachable = rows.find((r) => r.status === 'Reachable');
  if (reachable) return { name, status: 'up', rttMs: Number(reachable.roundtripusec) > 0 ? Number(reachable.roundtripusec) / 1000 : null };
  if (rows.length > 0 && rows.every((r) => r.status === 'Unreachable')) return { name, status: 'down', rttMs: null };
  return { name, status: 'unknown', rttMs: null };
}

/** Reads every component once; never throws — an unreachable component becomes a failed probe. */
export async function gatherInspectionFacts(
  deps: { ami: AmiPort; redis: RedisInfoPort; postgres: PostgresStatsPort; fetch: typeof fetch; now: () => number },
  t: InspectionTargets,
): Promise<ops.InspectionFacts> {
  const at = deps.now();
  const amiReady = () => {
    if (!deps.ami.isUp()) throw new Error('AMI not connected');
  };
  const [trunks, asterisk, ari, ami, redis, postgres] = await Promise.all([
    probe(async () => {
      amiReady();
      // Trunk contacts are permanent (in the AOR), which PJSIPShowContacts does not list: ask each endpoint.
      return Promise.all(t.trunks.map((name) => trunkStatus(deps.ami, name)));
    }),
    probe(async () => {
      amiReady();
      const [version, uptime, channels, tps] = await Promise.all([
        amiCommand(deps.ami, 'core show version'),
        amiCommand(deps.ami, 'core show uptime seconds'),
        amiCommand(deps.ami, 'core show channels count'),
        amiCommand(deps.ami, 'core show taskprocessors'),
      ]);
      const count = parseChannelCount(channels);
      return {
        version: (version.find((l) => l.startsWith('Asterisk')) ?? version[0] ?? 'unknown').trim(),
        uptimeSeconds: parseUptimeSeconds(uptime),
        activeChannels: count.channels,
        activeCalls: count.calls,
        taskProcessors: parseTaskProcessors(tps),
      };
    }),
    probe(async () => {
      const started = Date.now();
      const res = await deps.fetch(`${t.ari.url.replace(/\/$/, '')}/ari/asterisk/info`, {
        headers: { authorization: `Basic ${Buffer.from(`${t.ari.user}:${t.ari.password}`).toString('base64')}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`ARI answered HTTP ${res.status}`);
      const body = (await res.json()) as { system?: { version?: string } };
      return { latencyMs: Date.now() - started, version: body.system?.version ?? null };
    }),
    probe(async () => {
      amiReady();
      const started = Date.now();
      await deps.ami.action({ action: 'Ping' });
      return { latencyMs: Date.now() - started };
    }),
    probe(async () => parseRedisInfo(await deps.redis.info())),
    probe(async () => {
      const [s, b] = await Promise.all([deps.postgres.stats(), deps.postgres.lastBackup()]);
      return { ...s, lastBackupAt: b?.startedAt ?? null, lastBackupOk: b ? b.ok : null };
    }),
  ]);
  const disks = await Promise.all(
    t.diskPaths.map(async (path) => {
      try {
        return { path, ok: true as const, ...(await diskOf(path)) };
      } catch (e) {
        return { path, ok: false as const, error: errMsg(e) };
      }
    }),
  );
  let recordings: ops.InspectionFacts['recordings'];
  try {
    if (!(await stat(t.recordingsDir)).isDirectory()) throw new Error('not a directory');
    recordings = { path: t.recordingsDir, present: true, ...(await treeSize(t.recordingsDir)) };
  } catch {
    recordings = { path: t.recordingsDir, present: false };
  }
  return { at, trunks, asterisk, ari, ami, redis, postgres, disks, recordings, credentials: [...t.credentials] };
}
