/** Rules: `$ErrorActionPreference = 'Stop'` first, and a failure ends the script with a non-zero exit. */
import type { Node } from "../parser";
import { ofType, sameNode, unquote, variableKey } from "../tree";
import { exitCode, exitsNonZero, report, topStatements, type Ctx } from "./shared";

function isEapAssignment(stmt: Node): { value: string } | null {
  if (stmt.type !== "pipeline") return null;
  const a = stmt.namedChildren.find((c) => c.type === "assignment_expression");
  if (!a) return null;
  const left = a.children.find((c) => c.type === "left_assignment_expression");
  const value = a.children.find((c) => c.type === "pipeline");
  if (!left || !value || variableKey(left.text) !== "erroractionpreference") return null;
  return { value: unquote(value.text) };
}

function isCommandStatement(stmt: Node, name: string): boolean {
  const cmd = ofType(stmt, "command")[0];
  return stmt.type === "pipeline" && !!cmd && cmd.childForFieldName("command_name")?.text.toLowerCase() === name;
}

function isGenericHandler(node: Node): boolean {
  return !node.children.some((c) => c.type === "type_literal" || c.type === "catch_type_list");
}

export function checkErrorHandling(ctx: Ctx): void {
  const stmts = topStatements(ctx);
  const eapIndex = stmts.findIndex((s) => isEapAssignment(s)?.value.toLowerCase() === "stop");
  const preamble = (s: Node): boolean =>
    s.type === "function_statement" || s.type === "trap_statement" || isCommandStatement(s, "set-strictmode");
  if (eapIndex < 0) {
    report(ctx, stmts[0] ?? ctx.root, "error-action",
      "the script must set `$ErrorActionPreference = 'Stop'` at the top, before its first command");
  } else {
    const early = stmts.slice(0, eapIndex).find((s) => !preamble(s));
    if (early) {
      report(ctx, early, "error-action",
        "this runs before `$ErrorActionPreference = 'Stop'`; set it first (only Set-StrictMode, trap and function definitions may come before it)");
    }
  }
  for (const a of ofType(ctx.root, "assignment_expression")) {
    const stmt = a.parent;
    if (!stmt) continue;
    const eap = isEapAssignment(stmt);
    if (eap && eap.value.toLowerCase() !== "stop") {
      report(ctx, a, "error-action", `$ErrorActionPreference is set to ${JSON.stringify(eap.value)}; it must stay 'Stop'`);
    }
  }

  // Non-zero exit on failure: a generic top-level trap that exits non-zero, or one top-level
  // try whose generic catch exits non-zero and that holds everything the script does.
  const trap = stmts.find((s) => s.type === "trap_statement" && isGenericHandler(s) && exitsNonZero(s));
  if (trap) return;
  const tries = stmts.filter((s) => s.type === "try_statement");
  const goodTry = tries.find((t) =>
    ofType(t, "catch_clause").some((c) => sameNode(c.parent?.parent, t) && isGenericHandler(c) && exitsNonZero(c)));
  if (!goodTry) {
    report(ctx, stmts[0] ?? ctx.root, "exit-on-failure",
      "a failure must end the script with a non-zero exit: add a top-level `trap { ...; exit 1 }`, or wrap the body in `try { } catch { ...; exit 1 }`");
    return;
  }
  const outside = stmts.find((s) =>
    s !== goodTry && !preamble(s) && !isEapAssignment(s) &&
    !(s.type === "flow_control_statement" && exitCode(s) === 0 && s === stmts[stmts.length - 1]));
  if (outside) {
    report(ctx, outside, "exit-on-failure",
      "this statement runs outside the try whose catch exits non-zero; move it into the try, or use a top-level trap");
  }
}
