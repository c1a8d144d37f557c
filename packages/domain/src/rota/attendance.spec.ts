import { describe, expect, it } from 'vitest';
import { attendanceOf, type StateSpan } from './attendance.js';
import { carriedOver, assertCanAcknowledge, validateHandoverItems } from './handover.js';

const from = Date.parse('2027-01-04T08:00:00+08:00');
const to = Date.parse('2027-01-04T16:00:00+08:00');
const entry = { agentId: 'a01', date: '2027-01-04', shift: 'early', from, to };
const at = (hhmm: string) => Date.parse(`2027-01-04T${hhmm}:00+08:00`);
const span = (state: string, a: string, b: string | null): StateSpan => ({ state, from: at(a), to: b === null ? null : at(b) });

describe('attendanceOf', () => {
  it('a whole shift signed in from before its start: present, adherence the share in working states', () => {
    const r = attendanceOf(entry, [span('ready', '07:50', '12:00'), span('paused', '12:00', '13:00'), span('on_call', '13:00', '16:05')], to + 3_600_000, 5);
    expect(r).toMatchObject({ status: 'present', late: false, leftEarly: false, absent: false, signedInAt: at('07:50'), signedOutAt: null });
    expect(r.signedInMs).toBe(8 * 3_600_000);
    expect(r.plannedMs).toBe(7 * 3_600_000);
    expect(r.adherence).toBeCloseTo(7 / 8, 10);
  });

  it('signs in after the grace: late by the minutes; out before the end less the grace: left early', () => {
    const r = attendanceOf(entry, [span('ready', '08:20', '15:30')], to + 1, 5);
    expect(r).toMatchObject({ status: 'late_and_left_early', late: true, leftEarly: true, lateMinutes: 20, earlyMinutes: 30, signedOutAt: at('15:30') });
    expect(attendanceOf(entry, [span('ready', '08:04', '15:56')], to, 5)).toMatchObject({ status: 'present', late: false, leftEarly: false });
  });

  it('an agent who never signs in is not signed in during the shift and absent after it; before it, upcoming', () => {
    expect(attendanceOf(entry, [], from - 1, 5)).toMatchObject({ status: 'upcoming', adherence: null });
    expect(attendanceOf(entry, [], at('08:03'), 5)).toMatchObject({ status: 'not_signed_in', absent: false, late: false });
    expect(attendanceOf(entry, [], at('09:00'), 5)).toMatchObject({ status: 'not_signed_in', absent: false, adherence: 0 });
    // Yesterday's interval and tomorrow's do not count.
    expect(attendanceOf(entry, [span('ready', '00:00', '07:00'), span('ready', '16:00', '17:00')], to, 5)).toMatchObject({ status: 'absent', absent: true });
  });

  it('during the shift: an open interval is signed in now, adherence over the time so far; signed out now is not signed in', () => {
    const r = attendanceOf(entry, [span('ready', '08:00', '09:00'), span('paused', '09:00', null)], at('10:00'), 5);
    expect(r).toMatchObject({ status: 'on_duty', signedOutAt: null });
    expect(r.adherence).toBeCloseTo(0.5, 10);
    expect(attendanceOf(entry, [span('ready', '08:30', null)], at('10:00'), 5)).toMatchObject({ status: 'late', late: true, lateMinutes: 30 });
    // Signed in on time, out since 09:30: not signed in now.
    const out = attendanceOf(entry, [span('ready', '07:58', '09:30')], at('10:00'), 5);
    expect(out).toMatchObject({ status: 'not_signed_in', signedInAt: at('07:58'), signedOutAt: at('09:30'), late: false });
    expect(out.adherence).toBeCloseTo(0.75, 10);
  });
});

describe('handover', () => {
  it('carries the open matters over and drops the closed ones', () => {
    expect(carriedOver([{ text: '甲', open: true }, { text: '乙', open: false }])).toEqual([{ text: '甲', open: true }]);
    expect(carriedOver(null)).toEqual([]);
  });

  it('refuses empty or overlong matters and lets only another person acknowledge, once', () => {
    expect(validateHandoverItems([{ text: '  停水回访 ', open: true }])).toEqual([{ text: '停水回访', open: true }]);
    expect(() => validateHandoverItems([{ text: ' ', open: true }])).toThrow(/matter 1/);
    expect(() => validateHandoverItems([{ text: 'x'.repeat(501), open: true }])).toThrow(/1–500/);
    expect(() => assertCanAcknowledge({ writtenBy: 'lead1', acknowledgedBy: null }, 'lead1')).toThrow(/incoming/);
    expect(() => assertCanAcknowledge({ writtenBy: 'lead1', acknowledgedBy: 'lead2' }, 'lead3')).toThrow(/already/);
    expect(() => assertCanAcknowledge({ writtenBy: 'lead1', acknowledgedBy: null }, 'lead2')).not.toThrow();
  });
});
