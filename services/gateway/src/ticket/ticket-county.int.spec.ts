// A ticket's county (docs/domain.md §17) through the real ticket routes on PostgreSQL: the configured list, chosen at
// intake (create or the intake edit), refused with a reason when not on the list, shown on the ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@cti/contracts';
import { TokenRepository, type Database } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { ticketFeatures } from './ticket.feature.js';
import { createRepositories } from '../repositories.js';
import { useTestSchema } from '../../../../packages/db/src/test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_tkt_county', 3);
let db: Kysely<Database>;
let app: FastifyInstance;
const tok: Record<string, string> = {};

async function call(who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, ...(payload !== undefined && { payload: payload as object }), headers: { authorization: `Bearer ${tok[who]}` } });
  return { status: res.statusCode, body: res.json() as any };
}
const intake = { category: 'complaint', callerNumber: '13811112222', summary: '道路积雪', content: '国道318线康定段积雪未清' };

beforeAll(async () => {
  db = testSchema.db();
  const config = loadConfig({});
  const tokens = new TokenRepository(db);
  tok.sup = await tokens.create('supervisor', 'it sup', null);
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens,
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: ticketFeatures(createRepositories(db, config), config, Date.now, () => undefined),
  });
});

afterAll(async () => {
  await app?.close();
});

describe("a ticket's county", () => {
  it("lists Ganzi's 18 counties and county-level cities by default, in order", async () => {
    const r = await call('sup', 'GET', '/api/v1/tickets/counties');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(18);
    expect([r.body.items[0], r.body.items[17]]).toEqual(['康定市', '得荣县']);
  });

  it('is stored and shown when chosen at intake, and may be left out (older tickets, the API)', async () => {
    const r = await call('sup', 'POST', '/api/v1/tickets', { ...intake, county: '康定市' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.county).toBe('康定市');
    expect((await db.selectFrom('tickets').select('county').where('id', '=', r.body.id).executeTakeFirstOrThrow()).county).toBe('康定市');
    const none = await call('sup', 'POST', '/api/v1/tickets', intake);
    expect(none.status).toBe(201);
    expect(none.body.county).toBeNull();
    // Chosen later in the intake edit.
    const edited = await call('sup', 'PATCH', `/api/v1/tickets/${none.body.id}`, { expectedVersion: none.body.version, county: '理塘县' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.county).toBe('理塘县');
    expect((await call('sup', 'GET', `/api/v1/tickets/${none.body.id}`)).body.county).toBe('理塘县');
  });

  it('refuses a county not on the configured list with 400 naming the field and the list, and stores nothing', async () => {
    const before = (await db.selectFrom('tickets').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    for (const county of ['成都市', '', 'x'.repeat(40)]) {
      const r = await call('sup', 'POST', '/api/v1/tickets', { ...intake, county });
      expect(r.status, county).toBe(400);
      expect(r.body.error).toBe('CTI_ERR_VALIDATION');
      expect(r.body.details.issues[0].field).toBe('county');
    }
    const r = await call('sup', 'POST', '/api/v1/tickets', { ...intake, county: '成都市' });
    expect(r.body.message).toContain('county must be one of the configured counties (CTI_TICKET_COUNTIES): 康定市, 泸定县');
    expect((await db.selectFrom('tickets').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n).toBe(before);
  });
});
