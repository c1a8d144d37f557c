/** Outcome of one probe: its value, or why it could not be read. */
export type Probe<T> = { ok: true; value: T } | { ok: false; error: string };

/** What the daily inspection (巡检) read from each component; gathered by the worker, judged here. */
export interface InspectionFacts {
  at: number;
  trunks: Probe<Array<{ name: string; status: 'up' | 'down' | 'unknown'; rttMs: number | null }>>;
  asterisk: Probe<{
    version: string;
    uptimeSeconds: number | null;
    activeChannels: number | null;
    activeCalls: number | null;
    /**
     * Task processors with their current queue depth and high-water mark; null when not observable (AMI offers them
     * only through the CLI `Command` action, a privilege the system's AMI user does not have).
     */
    taskProcessors: Array<{ name: string; queued: number; maxDepth: number }> | null;
  }>;
  ari: Probe<{ latencyMs: number; version: string | null }>;
  ami: Probe<{ latencyMs: number }>;
  redis: Probe<{ usedMemoryBytes: number; maxMemoryBytes: number; connectedClients: number; uptimeSeconds: number }>;
  postgres: Probe<{ connections: number; maxConnections: number; databaseBytes: number; lastBackupAt: number | null; lastBackupOk: boolean | null }>;
  disks: Array<{ path: string } & ({ ok: true; freeBytes: number; totalBytes: number } | { ok: false; error: string })>;
  /** Recording storage: absent until recordings are configured and written. */
  recordings: { path: string; present: false } | { path: string; present: true; bytes: number; files: number };
  credentials: Array<{ name: string; expiresAt: number }>;
}

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One line of an inspection report. */
export interface InspectionCheck {
  id: string;
  area: 'trunks' | 'asterisk' | 'ari' | 'ami' | 'redis' | 'postgres' | 'backup' | 'disk' | 'recordings' | 'credentials';
  label: string;
  status: CheckStatus;
  /** The figure read, human-readable. */
  value: string;
  note?: string;
}

/** Where a figure turns a check yellow or red. */
export interface InspectionThresholds {
  diskWarnFreeShare: number;
  diskFailFreeShare: number;
  taskQueueWarn: number;
  taskQueueFail: number;
  postgresConnectionsWarnShare: number;
  redisMemoryWarnShare: number;
  backupMaxAgeHours: number;
  credentialWarnDays: number;
}

export const DEFAULT_INSPECTION_THRESHOLDS: InspectionThresholds = Object.freeze({
  diskWarnFreeShare: 0.15,
  diskFailFreeShare: 0.05,
  taskQueueWarn: 100,
  taskQueueFail: 1000,
  postgresConnectionsWarnShare: 0.8,
  redisMemoryWarnShare: 0.8,
  backupMaxAgeHours: 26,
  credentialWarnDays: 30,
});

/** The judged inspection: every check and the worst status among them. */
export interface InspectionResult {
  at: number;
  overall: CheckStatus;
  checks: InspectionCheck[];
}

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };
export const worstStatus = (s: readonly CheckStatus[]): CheckStatus => s.reduce<CheckStatus>((w, x) => (RANK[x] > RANK[w] ? x : w), 'pass');

const mib = (b: number) => `${(b / 1_048_576).toFixed(1)} MiB`;
const gib = (b: number) => `${(b / 1_073_741_824).toFixed(2)} GiB`;
const dur = (s: number) => `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h ${Math.floor((s % 3600) / 60)}m`;

/** Judges the facts against the thresholds. A probe that failed is a `fail` naming the error. */
export function evaluateInspection(f: InspectionFacts, t: InspectionThresholds = DEFAULT_INSPECTION_THRESHOLDS): InspectionResult {
  const checks: InspectionCheck[] = [];
  const failed = (id: string, area: InspectionCheck['area'], label: string, error: string) =>
    checks.push({ id, area, label, status: 'fail', value: 'unreachable', note: error });

  if (f.trunks.ok) {
    for (const tr of f.trunks.value) {
      checks.push({
        id: `trunk:${tr.name}`, area: 'trunks', label: `Trunk ${tr.name}`,
        status: tr.status === 'up' ? 'pass' : tr.status === 'down' ? 'fail' : 'warn',
        value: tr.status + (tr.rttMs !== null ? ` (qualify ${tr.rttMs.toFixed(1)} ms)` : ''),
      });
    }
    if (f.trunks.value.length === 0) checks.push({ id: 'trunks', area: 'trunks', label: 'Trunks', status: 'fail', value: 'none configured' });
  } else failed('trunks', 'trunks', 'Trunks', f.trunks.error);

  if (f.asterisk.ok) {
    const a = f.asterisk.value;
    checks.push({ id: 'asterisk:version', area: 'asterisk', label: 'Asterisk version', status: 'pass', value: a.version });
    checks.push({ id: 'asterisk:uptime', area: 'asterisk', label: 'Asterisk uptime', status: a.uptimeSeconds === null ? 'warn' : 'pass', value: a.uptimeSeconds === null ? 'unknown' : dur(a.uptimeSeconds) });
    checks.push({ id: 'asterisk:channels', area: 'asterisk', label: 'Active channels / calls', status: 'pass', value: `${a.activeChannels ?? '?'} / ${a.activeCalls ?? '?'}` });
    if (a.taskProcessors) {
      const deepest = [...a.taskProcessors].sort((x, y) => y.queued - x.queued)[0];
      const q = deepest?.queued ?? 0;
      checks.push({
        id: 'asterisk:taskprocessors', area: 'asterisk', label: 'Task-processor queues',
        status: q >= t.taskQueueFail ? 'fail' : q >= t.taskQueueWarn ? 'warn' : 'pass',
        value: `${a.taskProcessors.length} processors, deepest queue ${q}${deepest ? ` (${deepest.name})` : ''}`,
      });
    }
  } else failed('asterisk', 'asterisk', 'Asterisk', f.asterisk.error);

  if (f.ari.ok) checks.push({ id: 'ari', area: 'ari', label: 'ARI', status: 'pass', value: `reachable in ${f.ari.value.latencyMs} ms` });
  else failed('ari', 'ari', 'ARI', f.ari.error);
  if (f.ami.ok) checks.push({ id: 'ami', area: 'ami', label: 'AMI', status: 'pass', value: `logged in, answered in ${f.ami.value.latencyMs} ms` });
  else failed('ami', 'ami', 'AMI', f.ami.error);

  if (f.redis.ok) {
    const r = f.redis.value;
    const share = r.maxMemoryBytes > 0 ? r.usedMemoryBytes / r.maxMemoryBytes : 0;
    checks.push({
      id: 'redis', area: 'redis', label: 'Redis', status: share >= t.redisMemoryWarnShare ? 'warn' : 'pass',
      value: `memory ${mib(r.usedMemoryBytes)}${r.maxMemoryBytes > 0 ? ` of ${mib(r.maxMemoryBytes)}` : ''}, ${r.connectedClients} clients, up ${dur(r.uptimeSeconds)}`,
    });
  } else failed('redis', 'redis', 'Redis', f.redis.error);

  if (f.postgres.ok) {
    const p = f.postgres.value;
    checks.push({
      id: 'postgres', area: 'postgres', label: 'PostgreSQL',
      status: p.connections >= p.maxConnections * t.postgresConnectionsWarnShare ? 'warn' : 'pass',
      value: `${p.connections}/${p.maxConnections} connections, database ${mib(p.databaseBytes)}`,
    });
    const ageH = p.lastBackupAt === null ? null : (f.at - p.lastBackupAt) / 3_600_000;
    checks.push({
      id: 'backup', area: 'backup', label: 'Last verified backup',
      status: ageH === null ? 'warn' : p.lastBackupOk === false ? 'fail' : ageH > t.backupMaxAgeHours ? 'warn' : 'pass',
      value: ageH === null ? 'none yet' : `${ageH.toFixed(1)} h ago${p.lastBackupOk === false ? ' (failed)' : ''}`,
    });
  } else failed('postgres', 'postgres', 'PostgreSQL', f.postgres.error);

  for (const d of f.disks) {
    if (!d.ok) {
      checks.push({ id: `disk:${d.path}`, area: 'disk', label: `Disk ${d.path}`, status: 'warn', value: 'unreadable', note: d.error });
      continue;
    }
    const share = d.totalBytes > 0 ? d.freeBytes / d.totalBytes : 0;
    checks.push({
      id: `disk:${d.path}`, area: 'disk', label: `Disk ${d.path}`,
      status: share < t.diskFailFreeShare ? 'fail' : share < t.diskWarnFreeShare ? 'warn' : 'pass',
      value: `${gib(d.freeBytes)} free of ${gib(d.totalBytes)} (${(share * 100).toFixed(1)}%)`,
    });
  }

  const rec = f.recordings;
  checks.push({
    id: 'recordings', area: 'recordings', label: `Recording storage ${rec.path}`, status: 'pass',
    value: rec.present ? `${rec.files} files, ${mib(rec.bytes)}` : 'absent',
  });

  for (const c of f.credentials) {
    const days = (c.expiresAt - f.at) / 86_400_000;
    checks.push({
      id: `credential:${c.name}`, area: 'credentials', label: `Credential ${c.name}`,
      status: days <= 0 ? 'fail' : days <= t.credentialWarnDays ? 'warn' : 'pass',
      value: days <= 0 ? `expired ${new Date(c.expiresAt).toISOString()}` : `expires in ${Math.floor(days)} days`,
    });
  }
  return { at: f.at, overall: worstStatus(checks.map((c) => c.status)), checks };
}
