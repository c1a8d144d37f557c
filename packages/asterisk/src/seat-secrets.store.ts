import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SeatSecrets } from './asterisk-conf.render.js';

/** A fresh SIP password: 24 random bytes, base64url (letters, digits, `-`, `_`: nothing Asterisk's config syntax reads). */
export function newSeatSecret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The SIP passwords of `seats` from the JSON file at `path`, creating the file (mode 0600, folder 0700) and adding a
 * fresh random password for every seat it lacks. Existing passwords are kept, so softphones stay configured across
 * Asterisk restarts; delete a seat's entry to rotate its password on the next render.
 */
export function ensureSeatSecrets(path: string, seats: readonly string[], generate: () => string = newSeatSecret): SeatSecrets {
  let stored: Record<string, string> = {};
  if (existsSync(path)) {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new Error(`${path}: expected a JSON object of seat name → password`);
    }
    stored = parsed as Record<string, string>;
  }
  const missing = seats.filter((s) => !stored[s]);
  if (missing.length > 0) {
    const next = { ...stored, ...Object.fromEntries(missing.map((s) => [s, generate()])) };
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
    stored = next;
  }
  return Object.freeze(Object.fromEntries(seats.map((s) => [s, stored[s] as string])));
}
