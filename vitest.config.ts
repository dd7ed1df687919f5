import { defineConfig } from "vitest/config";

// Two projects: fast pure unit tests, and end-to-end tests that drive the real engine
// (they share one engine and one image, so they run one file at a time).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
