/**
 * Jest's order of test files, except where jest knows nothing of earlier runs (a fresh clone, as in
 * CI): then it would order them by file size, and the long suites below, started late, would end the
 * run alone on one worker. Started first (longest first, measured in fresh clones: docs/BENCHMARKS.md,
 * "The suite"), the three workers end together. Only the order changes, never what runs.
 */
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST_FIRST = [
  "__tests__/integration/infra/terraform-plan.test.ts",
  "__tests__/integration/local-crash.test.ts",
  "__tests__/integration/local-e2e.test.ts",
  "__tests__/integration/local-payment-outcomes.test.ts",
  "__tests__/integration/local-stripe.test.ts",
  "__tests__/integration/local-iam.test.ts",
  "__tests__/integration/console-browser.test.ts",
  "__tests__/integration/local-operations.test.ts",
  "__tests__/integration/local-express.test.ts",
  "__tests__/integration/local-email.test.ts",
];

class LongSuitesFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    // Durations from an earlier run: jest's own order (failed first, then longest first) is better.
    if (sorted.some((test) => test.duration != null)) return sorted;
    const rank = (test) => {
      const index = LONGEST_FIRST.findIndex((suffix) => test.path.endsWith(suffix));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    // A stable sort: the other files keep jest's size order after the long ones.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongSuitesFirst;
module.exports.LONGEST_FIRST = LONGEST_FIRST;
