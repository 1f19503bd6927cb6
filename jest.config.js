// ESM throughout (got 14 cannot be loaded from CommonJS). Type-checking runs as its own step
// (`tsc --noEmit`): inside ts-jest it made the suite about 8x slower.
/** @type {import('jest').Config} */
export default {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testTimeout: 60000,
  // Every suite spawns or listens on loopback; two workers fit the two cores.
  maxWorkers: 2,
};
