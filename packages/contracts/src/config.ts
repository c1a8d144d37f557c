import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every setting of the system, read once from the environment at start-up.
 * The README's configuration table mirrors this schema; keep them in step.
 */
export const configSchema = z.object({
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
  /** Prefix of every Redis key and BullMQ queue; tests use one per run. */
  CTI_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('cti'),
  /** Asterisk ARI base URL. */
  CTI_ARI_URL: z.string().url().default('http://127.0.0.1:8188'),
  /** ARI user name (ari.conf). */
  CTI_ARI_USER: z.string().min(1).default('cti'),
  /** ARI password (ari.conf); never logged. */
  CTI_ARI_PASSWORD: z.string().min(8).default('cti-ari-secret'),
  /** Name of the Stasis application the dialplan sends calls to. */
  CTI_ARI_APP: z.string().regex(/^[A-Za-z0-9_-]+$/).default('cti12345'),
  /** AMI host. */
  CTI_AMI_HOST: z.string().default('127.0.0.1'),
  /** AMI port (manager.conf). */
  CTI_AMI_PORT: port.default(5039),
  /** AMI user name. */
  CTI_AMI_USER: z.string().min(1).default('cti'),
  /** AMI password; never logged. */
  CTI_AMI_PASSWORD: z.string().min(8).default('cti-ami-secret'),
  /** Port Asterisk's PJSIP UDP transport binds to on 127.0.0.1 (or CTI_SIP_BIND). */
  CTI_SIP_PORT: port.default(5160),
  /** Address Asterisk's SIP transport binds to. */
  CTI_SIP_BIND: z.string().default('127.0.0.1'),
  /** Source address (and SIP port) of the carrier's primary 12345 trunk. */
  CTI_TRUNK_PRIMARY: z.string().default('127.0.0.11:5070'),
  /** Source address (and SIP port) of the carrier's backup 12345 trunk. */
  CTI_TRUNK_BACKUP: z.string().default('127.0.0.12:5070'),
  /** Number of agent seats (PJSIP endpoints seat-01 … seat-NN). */
  CTI_SEATS: z.coerce.number().int().min(1).max(2000).default(27),
  /**
   * Static contact of each seat, `{n}` is the seat number (1-based) and `{port}` is CTI_SEAT_BASE_PORT + n.
   * Empty means seats register with a password (production softphones).
   */
  CTI_SEAT_CONTACT: z.string().default('sip:seat@127.0.0.1:{port}'),
  /** Base of the seats' static contact ports (seat n listens on base + n). */
  CTI_SEAT_BASE_PORT: port.default(16000),
  /** Password of seats that register (when CTI_SEAT_CONTACT is empty); never logged. */
  CTI_SEAT_PASSWORD: z.string().default('seat-secret-change-me'),
  /** Address (host:port) where the emergency/utility partners' SIP endpoints answer in the test topology. */
  CTI_PARTNER_HOST: z.string().default('127.0.0.1'),
  /** Base port of partner endpoints (110 → base+0, 119 → +1, 120 → +2, 122 → +3). */
  CTI_PARTNER_BASE_PORT: port.default(17000),
  /** First and last RTP port Asterisk uses. */
  CTI_RTP_START: port.default(30000),
  CTI_RTP_END: port.default(31999),
  /** Seconds a seat rings before the call goes to the next agent. */
  CTI_RING_TIMEOUT_S: z.coerce.number().int().min(3).max(120).default(15),
  /** Seconds of after-call work before an agent is ready again. */
  CTI_WRAP_UP_S: z.coerce.number().int().min(0).max(3600).default(0),
  /** Directory of the durable local spool for call records Redis could not take. */
  CTI_SPOOL_DIR: z.string().default('.run/spool'),
  /** pino log level. */
  CTI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** When true, agents logged in through the demo seeding are set ready at once. */
  CTI_DEMO: bool.default(false),
  /** Abandons at most this many seconds after queueing are left out of the answer rate (0 = count every abandon). */
  CTI_KPI_SHORT_ABANDON_S: z.coerce.number().min(0).max(600).default(0),
  /** Comma-separated DIDs left out of call KPIs (e.g. a test line). */
  CTI_KPI_EXCLUDED_LINES: z.string().default(''),
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
  /** When true the worker schedules daily, weekly and monthly reports (BullMQ repeatable jobs, Beijing time). */
  CTI_REPORTS_SCHEDULE: bool.default(true),
});

/** The validated, frozen configuration handed to every module that needs it. */
export type Config = Readonly<z.infer<typeof configSchema>>;

/** Parses the environment once; throws with every invalid field named. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${fields}`);
  }
  return Object.freeze(parsed.data);
}
