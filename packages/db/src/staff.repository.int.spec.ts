import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { afterFailedSignIn } from '@cti/domain';
import { AgentRepository } from './agent.repository.js';
import type { Database } from './db.schema.js';
import { StaffSessionRepository } from './staff-session.repository.js';
import { StaffRepository } from './staff.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_staff', 6);
let db: Kysely<Database>;
let staff: StaffRepository;
let sessions: StaffSessionRepository;
const now = new Date('2026-03-02T00:00:00Z');

beforeAll(async () => {
  db = testSchema.db();
  staff = new StaffRepository(db);
  sessions = new StaffSessionRepository(db);
  await new AgentRepository(db).upsert({ id: 'a01', name: '坐席 1', skills: { mandarin: 5 } });
  await new AgentRepository(db).upsert({ id: 'a02', name: '坐席 2', skills: { mandarin: 5 } });
});

describe('StaffRepository on PostgreSQL', () => {
  it('creates an account and refuses a taken username or agent id with CTI_ERR_CONFLICT', async () => {
    const a = await staff.create({ username: 'a01', displayName: '坐席一', role: 'agent', agentId: 'a01', passwordHash: 'scrypt$x', now });
    expect(a).toMatchObject({ username: 'a01', role: 'agent', agentId: 'a01', failedAttempts: 0, lockedUntil: null, disabled: false, passwordChangedAt: now });
    await expect(staff.create({ username: 'a01', displayName: 'x', role: 'qa', agentId: null, passwordHash: 'h', now })).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(staff.create({ username: 'other', displayName: 'x', role: 'qa', agentId: 'a01', passwordHash: 'h', now })).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
  });

  it('refuses what the schema forbids: an agent account without an agent id, an upper-case username, a machine role', async () => {
    const bad = (username: string, role: string, agentId: string | null) =>
      db.insertInto('staff_accounts').values({ username, display_name: 'x', role, agent_id: agentId, password_hash: 'h', password_changed_at: now }).execute();
    await expect(bad('noagent', 'agent', null)).rejects.toThrow(/check/);
    await expect(bad('Upper', 'qa', null)).rejects.toThrow(/check/);
    await expect(bad('partner1', 'partner', null)).rejects.toThrow(/check/);
  });

  it('counts concurrent failed sign-ins one by one under the row lock: ten at once on a 5-attempt lock lock it twice', async () => {
    const a = await staff.create({ username: 'sup01', displayName: '值班长', role: 'supervisor', agentId: null, passwordHash: 'h', now });
    const settings = { attempts: 5, lockMs: 900_000 };
    const results = await Promise.all(Array.from({ length: 10 }, () => staff.updateLockout(a.id, (s) => afterFailedSignIn({ ...s, lockedUntil: null }, now.getTime(), settings))));
    expect(results.filter((r) => r?.lockedNow)).toHaveLength(2);
    expect(await staff.findById(a.id)).toMatchObject({ failedAttempts: 0, lockedUntil: new Date(now.getTime() + 900_000) });
    await staff.recordSignIn(a.id, now);
    expect(await staff.findById(a.id)).toMatchObject({ failedAttempts: 0, lockedUntil: null, lastLoginAt: now });
  });

  it('updates only what the patch names', async () => {
    const a = (await staff.findByUsername('a01'))!;
    const after = await staff.update(a.id, { displayName: '坐席一号', unlock: true });
    expect(after).toMatchObject({ displayName: '坐席一号', role: 'agent', agentId: 'a01', passwordHash: 'scrypt$x' });
    await expect(staff.update('999999', { disabled: true })).rejects.toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });
    expect(await staff.findById('not-a-number')).toBeUndefined();
  });
});

describe('StaffSessionRepository on PostgreSQL', () => {
  it('finds a session by token hash with its account, touches it at most as asked, and ends it once', async () => {
    const a = (await staff.findByUsername('a01'))!;
    const id = await sessions.create({ staffId: a.id, tokenHash: 'hash-1', now, clientIp: '10.0.0.7', userAgent: 'x'.repeat(400) });
    const found = await sessions.findByTokenHash('hash-1');
    expect(found).toMatchObject({ id, createdAt: now, lastSeenAt: now, endedAt: null, staff: { username: 'a01', agentId: 'a01' } });
    const later = new Date(now.getTime() + 30_000);
    await sessions.touch(id, later, now); // last use is not before `now`: no write
    expect((await sessions.findByTokenHash('hash-1'))?.lastSeenAt).toEqual(now);
    await sessions.touch(id, later, later);
    expect((await sessions.findByTokenHash('hash-1'))?.lastSeenAt).toEqual(later);
    expect(await sessions.end(id, 'logout', later)).toBe(true);
    expect(await sessions.end(id, 'logout', later)).toBe(false);
    expect(await sessions.findByTokenHash('hash-1')).toMatchObject({ endReason: 'logout', endedAt: later });
    expect(await sessions.findByTokenHash('nope')).toBeUndefined();
  });

  it('ends all of a person’s open sessions but the one kept, and reads sessions by id', async () => {
    const a = (await staff.findByUsername('sup01'))!;
    const ids = [];
    for (const h of ['s-1', 's-2', 's-3']) ids.push(await sessions.create({ staffId: a.id, tokenHash: h, now, clientIp: null, userAgent: null }));
    expect(await sessions.endAllOf(a.id, 'revoked', now, ids[0])).toBe(2);
    const read = await sessions.findByIds([...ids, '424242', 'junk']);
    expect(read.map((s) => [s.id, s.endReason])).toEqual(expect.arrayContaining([[ids[0], null], [ids[1], 'revoked'], [ids[2], 'revoked']]));
    expect(read).toHaveLength(3);
  });
});
