/** Rule: ForEach-Object and Where-Object blocks share their scope with the caller. */
import type { Node } from "../parser";
import { ancestors, isWithin, ofType, variableKey } from "../tree";
import { allCommands, commandElements, parameterName, report, scriptParameters, type Ctx } from "./shared";

/**
 * ForEach-Object and Where-Object run their script block in the caller's scope, so a variable
 * assigned there is the caller's variable: one named like a parameter of the enclosing function
 * (or of the script) silently overwrites it.
 */
export function checkPipelineScope(ctx: Ctx): void {
  for (const cmd of allCommands(ctx)) {
    if (cmd.resolved !== "foreach-object" && cmd.resolved !== "where-object") continue;
    const fn = ancestors(cmd.node).find((a) => a.type === "function_statement");
    const params = fn ? functionParameters(fn) : scriptParameters(ctx.root).map(parameterName);
    const lower = new Set(params.map((p) => p.toLowerCase()));
    for (const block of commandElements(cmd.node).flatMap((e) => ofType(e, "script_block_expression"))) {
      for (const a of ofType(block, "assignment_expression")) {
        // Assignments inside a function defined in the block belong to that function.
        if (ancestors(a).some((x) => x.type === "function_statement" && isWithin(x, block))) continue;
        const left = a.children.find((c) => c.type === "left_assignment_expression");
        const key = left ? variableKey(left.text) : null;
        if (key !== null && lower.has(key)) {
          report(ctx, a, "pipeline-scope",
            `${left?.text.trim() ?? ""} is assigned inside a ${cmd.name} block, which runs in the enclosing scope: it overwrites the parameter $${params.find((p) => p.toLowerCase() === key) ?? key}; use another name`);
        }
      }
    }
  }
}

/** Names (no `$`) of the parameters a function declares, in its `param()` block or after its name. */
function functionParameters(fn: Node): string[] {
  const blocks = ofType(fn, "param_block").filter((b) => ancestors(b).find((a) => a.type === "function_statement")?.id === fn.id);
  const fromBlock = blocks.flatMap((b) => ofType(b, "script_parameter")).map(parameterName);
  const inline = fn.children.filter((c) => c.type === "function_parameter_declaration").flatMap((d) => ofType(d, "script_parameter")).map(parameterName);
  return [...fromBlock, ...inline].filter((n) => n !== "");
}
