import { EventEmitter } from 'node:events';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { guardUnhandledRejections } from './process.guards.js';

describe('guardUnhandledRejections', () => {
  it('logs an unhandled rejection with its code and stack instead of letting it end the process', () => {
    const proc = new EventEmitter();
    const log = { error: vi.fn() };
    guardUnhandledRejections(proc, log);
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    proc.emit('unhandledRejection', err);
    proc.emit('unhandledRejection', 'a bare string');
    expect(log.error).toHaveBeenNthCalledWith(1, expect.objectContaining({ err: err.message, code: 'ENOSPC', stack: expect.stringContaining('process.guards.spec') }), expect.stringContaining('unhandled promise rejection'));
    expect(log.error).toHaveBeenNthCalledWith(2, expect.objectContaining({ err: 'a bare string' }), expect.any(String));
  });

  it('keeps a real Node process running after a rejection nobody handles (without it, Node exits with code 1)', () => {
    const run = (guarded: boolean) =>
      spawnSync(process.execPath, ['-e', `
        const guard = ${guardUnhandledRejections.toString()};
        if (${guarded}) guard(process, { error: (o, msg) => console.log(msg + ' ' + o.code) });
        Promise.reject(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
        setImmediate(() => setImmediate(() => console.log('still serving')));
      `], { encoding: 'utf8' });
    const unguarded = run(false);
    expect(unguarded.status).toBe(1);
    expect(unguarded.stdout).not.toContain('still serving');
    const guarded = run(true);
    expect(guarded.status).toBe(0);
    expect(guarded.stdout).toContain('unhandled promise rejection: logged, gateway keeps serving calls ENOSPC');
    expect(guarded.stdout).toContain('still serving');
  });
});
