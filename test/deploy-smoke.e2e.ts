// The production compose file, really run: deploy/smoke.sh builds the images from local Debian bases, brings
// docker-compose.yml up on ports of its own (apart from this run's stack, see the script's header), calls through it on
// both trunks, restarts the gateway container under a call, upgrades to a build with one more migration, and takes
// everything down again. Where no Docker engine can run (the script exits 77) the test is skipped with its reason.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The checkout (the script builds its images from a copy of it). */
const root = fileURLToPath(new URL('..', import.meta.url));
const NO_DOCKER = 77;
/** A cold run (base images and every layer built) took about 6 minutes on a quiet machine; leave room for a busy one. */
const SMOKE_BUDGET_MS = 40 * 60_000;

interface SmokeResult {
  placed: number;
  answered: number;
  ticketed: number;
  recordings: number;
  imageMB: Record<string, number>;
  upHealthyMs: number;
  gatewayRestartHealthyMs: number;
  upgradeHealthyMs: number;
  totalS: number;
}

/** Runs the script in a process group of its own; past the budget the group gets SIGTERM, on which it cleans up. */
function runSmoke(logFile: string): Promise<{ code: number | null; output: string }> {
  const log = createWriteStream(logFile);
  const child = spawn('bash', [`${root}deploy/smoke.sh`], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output += d;
    log.write(d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGTERM'), SMOKE_BUDGET_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      log.end();
      resolve({ code, output });
    });
  });
}

describe('deployment with docker-compose', () => {
  it(
    'builds every image here, comes up healthy, answers and tickets calls on both trunks, survives a gateway restart and an upgrade, and leaves nothing running',
    async ({ skip }) => {
      const dir = `${root}.run/deploy-smoke-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      mkdirSync(dir, { recursive: true });
      const logFile = `${dir}/deploy-smoke.log`;
      const { code, output } = await runSmoke(logFile);
      if (code === NO_DOCKER) {
        const reason = /SKIP: (.*)/.exec(output)?.[1] ?? 'no Docker engine';
        console.log(`[deploy-smoke] skipped: ${reason}`);
        skip(reason);
      }
      expect(code, `deploy/smoke.sh failed (log: ${logFile}):\n${output.slice(-6000)}`).toBe(0);
      const line = output.split('\n').find((l) => l.startsWith('SMOKE_RESULT '));
      expect(line, output.slice(-3000)).toBeDefined();
      const result = JSON.parse(line!.slice('SMOKE_RESULT '.length)) as SmokeResult;
      console.log(`[deploy-smoke] ${JSON.stringify(result)}`);
      expect(result).toMatchObject({ placed: 7, answered: 7, ticketed: 7 });
      expect(result.recordings).toBeGreaterThanOrEqual(7);
      expect(Object.keys(result.imageMB).sort()).toEqual(['asterisk', 'node', 'postgres', 'redis']);
    },
    SMOKE_BUDGET_MS + 120_000,
  );
});
