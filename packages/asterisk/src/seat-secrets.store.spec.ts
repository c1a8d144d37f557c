import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asteriskValueProblem } from '@cti/contracts';
import { ensureSeatSecrets, newSeatSecret } from './seat-secrets.store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'seat-secrets-'));

describe('ensureSeatSecrets', () => {
  it('creates the file with a different password for every seat, readable by its owner only', () => {
    const path = join(dir(), 'sub', 'seat-secrets.json');
    const secrets = ensureSeatSecrets(path, ['seat-01', 'seat-02', 'seat-03']);
    expect(Object.keys(secrets)).toEqual(['seat-01', 'seat-02', 'seat-03']);
    expect(new Set(Object.values(secrets)).size).toBe(3);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(secrets);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps existing passwords and adds only the missing seats', () => {
    const path = join(dir(), 'seat-secrets.json');
    writeFileSync(path, JSON.stringify({ 'seat-01': 'kept-password-1', 'seat-09': 'other-seat' }));
    let n = 0;
    const secrets = ensureSeatSecrets(path, ['seat-01', 'seat-02'], () => `generated-${++n}`);
    expect(secrets).toEqual({ 'seat-01': 'kept-password-1', 'seat-02': 'generated-1' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'seat-01': 'kept-password-1', 'seat-09': 'other-seat', 'seat-02': 'generated-1' });
    expect(ensureSeatSecrets(path, ['seat-01', 'seat-02'], () => 'never')).toEqual(secrets);
  });

  it('refuses a file that is not an object of passwords', () => {
    const path = join(dir(), 'seat-secrets.json');
    writeFileSync(path, JSON.stringify({ 'seat-01': 5 }));
    expect(() => ensureSeatSecrets(path, ['seat-01'])).toThrow('expected a JSON object of seat name → password');
  });

  it('generates long passwords that are safe in an Asterisk config file', () => {
    const s = newSeatSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(asteriskValueProblem(s)).toBeUndefined();
  });
});
