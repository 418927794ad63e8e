import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The suite Stryker runs for each mutant (npm run mutate): every unit and graph test, without the
// ones that start other processes (npm ci in copies, pwsh, the CLIs), which cover no mutated
// TypeScript module and would multiply the run's time.
export default mergeConfig(
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
