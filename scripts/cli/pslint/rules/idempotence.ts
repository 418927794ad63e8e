/** Rule: a Test- function that only reads guards every state change, and reads it back after the last one. */
import type { Node } from "../parser";
import { ancestors, isWithin, ofType, sameNode } from "../tree";
import { allCommands, commandElements, conditionOf, exitCode, exitsNonZero, report, topStatements, type CommandInfo, type Ctx } from "./shared";

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

function callsTest(ctx: Ctx, node: Node): boolean {
  return allCommands(ctx, node).some((c) => c.kind === "local" && isTestFunctionName(c.name));
}

export function checkIdempotence(ctx: Ctx): void {
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
