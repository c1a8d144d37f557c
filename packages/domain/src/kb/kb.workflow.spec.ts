import { describe, expect, it } from 'vitest';
import { assertKbValidity, kbExpired, kbStatusAfterEdit, kbTransition, kbVisibleToAgents } from './kb.workflow.js';

describe('knowledge-base article workflow', () => {
  it('goes draft → review → published, approved by a second person', () => {
    expect(kbTransition({ status: 'draft', editedBy: 'lead1' }, 'submit', 'lead1')).toBe('review');
    expect(kbTransition({ status: 'review', editedBy: 'lead1' }, 'approve', 'mgr1')).toBe('published');
    expect(() => kbTransition({ status: 'review', editedBy: 'lead1' }, 'approve', 'lead1')).toThrow(/someone other than its last editor/);
  });

  it('sends a rejected article back to draft and a withdrawn one back through draft', () => {
    expect(kbTransition({ status: 'review', editedBy: 'a' }, 'reject', 'b')).toBe('draft');
    expect(kbTransition({ status: 'published', editedBy: 'a' }, 'withdraw', 'b')).toBe('withdrawn');
    expect(kbTransition({ status: 'withdrawn', editedBy: 'a' }, 'reopen', 'b')).toBe('draft');
  });

  it('refuses an action the status does not allow, naming where it is allowed', () => {
    expect(() => kbTransition({ status: 'draft', editedBy: 'a' }, 'approve', 'b')).toThrow(expect.objectContaining({ code: 'CTI_ERR_INVALID_TRANSITION', details: expect.objectContaining({ allowedFrom: ['review'] }) }));
    expect(() => kbTransition({ status: 'published', editedBy: 'a' }, 'submit', 'a')).toThrow(/cannot submit an article that is published/);
  });

  it('sends an edited article in review back to draft; other statuses keep theirs', () => {
    expect(kbStatusAfterEdit('review')).toBe('draft');
    expect(kbStatusAfterEdit('published')).toBe('published');
    expect(kbStatusAfterEdit('draft')).toBe('draft');
  });

  it('shows agents published articles inside their validity window only; past it they are expired', () => {
    const a = { status: 'published' as const, validFrom: '2026-12-01', validUntil: '2026-12-31' };
    expect(kbVisibleToAgents(a, '2026-11-30')).toBe(false);
    expect(kbVisibleToAgents(a, '2026-12-01')).toBe(true);
    expect(kbVisibleToAgents(a, '2026-12-31')).toBe(true);
    expect(kbVisibleToAgents(a, '2027-01-01')).toBe(false);
    expect(kbExpired(a, '2027-01-01')).toBe(true);
    expect(kbExpired({ ...a, validUntil: null }, '2099-01-01')).toBe(false);
    expect(kbVisibleToAgents({ ...a, status: 'review' }, '2026-12-10')).toBe(false);
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => assertKbValidity({ validFrom: '2026-12-02', validUntil: '2026-12-01' })).toThrow(/before validFrom/);
    expect(() => assertKbValidity({ validFrom: null, validUntil: '2026-12-01' })).not.toThrow();
  });
});
