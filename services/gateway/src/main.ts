// The gateway: Stasis application, ACD and HTTP API, wired once here.
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { CALL_RECORDS_QUEUE, loadConfig } from '@cti/contracts';
import { AcdEngine, defaultAcdConfig, systemClock } from '@cti/domain';
import { AmiClient, AriTelephony, TrunkMonitor, seatName, type TelephonyEvents } from '@cti/asterisk';
import { AgentRepository, CallRepository, TicketRepository, TokenRepository, createDb, migrate } from '@cti/db';
import { createLogger } from './logger.js';
import { CallService } from './call/call.service.js';
import { CallStasisHandler } from './call/call.stasis.js';
import { CallRecordPublisher } from './records/call-record.publisher.js';
import { AgentService } from './agent/agent.service.js';
import { buildApp } from './app.js';
import { registerAgentRoutes } from './http/agent.routes.js';
import { registerStatsRoutes } from './http/stats.routes.js';
import { registerTicketRoutes } from './http/ticket.routes.js';
import { registerCallRoutes } from './http/call.routes.js';
import { registerAcdRoutes } from './http/acd.routes.js';
import { EventBus } from './events/event-bus.js';

const config = loadConfig(process.env);
const log = createLogger('gateway', config.CTI_LOG_LEVEL);
const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

async function migrateWithRetry(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, migrationsDir);
      return;
    } catch (err) {
      if (attempt >= 30) throw err;
      log.warn({ err: (err as Error).message, attempt }, 'database not ready; retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function main(): Promise<void> {
  await migrateWithRetry();
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA);
  // Producer connection fails fast while Redis is away, so records go to the local spool at once.
  const redis = new Redis(config.CTI_REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis error'));
  const queue = new Queue(CALL_RECORDS_QUEUE, { connection: redis, prefix: config.CTI_REDIS_PREFIX });
  queue.on('error', (err) => log.debug({ err: err.message }, 'queue error'));
  const publisher = new CallRecordPublisher(queue, config.CTI_SPOOL_DIR, log);
  publisher.startRedelivery();

  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: config.CTI_WRAP_UP_S }, systemClock);
  const bus = new EventBus((err, e) => log.warn({ err: (err as Error).message, type: e.type }, 'event subscriber failed'));
  let handler: TelephonyEvents | undefined;
  const events: TelephonyEvents = {
    stasisStart: (c) => handler?.stasisStart(c),
    stasisEnd: (id) => handler?.stasisEnd(id),
    channelDestroyed: (id, cause) => handler?.channelDestroyed(id, cause),
    dtmf: (id, d) => handler?.dtmf(id, d),
    connection: (up) => handler?.connection(up),
  };
  const ari = new AriTelephony({ url: config.CTI_ARI_URL, user: config.CTI_ARI_USER, password: config.CTI_ARI_PASSWORD, app: config.CTI_ARI_APP }, events, log);
  const calls = new CallService(ari, acd, publisher, bus, systemClock, log, { ringTimeoutSeconds: config.CTI_RING_TIMEOUT_S, fallbackContext: 'cti-fallback' });
  handler = new CallStasisHandler(calls, log);

  const ami = new AmiClient({ host: config.CTI_AMI_HOST, port: config.CTI_AMI_PORT, user: config.CTI_AMI_USER, password: config.CTI_AMI_PASSWORD }, log);
  ami.onConnection((up) => log.info({ up }, up ? 'AMI connected' : 'AMI disconnected'));
  const trunks = new TrunkMonitor(ami, ['trunk-primary', 'trunk-backup'], systemClock.now, (trunk, s) => log.warn({ trunk, status: s.status }, 'trunk status changed'));

  const seats = new Set(Array.from({ length: config.CTI_SEATS }, (_, i) => seatName(i + 1)));
  const agents = new AgentService(acd, new AgentRepository(db), seats, () => calls.dispatch());
  const app = await buildApp({
    logger: log,
    tokens: new TokenRepository(db),
    features: [
      (routes) => registerAgentRoutes(routes, agents),
      (routes) => registerStatsRoutes(routes, new CallRepository(db), systemClock.now),
      (routes) => registerTicketRoutes(routes, new TicketRepository(db)),
      (routes) => registerCallRoutes(routes, calls, systemClock.now),
      (routes) => registerAcdRoutes(routes, acd),
    ],
    health: {
      ari: () => ari.isUp(),
      ami: () => ami.isUp(),
      redis: () => Promise.race([redis.ping().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))]),
      postgres: () => sql`select 1`.execute(db).then(() => true, () => false),
      trunks: () => trunks.snapshot(),
      spooledRecords: () => publisher.hasSpooled(),
    },
  });

  await app.listen({ host: config.CTI_HTTP_HOST, port: config.CTI_HTTP_PORT });
  ami.start();
  await ari.start();
  const ticker = setInterval(() => calls.tick(), 1_000);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'gateway stopping');
    clearInterval(ticker);
    await app.close();
    await ari.stop();
    ami.stop();
    publisher.stop();
    await publisher.flush().catch(() => 0);
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await db.destroy();
    log.info({}, 'gateway stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  log.fatal({ err: (err as Error).message }, 'gateway failed to start');
  process.exit(1);
});
