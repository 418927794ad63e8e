/**
 * In-VM scripts may share functions through `#include lib/<name>.ps1` lines: a run command carries
 * one script, so a shared function (loading the ConfigMgr module, the ADSync module, ...) is
 * written once in `scripts/vm/lib/` and inlined where the script includes it. The same expansion
 * feeds the run command (components/run-step.ts) and the quality gate (scripts/cli/pslint), so what is
 * checked is exactly what is sent; problems are reported at their line in the file they are in.
 * Pure apart from reading the library files; deterministic.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** `#include lib/configmgr-site.ps1` on a line of its own (a comment to PowerShell). */
const INCLUDE = /^#include (lib\/[a-z0-9-]+\.ps1)\s*$/;

export interface ExpandedScript {
  /** The script with every include replaced by the library's text. */
  readonly text: string;
  /** Where line `n` (1-based) of `text` comes from: the file (relative to the scripts folder) and its line. */
  readonly origin: (line: number) => { readonly file: string; readonly line: number };
}

/**
 * Expands the includes of `file` (a path relative to `scriptsDir`). Libraries cannot include
 * further libraries, and a library is included at most once per script.
 */
export function expandIncludes(file: string, text: string, scriptsDir: string, read: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): ExpandedScript {
  const out: string[] = [];
  const origins: { file: string; line: number }[] = [];
  const seen = new Set<string>();
  // Line endings are LF whatever the checkout did (a Windows clone with core.autocrlf): the text
  // is the run command's input, and CRLF would change every command on the next pulumi up.
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  lines.forEach((line, i) => {
    const m = INCLUDE.exec(line.replace(/\r$/, ""));
    if (!m) {
      out.push(line);
      origins.push({ file, line: i + 1 });
      return;
    }
    const lib = m[1] as string;
    if (seen.has(lib)) throw new Error(`${file}:${i + 1}: ${lib} is included twice`);
    seen.add(lib);
    const libText = read(path.join(scriptsDir, lib)).replace(/\r\n/g, "\n").replace(/\n$/, "");
    libText.split("\n").forEach((libLine, j) => {
      if (INCLUDE.test(libLine.replace(/\r$/, ""))) throw new Error(`${lib}:${j + 1}: a library cannot include another library`);
      out.push(libLine);
      origins.push({ file: lib, line: j + 1 });
    });
  });
  return {
    text: out.join("\n"),
    origin: (n) => origins[n - 1] ?? { file, line: n },
  };
}
