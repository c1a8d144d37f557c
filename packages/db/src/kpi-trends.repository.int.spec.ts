// The big screen's ticket counts (docs/domain.md §17) on real PostgreSQL: per county over a period, overdue per lead
// department, and the county column of migration 0960.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';
import { KpiRepository } from './kpi.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_kpi_trends', 3);
const NOW = Date.parse('2026-12-07T04:00:00Z');
const h = (n: number) => new Date(NOW + n * 3_600_000);

let db: Kysely<Database>;
let facts: KpiRepository;

beforeAll(async () => {
  db = testSchema.db();
  facts = new KpiRepository(db);
  await db.insertInto('departments').values([{ id: 'jyj', name: '州教育局' }, { id: 'zjj', name: '州住建局' }]).execute();
  await db
    .insertInto('tickets')
    .values([
      // Created in the period: 2 康定市, 1 泸定县, 1 without a county.
      { state: 'intake', county: '康定市', created_at: h(-1) },
      { state: 'closed', county: '康定市', created_at: h(-2) },
      { state: 'intake', county: '泸定县', created_at: h(-3) },
      { state: 'intake', created_at: h(-4) },
      // Before the period: not counted by county.
      { state: 'intake', county: '康定市', created_at: h(-30) },
      // Overdue at NOW: 2 with 州教育局, 1 with 州住建局, 1 not dispatched; the others are not overdue.
      { state: 'in_progress', department_id: 'jyj', deadline_at: h(-1), created_at: h(-100) },
      { state: 'dispatched', department_id: 'jyj', deadline_at: h(-5), created_at: h(-100) },
      { state: 'signed', department_id: 'zjj', deadline_at: h(-2), created_at: h(-100) },
      { state: 'awaiting_dispatch', deadline_at: h(-1), created_at: h(-100) },
      { state: 'closed', department_id: 'zjj', deadline_at: h(-1), created_at: h(-100) }, // finished
      { state: 'in_progress', department_id: 'zjj', deadline_at: h(5), created_at: h(-100) }, // still in time
    ])
    .execute();
});

describe('ticket counts for the big screen', () => {
  it('counts the tickets created in a period per county, null for none chosen', async () => {
    const rows = await facts.ticketsByCounty(NOW - 24 * 3_600_000, NOW);
    const sorted = [...rows].sort((a, b) => String(a.county).localeCompare(String(b.county)));
    expect(sorted).toEqual([
      { county: '康定市', count: 2 },
      { county: '泸定县', count: 1 },
      { county: null, count: 1 },
    ].sort((a, b) => String(a.county).localeCompare(String(b.county))));
    expect(await facts.ticketsByCounty(NOW, NOW + 1000)).toEqual([]);
  });

  it('counts the open tickets past their deadline per lead department with its name, as overdueTicketCount does', async () => {
    const rows = await facts.overdueTicketsByDepartment(NOW);
    const by = Object.fromEntries(rows.map((r) => [String(r.departmentId), [r.name, r.count]]));
    expect(by).toEqual({ jyj: ['州教育局', 2], zjj: ['州住建局', 1], null: [null, 1] });
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(await facts.overdueTicketCount(NOW));
  });

  it('refuses an empty county at the database', async () => {
    await expect(db.insertInto('tickets').values({ state: 'intake', county: '' }).execute()).rejects.toThrow(/check/i);
  });
});
