/**
 * The tests StrykerJS runs against each mutant of the Lambda code: the unit project (handlers with
 * fakes, the workflow definition in-process) plus the DynamoDB adapters against an in-process
 * dynalite. Structure tests read the sources from disk (instrumented in Stryker's sandbox) and are
 * left out; so are bundles, the local runtime and terraform.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  rootDir: ".",
  testMatch: [
    "<rootDir>/__tests__/unit/**/*.test.ts",
    "<rootDir>/__tests__/integration/dynamodb-integration.test.ts",
  ],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/__tests__/unit/structure/",
    "ci-workflow\\.test\\.ts$",
  ],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFiles: ["<rootDir>/__tests__/support/env.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/matchers.ts"],
  testTimeout: 60000,
};
