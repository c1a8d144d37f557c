import { ManualClock } from '../clock.js';
import type { AcdConfig } from './acd.config.js';
import { AcdEngine } from './acd.engine.js';
import type { AgentProfile } from './acd.model.js';

/** Test config: no wrap-up, no ageing, backups only under heavy load, so each test turns on what it proves. */
export function testConfig(overrides: Partial<AcdConfig> = {}): AcdConfig {
  return {
    defaultStrategy: 'longest_idle',
    lines: {},
    wrapUpSeconds: 0,
    maxRingNoAnswer: 3,
    mandarinOverflowSeconds: 20,
    pauseReasons: ['break', 'meal', 'training', 'meeting', 'callback_work', 'qa_work'],
    backupThreshold: { waitingCalls: 1000, longestWaitSeconds: 100000 },
    priorityAgeingPerSecond: 0,
    ...overrides,
  };
}

/** Mandarin-only agent profile. */
export function mandarinAgent(agentId: string, extra: Partial<AgentProfile> = {}): AgentProfile {
  return { agentId, seat: `seat-${agentId}`, skills: { mandarin: 5 }, ...extra };
}

/** Tibetan-Mandarin bilingual agent profile. */
export function bilingualAgent(agentId: string, extra: Partial<AgentProfile> = {}): AgentProfile {
  return { agentId, seat: `seat-${agentId}`, skills: { mandarin: 5, tibetan: 8 }, ...extra };
}

/** Engine on a manual clock at t=1_000_000 ms. */
export function newEngine(overrides: Partial<AcdConfig> = {}): { engine: AcdEngine; clock: ManualClock; config: AcdConfig } {
  const clock = new ManualClock(1_000_000);
  const config = testConfig(overrides);
  return { engine: new AcdEngine(config, clock), clock, config };
}

/** Logs in and readies agents one millisecond apart, so longest-idle order is the argument order. */
export function readyAgents(engine: AcdEngine, clock: ManualClock, profiles: AgentProfile[]): void {
  for (const p of profiles) {
    engine.login(p);
    engine.ready(p.agentId);
    clock.advance(1);
  }
}
