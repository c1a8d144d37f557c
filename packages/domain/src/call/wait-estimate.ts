/**
 * Estimated wait of a caller at `position` (1 = next), in seconds, from the times the most recent calls were
 * answered: the recent answer rate is (answers − 1) ÷ span, and the caller waits about position ÷ rate.
 * Returns undefined until there are two recent answers to measure a rate from.
 */
export function estimateWaitSeconds(position: number, recentAnswerTimes: readonly number[], now: number, horizonMs = 15 * 60_000): number | undefined {
  const recent = recentAnswerTimes.filter((t) => t >= now - horizonMs);
  if (recent.length < 2) return undefined;
  let first = Infinity;
  let last = -Infinity;
  for (const t of recent) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  // The rate is measured up to now, so a centre that stopped answering shows a growing estimate.
  const spanMs = Math.max(now, last) - first;
  if (spanMs <= 0) return undefined;
  const perSecond = (recent.length - 1) / (spanMs / 1000);
  return position / perSecond;
}
