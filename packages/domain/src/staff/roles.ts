// Who may do what in the centre: the one list of roles and the groups the gateway's routes grant access to. A route
// whose list is its own keeps it as a literal (typed Role[]); a list that recurs is named here after what it means.

/** Roles a person's staff account can hold; `partner` and `department` are machines' roles (bearer tokens only). */
export const STAFF_ROLES = ['agent', 'supervisor', 'qa', 'callback', 'manager', 'admin'] as const;
/** One of STAFF_ROLES. */
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Roles a caller of the API can hold: the staff roles, the 110 platform (`partner`) and a handling unit (`department`). */
export const ROLES = [...STAFF_ROLES, 'partner', 'department'] as const;
/** One of ROLES. */
export type Role = (typeof ROLES)[number];

/**
 * Those who supervise the floor: shift leads (班长), managers and administrators. They act for any seat, listen in,
 * whisper and barge, handle alerts and incidents.
 */
export const SUPERVISING_ROLES = ['supervisor', 'manager', 'admin'] as const satisfies readonly Role[];

/**
 * Those who oversee the floor without taking calls: the supervising roles and quality assurance (质检). They read the
 * queue, live calls, the KPIs, reports and operations.
 */
export const OVERSIGHT_ROLES = [...SUPERVISING_ROLES, 'qa'] as const satisfies readonly Role[];

/**
 * Those who work at a seat — agents and the callback desk, each at their own seat only — and those who supervise seats:
 * the agent feed, the callback list and click-to-dial.
 */
export const SEAT_ROLES = ['agent', 'callback', 'supervisor', 'manager', 'admin'] as const satisfies readonly Role[];

/** Those who call citizens back for a ticket's result (回访): the callback desk, shift leads and managers. */
export const RESULT_CALLBACK_ROLES = ['callback', 'supervisor', 'manager'] as const satisfies readonly Role[];

/** Those who take a matter in: open a ticket, edit its intake fields, link calls to it, push it to 110. */
export const INTAKE_ROLES = ['agent', 'supervisor', 'manager'] as const satisfies readonly Role[];

/** Those who record a handling unit's (承办单位) step on its behalf (asDepartment): shift leads and managers. */
export const DEPARTMENT_PROXY_ROLES = ['supervisor', 'manager'] as const satisfies readonly Role[];

/** Those who keep the centre's reference data (working calendar, departments): managers and administrators. */
export const REFERENCE_DATA_ROLES = ['manager', 'admin'] as const satisfies readonly Role[];

/** Those who run the knowledge base (知识库): write, review and publish articles — shift leads and managers. */
export const KB_EDITOR_ROLES = ['supervisor', 'manager', 'admin'] as const satisfies readonly Role[];

/** Whether `role` (a principal's, or any string read from outside) belongs to `group`. */
export function inRoleGroup(group: readonly Role[], role: string): boolean {
  return (group as readonly string[]).includes(role);
}
