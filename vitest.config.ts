import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "local-workspace/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    env: { BEHALF_LOG_LEVEL: "silent" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
