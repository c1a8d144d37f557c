import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { alive } from './processes.js';

/** Machine-wide, so runs from different clones of the repository see each other. */
const DIR = '/tmp/cti12345-e2e-slots';


function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Takes the first free port slot (0–9) for this process; a slot whose owner died is taken over.
 * `probePort(slot)` must be free too, so a run that holds ports without a lock is not disturbed.
 */
export async function takeSlot(probePort: (slot: number) => number): Promise<{ slot: number; release: () => void }> {
  mkdirSync(DIR, { recursive: true });
  for (let slot = 0; slot < 10; slot++) {
    const file = `${DIR}/slot-${slot}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        if (!(await portFree(probePort(slot)))) {
          unlinkSync(file);
          break;
        }
        return { slot, release: () => unlinkSync(file) };
      } catch {
        const owner = Number(readFileSync(file, 'utf8') || 0);
        if (owner && alive(owner)) break;
        try {
          unlinkSync(file); // stale: its run died without cleaning up
        } catch {
          /* someone else took it over first */
        }
      }
    }
  }
  throw new Error(`no free end-to-end port slot in ${DIR}: ten runs already going?`);
}
