import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace packages resolve to their sources so tests never depend on a stale build.
const alias = {
  '@cti/domain': src('./packages/domain/src/index.ts'),
  '@cti/contracts': src('./packages/contracts/src/index.ts'),
  '@cti/asterisk': src('./packages/asterisk/src/index.ts'),
  '@cti/db': src('./packages/db/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    // Two files at a time on this 2-core machine (vitest's default is cores − 1 = 1): the e2e files still run one at a
    // time (fileParallelism below), and the deploy smoke (its own compose stack, ~4.5 min) or the unit and integration
    // files run beside them instead of after them.
    maxWorkers: 2,
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['packages/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts', 'scripts/**/*.spec.ts', 'deploy/**/*.spec.ts'], exclude: ['**/*.int.spec.ts', '**/node_modules/**'] },
      },
      {
        resolve: { alias },
        test: { name: 'integration', include: ['packages/*/src/**/*.int.spec.ts', 'services/*/src/**/*.int.spec.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e', include: ['test/**/*.e2e.ts'], exclude: ['test/deploy-smoke.e2e.ts', '**/node_modules/**'], testTimeout: 120_000, hookTimeout: 180_000,
          // One Asterisk per run: e2e files share it and must not run in parallel.
          fileParallelism: false,
          globalSetup: ['test/support/global-setup.ts'],
          // Each file must leave Asterisk and the gateway clean (checked after its own afterAll hooks).
          setupFiles: ['test/support/clean-stack.setup.ts'],
        },
      },
      {
        // deploy/smoke.sh runs its own compose stack (own ports, own Asterisk in a container), so it runs beside the
        // e2e files instead of after them; projects without a groupOrder run in parallel.
        resolve: { alias },
        test: { name: 'deploy', include: ['test/deploy-smoke.e2e.ts'] },
      },
    ],
  },
});
