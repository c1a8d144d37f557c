import { beforeEach, describe, expect, it } from 'vitest';
import type { CtiError } from '@cti/domain';
import { StaffAdminService } from './staff-admin.service.js';
import { StaffAuthService } from './staff-auth.service.js';
import { CountingHasher, MemoryStaffStore, RecordingAudit, sessionStore, startClock } from './staff.fixtures.test.js';

const admin = { role: 'admin', id: 'root01', staffId: '1' };
let store: MemoryStaffStore;
let audit: RecordingAudit;
let staff: StaffAdminService;
let auth: StaffAuthService;

beforeEach(() => {
  const clock = startClock();
  store = new MemoryStaffStore();
  audit = new RecordingAudit();
  const hasher = new CountingHasher();
  const sessions = sessionStore(store);
  staff = new StaffAdminService(store, sessions, { findById: async (id) => (['a01', 'a02'].includes(id) ? { id } : undefined) }, hasher, audit, clock);
  auth = new StaffAuthService(store, sessions, hasher, audit, clock, { lockout: { attempts: 5, lockMs: 900_000 }, session: { idleMs: 1_800_000, absoluteMs: 43_200_000 } });
  store.add({ username: 'root01', role: 'admin', agentId: null, password: 'Root-Pass-123' });
});

const fails = (p: Promise<unknown>) => p.then(() => undefined, (e: CtiError) => ({ code: e.code, details: e.details }));

describe('staff administration', () => {
  it('adds an account with a policy-conforming password, lower-cases the username, and audits it without the password', async () => {
    const created = await staff.create({ username: 'A01', displayName: '坐席一', role: 'agent', agentId: 'a01', password: 'Desk-Pass-2026' }, admin);
    expect(created).toMatchObject({ username: 'a01', displayName: '坐席一', role: 'agent', agentId: 'a01', disabled: false, lockedUntil: null });
    expect(created).not.toHaveProperty('passwordHash');
    expect(audit.rows.at(-1)).toMatchObject({ actorId: 'root01', action: 'staff.create', target: `staff:${created.id}`, data: { username: 'a01', role: 'agent', agentId: 'a01' } });
    expect(JSON.stringify(audit.rows)).not.toContain('Desk-Pass-2026');
  });

  it('refuses a weak password (naming each problem), an agent account without an agent id, and an unknown agent', async () => {
    expect(await fails(staff.create({ username: 'a01', displayName: 'x', role: 'agent', agentId: 'a01', password: 'a01a01a01a01' }, admin))).toEqual({
      code: 'CTI_ERR_VALIDATION',
      details: expect.objectContaining({ policy: ['too_few_classes', 'contains_username'] }),
    });
    expect(await fails(staff.create({ username: 'a01', displayName: 'x', role: 'agent', password: 'Desk-Pass-2026' }, admin))).toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(await fails(staff.create({ username: 'a09', displayName: 'x', role: 'agent', agentId: 'a09', password: 'Desk-Pass-2026' }, admin))).toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(store.accounts.size).toBe(1);
  });

  it('resets a password: the old one stops working, a lock is cleared, and the person’s sessions end', async () => {
    const a = await staff.create({ username: 'a01', displayName: '坐席一', role: 'agent', agentId: 'a01', password: 'Desk-Pass-2026' }, admin);
    const session = await auth.login('a01', 'Desk-Pass-2026', { ip: null, userAgent: null });
    for (let i = 0; i < 5; i++) await auth.login('a01', 'Wrong-Pass-1', { ip: null, userAgent: null }).catch(() => undefined);
    expect((await staff.get(a.id)).lockedUntil).not.toBeNull();
    const after = await staff.update(a.id, { password: 'Reset-Pass-2026' }, admin);
    expect(after).toMatchObject({ lockedUntil: null, failedAttempts: 0 });
    expect(await fails(auth.authenticate(session.token))).toMatchObject({ code: 'CTI_ERR_AUTH_SESSION_ENDED' });
    expect((await auth.login('a01', 'Reset-Pass-2026', { ip: null, userAgent: null })).staff.id).toBe(a.id);
    expect(audit.rows.find((r) => r.action === 'staff.password_reset')?.data).toMatchObject({ passwordReset: true, sessionsEnded: 1 });
    expect(JSON.stringify(audit.rows)).not.toContain('Reset-Pass-2026');
  });

  it('ends a person’s sessions when disabled or given another role, not when only renamed', async () => {
    const a = await staff.create({ username: 'sup01', displayName: '值班长', role: 'supervisor', password: 'Lead-Pass-2026' }, admin);
    const login = () => auth.login('sup01', 'Lead-Pass-2026', { ip: null, userAgent: null });
    const s1 = await login();
    await staff.update(a.id, { displayName: '值班长一' }, admin);
    expect(await fails(auth.authenticate(s1.token))).toBeUndefined();
    await staff.update(a.id, { role: 'manager' }, admin);
    expect(await fails(auth.authenticate(s1.token))).toMatchObject({ code: 'CTI_ERR_AUTH_SESSION_ENDED' });
    const s2 = await login();
    expect((await auth.authenticate(s2.token)).principal.role).toBe('manager');
    await staff.update(a.id, { disabled: true }, admin);
    expect(await fails(auth.authenticate(s2.token))).toMatchObject({ code: 'CTI_ERR_AUTH_SESSION_ENDED' });
    expect(await fails(login())).toMatchObject({ code: 'CTI_ERR_AUTH_DISABLED' });
  });

  it('keeps an admin from disabling or demoting their own account, and an agent account from losing its agent id', async () => {
    expect(await fails(staff.update('1', { disabled: true }, admin))).toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    expect(await fails(staff.update('1', { role: 'supervisor' }, admin))).toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    const a = await staff.create({ username: 'a02', displayName: '坐席二', role: 'agent', agentId: 'a02', password: 'Desk-Pass-2026' }, admin);
    expect(await fails(staff.update(a.id, { agentId: null }, admin))).toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(await fails(staff.update('77', { unlock: true }, admin))).toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });
  });
});
