import { configDefaults, defineConfig } from 'vitest/config';

/** Three tiers, run one after another by `npm test` (scripts/test.mjs). */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/test/unit/**/*.test.ts', 'apps/*/test/unit/**/*.test.ts', 'scripts/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'scripts/test/e2e/**'],
          environment: 'node',
          // Some unit suites build the app on an in-memory PGlite: slow to start on a loaded 2-core machine.
          hookTimeout: 60_000,
          // vitest's 5 s default is within reach of a 1-2 s test on a shared 2-core host (an app request
          // on PGlite, a real timer of a second or two): a timeout there says the host was busy, not that
          // the code is wrong. Tests that assert a duration (rate-limit, publisher-sdk) keep their own bounds.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/integration/**/*.test.ts', 'apps/*/test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          // scripts/test/e2e: the images built from their Dockerfiles and run (minutes of npm ci and nuxt build).
          include: ['apps/portal/test/e2e/**/*.test.ts', 'scripts/test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
