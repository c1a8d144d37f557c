/**
 * bench:scale's skill groups (scale.ts, SKILLS): which groups each seat is in at which level, and the same skills as
 * app_queue's users configure them (one queue per group, penalties). Pure, so that a spec checks the layout.
 */
/** The seat endpoint of seat n, as Asterisk's rendered configuration names it (seat-01 …, seat-1000). */
export const seatOf = (n: number): string => `seat-${String(n).padStart(2, '0')}`;

/** The name of group g (0-based): g01 … */
export const groupName = (g: number): string => `g${String(g + 1).padStart(2, '0')}`;

/**
 * Seat n's groups (0-based) with their levels: the first (n−1) mod G at 8, a second at 5, every other seat a third at
 * 3. The second's offset from the first changes with each round of G seats (k), so that groups share members in many
 * combinations; the third's offset is the second's plus ⌊G/2⌋ (mod G−1). Both offsets are 1…G−1 and never equal, so a
 * seat's groups are distinct.
 */
export function seatGroups(n: number, groups: number): Array<{ group: number; level: number }> {
  const first = (n - 1) % groups;
  const k = Math.floor((n - 1) / groups);
  const second = (first + 1 + (k % (groups - 1))) % groups;
  const out = [
    { group: first, level: 8 },
    { group: second, level: 5 },
  ];
  if (n % 2 === 0) out.push({ group: (first + 1 + ((k + Math.floor(groups / 2)) % (groups - 1))) % groups, level: 3 });
  return out;
}

/** app_queue's penalty for a skill level: 0 for the best, then 1, 2 (lower penalties are rung first). */
export const penaltyOf = (level: number): number => (level >= 8 ? 0 : level >= 5 ? 1 : 2);

/** queues.conf sections of the skill queues, the same settings as the fallback queue (asterisk-conf/queues.conf). */
export function skillQueues(seats: number, groups: number): string {
  const members = new Map<number, string[]>();
  for (let n = 1; n <= seats; n++) {
    for (const { group, level } of seatGroups(n, groups)) {
      const list = members.get(group) ?? [];
      list.push(`member => PJSIP/${seatOf(n)},${penaltyOf(level)}`);
      members.set(group, list);
    }
  }
  const sections: string[] = [];
  for (let g = 0; g < groups; g++) {
    sections.push(
      `[bench-${groupName(g)}]\nstrategy = leastrecent\ntimeout = 15\nretry = 1\nringinuse = no\nmusicclass = default\njoinempty = yes\nleavewhenempty = no\nannounce-frequency = 0\n` +
        `${(members.get(g) ?? []).join('\n')}\n`,
    );
  }
  return `\n; ---- bench:scale skill queues (scripts/bench/scale.ts) ----\n${sections.join('\n')}`;
}

