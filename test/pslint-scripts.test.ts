import { expect, it } from "vitest";
import { formatProblem, lintFiles, listScripts } from "../scripts/cli/pslint";

// The conventions gate over the project's real in-VM scripts (scripts/vm/*.ps1). Its speed is
// npm run bench's business, not a test's.
it("every script in scripts/vm/ passes pslint", async () => {
  const files = listScripts();
  // Not vacuous: the lab's scripts are there (the run-command contract test lists them all).
  expect(files.length).toBeGreaterThanOrEqual(30);
  expect(files.every((f) => /[\\/]scripts[\\/]vm[\\/][a-z0-9-]+\.ps1$/.test(f))).toBe(true);
  const problems = await lintFiles(files);
  expect(problems.map(formatProblem).join("\n")).toBe("");
});
