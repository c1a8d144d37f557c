import { afterAll, beforeAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { E2eContext } from './e2e.env.js';
import { awaitSeatsAnswering, loginAllAgents } from './api.js';
import { startSeats } from './sipp.js';

/** What a test file that places ordinary calls needs: the run's database and 27 answering SIPp seats. */
export interface CallStack {
  /** A client on the run's database (connected from beforeAll on). */
  db(): pg.Client;
}

/** Registers hooks that connect to the database, start a SIPp seat per seat port and log all agents in; undone after. */
export function useCallStack(ctx: E2eContext): CallStack {
  const seatPorts = Array.from({ length: 27 }, (_, i) => Number(ctx.env.CTI_SEAT_BASE_PORT) + i + 1);
  let seats: ChildProcess[] = [];
  let client: pg.Client | undefined;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
    await client.connect();
    seats = startSeats(ctx.root, seatPorts);
    await loginAllAgents(ctx);
    await awaitSeatsAnswering(ctx, seatPorts.map((_, i) => i + 1));
  });
  afterAll(async () => {
    for (const s of seats) s.kill('SIGKILL');
    await client?.end();
  });
  return {
    db: () => {
      if (!client) throw new Error('the database client is ready only from beforeAll on');
      return client;
    },
  };
}
