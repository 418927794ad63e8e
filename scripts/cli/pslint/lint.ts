/** pslint: every convention rule (one module each under rules/) over one in-VM script. */
import { loadCatalog, type Catalog } from "./catalog";
import { parsePowerShell, type Node } from "./parser";
import { checkCommands } from "./rules/commands";
import { checkDeterminism } from "./rules/determinism";
import { checkErrorHandling } from "./rules/error-handling";
import { checkIdempotence } from "./rules/idempotence";
import { checkPipelineScope } from "./rules/pipeline-scope";
import { checkSecrets } from "./rules/secrets";
import { parameterName, scriptParameters, type Ctx } from "./rules/shared";
import { checkSyntax } from "./rules/syntax";
import { ofType, pos, walk } from "./tree";
import type { Problem } from "./types";

export interface LintOptions {
  /** Defaults to the catalog shipped in scripts/cli/pslint/catalog. */
  readonly catalog?: Catalog;
}

/**
 * Every check on one script. Needs `await initPsLint()` first. Syntax errors stop the
 * other checks (they would only report noise on a broken tree).
 */
export function lintScript(file: string, text: string, options: LintOptions = {}): Problem[] {
  const tree = parsePowerShell(text);
  try {
    const root = tree.rootNode;
    const functions = new Map<string, Node>();
    for (const f of ofType(root, "function_statement")) {
      const name = f.children.find((c) => c.type === "function_name")?.text;
      if (name) functions.set(name.toLowerCase(), f);
    }
    const ctx: Ctx = { file, text, root, catalog: options.catalog ?? loadCatalog(), problems: [], functions };
    checkSyntax(ctx);
    if (ctx.problems.length === 0) {
      checkCommands(ctx);
      checkPipelineScope(ctx);
      checkErrorHandling(ctx);
      checkIdempotence(ctx);
      checkSecrets(ctx);
      checkDeterminism(ctx);
    }
    return sortProblems(ctx.problems);
  } finally {
    tree.delete();
  }
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

/** Top-level `param()` names in declaration order (no `$`). */
export function declaredParameters(text: string): { names: string[]; at: { line: number; column: number } | null } {
  const tree = parsePowerShell(text);
  try {
    const block = tree.rootNode.children.find((c) => c.type === "param_block");
    return { names: scriptParameters(tree.rootNode).map(parameterName), at: block ? pos(block) : null };
  } finally {
    tree.delete();
  }
}

export { walk };
