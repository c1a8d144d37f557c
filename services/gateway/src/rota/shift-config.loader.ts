import { readFileSync } from 'node:fs';
import { DEFAULT_SHIFT_CONFIG, validateShiftConfig, type ShiftConfig } from '@cti/domain';

/**
 * The shift configuration from CTI_SHIFTS_FILE (fields left out keep their defaults), or the default three shifts
 * when `file` is empty; validated either way, so a gateway with a bad file does not start.
 */
export function loadShiftConfig(file: string): ShiftConfig {
  if (file === '') return DEFAULT_SHIFT_CONFIG;
  let parsed: Partial<ShiftConfig>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ShiftConfig>;
  } catch (err) {
    throw new Error(`CTI_SHIFTS_FILE ${file}: ${(err as Error).message}`);
  }
  return validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, ...parsed });
}
