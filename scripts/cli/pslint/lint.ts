import { BUILTIN_ALIASES, BUILTIN_CMDLETS } from "./builtins";
import { COMMON_PARAMETERS, COMMON_PARAMETER_ALIASES, loadCatalog, type Catalog, type CatalogCmdlet } from "./catalog";
import { parsePowerShell, type Node } from "./parser";
import { isSecretParameterName } from "../../../stacks/model/secret-names";
import { ancestors, isWithin, ofType, pos, sameNode, unquote, variableKey, walk } from "./tree";
import type { Problem, RuleId } from "./types";

const BUILTIN = new Set(BUILTIN_CMDLETS.map((c) => c.toLowerCase()));
const COMMON = new Set<string>(COMMON_PARAMETERS.map((c) => c.toLowerCase()));

/**
 * Verbs whose cmdlets change machine, directory or site state. A call to one of them (or to a
 * native program, or to a script function that makes one) is a "state-changing call" for the
 * idempotence convention.
 */
const MUTATING_VERBS = new Set([
  "add", "approve", "block", "clear", "complete", "copy", "disable", "dismount", "enable", "export",
  "grant", "import", "initialize", "install", "invoke", "mount", "move", "new", "publish", "register",
  "remove", "rename", "reset", "restart", "resume", "revoke", "set", "start", "stop", "suspend", "sync",
  "unblock", "uninstall", "unregister", "update",
]);

/** Cmdlets with a mutating verb that only touch the PowerShell session, never machine state. */
const SESSION_ONLY = new Set([
  "import-module", "new-psdrive", "remove-psdrive", "set-location", "push-location", "pop-location",
  "set-strictmode", "new-object", "new-timespan", "new-variable", "set-variable", "clear-variable",
  "remove-variable", "new-alias", "set-alias", "add-type", "add-member", "start-sleep", "start-transcript",
  "stop-transcript", "new-cmschedule", "new-pssessionoption", "new-cimsessionoption", "export-modulemember",
  "update-typedata", "update-formatdata", "new-module",
  // Import-* readers: they load data into the session.
  "import-csv", "import-clixml", "import-powershelldatafile", "import-localizeddata",
]);

/** Native programs (or program + argument) that only read state. */
const READ_ONLY_NATIVE: readonly RegExp[] = [
  /^(whoami|hostname|ipconfig|nslookup|ping)(\.exe)?$/i,
];

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

/** Well-known, fixed GUIDs a script may spell out (not generated values). */
const WELL_KNOWN_GUIDS = new Set([
  "00000000-0000-0000-0000-000000000000",
  "00000003-0000-0000-c000-000000000000", // Microsoft Graph (application id)
  "00000002-0000-0000-c000-000000000000", // Azure AD Graph (application id)
]);

interface Ctx {
  readonly file: string;
  readonly text: string;
  readonly root: Node;
  readonly catalog: Catalog;
  readonly problems: Problem[];
  /** Lower-case names of functions the script defines. */
  readonly functions: Map<string, Node>;
}

function report(ctx: Ctx, node: Node | { line: number; column: number }, rule: RuleId, message: string): void {
  const p = "startPosition" in node ? pos(node) : node;
  ctx.problems.push({ file: ctx.file, line: p.line, column: p.column, rule, message });
}

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

// ---------------------------------------------------------------------------------------------
// Commands

type CommandKind = "catalog" | "unconfirmed" | "builtin" | "local" | "native" | "unknown";

interface CommandInfo {
  readonly node: Node;
  /** As written (quotes stripped for `& 'x.exe'`). */
  readonly name: string;
  /** Lower-case name after resolving built-in aliases. */
  readonly resolved: string;
  readonly kind: CommandKind;
  readonly cmdlet?: CatalogCmdlet;
}

function classifyCommand(ctx: Ctx, node: Node): CommandInfo {
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

function commandElements(node: Node): Node[] {
  return node.childForFieldName("command_elements")?.children ?? [];
}

function allCommands(ctx: Ctx, root: Node = ctx.root): CommandInfo[] {
  return ofType(root, "command").map((n) => classifyCommand(ctx, n));
}

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

function checkCommands(ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------
// Pipeline blocks share their scope

/**
 * ForEach-Object and Where-Object run their script block in the caller's scope, so a variable
 * assigned there is the caller's variable: one named like a parameter of the enclosing function
 * (or of the script) silently overwrites it.
 */
function checkPipelineScope(ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------
// Syntax. The real PowerShell parser is the syntax gate (npm run test:ps); this only says that
// pslint's grammar cannot read the file, so its other rules were skipped.

function checkSyntax(ctx: Ctx): void {
  const visit = (n: Node): void => {
    if (n.type === "ERROR") {
      const snippet = n.text.split("\n")[0]?.slice(0, 40) ?? "";
      report(ctx, n, "syntax", `pslint's grammar cannot parse ${JSON.stringify(snippet)}, so its other rules were skipped (npm run test:ps has the real parser's verdict)`);
      return;
    }
    if (n.isMissing) {
      report(ctx, n, "syntax", `pslint's grammar misses ${JSON.stringify(n.type)} here, so its other rules were skipped (npm run test:ps has the real parser's verdict)`);
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) visit(c);
  };
  visit(ctx.root);
}

// ---------------------------------------------------------------------------------------------
// Conventions: error action, non-zero exit

function topStatements(ctx: Ctx): Node[] {
  const list = ctx.root.children.find((c) => c.type === "statement_list");
  return list ? list.namedChildren.filter((s) => s.type !== "comment" && s.type !== "empty_statement") : [];
}

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

function exitCode(flow: Node): number | null {
  if (flow.type !== "flow_control_statement" || flow.children[0]?.type !== "exit") return null;
  const arg = flow.children.find((c) => c.type === "pipeline");
  if (!arg) return 0;
  const n = Number(arg.text.trim());
  return Number.isInteger(n) ? n : null;
}

function exitsNonZero(block: Node): boolean {
  return ofType(block, "flow_control_statement").some((f) => {
    const code = exitCode(f);
    return code !== null && code !== 0;
  });
}

function isGenericHandler(node: Node): boolean {
  return !node.children.some((c) => c.type === "type_literal" || c.type === "catch_type_list");
}

function checkErrorHandling(ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------
// Idempotence

/** Top-level statements, with a top-level try opened up (its body is the script's main body). */
function mainStatements(ctx: Ctx): Node[] {
  return topStatements(ctx).flatMap((s) => {
    if (s.type !== "try_statement") return [s];
    const list = s.children.find((c) => c.type === "statement_block")?.children.find((c) => c.type === "statement_list");
    return list ? list.namedChildren.filter((x) => x.type !== "comment" && x.type !== "empty_statement") : [s];
  });
}

function isTestFunctionName(name: string): boolean {
  return /^test-[a-z0-9]+/i.test(name);
}

function conditionOf(node: Node): Node | null {
  if (!["if_statement", "elseif_clause", "while_statement", "do_statement"].includes(node.type)) return null;
  return node.children.find((c) => c.type === "pipeline" || c.type === "while_condition") ?? null;
}

function callsTest(ctx: Ctx, node: Node): boolean {
  return allCommands(ctx, node).some((c) => c.kind === "local" && isTestFunctionName(c.name));
}

function checkIdempotence(ctx: Ctx): void {
  const testFns = [...ctx.functions.entries()].filter(([name]) => isTestFunctionName(name));
  if (testFns.length === 0) {
    report(ctx, { line: 1, column: 1 }, "idempotence",
      "the script defines no `function Test-<Something>` that reports whether the desired state already holds");
    return;
  }

  // Which commands change state; script functions inherit it from their bodies (fixed point).
  const mutatingFns = new Set<string>();
  const directlyMutating = (c: CommandInfo): boolean => {
    if (c.kind === "local") return mutatingFns.has(c.resolved);
    if (c.kind === "native") {
      if (READ_ONLY_NATIVE.some((r) => r.test(c.name))) return false;
      if (/^dsregcmd(\.exe)?$/i.test(c.name)) return !commandElements(c.node).some((e) => /^\/status$/i.test(e.text));
      return true;
    }
    if (SESSION_ONLY.has(c.resolved)) return false;
    const verb = c.resolved.split("-")[0] ?? "";
    return c.resolved.includes("-") && MUTATING_VERBS.has(verb);
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, fn] of ctx.functions) {
      if (isTestFunctionName(name) || mutatingFns.has(name)) continue;
      if (allCommands(ctx, fn).some((c) => !sameNode(c.node, fn) && directlyMutating(c))) {
        mutatingFns.add(name);
        changed = true;
      }
    }
  }

  for (const [name, fn] of testFns) {
    const change = allCommands(ctx, fn).find((c) => directlyMutating(c));
    if (change) {
      report(ctx, change.node, "idempotence",
        `${fn.children.find((c) => c.type === "function_name")?.text ?? name} changes state (${change.name}); a Test- function must only read`);
    }
  }

  const stmts = mainStatements(ctx).filter((s) => s.type !== "function_statement" && s.type !== "trap_statement");
  const calls = stmts.flatMap((s) => allCommands(ctx, s));
  const mutations = calls.filter((c) => directlyMutating(c));
  if (mutations.length === 0) return;

  const earlyExits = stmts.filter((s) =>
    s.type === "if_statement" && callsTest(ctx, conditionOf(s) ?? s) &&
    ofType(s, "flow_control_statement").some((f) => exitCode(f) === 0 || f.children[0]?.type === "return"));
  for (const m of mutations) {
    const guardedByCondition = ancestors(m.node).some((a) => {
      const cond = conditionOf(a);
      return cond !== null && !isWithin(m.node, cond) && callsTest(ctx, cond);
    });
    const guardedByExit = earlyExits.some((e) => e.endIndex <= m.node.startIndex);
    if (!guardedByCondition && !guardedByExit) {
      report(ctx, m.node, "idempotence",
        `${m.name} changes state without first asking a Test- function whether the change is needed; guard it with \`if (-not (Test-...)) { ... }\``);
    }
  }

  const last = mutations[mutations.length - 1];
  if (!last) return;
  const readBack = stmts.some((s) =>
    s.startIndex >= last.node.endIndex && s.type === "if_statement" && callsTest(ctx, conditionOf(s) ?? s) &&
    (ofType(s, "flow_control_statement").some((f) => f.children[0]?.type === "throw") || exitsNonZero(s)));
  if (!readBack) {
    report(ctx, last.node, "idempotence",
      "no read-back after the last state change: end with `if (-not (Test-...)) { throw '...' }` so a change that did not take fails the step");
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets

function scriptParameters(root: Node): Node[] {
  const block = root.children.find((c) => c.type === "param_block");
  return block ? ofType(block, "script_parameter").filter((p) => sameNode(p.parent?.parent, block)) : [];
}

function parameterName(p: Node): string {
  const v = p.children.find((c) => c.type === "variable");
  return v ? v.text.replace(/^\$/, "") : "";
}

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

function checkSecrets(ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------
// Determinism

function checkDeterminism(ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------

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
