// Chinese names of ticket states and callback satisfaction, as the desk shows them.
export const TICKET_STATE_LABELS: Record<string, string> = {
  intake: '受理中',
  awaiting_dispatch: '待派单',
  dispatched: '已派单',
  signed: '已签收',
  in_progress: '办理中',
  replied: '已答复',
  awaiting_callback: '待回访',
  closed: '已办结',
  direct_answered: '直接答复',
  transferred_emergency: '已转应急',
  merged: '已合并',
  callback_failed: '回访失败',
};

export const SATISFACTION_LABELS: Record<string, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
  very_dissatisfied: '非常不满意',
};
