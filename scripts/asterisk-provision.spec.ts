// scripts/asterisk.sh provision builds the cached Asterisk root filesystem; two at once (a test run and the demo,
// two CI runs) must not delete each other's half-built tree. A stand-in debootstrap makes the build fast and visible.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./asterisk.sh', import.meta.url));

function provision(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script, 'provision'], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('asterisk.sh provision', () => {
  it('builds the root filesystem once when two provisions run at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cti-provision-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const runs = join(dir, 'debootstrap-runs');
    // debootstrap [options] SUITE TARGET MIRROR SCRIPT: the target is the argument after the suite.
    writeFileSync(join(bin, 'debootstrap'), `#!/bin/bash
set -e
args=(); for a in "$@"; do case "$a" in --*) ;; *) args+=("$a") ;; esac; done
target=\${args[1]}
echo run >> ${runs}
mkdir -p "$target/usr/sbin"
sleep 1
printf '#!/bin/sh\\n' > "$target/usr/sbin/asterisk"; chmod +x "$target/usr/sbin/asterisk"
`);
    chmodSync(join(bin, 'debootstrap'), 0o755);
    const env = { CTI_ASTERISK_ROOTFS: join(dir, 'rootfs'), CTI_ASTERISK_MODE: 'chroot', PATH: `${bin}:${process.env.PATH}` };
    const [a, b] = await Promise.all([provision(env), provision(env)]);
    expect(a.code, a.output).toBe(0);
    expect(b.code, b.output).toBe(0);
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
    expect(existsSync(join(dir, 'rootfs/usr/sbin/asterisk'))).toBe(true);
    expect(a.output + b.output).toContain('built by another provision');
  });
});
