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

/** Seconds since ARI's `status.startup_time` (ISO 8601 with offset, e.g. `2026-12-06T03:38:27.000+0000`), or null. */
export function uptimeFromStartup(startupTime: string | undefined, now: number): number | null {
  if (!startupTime) return null;
  const at = Date.parse(startupTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? null : Math.max(0, Math.floor((now - at) / 1000));
}

/** A count field of an AMI response as a number, or null when absent. */
function countField(res: Record<string, unknown>, field: string): number | null {
  const v = Number(res[field]);
  return res[field] === undefined || Number.isNaN(v) ? null : v;
}

/** Fields of Redis INFO as numbers. */
export function parseRedisInfo(info: string): { usedMemoryBytes: number; maxMemoryBytes: number; connectedClients: number; uptimeSeconds: number } {
  const f = new Map(info.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as const));
  const n = (k: string) => Number(f.get(k) ?? 0);
  return { usedMemoryBytes: n('used_memory'), maxMemoryBytes: n('maxmemory'), connectedClients: n('connected_clients'), uptimeSeconds: n('uptime_in_seconds') };
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
  const ariInfo = (async () => {
    const started = Date.now();
    const res = await deps.fetch(`${t.ari.url.replace(/\/$/, '')}/ari/asterisk/info`, {
      headers: { authorization: `Basic ${Buffer.from(`${t.ari.user}:${t.ari.password}`).toString('base64')}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`ARI answered HTTP ${res.status}`);
    const body = (await res.json()) as { system?: { version?: string }; status?: { startup_time?: string } };
    return { latencyMs: Date.now() - started, body };
  })();
  ariInfo.catch(() => undefined); // judged by the ARI probe; keeps an early failure from being unhandled
  const [trunks, asterisk, ari, ami, redis, postgres] = await Promise.all([
    probe(async () => {
      amiReady();
      // Trunk contacts are permanent (in the AOR), which PJSIPShowContacts does not list: ask each endpoint.
      return Promise.all(t.trunks.map((name) => trunkStatus(deps.ami, name)));
    }),
    probe(async () => {
      amiReady();
      // Only actions the `system` class allows: the AMI user has no `command` privilege (no CLI over AMI), so
      // task-processor queues, which only the CLI shows, are not observed here. Uptime comes from ARI.
      const [settings, status, channels, info] = await Promise.all([
        deps.ami.action({ action: 'CoreSettings' }),
        deps.ami.action({ action: 'CoreStatus' }),
        deps.ami.listAction({ action: 'CoreShowChannels' }, 'CoreShowChannel'),
        ariInfo.catch(() => undefined),
      ]);
      const version = settings.asteriskversion;
      return {
        version: version ? `Asterisk ${String(version)}` : 'unknown',
        uptimeSeconds: uptimeFromStartup(info?.body.status?.startup_time, deps.now()),
        activeChannels: channels.length,
        activeCalls: countField(status, 'corecurrentcalls'),
        taskProcessors: null,
      };
    }),
    probe(async () => {
      const { latencyMs, body } = await ariInfo;
      return { latencyMs, version: body.system?.version ?? null };
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
