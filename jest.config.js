/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  // Only real test files: fixtures and helpers under __tests__ are not tests.
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFiles: ["<rootDir>/__tests__/support/env.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/matchers.ts"],
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
};
