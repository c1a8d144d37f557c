// Runs in every end-to-end file (vitest setupFiles). Before the file: the gateway and the worker are running — one
// that an earlier file left dead (a test that stopped it and failed before starting it again, a gateway its own
// watchdog ended) is started again here, as a supervisor would, so that the earlier file's failure stays its own and
// this file starts on a working stack. After the file's own afterAll hooks: Asterisk and the gateway must be clean —
// no channel left, no waiting call, no live call, no agent held for a call — so a leak fails the file that caused it
// instead of a later one (a gateway that is not answering then is a failure of this file too).
import { afterAll, beforeAll, inject } from 'vitest';
import { ensureServicesRunning, expectStackClean } from './clean-stack.js';

beforeAll(async () => {
  await ensureServicesRunning(inject('e2e'));
}, 200_000);

afterAll(async () => {
  await expectStackClean(inject('e2e'));
}, 60_000);
