import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { lintScript, sortProblems } from "./lint";
import { initPsLint } from "./parser";
import type { Problem } from "./types";

export { checkRunCommandContract } from "./contract";
export { isSecretParameterName, SECRET_NAME_SUFFIXES } from "./secrets";
export { lintScript, declaredParameters } from "./lint";
export { initPsLint, parsePowerShell } from "./parser";
export { loadCatalog, parseCatalogFile, CATALOG_DIR } from "./catalog";
export { formatProblem } from "./types";
export type { Problem, RuleId, RunCommandInputs } from "./types";

/** The repository's `scripts/` folder. */
export const SCRIPTS_DIR = join(__dirname, "..");

/** Every `.ps1` under `dir` (recursively, skipping node_modules), sorted. */
export function listScripts(dir: string = SCRIPTS_DIR): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const full = join(d, entry);
      if (statSync(full).isDirectory()) visit(full);
      else if (entry.toLowerCase().endsWith(".ps1")) out.push(full);
    }
  };
  visit(dir);
  return out;
}

/** Lints files from disk; problems name each file relative to `base`. */
export async function lintFiles(files: readonly string[], base: string = process.cwd()): Promise<Problem[]> {
  await initPsLint();
  const problems = files.flatMap((f) => lintScript(relative(base, f) || f, readFileSync(f, "utf8")));
  return sortProblems(problems);
}
