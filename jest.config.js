/**
 * Two projects: `unit` (handlers through createHandler with in-memory fakes or a mocked SDK, the
 * workflow definition in-process, pure modules: no database process, no bundles, no network) and
 * `integration` (dynalite, the bundles, the local runtime, synthesized stacks and terraform).
 * `npm run test:unit` runs the first alone; `npm test` runs both.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: "node",
  // Only real test files: fixtures and helpers under __tests__ are not tests.
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }],
    // jose ships ES modules only; jest loads CommonJS, so it is compiled like the sources.
    "/node_modules/jose/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  setupFiles: ["<rootDir>/__tests__/support/env.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/matchers.ts"],
};

module.exports = {
  testTimeout: 60000,
  // Three workers on two cores: the local-runtime suites wait on their runtimes and the offline plan
  // on terraform's processes, so a third worker fills the idle time (169 s of jest instead of 183 s
  // with two, measured in the work tree on 2026-12-03).
  maxWorkers: 3,
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
  testSequencer: "<rootDir>/__tests__/support/long-suites-first.js",
  projects: [
    { ...shared, displayName: "unit", roots: ["<rootDir>/__tests__/unit"] },
    {
      ...shared,
      displayName: "integration",
      roots: ["<rootDir>/__tests__/integration"],
      globalSetup: "<rootDir>/__tests__/support/fresh-bundles.ts",
    },
  ],
};
