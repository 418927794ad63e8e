/** Rule: a secret parameter (and what derives from it) never reaches output, a file, the registry or a command line. */
import { isSecretParameterName } from "../../../../stacks/model/secret-names";
import type { Node } from "../parser";
import { isWithin, ofType, variableKey } from "../tree";
import { classifyCommand, commandElements, conditionOf, parameterName, report, scriptParameters, type Ctx } from "./shared";

/** Output, file, registry and command-line sinks a secret must never reach. */
const SECRET_SINKS: Readonly<Record<string, string>> = {
  "write-output": "echoed by Write-Output", "write-host": "echoed by Write-Host",
  "write-verbose": "echoed by Write-Verbose", "write-information": "echoed by Write-Information",
  "write-debug": "echoed by Write-Debug", "write-warning": "echoed by Write-Warning",
  "write-error": "echoed by Write-Error", "write-progress": "echoed by Write-Progress",
  "out-string": "turned into output by Out-String", "out-host": "echoed by Out-Host",
  "out-default": "echoed by Out-Default", "out-file": "written to a file by Out-File",
  "set-content": "written to a file by Set-Content", "add-content": "written to a file by Add-Content",
  "tee-object": "written by Tee-Object", "export-csv": "written to a file by Export-Csv",
  "export-clixml": "written to a file by Export-Clixml", "set-itemproperty": "persisted by Set-ItemProperty",
  "new-itemproperty": "persisted by New-ItemProperty", "write-eventlog": "written to the event log",
  "set-clipboard": "copied to the clipboard", "invoke-expression": "evaluated as a command line by Invoke-Expression",
  "start-process": "put on a command line by Start-Process",
};

/** How a value reaching command `n` (as an argument, or piped in) leaves the script, or null if it does not. */
function sinkOf(ctx: Ctx, n: Node, piped: boolean): string | null {
  const c = classifyCommand(ctx, n);
  if (c.resolved === "convertto-securestring") return null;
  if (c.kind === "native") return piped ? `piped into ${c.name}` : `interpolated into the command line of ${c.name}`;
  const sink = SECRET_SINKS[c.resolved];
  if (sink) return sink;
  const redirect = commandElements(n).some((e) => e.type === "redirection" &&
    e.children.some((r) => r.type === "file_redirection_operator"));
  return redirect ? `written to a file by redirecting the output of ${c.name}` : null;
}

export function checkSecrets(ctx: Ctx): void {
  const tainted = new Map<string, string>(); // key -> parameter it derives from
  for (const p of scriptParameters(ctx.root)) {
    const name = parameterName(p);
    if (!isSecretParameterName(name)) continue;
    tainted.set(name.toLowerCase(), name);
    if (p.children.some((c) => c.type === "script_parameter_default")) {
      report(ctx, p, "secret-leak", `secret parameter $${name} has a default value in the script text; secrets only arrive as protected parameters`);
    }
  }
  if (tainted.size === 0) return;

  const reported = new Set<number>();
  const leak = (node: Node, secret: string, how: string): void => {
    if (reported.has(node.startIndex)) return;
    reported.add(node.startIndex);
    const via = variableKey(node.text) === secret.toLowerCase() ? "" : ` (through ${node.text})`;
    report(ctx, node, "secret-leak", `secret $${secret} is ${how}${via}`);
  };

  const variables = ofType(ctx.root, "variable");
  for (let round = 0, grew = true; grew && round < 10; round++) {
    grew = false;
    for (const v of variables) {
      const key = variableKey(v.text);
      const origin = key ? tainted.get(key) : undefined;
      if (!origin) continue;
      let child: Node = v;
      for (let n = v.parent; n; child = n, n = n.parent) {
        if (n.type === "left_assignment_expression") break;
        if (n.type === "command") {
          const how = sinkOf(ctx, n, false);
          if (how) leak(v, origin, how);
          break;
        }
        if (n.type === "pipeline" || n.type === "pipeline_chain") {
          // `$Secret | Some-Command`: the value is the next command's pipeline input.
          const kids = n.children;
          const at = kids.findIndex((k) => isWithin(v, k));
          const rest = at >= 0 ? kids.slice(at + 1) : [];
          const next = rest.find((k) => k.type === "command");
          if (next && rest.some((k) => k.type === "|")) {
            const how = sinkOf(ctx, next, true);
            if (how) leak(v, origin, how);
            break;
          }
        }
        if (n.type === "assignment_expression") {
          const left = n.children.find((c) => c.type === "left_assignment_expression");
          const target = left ? variableKey(left.text) : null;
          if (target && !tainted.has(target) && child.type === "pipeline") {
            tainted.set(target, origin);
            grew = true;
          }
          break;
        }
        if (n.type === "flow_control_statement") {
          const kw = n.children[0]?.type;
          if (kw === "throw") leak(v, origin, "put into an error message by throw");
          if (kw === "return") leak(v, origin, "returned as output");
          break;
        }
        if (n.type === "pipeline" && n.parent?.type === "statement_list") {
          leak(v, origin, "emitted as output by a bare expression");
          break;
        }
        if (conditionOf(n) !== null || n.type === "statement_block" || n.type === "script_block") break;
      }
    }
  }
}
