// Mutation testing (npm run mutate): Stryker changes the code under test one small edit at a time
// (a condition flipped, a string emptied, a guard removed) and runs the tests that cover it; a
// mutant no test notices marks a test to write. Over the modules whose mistakes cost a lab: the
// config rules, the runbook and step ordering, the run-command transport, the diagnosis and the
// policy pack. Slow (each mutant runs its covering tests): not part of npm test or CI.
// One module: npm run mutate -- --mutate stacks/model/run-command-transport.ts
// with its test files only (vitest.mutate.config.mts), as on a shared two-core machine:
//   MUTATE_TESTS="test/runbook.test.ts test/mutation-runbook.test.ts" npm run mutate -- --mutate stacks/model/runbook.ts --concurrency 1
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.mts" },
  coverageAnalysis: "perTest",
  mutate: [
    "stacks/config/config.ts",
    "stacks/config/config-issues.ts",
    "stacks/config/schema.ts",
    "stacks/config/sections/*.ts",
    "stacks/config/config-util.ts",
    "stacks/model/runbook.ts",
    "components/lab-step.ts",
    "stacks/model/run-command-transport.ts",
    "stacks/diagnosis/diagnose.ts",
    "stacks/diagnosis/signatures.ts",
    "stacks/diagnosis/signatures/*.ts",
    "stacks/policy-pack/policies.ts",
  ],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "build/mutation/mutation.json" },
  tempDirName: "build/stryker-tmp",
  concurrency: 2,
  timeoutMS: 60000,
  thresholds: { high: 90, low: 80, break: null },
};
