/** What every pslint rule shares: the script under check, reporting, and reading commands and statements. */
import { BUILTIN_ALIASES, BUILTIN_CMDLETS } from "../builtins";
import type { Catalog, CatalogCmdlet } from "../catalog";
import type { Node } from "../parser";
import { ofType, pos, sameNode, unquote } from "../tree";
import type { Problem, RuleId } from "../types";

const BUILTIN = new Set(BUILTIN_CMDLETS.map((c) => c.toLowerCase()));

export interface Ctx {
  readonly file: string;
  readonly text: string;
  readonly root: Node;
  readonly catalog: Catalog;
  readonly problems: Problem[];
  /** Lower-case names of functions the script defines. */
  readonly functions: Map<string, Node>;
}

export function report(ctx: Ctx, node: Node | { line: number; column: number }, rule: RuleId, message: string): void {
  const p = "startPosition" in node ? pos(node) : node;
  ctx.problems.push({ file: ctx.file, line: p.line, column: p.column, rule, message });
}

export type CommandKind = "catalog" | "unconfirmed" | "builtin" | "local" | "native" | "unknown";

export interface CommandInfo {
  readonly node: Node;
  /** As written (quotes stripped for `& 'x.exe'`). */
  readonly name: string;
  /** Lower-case name after resolving built-in aliases. */
  readonly resolved: string;
  readonly kind: CommandKind;
  readonly cmdlet?: CatalogCmdlet;
}

export function classifyCommand(ctx: Ctx, node: Node): CommandInfo {
  const nameNode = node.childForFieldName("command_name");
  const invoked = node.children.some((c) => c.type === "command_invokation_operator");
  const written = nameNode ? unquote(nameNode.text) : "";
  if (!nameNode || invoked || nameNode.type !== "command_name") {
    return { node, name: written, resolved: written.toLowerCase(), kind: "native" };
  }
  const lower = written.toLowerCase();
  const resolved = (BUILTIN_ALIASES[lower] ?? written).toLowerCase();
  if (ctx.functions.has(lower)) return { node, name: written, resolved: lower, kind: "local" };
  const cmdlet = ctx.catalog.cmdlets.get(resolved);
  if (cmdlet) return { node, name: written, resolved, kind: "catalog", cmdlet };
  if (ctx.catalog.unconfirmedCmdlets.has(resolved)) return { node, name: written, resolved, kind: "unconfirmed" };
  if (BUILTIN.has(resolved) || resolved === "mkdir") return { node, name: written, resolved, kind: "builtin" };
  if (/[\\/.:]/.test(written) || !written.includes("-")) return { node, name: written, resolved, kind: "native" };
  return { node, name: written, resolved, kind: "unknown" };
}

export function commandElements(node: Node): Node[] {
  return node.childForFieldName("command_elements")?.children ?? [];
}

export function allCommands(ctx: Ctx, root: Node = ctx.root): CommandInfo[] {
  return ofType(root, "command").map((n) => classifyCommand(ctx, n));
}

export function topStatements(ctx: Ctx): Node[] {
  const list = ctx.root.children.find((c) => c.type === "statement_list");
  return list ? list.namedChildren.filter((s) => s.type !== "comment" && s.type !== "empty_statement") : [];
}

export function exitCode(flow: Node): number | null {
  if (flow.type !== "flow_control_statement" || flow.children[0]?.type !== "exit") return null;
  const arg = flow.children.find((c) => c.type === "pipeline");
  if (!arg) return 0;
  const n = Number(arg.text.trim());
  return Number.isInteger(n) ? n : null;
}

export function exitsNonZero(block: Node): boolean {
  return ofType(block, "flow_control_statement").some((f) => {
    const code = exitCode(f);
    return code !== null && code !== 0;
  });
}

export function conditionOf(node: Node): Node | null {
  if (!["if_statement", "elseif_clause", "while_statement", "do_statement"].includes(node.type)) return null;
  return node.children.find((c) => c.type === "pipeline" || c.type === "while_condition") ?? null;
}

export function scriptParameters(root: Node): Node[] {
  const block = root.children.find((c) => c.type === "param_block");
  return block ? ofType(block, "script_parameter").filter((p) => sameNode(p.parent?.parent, block)) : [];
}

export function parameterName(p: Node): string {
  const v = p.children.find((c) => c.type === "variable");
  return v ? v.text.replace(/^\$/, "") : "";
}
