import { describe, expect, it } from 'vitest';
import { migrateWithRetry } from './migration.runner.js';

describe('migrateWithRetry', () => {
  it('tells each failed attempt and gives up with the last error after the given number of attempts', async () => {
    const retries: number[] = [];
    // Port 1 on loopback refuses at once: PostgreSQL "not ready".
    const run = migrateWithRetry('postgres://nobody@127.0.0.1:1/none', 's', '/nonexistent', (err, attempt) => {
      expect(err.message).toMatch(/ECONNREFUSED/);
      retries.push(attempt);
    }, 2);
    await expect(run).rejects.toThrow(/ECONNREFUSED/);
    expect(retries).toEqual([1]);
  });
});
