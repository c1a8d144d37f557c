// One real stack per end-to-end run: an Asterisk instance, the worker and the gateway on test ports,
// a fresh PostgreSQL schema and Redis prefix, 27 agents logged in and ready. Torn down afterwards.
import { fileURLToPath } from 'node:url';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { AgentRepository, TokenRepository, createDb, migrate } from '@cti/db';
import { e2eEnv, e2eMediaBase } from './e2e.env.js';
import { takeSlot } from './slot.lock.js';
import { asteriskScript, stopProcess } from './processes.js';
import { awaitHealthy, killLeftoversOfRun, pidFile, startGateway, startWorker, stopGatewayByPidFile, workerPidFile } from './gateway.control.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

let gateway: ChildProcess | undefined;
let worker: ChildProcess | undefined;

export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const runId = `e2e_${Date.now()}`;
  const { slot, release } = await takeSlot((k) => Number(e2eEnv(runId, k).CTI_HTTP_PORT));
  const INSTANCE = `e2e${slot}`;
  const env = e2eEnv(runId, slot);
  console.log(`[e2e] run ${runId} in port slot ${slot}; logs in .run/${runId}/`);
  // Browser phones (test/desk.e2e.ts): a self-signed certificate for Asterisk's secure WebSocket, and this run's own
  // file of generated SIP passwords.
  const tlsDir = `${root}.run/${runId}/tls`;
  execFileSync('bash', [`${root}scripts/webrtc-cert.sh`, tlsDir]);
  Object.assign(env, { CTI_WEBRTC_CERT_FILE: `${tlsDir}/webrtc.crt`, CTI_WEBRTC_KEY_FILE: `${tlsDir}/webrtc.key`, CTI_SEAT_SECRETS_FILE: `${root}.run/${runId}/main-seat-secrets.json` });
  asteriskScript(root, env, 'stop', INSTANCE); // a leftover of a run that died in this slot
  asteriskScript(root, env, 'start', INSTANCE);
  const logDir = asteriskScript(root, env, 'logdir', INSTANCE).trim();
  env.CTI_QUEUE_LOG_FILE = `${logDir}/queue_log`;
  // Asterisk writes call recordings under its spool directory; the gateway serves them from there.
  env.CTI_RECORDINGS_DIR = `${logDir.replace(/\/log$/, '')}/spool/recording`;

  await migrate(env.CTI_DATABASE_URL as string, runId, `${root}/migrations`);
  const db = createDb(env.CTI_DATABASE_URL as string, runId, 2);
  const agents = new AgentRepository(db);
  const agentIds: string[] = [];
  for (let n = 1; n <= 27; n++) {
    const id = `a${String(n).padStart(2, '0')}`;
    // Seats 25–27 are the bilingual (Tibetan–Mandarin) call-takers.
    await agents.upsert({ id, name: `坐席 ${n}`, skills: n >= 25 ? { mandarin: 5, tibetan: 8 } : { mandarin: 5 } });
    agentIds.push(id);
  }
  const supervisorToken = await new TokenRepository(db).create('supervisor', 'e2e', null);
  await db.destroy();

  worker = startWorker(root, env);
  gateway = startGateway(root, env);
  const apiUrl = `http://127.0.0.1:${env.CTI_HTTP_PORT}`;
  await awaitHealthy(gateway, root, env, apiUrl);

  project.provide('e2e', { env, apiUrl, supervisorToken, agentIds, asteriskInstance: INSTANCE, root, runId, mediaBase: e2eMediaBase(slot) });

  return async () => {
    await stopProcess(gateway);
    await stopProcess(worker);
    // Tests that restart the gateway record the new pid in the pid file; stop that one too.
    await stopGatewayByPidFile(pidFile(root, runId));
    await stopGatewayByPidFile(workerPidFile(root, runId));
    const leftovers = killLeftoversOfRun(runId);
    if (leftovers.length) console.warn(`[e2e] killed processes of run ${runId} that no test stopped: ${leftovers.join(', ')}`);
    asteriskScript(root, env, 'stop', INSTANCE);
    const client = new pg.Client({ connectionString: env.CTI_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${runId}" CASCADE`);
    await client.end();
    const redis = new Redis(env.CTI_REDIS_URL as string);
    const keys = await redis.keys(`${runId}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    release();
  };
}
