import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The suite Stryker runs for each mutant (npm run mutate): every unit and graph test, without the
// ones that start other processes (npm ci in copies, pwsh, the CLIs), which cover no mutated
// TypeScript module and would multiply the run's time.
//
// MUTATE_TESTS narrows it to the test files of one module (space- or comma-separated paths or
// globs): Stryker's dry run runs the whole suite once, which on a shared two-core machine takes
// longer than the mutants of a small module. The per-module lists are in the README
// (Development, Mutation testing).
const narrowed = (process.env.MUTATE_TESTS ?? "").split(/[\s,]+/).filter((t) => t.length > 0);

const config = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "test/engine-*.test.ts",
        "test/powershell-gate.test.ts",
        "test/lab-power.test.ts",
        "test/cli.test.ts",
        "test/credentials-cli.test.ts",
        "test/plan.test.ts",
        "test/readme.test.ts",
        "test/diagnose.large.test.ts",
        "test/pslint.test.ts",
        "test/pslint-scripts.test.ts",
        "**/node_modules/**",
      ],
    },
  }),
);
// Set after the merge: mergeConfig concatenates arrays, so an include given above would add to the
// base's test/**/*.test.ts instead of replacing it.
if (narrowed.length > 0 && config.test) config.test.include = narrowed;

export default config;
