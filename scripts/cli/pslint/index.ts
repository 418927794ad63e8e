import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { expandIncludes } from "../../../stacks/model/script-text";
import { lintScript, sortProblems } from "./lint";
import { initPsLint } from "./parser";
import type { Problem } from "./types";

export { checkRunCommandContract } from "./contract";
export { isSecretParameterName, SECRET_NAME_SUFFIXES } from "../../../stacks/model/secret-names";
export { lintScript, declaredParameters } from "./lint";
export { initPsLint, parsePowerShell } from "./parser";
export { loadCatalog, parseCatalogFile, CATALOG_DIR } from "./catalog";
export { formatProblem } from "./types";
export type { Problem, RuleId, RunCommandInputs } from "./types";

/** The in-VM PowerShell: `scripts/vm/`. */
export const SCRIPTS_DIR = join(__dirname, "..", "..", "vm");

/**
 * Every `.ps1` under `dir` (recursively, skipping node_modules), sorted. The libraries in
 * `lib/` are not scripts of their own: they are checked inside every script that includes them;
 * `tests/` holds the Pester tests, which run on the test machine, not in a VM.
 */
export function listScripts(dir: string = SCRIPTS_DIR): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      if (d === dir && (entry === "lib" || entry === "tests")) continue;
      const full = join(d, entry);
      if (statSync(full).isDirectory()) visit(full);
      else if (entry.toLowerCase().endsWith(".ps1")) out.push(full);
    }
  };
  visit(dir);
  return out;
}

/**
 * Lints files from disk as the run commands send them (`#include lib/...` lines inlined, see
 * stacks/model/script-text.ts); problems name the file and line they are in, relative to `base`.
 */
export async function lintFiles(files: readonly string[], base: string = process.cwd()): Promise<Problem[]> {
  await initPsLint();
  const problems = files.flatMap((f) => {
    const dir = dirname(f);
    const expanded = expandIncludes(basename(f), readFileSync(f, "utf8"), dir);
    return lintScript(relative(base, f) || f, expanded.text).map((p) => {
      const o = expanded.origin(p.line);
      return { ...p, file: relative(base, join(dir, o.file)) || o.file, line: o.line };
    });
  });
  return sortProblems(problems);
}
