import { z } from 'zod';
import { asteriskHost, asteriskName, asteriskSecret, ipv4Address, ipv4Networks, trunkAddress } from './asterisk-value.schema.js';

const port = z.coerce.number().int().min(1).max(65535);
/** Dialable outside numbers: mainland mobiles, Ganzi fixed lines with the 0836 area code, local 7-digit Ganzi lines. */
export const DEFAULT_DIAL_ALLOWED = '1[3-9]\\d{9},0836\\d{7},[2-8]\\d{6}';
/** Numbers refused even when allowed: international (00…) and 160/168 information-service (premium) lines. */
export const DEFAULT_DIAL_REFUSED = '00\\d*,(0836)?16[08]\\d*';

/** Comma-separated regular expressions (dial policy), each checked to compile. */
const dialPatterns = z.string().superRefine((list, ctx) => {
  // Split as parseDialPatterns (packages/domain) does: a comma inside a quantifier (`\d{6,12}`) is the pattern's.
  for (const p of list.split(/,(?![^{}]*\})/).map((x) => x.trim()).filter((x) => x !== '')) {
    try {
      new RegExp(p);
    } catch {
      ctx.addIssue({ code: 'custom', message: `pattern ${JSON.stringify(p)} is not a valid regular expression` });
    }
  }
});
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every setting of the system, read once from the environment at start-up.
 * The README's configuration table mirrors this schema; keep them in step.
 */
export const configSchema = z.object({
  /**
   * `production` refuses to start while a shipped default secret (ARI, AMI, 110 exchange) is in use or GET /metrics
   * has no token; `development` (default) accepts them for local runs and tests.
   */
  CTI_ENV: z.enum(['development', 'production']).default('development'),
  /** Address the gateway's HTTP API binds to. */
  CTI_HTTP_HOST: z.string().default('127.0.0.1'),
  /** Port of the gateway's HTTP API. */
  CTI_HTTP_PORT: port.default(8080),
  /** PostgreSQL connection URL. */
  CTI_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/cti12345'),
  /** PostgreSQL schema holding the tables; tests use one per run. */
  CTI_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('cti'),
  /** Redis connection URL (BullMQ and live ACD state). */
  CTI_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * Redis Sentinels (`host:port,host:port,…`): when set, every Redis connection asks them for the current master of
   * CTI_REDIS_SENTINEL_MASTER and follows a failover; CTI_REDIS_URL then gives only the password and database number.
   */
  CTI_REDIS_SENTINELS: z
    .string()
    .regex(/^$|^[A-Za-z0-9_.-]+:\d{1,5}(,[A-Za-z0-9_.-]+:\d{1,5})*$/, 'a comma-separated list of host:port')
    .default(''),
  /** The master's name the Sentinels monitor (`sentinel monitor <name> …`). */
  CTI_REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('cti'),
  /** The Sentinels' own password (`requirepass` in sentinel.conf), if any. */
  CTI_REDIS_SENTINEL_PASSWORD: z.string().default(''),
  /**
   * Replicas that must hold a call record (or another record the gateway publishes) before it counts as delivered
   * (`WAIT`; at most the replicas connected): a record Redis acknowledged but lost in a failover stays in the spool.
   */
  CTI_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(5).default(1),
  /** How long a publish waits for the replicas, in ms; past it the record stays in the spool and is sent again. */
  CTI_REDIS_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(500),
  /** Prefix of every Redis key and BullMQ queue; tests use one per run. */
  CTI_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('cti'),
  /** Asterisk ARI base URL. */
  CTI_ARI_URL: z.string().url().default('http://127.0.0.1:8188'),
  /** ARI user name (ari.conf). */
  CTI_ARI_USER: asteriskName.default('cti'),
  /** ARI password (ari.conf); never logged. */
  CTI_ARI_PASSWORD: asteriskSecret(8).default('cti-ari-secret'),
  /**
   * How long an ARI request may go unanswered before the gateway gives up on it (Asterisk may still carry it out). A
   * waiting caller whose request went unanswered keeps their place (docs/domain.md §23).
   */
  CTI_ARI_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  /** Name of the Stasis application the dialplan sends calls to. */
  CTI_ARI_APP: z.string().regex(/^[A-Za-z0-9_-]+$/).default('cti12345'),
  /**
   * Stasis applications calls are spread over (`<app>-0` … `<app>-N-1`; 1 = just `<app>`). Asterisk processes each
   * application's messages on one thread, so at high call rates several applications use several cores.
   */
  CTI_ARI_APP_SHARDS: z.coerce.number().int().min(1).max(16).default(4),
  /**
   * This Asterisk node's name, rendered as its `systemname`: Asterisk puts it in front of every channel id and linked
   * id (`ast1-1796659644.2`), so the ids of two nodes never collide (docs/domain.md §7).
   */
  CTI_ASTERISK_NODE: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'lower-case letters, digits and dashes, 16 at most, starting with a letter').default('ast1'),
  /** AMI host. */
  CTI_AMI_HOST: z.string().default('127.0.0.1'),
  /** AMI port (manager.conf). */
  CTI_AMI_PORT: port.default(5039),
  /** AMI user name. */
  CTI_AMI_USER: asteriskName.default('cti'),
  /** AMI password; never logged. */
  CTI_AMI_PASSWORD: asteriskSecret(8).default('cti-ami-secret'),
  /** Port Asterisk's PJSIP UDP transport binds to on 127.0.0.1 (or CTI_SIP_BIND). */
  CTI_SIP_PORT: port.default(5160),
  /** Address Asterisk's SIP transport binds to. */
  CTI_SIP_BIND: asteriskHost.default('127.0.0.1'),
  /** Source address (and SIP port) of the carrier's primary 12345 trunk. */
  CTI_TRUNK_PRIMARY: trunkAddress.default('127.0.0.11:5070'),
  /** Source address (and SIP port) of the carrier's backup 12345 trunk. */
  CTI_TRUNK_BACKUP: trunkAddress.default('127.0.0.12:5070'),
  /** Number of agent seats (PJSIP endpoints seat-01 … seat-NN). */
  CTI_SEATS: z.coerce.number().int().min(1).max(2000).default(27),
  /**
   * Static contact of each seat, `{n}` is the seat number (1-based) and `{port}` is CTI_SEAT_BASE_PORT + n.
   * Empty means seats register with a password (production softphones).
   */
  CTI_SEAT_CONTACT: z
    .string()
    .regex(/^(sips?:[A-Za-z0-9{}@:._+-]+)?$/, 'expected a SIP URI without parameters, e.g. sip:seat@10.0.0.5:{port}')
    .default('sip:seat@127.0.0.1:{port}'),
  /** Base of the seats' static contact ports (seat n listens on base + n). */
  CTI_SEAT_BASE_PORT: port.default(16000),
  /**
   * JSON file of the registering seats' SIP passwords (`{"seat-01":"…"}`, one random password per seat, created and
   * extended by render-asterisk with mode 0600; used when CTI_SEAT_CONTACT is empty). Keep it outside the repository.
   */
  CTI_SEAT_SECRETS_FILE: z.string().min(1).default('/var/lib/cti12345/seat-secrets.json'),
  /** Networks seats may send SIP from (pjsip ACL of every seat endpoint), comma-separated CIDRs; the default is loopback and the private ranges. */
  CTI_SEAT_NETWORKS: ipv4Networks.default('127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16'),
  /**
   * PEM certificate (with its chain) of Asterisk's TLS listener for browser phones (SIP over a secure WebSocket, then
   * DTLS-SRTP media); empty = no browser phones. The stack and test scripts generate a self-signed one; in production
   * name a real certificate for the host in CTI_WEBRTC_WS_URL.
   */
  CTI_WEBRTC_CERT_FILE: z.string().default(''),
  /** PEM private key of CTI_WEBRTC_CERT_FILE. */
  CTI_WEBRTC_KEY_FILE: z.string().default(''),
  /** Address Asterisk's TLS listener for browser phones binds to (ARI answers there too, behind its password). */
  CTI_WEBRTC_BIND: ipv4Address.default('127.0.0.1'),
  /** Port of Asterisk's TLS listener for browser phones. */
  CTI_WEBRTC_PORT: port.default(8189),
  /** URL browsers open for SIP, `wss://host:port/ws` (the host must match the certificate); empty = wss://CTI_WEBRTC_BIND:CTI_WEBRTC_PORT/ws. */
  CTI_WEBRTC_WS_URL: z
    .string()
    .regex(/^(wss:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/ws)?$/, 'expected wss://host[:port]/ws')
    .default(''),
  /** IPv4 address where the emergency/utility partners' SIP endpoints answer (their requests are admitted from it only). */
  CTI_PARTNER_HOST: ipv4Address.default('127.0.0.1'),
  /** Base port of partner endpoints (110 → base+0, 119 → +1, 120 → +2, 122 → +3). */
  CTI_PARTNER_BASE_PORT: port.default(17000),
  /** First and last RTP port Asterisk uses. */
  CTI_RTP_START: port.default(30000),
  CTI_RTP_END: port.default(31999),
  /** Seconds without RTP from an answered leg (caller or seat) after which Asterisk hangs it up as dead (0 = never). */
  CTI_RTP_TIMEOUT_S: z.coerce.number().int().min(0).max(3600).default(60),
  /** Seconds without RTP from a leg on hold (sendonly/inactive) after which Asterisk hangs it up as dead (0 = never). */
  CTI_RTP_TIMEOUT_HOLD_S: z.coerce.number().int().min(0).max(86400).default(300),
  /** SIP session timer interval (RFC 4028 Session-Expires) on trunks and seats; a dialog not refreshed in time ends. */
  CTI_SIP_SESSION_EXPIRES_S: z.coerce.number().int().min(90).max(86400).default(1800),
  /** Seconds between OPTIONS pings (qualify) to each seat; an unreachable seat is paused and gets no offers (0 = off). */
  CTI_SEAT_QUALIFY_S: z.coerce.number().int().min(0).max(3600).default(30),
  /** Seconds the gateway's dialplan heartbeat may be old before new callers skip Stasis for the fallback queue. */
  CTI_GW_HEARTBEAT_STALE_S: z.coerce.number().int().min(2).max(3600).default(5),
  /** Milliseconds a caller whose Stasis() failed (no gateway registered) keeps retrying, a quarter second apart, before the fallback queue: covers a standby's takeover (docs/domain.md §20; 0 = no retry). */
  CTI_STASIS_RETRY_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  /** Seconds a starting gateway waits for a Redis that accepted the connection but is not ready yet, before it starts without its saved state (a refused connection: 3 s). */
  CTI_REDIS_START_WAIT_S: z.coerce.number().int().min(1).max(600).default(30),
  /** Seconds the gateway's event loop may stall before its watchdog exits the process for the supervisor to restart (0 = off). */
  CTI_EVENT_LOOP_MAX_LAG_S: z.coerce.number().min(0).max(600).default(10),
  /** Milliseconds the active gateway's lease in Redis lasts; a frozen active is replaced after it (docs/domain.md §20). */
  CTI_LEADER_LEASE_MS: z.coerce.number().int().min(300).max(60_000).default(2000),
  /** TCP port the active gateway listens on so that standbys see its process die at once (0 = off: they wait out the lease). */
  CTI_LEADER_HEARTBEAT_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Address the active gateway's heartbeat listener binds to and advertises to standbys (reachable from their hosts). */
  CTI_LEADER_HEARTBEAT_HOST: ipv4Address.default('127.0.0.1'),
  /** Seconds a seat rings before the call goes to the next agent. */
  CTI_RING_TIMEOUT_S: z.coerce.number().int().min(3).max(120).default(15),
  /** Seconds of after-call work before an agent is ready again. */
  CTI_WRAP_UP_S: z.coerce.number().int().min(0).max(3600).default(0),
  /** JSON file with ACD settings (strategies per line, pause reasons, thresholds; see packages/domain/src/acd/acd.config.ts); empty = defaults. */
  CTI_ACD_CONFIG_FILE: z.string().default(''),
  /** Consecutive ring-no-answers after which an agent is auto-paused. */
  CTI_MAX_RING_NO_ANSWER: z.coerce.number().int().min(0).max(20).default(3),
  /** Seconds a Mandarin call waits for a Mandarin-only agent before bilingual agents may take it. */
  CTI_MANDARIN_OVERFLOW_S: z.coerce.number().int().min(0).max(3600).default(20),
  /** Seconds a new caller has to answer the language prompt (press 2 for Tibetan) before being queued as Mandarin (0 = no window). */
  CTI_LANGUAGE_WINDOW_S: z.coerce.number().min(0).max(30).default(3),
  /** Days a caller's chosen language is remembered by number (0 = not remembered). */
  CTI_LANGUAGE_MEMORY_DAYS: z.coerce.number().int().min(0).max(3650).default(180),
  /** Seconds between position and estimated-wait announcements to a waiting caller (0 = never). */
  CTI_ANNOUNCE_INTERVAL_S: z.coerce.number().int().min(0).max(3600).default(45),
  /** Seconds of waiting after which the caller is offered "press 1 to be called back, keeping your place" (0 = never). */
  CTI_VIRTUAL_HOLD_AFTER_S: z.coerce.number().int().min(0).max(3600).default(60),
  /** Waiting calls at or above which the surge message plays and the callback is offered at once. */
  CTI_SURGE_WAITING_CALLS: z.coerce.number().int().min(1).max(100000).default(30),
  /** Predicted wait (seconds) at or above which the surge message plays and the callback is offered at once. */
  CTI_SURGE_PREDICTED_WAIT_S: z.coerce.number().int().min(1).max(36000).default(180),
  /** A caller who hangs up after waiting at least this long gets a missed-call callback task (漏接回拨). */
  CTI_MISSED_CALLBACK_AFTER_S: z.coerce.number().int().min(0).max(3600).default(10),
  /** Outbound number prefix dialled on the trunks to reach a citizen (e.g. '' or '0'). */
  CTI_OUTBOUND_PREFIX: z.string().regex(/^[0-9]*$/).default(''),
  /** Asterisk's queue_log as this host sees it; calls the dialplan fallback queue served are imported from it ('' = off). */
  CTI_QUEUE_LOG_FILE: z.string().default(''),
  /** Directory of the durable local spool for call records Redis could not take. */
  CTI_SPOOL_DIR: z.string().default('.run/spool'),
  /** Bound of each spool file (call records, callback results, linkages) in MiB; past it records wait in memory. */
  CTI_SPOOL_MAX_MB: z.coerce.number().gt(0).max(1_048_576).default(256),
  /** Share of CTI_SPOOL_MAX_MB at which a spool opens a `spool_at_risk` incident, before the bound or the disk is reached. */
  CTI_SPOOL_ALERT_RATIO: z.coerce.number().gt(0).max(1).default(0.8),
  /** Records each spool keeps in memory while the disk refuses them (full, or the bound reached); beyond it they are lost, loudly. */
  CTI_SPOOL_MEMORY_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** pino log level. */
  CTI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** When true, agents logged in through the demo seeding are set ready at once. */
  CTI_DEMO: bool.default(false),
  /** Abandons at most this many seconds after queueing are left out of the answer rate (0 = count every abandon). */
  CTI_KPI_SHORT_ABANDON_S: z.coerce.number().min(0).max(600).default(0),
  /** Comma-separated DIDs left out of call KPIs (e.g. a test line). */
  CTI_KPI_EXCLUDED_LINES: z.string().default(''),
  /**
   * Whether calls from numbers with an approved nuisance/malicious mark are left out of the answer rate (the figures
   * say how many were); off by default: the contract counts every call unless it says otherwise (docs/domain.md §16).
   */
  CTI_KPI_EXCLUDE_MARKED_CALLERS: bool.default(false),
  /** Comma-separated pause reasons that count as productive time for utilization (e.g. callback). */
  CTI_KPI_PRODUCTIVE_PAUSE_REASONS: z.string().default(''),
  /** Seconds between checks of the month-end answer-rate projection (alerts below target). */
  CTI_KPI_ALERT_CHECK_S: z.coerce.number().int().min(5).max(3600).default(60),
  /** HMAC secret signing wallboard tickets; empty = a random one per gateway start (tickets die with the process). */
  CTI_WALLBOARD_SECRET: z.string().default(''),
  /** Lifetime of a wallboard ticket in seconds; an open wallboard renews its ticket before it expires. */
  CTI_WALLBOARD_TICKET_TTL_S: z.coerce.number().int().min(60).max(7 * 86400).default(43200),
  /** Seconds between refreshes of the wallboard's database figures (answer rates, overdue tickets, staffing). */
  CTI_WALLBOARD_STATS_S: z.coerce.number().int().min(1).max(300).default(5),
  /** Bearer token Prometheus must send to GET /metrics; empty = no authentication (bind the API to a private address). */
  CTI_METRICS_TOKEN: z.string().default(''),
  /** Default lifetime of a new bearer token in days per role, `role:days` comma-separated; an expired token gets 401. */
  CTI_TOKEN_LIFETIME_DAYS: z
    .string()
    .regex(/^(agent|supervisor|qa|callback|manager|admin|partner|department):\d{1,4}(,(agent|supervisor|qa|callback|manager|admin|partner|department):\d{1,4})*$/, 'expected role:days,role:days')
    .default('agent:30,supervisor:30,qa:30,callback:30,manager:30,admin:7,partner:365,department:180'),
  /** Seconds between re-checks of the tokens behind open WebSocket and SSE streams; a revoked or expired token's streams close. */
  CTI_TOKEN_RECHECK_S: z.coerce.number().int().min(1).max(300).default(5),
  /** Consecutive failed sign-ins that lock a staff account (README, Security: staff sign-in). */
  CTI_STAFF_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(3).max(20).default(5),
  /** Seconds a locked staff account refuses sign-in (the answer is the same whatever password is given). */
  CTI_STAFF_LOCKOUT_S: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * Refused sign-ins (wrong password, unknown user, locked account) from one network address within
   * CTI_STAFF_ADDRESS_WINDOW_S after which that address's sign-ins get 429 until the oldest leaves the window; on top of
   * the per-account lockout (it stops one address trying many accounts). 0 = no limit. IPv6 counts per /64.
   */
  CTI_STAFF_ADDRESS_FAILURES: z.coerce.number().int().min(0).max(10_000).default(20),
  /** Seconds of the sliding window of CTI_STAFF_ADDRESS_FAILURES. */
  CTI_STAFF_ADDRESS_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Seconds without a request after which a staff session expires (open streams do not count as use). */
  CTI_STAFF_SESSION_IDLE_S: z.coerce.number().int().min(1).max(86_400).default(1800),
  /** Seconds after sign-in at which a staff session expires however much it is used. */
  CTI_STAFF_SESSION_MAX_S: z.coerce.number().int().min(1).max(7 * 86_400).default(43_200),
  /**
   * Origins (scheme://host:port, comma-separated) besides the gateway's own from which a signed-in browser may open
   * the agent WebSocket or the wallboard stream with its session cookie; empty = the gateway's own origin only.
   */
  CTI_STAFF_ORIGINS: z
    .string()
    .regex(/^(https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(,https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)*)?$/, 'expected comma-separated origins like https://desk.example:8443')
    .default(''),
  /** Ticket rows one token may read per rolling hour (lists, details, histories); beyond it reads get 429. */
  CTI_TICKET_READ_BUDGET_PER_HOUR: z.coerce.number().int().min(10).max(1_000_000).default(3000),
  /** Days of history the staffing forecast averages per half-hour of the day. */
  CTI_STAFFING_HISTORY_DAYS: z.coerce.number().int().min(1).max(365).default(28),
  /** Share of calls to answer within the service-level threshold (15 s) that staffing plans for. */
  CTI_STAFFING_SL_GOAL: z.coerce.number().gt(0).lt(1).default(0.8),
  /** Seconds callers are assumed to wait before hanging up: staffing keeps P(wait > this) within the answer-rate target. */
  CTI_STAFFING_PATIENCE_S: z.coerce.number().int().min(1).max(3600).default(60),
  /** Share of scheduled time lost to breaks and training, raising the agents to schedule. */
  CTI_STAFFING_SHRINKAGE: z.coerce.number().min(0).lt(1).default(0.3),
  /** Handle time in seconds assumed when there is no answered call in the history. */
  CTI_STAFFING_DEFAULT_AHT_S: z.coerce.number().int().min(1).max(7200).default(240),
  /**
   * JSON file with the shifts and rota rules ({shifts:[{code,name,start,end}],minStaff,minBySkill,minRestHours,
   * maxConsecutiveDays,graceMinutes}; fields left out keep their defaults); empty = three eight-hour shifts
   * (packages/domain/src/rota/rota.config.ts, docs/domain.md §14).
   */
  CTI_SHIFTS_FILE: z.string().default(''),
  /** When true the worker schedules daily, weekly and monthly reports (BullMQ repeatable jobs, Beijing time). */
  CTI_REPORTS_SCHEDULE: bool.default(true),
  /** Ticket deadlines in working days per category, `category:days` comma-separated (docs/domain.md §3, Sichuan rules). */
  CTI_TICKET_DEADLINE_DAYS: z
    .string()
    .regex(/^([a-z]+:\d{1,3})(,[a-z]+:\d{1,3})*$/, 'expected category:days,category:days')
    .default('consultation:3,help:7,suggestion:7,complaint:15,report:15,praise:15,other:15'),
  /** Clock hours within which an urgent ticket must be handled. */
  CTI_TICKET_URGENT_HOURS: z.coerce.number().gt(0).max(720).default(24),
  /** A ticket turns yellow when at most this fraction of its allowance remains. */
  CTI_TICKET_YELLOW_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
  /** A ticket turns yellow when at most this many hours remain (0 = off). */
  CTI_TICKET_YELLOW_HOURS: z.coerce.number().min(0).max(720).default(24),
  /**
   * The counties and county-level cities a ticket's county is chosen from at intake, comma-separated, in the order the
   * desk and the big screen list them (docs/domain.md §9, §17): Ganzi's 18 by default.
   */
  CTI_TICKET_COUNTIES: z
    .string()
    .regex(/^[^,\s]{1,32}(,[^,\s]{1,32})*$/, 'expected county,county (no spaces, each 1 to 32 characters)')
    .refine((v) => new Set(v.split(',')).size === v.split(',').length, 'a county is listed twice')
    .default('康定市,泸定县,丹巴县,九龙县,雅江县,道孚县,炉霍县,甘孜县,新龙县,德格县,白玉县,石渠县,色达县,理塘县,巴塘县,乡城县,稻城县,得荣县'),
  /** Unreachable result callbacks (回访) after which a ticket is closed as "callback failed". */
  CTI_CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Minutes between result-callback attempts. */
  CTI_CALLBACK_RETRY_MINUTES: z.coerce.number().gt(0).max(10080).default(120),
  /** Share of a month's answered calls sampled for QA review (national practice: at least 0.1). */
  CTI_QA_SAMPLE_RATE: z.coerce.number().gt(0).max(1).default(0.1),
  /** Comma-separated agent ids of QA staff; agents holding a `qa` token are added to them. */
  CTI_QA_STAFF: z.string().default(''),
  /** JSON file with the QA rubric ({items:[{id,label,weight,critical?}],passThreshold}); empty = built-in rubric. */
  CTI_QA_RUBRIC_FILE: z.string().default(''),
  /** File the log SMS adapter appends one JSON line per message to (receipts, callback notices). */
  CTI_SMS_LOG_FILE: z.string().default('.run/sms.log'),
  /** Base URL of the 110 platform's exchange API (pushes go to `<url>/incidents`); empty = pushes stay pending. */
  CTI_EXCHANGE_110_URL: z.string().default(''),
  /** HMAC-SHA256 secret signing our pushes to the 110 platform; never logged. */
  CTI_EXCHANGE_OUTBOUND_SECRET: z.string().min(16).default('outbound-secret-change-me'),
  /** HMAC-SHA256 secret the 110 platform signs its pushes to us with; never logged. */
  CTI_EXCHANGE_INBOUND_SECRET: z.string().min(16).default('inbound-secret-change-me'),
  /** Seconds a signed exchange request's timestamp may differ from our clock. */
  CTI_EXCHANGE_WINDOW_S: z.coerce.number().int().min(5).max(3600).default(300),
  /** Attempts of one outbound push before it is marked failed (exponential backoff between them). */
  CTI_EXCHANGE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First backoff delay of a failed push in ms; doubles on every attempt. */
  CTI_EXCHANGE_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(2000),
  /** Timeout of one outbound push HTTP request in ms. */
  CTI_EXCHANGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Call records the worker stores in parallel. */
  CTI_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(16),
  /** BullMQ lock of an active job in ms, every queue; renewed while it runs; a killed worker's jobs are redelivered within about twice this. */
  CTI_WORKER_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How often the worker moves outbox rows (SMS, pushes, deadline jobs) into BullMQ, in ms. */
  CTI_OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** JSON file overriding the partner directory ({"110":{"numbers":["110"],"preferredTrunk":"primary","fallbackTrunk":"backup","ringTimeoutS":30},…}); empty = built-in defaults. */
  CTI_PARTNERS_FILE: z.string().default(''),
  /** Seconds a partner line rings before the linkage counts as not answered (default of every partner). */
  CTI_PARTNER_RING_TIMEOUT_S: z.coerce.number().int().min(3).max(180).default(30),
  /** Prefix dialled before transfer targets' external numbers on the trunks. */
  CTI_TRANSFER_PREFIX: z.string().regex(/^[0-9*#]*$/).default(''),
  /**
   * Outside numbers that may be dialled (agent transfers, callbacks), comma-separated regular expressions matched in
   * full against the digits-only national number; empty = DEFAULT_DIAL_ALLOWED (mainland mobiles, Ganzi 0836 lines).
   */
  CTI_DIAL_ALLOWED: dialPatterns.default('').transform((v) => (v.trim() === '' ? DEFAULT_DIAL_ALLOWED : v)),
  /** Outside numbers refused even when allowed (checked first); empty = DEFAULT_DIAL_REFUSED (international, 160/168 lines). */
  CTI_DIAL_REFUSED: dialPatterns.default('').transform((v) => (v.trim() === '' ? DEFAULT_DIAL_REFUSED : v)),
  /** Outside dials (transfers to outside numbers) one agent may place within CTI_DIAL_WINDOW_S. */
  CTI_DIAL_MAX_PER_AGENT: z.coerce.number().int().min(1).max(1000).default(10),
  /** Window of the per-agent outside-dial limit, seconds. */
  CTI_DIAL_WINDOW_S: z.coerce.number().int().min(1).max(86400).default(3600),
  /** Asterisk's recording spool directory as this host sees it (the chroot instance's `<rootfs>/run/cti/<instance>/spool/recording`). */
  CTI_RECORDINGS_DIR: z.string().default('/var/spool/asterisk/recording'),
  /** Days recordings are kept; the worker deletes older files daily (0 = keep for ever). */
  CTI_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(180),
  /** Whether every answered call is recorded (bridge recording from answer to end). */
  CTI_RECORD_CALLS: bool.default(true),
  /**
   * Whether a caller whose agent ended the call hears the rating prompt and may press 1–5 (来电人评价); the caller
   * who hangs up first is not asked (docs/domain.md §15).
   */
  CTI_RATING_ENABLED: bool.default(true),
  /** Sound files (Asterisk names, `&`-separated) of the rating prompt; production records its own (custom/…). */
  CTI_RATING_PROMPT: z.string().regex(/^[A-Za-z0-9_\/-]+(&[A-Za-z0-9_\/-]+)*$/, 'sound names separated by &').default('vm-press&digits/1&digits/2&digits/3&digits/4&digits/5'),
  /** Sound file played after a rating is given. */
  CTI_RATING_THANKS: z.string().regex(/^[A-Za-z0-9_\/-]+$/, 'a sound name').default('auth-thankyou'),
  /** Seconds the prompt waits for the key after it has played. */
  CTI_RATING_WAIT_S: z.coerce.number().int().min(1).max(30).default(6),
  /** Recovery deadline in minutes per fault level, `L1:60,L2:90,L3:120,L4:180` (docs/domain.md §6). */
  CTI_OPS_RECOVERY_MINUTES: z.string().regex(/^L[1-4]:\d+(\.\d+)?(,L[1-4]:\d+(\.\d+)?){3}$/, 'expected L1:60,L2:90,L3:120,L4:180').default('L1:60,L2:90,L3:120,L4:180'),
  /** Cumulative fault time allowed per (Beijing) calendar year, in hours. */
  CTI_OPS_YEARLY_FAULT_BUDGET_H: z.coerce.number().gt(0).max(8784).default(24),
  /** Level of each detected fault kind, `kind:level` comma-separated; a kind left out is not detected. */
  CTI_OPS_FAULT_LEVELS: z.string().regex(/^([a-z_]+:L[1-4](,[a-z_]+:L[1-4])*)?$/, 'expected kind:level,… e.g. ari_down:L1').default('ari_down:L1,trunks_down:L1,intake_failing:L2,trunk_down:L3,ami_down:L3,records_lost:L2,spool_at_risk:L3,gateway_takeover:L2'),
  /** Seconds ARI must stay disconnected before an L1 incident opens. */
  CTI_OPS_ARI_DOWN_S: z.coerce.number().min(0).max(3600).default(30),
  /** Seconds AMI must stay disconnected before an incident opens. */
  CTI_OPS_AMI_DOWN_S: z.coerce.number().min(0).max(3600).default(60),
  /** Seconds a trunk must stay unreachable before an incident opens (one trunk, or both). */
  CTI_OPS_TRUNK_DOWN_S: z.coerce.number().min(0).max(3600).default(60),
  /** Window in seconds over which call outcomes are watched for failing intake. */
  CTI_OPS_INTAKE_WINDOW_S: z.coerce.number().int().min(10).max(86400).default(300),
  /** Failed calls within the window needed before intake counts as failing. */
  CTI_OPS_INTAKE_MIN_FAILED: z.coerce.number().int().min(1).max(10000).default(5),
  /** Share of the window's calls that must have failed for intake to count as failing. */
  CTI_OPS_INTAKE_FAILED_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  /** Seconds a detected fault must stay clear before its incident is auto-resolved (at the moment it cleared). */
  CTI_OPS_RESOLVE_AFTER_S: z.coerce.number().min(0).max(3600).default(10),
  /** When true the worker schedules inspections, weekly/quarterly/annual operations reports and backups (Beijing time). */
  CTI_OPS_SCHEDULE: bool.default(true),
  /** Cron pattern (Beijing time) of the daily automatic inspection (巡检). */
  CTI_INSPECTION_CRON: z.string().min(9).default('0 8 * * *'),
  /** Comma-separated directories whose disk free space the inspection reports; empty = the spool, backup and recordings directories. */
  CTI_INSPECTION_DISK_PATHS: z.string().default(''),
  /** JSON list of credentials/certificates to watch, `[{"name":"carrier-tls","expiresAt":"2027-03-01"}]`. */
  CTI_INSPECTION_CREDENTIALS: z
    .string()
    .refine((s) => {
      try {
        const v: unknown = JSON.parse(s);
        return Array.isArray(v) && v.every((c) => typeof c?.name === 'string' && !Number.isNaN(Date.parse(String(c?.expiresAt))));
      } catch {
        return false;
      }
    }, 'expected a JSON list of {name, expiresAt}')
    .default('[]'),
  /** Directory the backup job writes `pg_dump -Fc` files to. */
  CTI_BACKUP_DIR: z.string().default('.run/backups'),
  /** Cron pattern (Beijing time) of the database backup. */
  CTI_BACKUP_CRON: z.string().min(9).default('0 3 * * *'),
  /** Newest backup files kept; older ones are deleted after a verified backup. */
  CTI_BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(7),
  /** Hours after which the inspection warns that the last verified backup is too old. */
  CTI_BACKUP_MAX_AGE_H: z.coerce.number().gt(0).max(8760).default(26),
});

/** The validated, frozen configuration handed to every module that needs it. */
export type Config = Readonly<z.infer<typeof configSchema>>;

/** Secrets whose shipped defaults are public (they are in this repository): production refuses them. */
export const SHIPPED_SECRETS = ['CTI_ARI_PASSWORD', 'CTI_AMI_PASSWORD', 'CTI_EXCHANGE_OUTBOUND_SECRET', 'CTI_EXCHANGE_INBOUND_SECRET'] as const;

/** What keeps `config` from running in production: shipped default secrets and an open /metrics (empty when none). */
export function productionProblems(config: Config): string[] {
  const defaults = configSchema.parse({});
  const problems: string[] = SHIPPED_SECRETS.filter((k) => config[k] === defaults[k]).map((k) => `${k} is the shipped default`);
  if (config.CTI_METRICS_TOKEN === '') problems.push('CTI_METRICS_TOKEN is empty (GET /metrics would be open)');
  else if (config.CTI_METRICS_TOKEN.length < 16) problems.push('CTI_METRICS_TOKEN is shorter than 16 characters');
  return problems;
}

/** Parses the environment once; throws with every invalid field named, and in production with every default secret. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${fields}`);
  }
  const config = Object.freeze(parsed.data);
  if (config.CTI_ENV === 'production') {
    const problems = productionProblems(config);
    if (problems.length > 0) throw new Error(`refusing to start with CTI_ENV=production: ${problems.join('; ')}`);
  }
  return config;
}

/** CTI_TOKEN_LIFETIME_DAYS as role → days. */
export function tokenLifetimeDays(config: Pick<Config, 'CTI_TOKEN_LIFETIME_DAYS'>): Record<string, number> {
  return Object.fromEntries(config.CTI_TOKEN_LIFETIME_DAYS.split(',').map((p) => [p.split(':')[0] as string, Number(p.split(':')[1])]));
}
