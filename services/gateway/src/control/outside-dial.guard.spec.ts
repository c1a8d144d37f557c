import { describe, expect, it } from 'vitest';
import { CtiError, ManualClock, parseDialPatterns } from '@cti/domain';
import { silentLogger } from '../call/call.fixtures.test.js';
import { OutsideDialGuard, type DialAuditTrail } from './outside-dial.guard.js';

function fixture(max = 2, auditFails = false) {
  const rows: Array<Parameters<DialAuditTrail['record']>[0]> = [];
  const audit: DialAuditTrail = {
    record: async (e) => {
      if (auditFails) throw new Error('database down');
      rows.push(e);
    },
  };
  const clock = new ManualClock(1_000_000);
  const policy = { allowed: parseDialPatterns('1[3-9]\\d{9},0836\\d{7},[2-8]\\d{6}'), refused: parseDialPatterns('00\\d*,(0836)?16[08]\\d*') };
  const guard = new OutsideDialGuard(policy, { max, windowMs: 60_000 }, audit, clock, silentLogger());
  const transfer = (number: string, agent = 'a01') => guard.authorize({ purpose: 'transfer', number, actorRole: 'agent', actorId: agent, limitedAgent: agent });
  return { rows, clock, guard, transfer };
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: CtiError) => `${e.code}:${String(e.details.reason)}`);

describe('OutsideDialGuard', () => {
  it('returns the digits of an allowed number and writes an audit row naming who dialled what', async () => {
    const f = fixture();
    expect(await f.transfer('+86 139-0000-1111')).toBe('13900001111');
    expect(f.rows).toEqual([{ actorRole: 'agent', actorId: 'a01', action: 'dial.outside', target: '13900001111', data: { purpose: 'transfer', allowed: true, agentId: 'a01' } }]);
  });

  it('refuses international, premium, unlisted and non-digit numbers with a coded error, each audited', async () => {
    const f = fixture();
    expect(await codeOf(f.transfer('0012125550100'))).toBe('CTI_ERR_FORBIDDEN:refused_pattern');
    expect(await codeOf(f.transfer('08361681234'))).toBe('CTI_ERR_FORBIDDEN:refused_pattern');
    expect(await codeOf(f.transfer('02888881234'))).toBe('CTI_ERR_FORBIDDEN:not_allowed');
    expect(await codeOf(f.transfer('139*0000;1111'))).toBe('CTI_ERR_VALIDATION:not_digits');
    expect(await codeOf(f.transfer('139\u0000\n1111'))).toBe('CTI_ERR_VALIDATION:not_digits');
    expect(f.rows.map((r) => [r.target, r.data?.allowed, r.data?.reason])).toEqual([
      ['0012125550100', false, 'refused_pattern'],
      ['08361681234', false, 'refused_pattern'],
      ['02888881234', false, 'not_allowed'],
      ['139*0000;1111', false, 'not_digits'],
      ['139??1111', false, 'not_digits'],
    ]);
  });

  it('limits outside dials per agent within the window (429), audited, and lets other agents dial', async () => {
    const f = fixture(2);
    await f.transfer('13900001111');
    await f.transfer('13900001112');
    expect(await codeOf(f.transfer('13900001113'))).toBe('CTI_ERR_RATE_LIMITED:rate_limited');
    expect(await f.transfer('13900001113', 'a02')).toBe('13900001113');
    f.clock.advance(60_001);
    expect(await f.transfer('13900001114')).toBe('13900001114');
    expect(f.rows.map((r) => [r.actorId, r.data?.allowed, r.data?.reason ?? null])).toEqual([
      ['a01', true, null],
      ['a01', true, null],
      ['a01', false, 'rate_limited'],
      ['a02', true, null],
      ['a01', true, null],
    ]);
  });

  it('keeps a callback number masked in the audit row and never rate-limits callbacks', async () => {
    const f = fixture(1);
    for (let i = 0; i < 3; i++) {
      expect(await f.guard.authorize({ purpose: 'callback', number: '13800001234', actorRole: 'system', actorId: 'a01', callId: 'L1' })).toBe('13800001234');
    }
    expect(f.rows[0]).toEqual({ actorRole: 'system', actorId: 'a01', action: 'dial.outside', target: '*******1234', data: { purpose: 'callback', allowed: true, callId: 'L1' } });
  });

  it('still decides when the audit row cannot be written (the decision is logged instead)', async () => {
    const f = fixture(2, true);
    expect(await f.transfer('13900001111')).toBe('13900001111');
    expect(await codeOf(f.transfer('0012125550100'))).toBe('CTI_ERR_FORBIDDEN:refused_pattern');
  });
});
