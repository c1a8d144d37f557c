import { describe, expect, it } from 'vitest';
import {
  DEPARTMENT_PROXY_ROLES,
  INTAKE_ROLES,
  OVERSIGHT_ROLES,
  REFERENCE_DATA_ROLES,
  RESULT_CALLBACK_ROLES,
  ROLES,
  SEAT_ROLES,
  STAFF_ROLES,
  SUPERVISING_ROLES,
  inRoleGroup,
} from './roles.js';

describe('roles and role groups', () => {
  it('has the staff roles first, then the machines’ roles (partner, department)', () => {
    expect(ROLES).toEqual(['agent', 'supervisor', 'qa', 'callback', 'manager', 'admin', 'partner', 'department']);
    expect(ROLES.slice(0, STAFF_ROLES.length)).toEqual(STAFF_ROLES);
  });

  it('makes every group a set of staff roles without repeats', () => {
    for (const group of [SUPERVISING_ROLES, OVERSIGHT_ROLES, SEAT_ROLES, RESULT_CALLBACK_ROLES, INTAKE_ROLES, DEPARTMENT_PROXY_ROLES, REFERENCE_DATA_ROLES]) {
      expect(new Set(group).size).toBe(group.length);
      for (const role of group) expect(STAFF_ROLES).toContain(role);
    }
  });

  it('lets the oversight roles be the supervising roles and QA', () => {
    expect(OVERSIGHT_ROLES).toEqual([...SUPERVISING_ROLES, 'qa']);
  });

  it('tells whether a role, or any string, is in a group', () => {
    expect(inRoleGroup(SUPERVISING_ROLES, 'manager')).toBe(true);
    expect(inRoleGroup(SUPERVISING_ROLES, 'qa')).toBe(false);
    expect(inRoleGroup(STAFF_ROLES, 'department')).toBe(false);
    expect(inRoleGroup(ROLES, 'system')).toBe(false);
    expect(inRoleGroup(SEAT_ROLES, '')).toBe(false);
  });
});
