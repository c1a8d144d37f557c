// What the agent reads when the gateway refuses an action: a Chinese explanation from the error's code (and the
// dial policy's reason), followed by the gateway's own status and message, so nothing it said is hidden.
import { ApiError } from '@shared/api';

const BY_REASON: Record<string, string> = {
  not_digits: '号码格式不对（只能是数字，可带 +86 和分隔符）',
  refused_pattern: '拨号策略禁止拨打该号码（国际长途或信息台）',
  not_allowed: '该号码不在允许外拨的范围内',
  rate_limited: '外拨过于频繁，请稍后再试',
};

const BY_CODE: Record<string, string> = {
  CTI_ERR_NETWORK: '无法连接服务器',
  CTI_ERR_INVALID_STATE: '当前状态下不能这样操作',
  CTI_ERR_CONFLICT: '操作冲突',
  CTI_ERR_FORBIDDEN: '无权这样操作',
  CTI_ERR_NO_SUCH_CALL: '当前没有通话',
  CTI_ERR_NO_SUCH_AGENT: '没有这个坐席',
  CTI_ERR_NOT_FOUND: '没有找到',
  CTI_ERR_VALIDATION: '输入有误',
  CTI_ERR_RATE_LIMITED: '操作过于频繁，请稍后再试',
  CTI_ERR_INVALID_TRANSITION: '工单当前状态不允许此操作',
  CTI_ERR_UNAVAILABLE: '服务暂不可用，请稍后重试',
};

/** One line for the agent: 中文说明（HTTP status：the gateway's message）. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (err.status === 0) return BY_CODE.CTI_ERR_NETWORK as string;
  const reason = typeof err.details.reason === 'string' ? BY_REASON[err.details.reason] : undefined;
  const zh = reason ?? BY_CODE[err.code] ?? '操作未成功';
  return `${zh}（${err.status}：${err.message}）`;
}
