import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast, beside the code) and `integration` (real Docker engine,
// real processes; files named *.int.test.ts). The e2e suite is Playwright's, in e2e/.
export default defineConfig({
  define: { __FLOTILLA_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          exclude: ['src/**/*.int.test.ts', 'node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
