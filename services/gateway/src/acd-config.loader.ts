import { readFileSync } from 'node:fs';
import { defaultAcdConfig, validateAcdConfig, type AcdConfig } from '@cti/domain';
import type { Config } from '@cti/contracts';
import { defaultCallerWaitPrompts, type CallerWaitSettings } from './call/caller-wait.js';

/** The ACD and caller-wait settings: defaults, then the JSON file (CTI_ACD_CONFIG_FILE), then CTI_* variables. */
export interface RoutingSettings {
  acd: AcdConfig;
  wait: CallerWaitSettings;
}

/**
 * Reads and validates the routing settings once at start; a bad file stops the gateway with the field named.
 * File shape: `{ "acd": Partial<AcdConfig>, "prompts": Partial<prompts> }`.
 */
export function loadRoutingSettings(config: Config, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): RoutingSettings {
  let file: { acd?: Partial<AcdConfig>; prompts?: Partial<CallerWaitSettings['prompts']> } = {};
  if (config.CTI_ACD_CONFIG_FILE) {
    try {
      file = JSON.parse(readFile(config.CTI_ACD_CONFIG_FILE));
    } catch (err) {
      throw new Error(`CTI_ACD_CONFIG_FILE ${config.CTI_ACD_CONFIG_FILE}: ${(err as Error).message}`);
    }
  }
  const acd: AcdConfig = {
    ...defaultAcdConfig,
    ...file.acd,
    wrapUpSeconds: config.CTI_WRAP_UP_S,
    maxRingNoAnswer: config.CTI_MAX_RING_NO_ANSWER,
    mandarinOverflowSeconds: config.CTI_MANDARIN_OVERFLOW_S,
    lines: { ...defaultAcdConfig.lines, ...file.acd?.lines },
  };
  validateAcdConfig(acd);
  const prompts = { ...defaultCallerWaitPrompts, ...file.prompts };
  for (const [name, media] of Object.entries(prompts)) {
    if (!Array.isArray(media) || media.some((m) => typeof m !== 'string' || !/^(sound|digits|number|tone|recording):/.test(m))) {
      throw new Error(`CTI_ACD_CONFIG_FILE prompts.${name} must be a list of ARI media URIs (sound:…, digits:…)`);
    }
  }
  return {
    acd,
    wait: {
      languageWindowSeconds: config.CTI_LANGUAGE_WINDOW_S,
      announceIntervalSeconds: config.CTI_ANNOUNCE_INTERVAL_S,
      virtualHoldAfterSeconds: config.CTI_VIRTUAL_HOLD_AFTER_S,
      surgeWaitingCalls: config.CTI_SURGE_WAITING_CALLS,
      surgePredictedWaitSeconds: config.CTI_SURGE_PREDICTED_WAIT_S,
      prompts,
    },
  };
}
