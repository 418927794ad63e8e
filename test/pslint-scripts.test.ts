import { expect, it } from "vitest";
import { formatProblem, lintFiles, listScripts } from "../scripts/pslint";

// The quality gate over the project's real in-VM scripts (scripts/**/*.ps1). No scripts: passes.
it("every script in scripts/ passes pslint", async () => {
  const files = listScripts();
  const started = Date.now();
  const problems = await lintFiles(files);
  expect(problems.map(formatProblem).join("\n")).toBe("");
  expect(Date.now() - started).toBeLessThan(5_000);
});
