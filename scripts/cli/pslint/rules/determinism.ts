/** Rule: no random values, literal GUIDs or timestamps in the script text (it is the run command's input). */
import { ofType } from "../tree";
import { allCommands, report, type Ctx } from "./shared";

/** Well-known, fixed GUIDs a script may spell out (not generated values). */
const WELL_KNOWN_GUIDS = new Set([
  "00000000-0000-0000-0000-000000000000",
  "00000003-0000-0000-c000-000000000000", // Microsoft Graph (application id)
  "00000002-0000-0000-c000-000000000000", // Azure AD Graph (application id)
]);

function positionAt(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: index - last };
}

export function checkDeterminism(ctx: Ctx): void {
  for (const c of allCommands(ctx)) {
    if (c.resolved === "get-random" || c.resolved === "new-guid") {
      report(ctx, c.node, "non-deterministic",
        `${c.name} makes a random value; names and inputs must be derived from parameters so a rerun finds what the last run made`);
    }
  }
  // Blank out comments for the GUID check, keep them for the timestamp check.
  let code = ctx.text;
  for (const com of ofType(ctx.root, "comment")) {
    code = code.slice(0, com.startIndex) + com.text.replace(/[^\n]/g, " ") + code.slice(com.endIndex);
  }
  const patterns: { re: RegExp; text: string; what: (m: string) => string | null }[] = [
    { re: /\[\s*(?:System\.)?Guid\s*\]\s*::\s*NewGuid\s*\(/gi, text: code, what: () => "[guid]::NewGuid() makes a random value" },
    { re: /\[\s*(?:System\.)?Random\s*\]|New-Object\s+(?:-TypeName\s+)?(?:System\.)?Random\b/gi, text: code, what: () => "System.Random makes a random value" },
    {
      re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, text: code,
      what: (m) => WELL_KNOWN_GUIDS.has(m.toLowerCase()) ? null : `literal GUID ${m}; pass ids in as parameters (well-known fixed ids go in WELL_KNOWN_GUIDS)`,
    },
    {
      re: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, text: ctx.text,
      what: (m) => `literal timestamp ${m} in the script text; compute times at run time (Get-Date) or pass them in`,
    },
  ];
  for (const { re, text, what } of patterns) {
    for (const m of text.matchAll(re)) {
      const msg = what(m[0]);
      if (msg && m.index !== undefined) report(ctx, positionAt(ctx.text, m.index), "non-deterministic", msg);
    }
  }
}
