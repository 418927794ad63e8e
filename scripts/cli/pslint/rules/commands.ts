/** Rules on commands: every cmdlet known (catalog or built-in), its parameters documented and written in full, splats checked. */
import { COMMON_PARAMETERS, COMMON_PARAMETER_ALIASES, type CatalogCmdlet } from "../catalog";
import type { Node } from "../parser";
import { ofType, unquote, variableKey } from "../tree";
import type { RuleId } from "../types";
import { allCommands, commandElements, report, type Ctx } from "./shared";

const COMMON = new Set<string>(COMMON_PARAMETERS.map((c) => c.toLowerCase()));

/**
 * Unconfirmed parameters the script probes at run time before it may pass them:
 * `(Get-Command -Name <Cmdlet>).Parameters['<Name>']` (or `.Parameters.ContainsKey('<Name>')`, or
 * the same on a variable assigned `Get-Command -Name <Cmdlet>`),
 * outside comments. Keys are `cmdlet|parameter`, lower case. Such a parameter asks the installed
 * module itself, so it is allowed; passing it only when the probe found it is the script's job
 * (reviewed, not proven here).
 */
function probedParameters(ctx: Ctx): Set<string> {
  let code = ctx.text;
  for (const c of ofType(ctx.root, "comment")) {
    code = code.slice(0, c.startIndex) + " ".repeat(c.endIndex - c.startIndex) + code.slice(c.endIndex);
  }
  const out = new Set<string>();
  const getCommand = String.raw`Get-Command\s+(?:-Name\s+)?['"]?([A-Za-z]+-[A-Za-z0-9]+)['"]?`;
  const parameter = String.raw`\.Parameters(?:\[\s*|\.ContainsKey\(\s*)['"]([A-Za-z][A-Za-z0-9]*)['"]`;
  // `(Get-Command -Name X).Parameters['P']`
  for (const m of code.matchAll(new RegExp(String.raw`\(\s*${getCommand}\s*\)${parameter}`, "gi"))) {
    if (m[1] && m[2]) out.add(`${m[1].toLowerCase()}|${m[2].toLowerCase()}`);
  }
  // `$c = Get-Command -Name X` ... `$c.Parameters['P']`
  const commands = new Map<string, string>();
  for (const m of code.matchAll(new RegExp(String.raw`\$([A-Za-z_][A-Za-z0-9_]*)\s*=\s*${getCommand}`, "gi"))) {
    if (m[1] && m[2]) commands.set(m[1].toLowerCase(), m[2].toLowerCase());
  }
  for (const m of code.matchAll(new RegExp(String.raw`\$([A-Za-z_][A-Za-z0-9_]*)${parameter}`, "gi"))) {
    const cmdlet = m[1] ? commands.get(m[1].toLowerCase()) : undefined;
    if (cmdlet && m[2]) out.add(`${cmdlet}|${m[2].toLowerCase()}`);
  }
  return out;
}

function checkParameterName(c: CatalogCmdlet, raw: string, probed: ReadonlySet<string> = new Set()): { rule: RuleId; message: string } | null {
  const lc = raw.toLowerCase();
  if (c.parameters.some((p) => p.toLowerCase() === lc)) return null;
  if (Object.keys(c.aliases).some((a) => a.toLowerCase() === lc)) return null;
  if (COMMON.has(lc)) return null;
  const commonAlias = Object.entries(COMMON_PARAMETER_ALIASES).find(([a]) => a === lc);
  if (commonAlias) {
    return { rule: "abbreviated-parameter", message: `-${raw} is a short alias; write -${commonAlias[1]}` };
  }
  const unconfirmed = Object.entries(c.unconfirmed).find(([u]) => u.toLowerCase() === lc);
  if (unconfirmed) {
    if (probed.has(`${c.name.toLowerCase()}|${lc}`)) return null;
    return {
      rule: "unconfirmed-parameter",
      message: `-${unconfirmed[0]} of ${c.name} is not confirmed in Microsoft's docs (${unconfirmed[1]}); confirm it and move it into "parameters" in the catalog, or probe it at run time with (Get-Command -Name ${c.name}).Parameters['${unconfirmed[0]}'] and pass it only when present`,
    };
  }
  const candidates = [...c.parameters, ...COMMON_PARAMETERS].filter((p) => p.toLowerCase().startsWith(lc));
  if (candidates.length > 0) {
    return {
      rule: "abbreviated-parameter",
      message: `-${raw} abbreviates ${candidates.map((x) => `-${x}`).join(", ")} of ${c.name}; write the full name`,
    };
  }
  return { rule: "unknown-parameter", message: `-${raw} is not a documented parameter of ${c.name} (${c.doc})` };
}

/**
 * Keys of the literal hashtable last assigned to `$name` before `before`, plus keys added to it by
 * name afterwards, or null if not provable (a compound assignment such as `+=`, a key under a
 * computed name, or a method call such as `.Add(...)` on it before the call).
 */
function splatKeys(ctx: Ctx, name: string, before: Node): { keys: string[]; at: Node } | null {
  const assignments = ofType(ctx.root, "assignment_expression").filter((a) => a.startIndex < before.startIndex);
  const operatorOf = (a: Node, left: Node): string => /^\s*([^\s=]*=)/.exec(a.text.slice(left.endIndex - a.startIndex))?.[1] ?? "";
  let found: Node | null = null;
  for (const a of assignments) {
    const left = a.children.find((c) => c.type === "left_assignment_expression");
    if (!left || variableKey(left.text) !== name) continue;
    if (operatorOf(a, left) !== "=") return null;
    found = a;
  }
  if (!found) return null;
  const literal = found;
  const value = literal.children.find((c) => c.type === "pipeline");
  if (!value) return null;
  const hashes = ofType(value, "hash_literal_expression");
  const hash = hashes[0];
  if (!hash || value.text.trim().replace(/^\[ordered\]\s*/i, "") !== hash.text) return null;
  const keys: string[] = [];
  for (const entry of hash.namedChildren.flatMap((b) => b.namedChildren).filter((e) => e.type === "hash_entry")) {
    const key = entry.children.find((c) => c.type === "key_expression");
    if (!key) return null;
    const k = unquote(key.text);
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k)) return null;
    keys.push(k);
  }
  const variable = `\\$(?:(?:script|global|local|private):)?${name}`;
  // A method that changes the table (`$name.Add('Key', 1)`) between the literal and the call.
  const between = ctx.text.slice(literal.endIndex, before.startIndex);
  if (new RegExp(`${variable}\\s*\\.\\s*(?:Add|Remove|Clear|set_Item)\\s*\\(`, "i").test(between)) return null;
  // Keys added later by `$name['Key'] = ...` or `$name.Key = ...`, up to the call.
  const target = new RegExp(`^${variable}\\s*(?:\\[|\\.)`, "i");
  const added = new RegExp(`^${variable}\\s*(?:\\[\\s*'([A-Za-z][A-Za-z0-9]*)'\\s*\\]|\\[\\s*"([A-Za-z][A-Za-z0-9]*)"\\s*\\]|\\.([A-Za-z][A-Za-z0-9]*))$`, "i");
  for (const a of assignments) {
    if (a.startIndex <= literal.startIndex) continue;
    const left = a.children.find((c) => c.type === "left_assignment_expression");
    const text = left?.text.trim() ?? "";
    if (!left || !target.test(text)) continue;
    const m = added.exec(text);
    const k = m?.[1] ?? m?.[2] ?? m?.[3];
    if (k === undefined || operatorOf(a, left) !== "=") return null;
    keys.push(k);
  }
  return { keys, at: hash };
}

export function checkCommands(ctx: Ctx): void {
  const probed = probedParameters(ctx);
  for (const cmd of allCommands(ctx)) {
    if (cmd.kind === "unknown") {
      report(ctx, cmd.node, "unknown-cmdlet",
        `${cmd.name} is neither in the cmdlet catalog (scripts/cli/pslint/catalog) nor a Windows PowerShell 5.1 built-in; add it to the catalog with its documented parameters`);
      continue;
    }
    if (cmd.kind === "unconfirmed") {
      const u = ctx.catalog.unconfirmedCmdlets.get(cmd.resolved);
      report(ctx, cmd.node, "unconfirmed-cmdlet", `${cmd.name} (${u?.module ?? "?"}) is not confirmed: ${u?.reason ?? ""}`);
      continue;
    }
    const cmdlet = cmd.cmdlet;
    if (cmd.kind !== "catalog" || !cmdlet) continue;
    for (const el of commandElements(cmd.node)) {
      if (el.type === "command_parameter") {
        const raw = el.text.replace(/^-/, "").replace(/:$/, "");
        if (raw === "" || /^[0-9]/.test(raw)) continue;
        const bad = checkParameterName(cmdlet, raw, probed);
        if (bad) report(ctx, el, bad.rule, bad.message);
        continue;
      }
      const splat = /^@([A-Za-z_][A-Za-z0-9_]*)$/.exec(el.text.trim());
      if (splat?.[1]) {
        const resolved = splatKeys(ctx, splat[1].toLowerCase(), cmd.node);
        if (!resolved) {
          report(ctx, el, "splat-unverified",
            `@${splat[1]} is not a literal hashtable assigned earlier in this script (with keys added only as $${splat[1]}['Name'] or $${splat[1]}.Name), so its keys cannot be checked against ${cmdlet.name}; pass the parameters by name`);
          continue;
        }
        for (const k of resolved.keys) {
          const bad = checkParameterName(cmdlet, k, probed);
          if (bad) report(ctx, el, bad.rule, `${bad.message} (key of @${splat[1]})`);
        }
      }
    }
  }
}
