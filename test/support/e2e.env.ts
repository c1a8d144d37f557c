/** What global setup hands to end-to-end tests (through vitest's provide/inject). */
export interface E2eContext {
  /** Environment of the gateway and worker under test (CTI_* variables). */
  env: Record<string, string>;
  /** Base URL of the gateway's HTTP API. */
  apiUrl: string;
  /** A supervisor's bearer token. */
  supervisorToken: string;
  /** Agent ids a01…a27, logged in at seat-01…seat-27. */
  agentIds: string[];
  /** Asterisk instance name for scripts/asterisk.sh. */
  asteriskInstance: string;
  /** Absolute repository root. */
  root: string;
  /** Schema and Redis prefix of this run. */
  runId: string;
  /** First of 400 UDP ports this run's SIPp callers may use for media. */
  mediaBase: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

/**
 * Ports and addresses of the test topology, apart from the demo's. `slot` (0–9) shifts every port so that
 * several runs on one machine (developers, CI, benchmarks) never share an Asterisk or a gateway.
 */
export function e2eEnv(runId: string, slot = 0): Record<string, string> {
  return {
    CTI_HTTP_HOST: '127.0.0.1',
    CTI_HTTP_PORT: String(8180 + slot),
    // The active gateway's heartbeat (docs/domain.md §20): a gateway restarted after a kill finds nobody listening at
    // the dead one's address and takes its lease over at once instead of waiting it out.
    CTI_LEADER_HEARTBEAT_PORT: String(8190 + slot),
    CTI_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    CTI_DB_SCHEMA: runId,
    CTI_REDIS_URL: 'redis://127.0.0.1:6379',
    CTI_REDIS_PREFIX: runId,
    CTI_ARI_URL: `http://127.0.0.1:${8288 + slot}`,
    CTI_ARI_APP: 'cti12345',
    CTI_AMI_PORT: String(5139 + slot),
    CTI_SIP_PORT: String(5260 + slot),
    CTI_TRUNK_PRIMARY: `127.0.0.21:${5170 + slot}`,
    CTI_TRUNK_BACKUP: `127.0.0.22:${5170 + slot}`,
    CTI_SEATS: '27',
    // The SIPp seats answer on 127.0.0.1; SIP from any other address is refused for a seat.
    CTI_SEAT_NETWORKS: '127.0.0.1/32',
    // Test citizens are a random prefix plus SIPp's call number (8–12 digits, see support/sipp.ts), not 11-digit
    // mobiles: callbacks to them must pass the dial policy. International and premium numbers stay refused.
    CTI_DIAL_ALLOWED: '1[3-9]\\d{6,12},0836\\d{7},[2-8]\\d{6}',
    CTI_SEAT_BASE_PORT: String(16100 + slot * 100),
    // Asterisk's TLS listener for browser phones (secure WebSocket); global setup generates its certificate.
    CTI_WEBRTC_PORT: String(8389 + slot),
    CTI_PARTNER_BASE_PORT: String(17100 + slot * 10),
    CTI_RTP_START: String(32000 + slot * 1000),
    CTI_RTP_END: String(32999 + slot * 1000),
    CTI_RING_TIMEOUT_S: '5',
    // Dead legs (test/dead-legs.e2e.ts): a leg silent for 6 s is hung up; seats are qualified every 2 s. Every SIPp peer
    // that answers sends RTP (test/sipp/silence.ulaw) for as long as its call lasts.
    CTI_RTP_TIMEOUT_S: '6',
    CTI_RTP_TIMEOUT_HOLD_S: '10',
    CTI_SEAT_QUALIFY_S: '2',
    // A hung gateway (test/gateway-hang.e2e.ts): new callers skip Stasis once its dialplan heartbeat is 5 s old.
    CTI_GW_HEARTBEAT_STALE_S: '5',
    // A caller meeting no registered application retries Stasis() this long: a bound on a standby's takeover on a busy
    // host (gateway-takeover.e2e.ts), not a delay any test waits out on purpose.
    CTI_STASIS_RETRY_MS: '15000',
    CTI_WRAP_UP_S: '0',
    // The caller's rating after the agent ends the call keeps that caller on the line for the prompt: off for the run,
    // on in test/rating.e2e.ts (which restarts the gateway with it), so other files' callers hang up as before.
    CTI_RATING_ENABLED: 'false',
    // Short caller-wait timings so the end-to-end tests see every feature within seconds.
    CTI_LANGUAGE_WINDOW_S: '2',
    CTI_MAX_RING_NO_ANSWER: '2',
    CTI_VIRTUAL_HOLD_AFTER_S: '3',
    CTI_MISSED_CALLBACK_AFTER_S: '2',
    CTI_ANNOUNCE_INTERVAL_S: '5',
    // A killed worker's jobs are taken over after this lock expires.
    CTI_WORKER_LOCK_MS: '5000',
    CTI_SPOOL_DIR: `.run/${runId}/spool`,
    CTI_LOG_LEVEL: 'info',
    // Ticket engine (test/ticket*.e2e.ts, test/exchange*.e2e.ts): the reference 110 partner listens on 17190,
    // fast outbox and retries, and urgent tickets due after 18 s so deadline jobs fire within a test.
    CTI_EXCHANGE_110_URL: 'http://127.0.0.1:17190',
    CTI_EXCHANGE_OUTBOUND_SECRET: 'e2e-outbound-secret-0123456789',
    CTI_EXCHANGE_INBOUND_SECRET: 'e2e-inbound-secret-0123456789',
    CTI_EXCHANGE_BACKOFF_MS: '200',
    CTI_OUTBOX_POLL_MS: '200',
    CTI_TICKET_URGENT_HOURS: '0.005',
    CTI_SMS_LOG_FILE: `.run/${runId}/sms.log`,
    // Operations (test/ops.e2e.ts): an ARI outage of a few seconds opens an L1 incident; backups stay inside the run.
    CTI_OPS_ARI_DOWN_S: '3',
    CTI_OPS_RESOLVE_AFTER_S: '1',
    CTI_BACKUP_DIR: `.run/${runId}/backups`,
  };
}

/** Media port range of a slot's SIPp callers (400 ports from here). */
export function e2eMediaBase(slot: number): number {
  return 52000 + slot * 400;
}
