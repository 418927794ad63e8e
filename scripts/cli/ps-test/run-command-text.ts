/**
 * The exact text a script's run command carries: the file from scripts/vm/ with its
 * `#include lib/...` lines expanded (components/run-step.ts `readScript`), inside the parameter
 * transport wrapper (stacks/model/run-command-transport.ts) declaring the script's own `param()` names,
 * sorted as RunStep sorts them. test/scripts-contract.test.ts checks that every run command of
 * the lab sends exactly this text, so the Pester tests run what Azure runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readScript, SCRIPTS_DIR } from "../../../components/run-step";
import { expandIncludes } from "../../../stacks/model/script-text";
import { wrapForRunCommand } from "../../../stacks/model/run-command-transport";
import { declaredParameters, initPsLint } from "../pslint";

/** Needs the grammar loaded (`await initPsLint()`), which {@link runCommandTexts} does. */
export function runCommandText(file: string, dir: string = SCRIPTS_DIR): string {
  const text = readScript(file, dir);
  return wrapForRunCommand(text, [...declaredParameters(text).names].sort());
}

/**
 * Where each line of the script inside the run-command text comes from, as `path:line` relative
 * to `base` (a library line is reported at the library), one entry per line.
 */
export function originMap(file: string, dir: string = SCRIPTS_DIR, base: string = process.cwd()): string[] {
  const expanded = expandIncludes(file, fs.readFileSync(path.join(dir, file), "utf8"), dir);
  const count = expanded.text.split("\n").length;
  return Array.from({ length: count }, (_, i) => {
    const o = expanded.origin(i + 1);
    return `${path.relative(base, path.join(dir, o.file))}:${o.line}`;
  });
}

/** File name -> run-command text for every given script. */
export async function runCommandTexts(files: readonly string[], dir: string = SCRIPTS_DIR): Promise<Map<string, string>> {
  await initPsLint();
  return new Map(files.map((f) => [f, runCommandText(f, dir)]));
}
