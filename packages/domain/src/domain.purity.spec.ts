import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The domain (ACD, call state, ticket rules, KPI maths) must stay pure: its tsconfig has no Node types, and this
// test fails if any source file imports anything but its own relative modules.
const root = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) && !/\.(spec|test)\.ts$/.test(e.name) ? [p] : [];
  });
}

describe('packages/domain', () => {
  it('imports nothing but its own modules (no I/O library, no Node built-in)', () => {
    const offenders: string[] = [];
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
        if (!m[1]?.startsWith('.')) offenders.push(`${file.slice(root.length)} → ${m[1]}`);
      }
      for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) offenders.push(`${file.slice(root.length)} → ${m[1]}`);
      // clock.ts holds the one systemClock that reads the wall clock; everything else gets time injected.
      const timeRead = file.endsWith('clock.ts') ? /\bprocess\.|\bsetTimeout\(|\bsetInterval\(/ : /\bprocess\.|\bsetTimeout\(|\bsetInterval\(|\bDate\.now\(/;
      if (timeRead.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ''))) offenders.push(`${file.slice(root.length)} uses process/timers/Date.now`);
    }
    expect(offenders).toEqual([]);
  });
});
