import type { Language, StrategyName } from './acd.model.js';
import { IndexedHeap } from './indexed-heap.collection.js';
import { byCalls, byIdle, bySeq, byTalk, callBefore, type AgentRecord, type CallRecord } from './acd.record.js';
import { SortedList } from './sorted-list.collection.js';

/** Skill names an agent really has (level >= 1), sorted. */
export function skillNames(skills: Record<string, number>): string[] {
  return Object.keys(skills)
    .filter((s) => (skills[s] ?? 0) >= 1)
    .sort();
}

/** Pool key: agents with the same skill names and backup flag are interchangeable for eligibility. */
export function poolKey(skills: Record<string, number>, backup: boolean): string {
  return `${backup ? 'B' : 'N'}:${skillNames(skills).join(',')}`;
}

/**
 * Ready agents sharing one eligibility profile, ordered once per strategy in use, so picking the
 * best agent for a call costs O(pools) instead of O(agents).
 */
export class AgentPool {
  readonly skills: ReadonlySet<string>;
  readonly skillCount: number;
  readonly hasMandarin: boolean;
  readonly hasTibetan: boolean;
  readonly idle = new SortedList<AgentRecord>(byIdle);
  readonly calls: SortedList<AgentRecord> | undefined;
  readonly talk: SortedList<AgentRecord> | undefined;
  readonly ring: SortedList<AgentRecord> | undefined;

  constructor(
    readonly key: string,
    skills: Record<string, number>,
    readonly backup: boolean,
    strategies: ReadonlySet<StrategyName>,
  ) {
    const names = skillNames(skills);
    this.skills = new Set(names);
    this.skillCount = names.length;
    this.hasMandarin = this.skills.has('mandarin');
    this.hasTibetan = this.skills.has('tibetan');
    this.calls = strategies.has('fewest_calls') ? new SortedList(byCalls) : undefined;
    this.talk = strategies.has('least_talk_time') ? new SortedList(byTalk) : undefined;
    this.ring = strategies.has('round_robin') ? new SortedList(bySeq) : undefined;
  }

  /** Ready agents in this pool. */
  get size(): number {
    return this.idle.size;
  }

  /** Adds an agent that just became ready. */
  add(agent: AgentRecord): void {
    this.idle.insert(agent);
    this.calls?.insert(agent);
    this.talk?.insert(agent);
    this.ring?.insert(agent);
  }

  /** Removes an agent leaving ready. */
  remove(agent: AgentRecord): void {
    this.idle.remove(agent);
    this.calls?.remove(agent);
    this.talk?.remove(agent);
    this.ring?.remove(agent);
  }
}

/** Preference tiers of a call class: earlier tiers are tried first; backup tiers only under queue pressure. */
export const TIER_PRIMARY = 0;
/** Bilingual agents taking overflowed Mandarin calls. */
export const TIER_OVERFLOW = 1;
/** Backup helpers, same language rules. */
export const TIER_BACKUP_PRIMARY = 2;
/** Backup bilingual helpers for overflowed Mandarin calls. */
export const TIER_BACKUP_OVERFLOW = 3;

/**
 * Waiting calls that share line, language, skill and overflow status: every call in a class has the
 * same eligible agents, so only the head of each class needs looking at.
 */
export class CallClass {
  readonly heap = new IndexedHeap<CallRecord>(callBefore, {
    get: (c) => c.classSlot,
    set: (c, i) => {
      c.classSlot = i;
    },
  });
  readonly tiers: AgentPool[][] = [[], [], [], []];

  constructor(
    readonly key: string,
    readonly line: string,
    readonly language: Language,
    readonly requiredSkill: string | undefined,
    readonly overflowed: boolean,
    readonly strategy: StrategyName,
  ) {}

  /** Files a pool into the tier it serves for this class, if any. */
  addPool(pool: AgentPool): void {
    if (this.requiredSkill !== undefined && !pool.skills.has(this.requiredSkill)) return;
    let tier: number;
    if (this.language === 'tibetan') {
      if (!pool.hasTibetan) return;
      tier = TIER_PRIMARY;
    } else {
      if (!pool.hasMandarin) return;
      if (pool.hasTibetan && !this.overflowed) return;
      tier = pool.hasTibetan ? TIER_OVERFLOW : TIER_PRIMARY;
    }
    if (pool.backup) tier += TIER_BACKUP_PRIMARY;
    this.tiers[tier]?.push(pool);
  }

  /** Whether any eligible agent is ready now. */
  hasReadyAgent(backupActive: boolean): boolean {
    const last = backupActive ? TIER_BACKUP_OVERFLOW : TIER_OVERFLOW;
    for (let t = 0; t <= last; t++) {
      const pools = this.tiers[t] as AgentPool[];
      for (let i = 0; i < pools.length; i++) if ((pools[i] as AgentPool).size > 0) return true;
    }
    return false;
  }
}
