// CTI_ENV=production through the real entry points: the gateway, the worker and the Asterisk renderer exit before
// touching anything when a shipped secret or an open /metrics would be used (built by `tsc -b`, as `npm test` does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY_POINTS = ['services/gateway/dist/main.js', 'services/worker/dist/main.js', 'services/gateway/dist/render-asterisk.main.js'];
// Loading an entry point's modules takes seconds on a busy machine: a bound for a hung process, not a timing margin.
const BOUND_MS = 90_000;

function run(entry: string, env: Record<string, string>, args: string[] = []) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CTI_')));
  return spawnSync(process.execPath, [join(root, entry), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: BOUND_MS - 5_000 });
}

describe('CTI_ENV=production', () => {
  it.each(ENTRY_POINTS)('%s refuses the shipped secrets and an open /metrics, naming each', (entry) => {
    const out = join(mkdtempSync(join(tmpdir(), 'cti-prod-')), 'etc');
    const r = run(entry, { CTI_ENV: 'production', CTI_HTTP_PORT: '1' }, [join(root, 'asterisk-conf'), out, '/x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'refusing to start with CTI_ENV=production: CTI_ARI_PASSWORD is the shipped default; CTI_AMI_PASSWORD is the shipped default; ' +
        'CTI_EXCHANGE_OUTBOUND_SECRET is the shipped default; CTI_EXCHANGE_INBOUND_SECRET is the shipped default; CTI_METRICS_TOKEN is empty',
    );
  }, BOUND_MS);

  it('renders Asterisk config once every secret is set', () => {
    const out = mkdtempSync(join(tmpdir(), 'cti-prod-'));
    const r = run(
      'services/gateway/dist/render-asterisk.main.js',
      {
        CTI_ENV: 'production',
        CTI_ARI_PASSWORD: 'ari-0123456789abcdef',
        CTI_AMI_PASSWORD: 'ami-0123456789abcdef',
        CTI_EXCHANGE_OUTBOUND_SECRET: 'out-0123456789abcdef',
        CTI_EXCHANGE_INBOUND_SECRET: 'in-0123456789abcdef',
        CTI_METRICS_TOKEN: 'metrics-0123456789abcdef',
      },
      [join(root, 'asterisk-conf'), out, '/x'],
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toContain('manager.conf');
  }, BOUND_MS);
});
