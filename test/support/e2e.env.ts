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
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

/** Ports and addresses of the test topology; apart from the demo's so both can run at once. */
export function e2eEnv(runId: string): Record<string, string> {
  return {
    CTI_HTTP_HOST: '127.0.0.1',
    CTI_HTTP_PORT: '8180',
    CTI_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    CTI_DB_SCHEMA: runId,
    CTI_REDIS_URL: 'redis://127.0.0.1:6379',
    CTI_REDIS_PREFIX: runId,
    CTI_ARI_URL: 'http://127.0.0.1:8288',
    CTI_ARI_APP: 'cti12345',
    CTI_AMI_PORT: '5139',
    CTI_SIP_PORT: '5260',
    CTI_TRUNK_PRIMARY: '127.0.0.21:5170',
    CTI_TRUNK_BACKUP: '127.0.0.22:5170',
    CTI_SEATS: '27',
    CTI_SEAT_BASE_PORT: '16100',
    CTI_PARTNER_BASE_PORT: '17100',
    CTI_RTP_START: '32000',
    CTI_RTP_END: '33999',
    CTI_RING_TIMEOUT_S: '5',
    CTI_WRAP_UP_S: '0',
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
  };
}
