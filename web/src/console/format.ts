// How the console writes durations, rates and codes the API gives.

/** mm:ss, or h:mm:ss from an hour on. */
export function clock(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const mm = String(Math.floor((t % 3600) / 60)).padStart(2, '0');
  const ss = String(t % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** 97.5%, or — without data. */
export function percent(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`;
}

export const PHASE_LABELS: Record<string, string> = { queued: '排队中', ringing: '振铃中', connected: '通话中', ended: '已结束' };
export const MODE_LABELS: Record<string, string> = { monitor: '监听', whisper: '耳语', barge: '强插' };
export const SKILL_LABELS: Record<string, string> = { mandarin: '普通话', tibetan: '藏语', callback: '回拨' };
export const TRUNK_LABELS: Record<string, string> = { 'trunk-primary': '主用中继', 'trunk-backup': '备用中继' };
export const PARTNER_LABELS: Record<string, string> = { '110': '110', '119': '119', '120': '120', '122': '122', water: '供水', power: '供电', gas: '燃气', heating: '供暖' };
export const CATEGORY_LABELS: Record<string, string> = { consultation: '咨询', help: '求助', suggestion: '建议', complaint: '投诉', report: '举报', praise: '表扬', other: '其他' };

/** 12-06 14:05 in Beijing time, from an ISO timestamp. */
export function dateTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
