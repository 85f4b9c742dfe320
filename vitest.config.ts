import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Load tests share two cores: running files in parallel would measure each other.
    fileParallelism: false,
    // One worker runs every file in turn: without isolation it keeps the modules it loaded
    // (a minute of imports on CI), and each file restores what it changes (env, spies).
    isolate: false,
  },
});
