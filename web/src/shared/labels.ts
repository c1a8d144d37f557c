// Chinese names of the states, reasons and languages the API speaks in codes.
import type { AgentState } from './agent-state';

export const STATE_LABELS: Record<AgentState, string> = {
  logged_out: '未签入',
  ready: '就绪',
  reserved: '振铃',
  on_call: '通话中',
  wrap_up: '话后处理',
  paused: '小休',
};

export const PAUSE_LABELS: Record<string, string> = {
  break: '休息',
  meal: '用餐',
  training: '培训',
  meeting: '会议',
  callback_work: '回访工作',
  qa_work: '质检工作',
  ring_no_answer: '未接自动暂停',
  seat_unreachable: '话机不可达',
  transfer: '转接预留',
  not_ready: '未就绪',
};

export const LANGUAGE_LABELS: Record<string, string> = { mandarin: '普通话', tibetan: '藏语' };


/** Staff roles (the API's STAFF_ROLES). */
export const ROLE_LABELS: Record<string, string> = { agent: '话务员', supervisor: '值班长', qa: '质检员', callback: '回访员', manager: '管理人员', admin: '系统管理员' };
