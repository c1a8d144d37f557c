// Runs in every end-to-end file (vitest setupFiles): after the file's own afterAll hooks, Asterisk and the gateway
// must be clean — no channel left, no waiting call, no live call, no agent held for a call — so a leak fails the
// file that caused it instead of a later one.
import { afterAll, inject } from 'vitest';
import { expectStackClean } from './clean-stack.js';

afterAll(async () => {
  await expectStackClean(inject('e2e'));
}, 60_000);
