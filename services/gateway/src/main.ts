// The gateway: Stasis application, ACD and HTTP API, wired once here, each part after the parts it is built from.
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { CALLBACK_RESULTS_QUEUE, CALL_RATINGS_QUEUE, CALL_RECORDS_QUEUE, LINKAGES_QUEUE, exitWhenRedisEnds, loadConfig, redisConnectionOptions } from '@cti/contracts';
import { AcdEngine, systemClock } from '@cti/domain';
import { AmiClient, AriTelephony, SeatMonitor, TrunkMonitor, ariAppNames, browserPhoneUrl, browserPhonesEnabled, seatEndpoints, seatName } from '@cti/asterisk';
import { createDb, migrateWithRetry } from '@cti/db';
import { createLogger } from './logger.js';
import { createRepositories } from './repositories.js';
import { FALLBACK_CONTEXT, createCallFeature } from './call/call.feature.js';
import { CallRegistry } from './call/call.registry.js';
import { CallRoutingRelay } from './call/call-routing.relay.js';
import { CallStasisHandler } from './call/call.stasis.js';
import { CallRecordPublisher, CallbackResultPublisher } from './records/call-record.publisher.js';
import { CallRatingPublisher } from './rating/call-rating.publisher.js';
import { CallerRatingExtension } from './rating/caller-rating.stasis.js';
import { CallerMarkCache } from './nuisance/caller-marks.js';
import { registerCallerMarkRoutes } from './nuisance/caller-mark.routes.js';
import { registerHotlineLineRoutes } from './lines/hotline-line.routes.js';
import { LineGreetings } from './lines/line-greetings.js';
import { spoolLimitsFromConfig, spoolSignal } from './records/durable.publisher.js';
import { RedisReplicaAck } from './records/replica-ack.redis.js';
import { guardUnhandledRejections } from './process.guards.js';
import { FallbackQueueLogImporter } from './records/fallback-queue-log.importer.js';
import { AgentService } from './agent/agent.service.js';
import { AgentStateTracker } from './agent/agent-state.tracker.js';
import { BrowserPhoneCredentialsService, SeatSecretsFile } from './agent/browser-phone.credentials.js';
import { CONSOLE_PHONE_LEASE_MS, ConsolePhoneService } from './agent/console-phone.service.js';
import { SEAT_UNREACHABLE_PAUSE_REASON, SeatReachability } from './agent/seat-reachability.js';
import { agentEventsFeature } from './agent/agent-events.feature.js';
import { TokenWatch } from './http/token.watch.js';
import { CredentialValidity } from './http/credential.validity.js';
import { createStaffWiring } from './staff/staff.feature.js';
import { SESSION_PRINCIPAL_PREFIX, STAFF_PRINCIPAL_PREFIX } from './staff/staff-auth.service.js';
import { WALLBOARD_ISSUER_ROLES } from './wallboard/wallboard.routes.js';
import { TicketReadAudit } from './ticket/ticket-read.audit.js';
import { createCallbackFeature } from './callback/callback.feature.js';
import { GatewayStateStore, type GatewayState } from './state/gateway-state.store.js';
import { RedisLanguageMemory } from './state/redis-language.memory.js';
import { loadRoutingSettings } from './acd-config.loader.js';
import { buildApp } from './app.js';
import { registerAgentRoutes } from './agent/agent.routes.js';
import { registerStatsRoutes } from './kpi/stats.routes.js';
import { registerKbRoutes } from './kb/kb.routes.js';
import { registerPersonnelRoutes } from './personnel/personnel.routes.js';
import { registerRotaRoutes } from './rota/rota.routes.js';
import { RotaService } from './rota/rota.service.js';
import { loadShiftConfig } from './rota/shift-config.loader.js';
import { ticketFeatures } from './ticket/ticket.feature.js';
import { registerSupervisorRoutes } from './agent/supervisor.routes.js';
import { EventBus } from './events/event-bus.js';
import { createKpiWiring } from './kpi/kpi.feature.js';
import { createWallboardFeature } from './wallboard/wallboard.feature.js';
import { createCallControl } from './control/call-control.feature.js';
import { OutsideDialGuard } from './control/outside-dial.guard.js';
import { TRANSFER_PAUSE_REASON } from './control/control.ports.js';
import { createOpsWiring } from './ops/ops.feature.js';
import { DialplanHeartbeat } from './liveness/dialplan-heartbeat.js';
import { startEventLoopWatchdog } from './liveness/event-loop.watchdog.js';
import { redisSettled } from './state/redis-settle.js';
import { webPagesFeature } from './web/web-pages.feature.js';
import { createLeadership } from './leadership/leadership.feature.js';
import type { Takeover } from './leadership/gateway-leadership.service.js';

const config = loadConfig(process.env);
const log = createLogger('gateway', config.CTI_LOG_LEVEL);
guardUnhandledRejections(process, log);
const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));
// The desk and console pages `npm run build` writes (web/dist), served under /desk/ and /console/.
const webDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Milliseconds since the process started (module loading included): start-up phases are logged with it. */
const sinceStart = () => Math.round(process.uptime() * 1000);

async function main(): Promise<void> {
  log.info({ sinceStartMs: sinceStart() }, 'gateway starting');
  const routing = loadRoutingSettings(config);
  await migrateWithRetry(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, migrationsDir, (err, attempt) => log.warn({ err: err.message, attempt }, 'database not ready; retrying'));
  log.info({ sinceStartMs: sinceStart() }, 'database schema up to date');
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA);
  // Every repository, once; features get the ones they use (db itself only for the health check and shutdown).
  const repos = createRepositories(db, config);
  // The lease (docs/domain.md §20): taken further down, once everything is built; its guard is in every ARI request.
  const leader = createLeadership(config, log);
  const leadership = leader.leadership;

  // ---- Redis, the queues to the worker, and the durable publishers of records ----
  // Producer connection fails fast while Redis is away, so records go to the local spool at once.
  const redis = new Redis({ ...redisConnectionOptions(config), maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis error'));
  const recordQueue = new Queue(CALL_RECORDS_QUEUE, { connection: redis, prefix: config.CTI_REDIS_PREFIX });
  const resultQueue = new Queue(CALLBACK_RESULTS_QUEUE, { connection: redis, prefix: config.CTI_REDIS_PREFIX });
  const linkageQueue = new Queue(LINKAGES_QUEUE, { connection: redis, prefix: config.CTI_REDIS_PREFIX });
  const ratingQueue = new Queue(CALL_RATINGS_QUEUE, { connection: redis, prefix: config.CTI_REDIS_PREFIX });
  for (const q of [recordQueue, resultQueue, linkageQueue, ratingQueue]) q.on('error', (err) => log.debug({ err: err.message }, 'queue error'));
  // A record counts as delivered once on the replicas too (CTI_REDIS_WAIT_REPLICAS): a failover then cannot lose it.
  const spoolOptions = { limits: spoolLimitsFromConfig(config), replicated: new RedisReplicaAck(redis, config.CTI_REDIS_WAIT_REPLICAS, config.CTI_REDIS_WAIT_MS) };
  const publisher = new CallRecordPublisher(recordQueue, config.CTI_SPOOL_DIR, log, 2_000, spoolOptions);
  const callbackResults = new CallbackResultPublisher(resultQueue, config.CTI_SPOOL_DIR, log, 2_000, spoolOptions);
  const ratings = new CallRatingPublisher(ratingQueue, config.CTI_SPOOL_DIR, log, 2_000, spoolOptions);

  // ---- the ACD, the event bus and the store of the live state ----
  // Queue order, agent states and reservations, calls, callbacks are kept in Redis. A Redis that is away lets the
  // gateway start empty rather than not at all; a slow one is waited for.
  await redisSettled(redis, { awayMs: 3_000, slowMs: config.CTI_REDIS_START_WAIT_S * 1000 });
  log.info({ sinceStartMs: sinceStart(), redis: redis.status }, 'redis connection settled');
  // Written only while this gateway's epoch is the current one: a refused write ends the process.
  const stateStore = new GatewayStateStore(leader.fencedStateStorage(redis, `${config.CTI_REDIS_PREFIX}:gateway:state`), log, () => leadership.stateWriteRefused());
  // Call control holds a transfer's target agent with its own pause reason, so the ACD must know it.
  // So does the pause of an agent whose seat's phone stopped answering qualify.
  const acdConfig = { ...routing.acd, pauseReasons: [...new Set([...routing.acd.pauseReasons, TRANSFER_PAUSE_REASON, SEAT_UNREACHABLE_PAUSE_REASON])] };
  // Empty until this process is active: the saved state is loaded into it at the takeover (below).
  const acd = new AcdEngine(acdConfig, systemClock);
  const bus = new EventBus((err, e) => log.warn({ err: (err as Error).message, type: e.type }, 'event subscriber failed'));
  const tracker = new AgentStateTracker(acd, bus, systemClock.now);

  // ---- Asterisk: ARI (its event handler, built below, is given at start), AMI and the trunks' state ----
  const ari = new AriTelephony(
    { url: config.CTI_ARI_URL, user: config.CTI_ARI_USER, password: config.CTI_ARI_PASSWORD, requestTimeoutMs: config.CTI_ARI_REQUEST_TIMEOUT_MS, apps: ariAppNames(config), beforeRequest: () => leadership.assertActive() },
    log,
  );
  // Another gateway registered our applications: it is active now, so this one ends at once.
  ari.onApplicationReplaced((application) => leadership.applicationReplaced(application));
  const ami = new AmiClient({ host: config.CTI_AMI_HOST, port: config.CTI_AMI_PORT, user: config.CTI_AMI_USER, password: config.CTI_AMI_PASSWORD }, log);
  ami.onConnection((up) => log.info({ up }, up ? 'AMI connected' : 'AMI disconnected'));
  const trunks = new TrunkMonitor(ami, ['trunk-primary', 'trunk-backup'], systemClock.now, (trunk, s) => {
    log.warn({ trunk, status: s.status }, 'trunk status changed');
    bus.publish({ type: 'trunk.status', at: s.since, trunk, status: s.status });
  });

  // ---- callbacks and inbound calls, and the state persisted after every change ----
  // Toll-fraud guard: every dial to an outside number (transfers, callbacks) passes the dial policy and is audited.
  const dialGuard = OutsideDialGuard.fromConfig(config, repos.audit, systemClock, log);
  const tickets = repos.tickets;
  // Callbacks and the routing loop need each other (the loop hands callback work over, callbacks ask it to route): a typed relay, bound below.
  const routingRelay = new CallRoutingRelay();
  const callbackFeature = createCallbackFeature({
    config,
    telephony: ari,
    acd,
    results: callbackResults,
    tasks: repos.callbackTasks,
    tickets,
    trunks,
    dialGuard,
    routing: routingRelay,
    notifier: bus,
    clock: systemClock,
    log,
  });
  const callbacks = callbackFeature.callbacks;
  const callState = new CallRegistry();
  // What is saved (`snapshot`, below once call control exists) is only ever taken after the takeover.
  const persist = () => {
    tracker.sync();
    stateStore.save(snapshot);
  };
  // Merged lines' own greetings, in memory (read again every 30 s and after a change through the line routes).
  const lineGreetings = new LineGreetings(repos.hotlineLines, log);
  lineGreetings.start();
  const callFeature = createCallFeature({
    config,
    wait: routing.wait,
    registry: callState,
    telephony: ari,
    acd,
    records: publisher,
    notifier: bus,
    clock: systemClock,
    log,
    languages: new RedisLanguageMemory(redis, config.CTI_REDIS_PREFIX, config.CTI_LANGUAGE_MEMORY_DAYS),
    outbound: callbacks,
    onChange: persist,
    lineGreeting: (did) => lineGreetings.greetingOf(did),
  });
  const calls = callFeature.calls;
  routingRelay.bind(calls);

  // ---- call control and the Stasis application ----
  // Call control: hold/mute/transfer, emergency linkage, recording, supervision (services/gateway/src/control).
  const control = createCallControl({
    config,
    telephony: ari,
    calls,
    acd,
    bus,
    log,
    linkageQueue,
    spoolOptions,
    trunks,
    recordingLookup: repos.callRecordings,
    audit: repos.audit,
    dialGuard,
  });
  // Linkages, supervision sessions, holds and transfers change on events the call feature does not see: saved after each.
  bus.subscribe((e) => {
    if (e.type.startsWith('linkage.') || e.type.startsWith('supervision.') || e.type.startsWith('transfer.') || e.type === 'call.held' || e.type === 'call.resumed') persist();
  });
  // The state a restart or a standby carries on from: queue, agents, calls, callbacks, linkages and supervision.
  const snapshot = (): GatewayState => ({ version: 1, savedAt: Date.now(), acd: acd.snapshot(), calls: callState.snapshot(), callbacks: callbacks.list(), control: control.snapshot() });
  const spoolStatus = () => [publisher.status(), callbackResults.status(), control.spoolStatus(), ratings.status()];
  // The caller's rating after the agent ended the call (the dialplan reads the key; see call-ending.service.ts).
  const rating = new CallerRatingExtension(ratings, ari, systemClock.now, log);
  // While this gateway serves, the dialplan sends callers into Stasis; a hung gateway's stale beat sends them to the fallback.
  const heartbeat = new DialplanHeartbeat(ari, () => ari.isUp(), systemClock.now, log);
  const stasis = new CallStasisHandler(calls, log, (up) => void (up && heartbeat.beat()), [callbacks, rating, ...control.extensions], [control.recordings]);

  // ---- agents and their seats ----
  // Every endpoint an agent can be rung on: the seats' desk phones and, when configured, their browser phones.
  const seats = new Set(seatEndpoints(config));
  // A seat whose phone stops answering OPTIONS (CTI_SEAT_QUALIFY_S) gets no offers until it answers again.
  const seatReachability = new SeatReachability(acd, log, () => calls.dispatch());
  // The monitor listens to AMI from here on and reports each seat whose phone stops or starts answering.
  new SeatMonitor(ami, (aor) => seats.has(aor), (seat, reachable) => seatReachability.seatChanged(seat, reachable));
  const browserPhones = browserPhonesEnabled(config) ? new BrowserPhoneCredentialsService(acd, new SeatSecretsFile(config.CTI_SEAT_SECRETS_FILE), browserPhoneUrl(config)) : undefined;
  const seatNames = Array.from({ length: config.CTI_SEATS }, (_, i) => seatName(i + 1));
  // Supervisors' consoles listen to calls through the browser phone of a seat nobody works at, held while they are open.
  const consolePhones = browserPhones && new ConsolePhoneService(acd, seatNames, browserPhones, systemClock.now, CONSOLE_PHONE_LEASE_MS);
  const agents = new AgentService(
    acd,
    repos.agents,
    seats,
    () => {
      seatReachability.enforce();
      calls.dispatch();
    },
    consolePhones,
  );

  // Read by /healthz and /metrics once the API listens (after the takeover below).
  let takeover: Takeover = { epoch: 0, detected: 'free', waitedMs: 0, from: null };

  // ---- sign-in, streams, KPIs, operations ----
  const tokens = repos.tokens;
  // People sign in with named staff accounts (cookie sessions); machines keep their bearer tokens.
  const staff = createStaffWiring({ repos, config, clock: systemClock, log });
  const credentials = new CredentialValidity(tokens, {
    [SESSION_PRINCIPAL_PREFIX]: staff.auth,
    // A wallboard ticket a person issued lives while they may still issue one (it outlasts their console session).
    [STAFF_PRINCIPAL_PREFIX]: { findInvalid: (ids) => staff.auth.findInvalidAccounts(ids, WALLBOARD_ISSUER_ROLES) },
  });
  // Streams (agent feeds, wallboards) close when their token or session is revoked or expires.
  const tokenWatch = new TokenWatch(credentials, config.CTI_TOKEN_RECHECK_S * 1000, log);
  const offerAudit = new TicketReadAudit(repos.audit);
  // Nuisance and malicious callers' marks in force, in memory for offers and the desk (read again every 30 s).
  const callerMarks = new CallerMarkCache(repos.callerMarks, systemClock.now, log);
  callerMarks.start();
  // The rota: its proposal covers the KPI feature's staffing forecast; staffing counts the rota's agents for the
  // half-hours still to come.
  const rota = new RotaService(repos.rota, loadShiftConfig(config.CTI_SHIFTS_FILE), () => kpiWiring.figures.staffing(), systemClock.now);
  // KPIs, staffing, reports and /metrics: persists agent states and rings, listens to the bus (the wallboard shows its figures).
  const kpiWiring = createKpiWiring({
    repos, config, bus, acd, redis, log, now: systemClock.now,
    rostered: (from, to) => rota.rosteredByHalfHour(from, to),
    lineDirectory: async () => (await repos.hotlineLines.list(false)).map((l) => ({ did: l.did, name: l.name, answerRateTarget: l.answerRateTarget })),
    trunks: () => trunks.snapshot(),
    ariUp: () => ari.isUp(),
    amiUp: () => ami.isUp(),
    queues: [recordQueue, resultQueue, ratingQueue],
    recordSpools: spoolStatus,
    leadership: () => ({ epoch: takeover.epoch, takeovers: takeover.detected === 'free' ? 0 : 1 }),
  });
  // Operations: incidents opened/resolved from ARI, AMI, trunk and intake state; inspections, reports and backups API.
  const opsWiring = createOpsWiring({ repos, config, bus, redis, log, now: systemClock.now, ariUp: () => ari.isUp(), amiUp: () => ami.isUp(), trunks: () => trunks.snapshot(), spools: () => spoolStatus().map(spoolSignal) });

  // ---- the HTTP API ----
  const app = await buildApp({
    logger: log,
    tokens,
    sessions: staff.sessionAuth,
    features: [
      ...staff.features,
      (routes) =>
        registerAgentRoutes(routes, agents, {
          pauseReasons: routing.acd.pauseReasons,
          wrapUpSeconds: config.CTI_WRAP_UP_S,
          seats: seatNames,
          browserPhones,
        }),
      (routes) => registerSupervisorRoutes(routes, agents, repos.audit, consolePhones),
      (routes) => registerStatsRoutes(routes, repos.calls, systemClock.now),
      ...ticketFeatures(repos, config, systemClock.now, (agentId) => calls.findCallByAgent(agentId)?.callerNumber, (agentId) => calls.findCallByAgent(agentId)?.callId),
      ...callFeature.features,
      ...callbackFeature.features,
      (routes) => registerKbRoutes(routes, repos.kb, { now: systemClock.now, liveCallIdOf: (agentId) => calls.findCallByAgent(agentId)?.callId }),
      control.feature,
      (routes) => registerRotaRoutes(routes, rota),
      (routes) => registerPersonnelRoutes(routes, repos.staffRecords, systemClock.now),
      (routes) => registerHotlineLineRoutes(routes, repos.hotlineLines, () => lineGreetings.refresh()),
      (routes) =>
        registerCallerMarkRoutes(routes, repos.callerMarks, callerMarks, {
          now: systemClock.now,
          liveCallOf: (agentId) => {
            const c = calls.findCallByAgent(agentId);
            return c && { callId: c.callId, callerNumber: c.callerNumber };
          },
        }),
      ...kpiWiring.features,
      createWallboardFeature({ config, bus, acd, log, now: systemClock.now, liveCallCount: () => calls.liveCalls().length, trunks: () => trunks.snapshot(), ariUp: () => ari.isUp(), amiUp: () => ami.isUp(), figures: kpiWiring.figures, trends: kpiWiring.figures, tokenWatch, tokenValidity: credentials, streamSessions: staff.streamSessions }),
      ...opsWiring.features,
      agentEventsFeature(
        bus,
        tokens,
        {
          callerNumberOf: (id) => calls.findCall(id)?.callerNumber,
          recentTickets: (n, l) => tickets.recentForCaller(n, l),
          callerMarkOf: (n) => callerMarks.noticeFor(n),
          auditShown: (reader, ids) => (ids.length ? offerAudit.record({ principal: reader, action: 'ticket.offer', route: 'WS /api/v1/agents/:agentId/events call.offered', ticketIds: ids }) : Promise.resolve()),
        },
        log,
        tokenWatch,
        staff.streamSessions,
      ),
      webPagesFeature({ dir: webDir, connectOrigins: browserPhonesEnabled(config) ? [new URL(browserPhoneUrl(config)).origin] : [] }),
    ],
    health: {
      ari: () => ari.isUp(),
      ami: () => ami.isUp(),
      redis: () => Promise.race([redis.ping().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))]),
      // The one raw query: a round trip to PostgreSQL, no repository's business.
      postgres: () => sql`select 1`.execute(db).then(() => true, () => false),
      trunks: () => trunks.snapshot(),
      spooledRecords: () => publisher.hasSpooled() || callbackResults.hasSpooled() || control.hasSpooled(),
      routing: () => calls.isRouting(),
      leadership: () => ({ epoch: takeover.epoch, standbyWatching: leadership.standbyWatching() }),
    },
  });
  // Agent log-in, ready, pause change ACD state outside call events: persist and publish those too.
  app.addHook('onResponse', async (req) => {
    if (req.method !== 'GET') persist();
  });

  // ---- leadership: one active gateway among any number of processes (docs/domain.md §20) ----
  // The routes are registered now, not at the takeover (listen() is then quick).
  await app.ready();
  // Everything above is built while a standby waits here (a warm standby: connections open, the API built, ARI
  // described), answering /healthz with role standby on the HTTP port. Everything below — the saved state, the Stasis
  // applications, every background loop — is the active gateway's alone. From here on every ARI request first asks
  // the lease, and the process ends at once when it is lost.
  await ari.prepare();
  log.info({ sinceStartMs: sinceStart() }, 'gateway ready to serve');
  const became = await leader.becomeActive();
  takeover = became.takeover;
  const tookOverAt = Date.now();
  const { closeStandbyHttp } = became;
  log.info({ sinceStartMs: sinceStart(), epoch: takeover.epoch }, 'gateway active');
  // Articles written before the knowledge base kept suggestion terms get them (migrations/0970); until then they are
  // read as candidates anyway, so nothing waits for this.
  void repos.kb.backfillSuggestTerms().then(
    (filled) => filled > 0 && log.info({ filled }, 'knowledge-base suggestion terms filled'),
    (err: Error) => log.warn({ err: err.message }, 'knowledge-base suggestion terms not filled; articles without them stay candidates'),
  );

  publisher.startRedelivery();
  callbackResults.startRedelivery();
  ratings.startRedelivery();
  control.startRedelivery();

  // The live state from before a restart or takeover, into the engine and registry built empty above.
  const saved = await stateStore.load();
  if (saved) {
    acd.load(saved.acd);
    calls.restore(saved.calls);
    callbacks.restore(saved.callbacks);
    control.restore(saved.control);
    log.info({ waiting: acd.waitingCount(), calls: saved.calls.sessions.length, savedAt: saved.savedAt }, 'restored gateway state; reconciling with Asterisk before routing');
  }
  // A Redis connection lost and made again may have been a Sentinel failover, which can drop writes the old master had
  // acknowledged: the next save replaces the whole saved state instead of writing only what changed (docs/domain.md §22).
  let redisWasLost = false;
  redis.on('close', () => {
    redisWasLost = true;
  });
  redis.on('ready', () => {
    if (!redisWasLost) return;
    redisWasLost = false;
    log.info({}, 'redis connection back: the saved state is written whole');
    stateStore.forget();
    persist();
  });

  // ---- start ----
  await closeStandbyHttp();
  await app.listen({ host: config.CTI_HTTP_HOST, port: config.CTI_HTTP_PORT });
  kpiWiring.start();
  opsWiring.start();
  ami.start();
  await ari.start(stasis);
  heartbeat.start();
  if (takeover.detected !== 'free') {
    // A standby replaced a lost active: an incident from the loss (at once for a killed process, a lease earlier for a
    // frozen one) to now, when this gateway serves.
    const lostAt = tookOverAt - (takeover.detected === 'lease-expired' ? config.CTI_LEADER_LEASE_MS : 0);
    opsWiring.monitor.recordTakeover({ epoch: takeover.epoch, detected: takeover.detected, from: takeover.from, lostAt, servingAt: Date.now() });
  }
  const stopWatchdog = config.CTI_EVENT_LOOP_MAX_LAG_S > 0 ? startEventLoopWatchdog({ maxLagMs: config.CTI_EVENT_LOOP_MAX_LAG_S * 1000 }) : () => undefined;
  const ticker = setInterval(() => {
    calls.tick();
    tracker.sync();
  }, 1_000);
  const missedCallPoller = setInterval(() => void callbacks.pollMissedCalls(), 3_000);
  // Calls the dialplan fallback served while this gateway was down (or could not serve them) become records too.
  const fallbackImporter = new FallbackQueueLogImporter(config.CTI_QUEUE_LOG_FILE, config.CTI_SPOOL_DIR, FALLBACK_CONTEXT, publisher, (seat) => acd.agents().find((a) => a.seat === seat && a.state !== 'logged_out')?.agentId, log);
  void fallbackImporter.importNow();
  const fallbackImports = setInterval(() => void fallbackImporter.importNow(), 5_000);

  let stopping = false;
  exitWhenRedisEnds(redis, log, () => stopping);
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'gateway stopping');
    // Alone, new callers go straight to the fallback queue from now on; with a standby watching they keep retrying
    // Stasis() (CTI_STASIS_RETRY_MS) until it takes over after the lease is released below.
    if (leadership.standbyWatching()) heartbeat.stop();
    else await heartbeat.retire();
    stopWatchdog();
    clearInterval(ticker);
    clearInterval(missedCallPoller);
    clearInterval(fallbackImports);
    tokenWatch.stop();
    callerMarks.stop();
    lineGreetings.stop();
    await app.close();
    await kpiWiring.stop();
    await opsWiring.stop();
    // Calls stay in Asterisk (bridged calls go on; waiting callers stay in Stasis for the next gateway).
    await ari.stop();
    ami.stop();
    stateStore.save(snapshot);
    await stateStore.flush();
    // After the last state write: a standby takes over at once and carries on from it.
    await leader.stop();
    calls.flushAwaitingCauses(); // records held for a hang-up cause that can no longer arrive
    await control.stop();
    await publisher.close();
    await callbackResults.close();
    await ratings.close();
    await Promise.all([recordQueue.close(), resultQueue.close(), linkageQueue.close(), ratingQueue.close()]).catch(() => undefined);
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
