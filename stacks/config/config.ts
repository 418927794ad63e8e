/**
 * The config edge: one pure loader from raw `cmg-lab:*` stack config to the typed `LabConfig`.
 *
 * The config is declared once, one module per top-level key (stacks/config/sections/*.ts, zod
 * schemas with each field's description, default and fixes); this module runs them in order and
 * adds the rules that span sections (derived names, computer names, the CMG region and PFX).
 *
 * Every rule runs and every problem is collected (never stop at the first); each problem names
 * the full key, the value, what is wrong and what to change. A config that would build a lab with
 * a known miss (see ../shared/ARCHITECTURE.md, "Config") is refused, not warned about.
 *
 * Key names are a contract. Values arrive already parsed (objects for object keys); a secret the
 * caller could not decrypt arrives as `SECRET_PLACEHOLDER`. The loader reads no environment and no
 * clock: the date to compare `expiresOn` with and the project directory (for a PFX file) come in
 * through `ParseOptions`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ClientConfig, ConfigIssue, LabConfig } from "./lab-config";
import { SERVER_COMPUTER_NAMES, labNames, resourceGroupNameProblem, stackLabel } from "../model/names";
import { cmgConfigIssues } from "./cmg-config-checks";
import { Ctx, type ParseOptions, type RawStackConfig } from "./config-issues";
import { SECRET_PLACEHOLDER, closest, deepFreeze, isIsoDate, renderValue } from "./config-util";
import { CONFIG_KEYS, PARSE_ORDER, SECTIONS, type ConfigKeyName } from "./sections";
import { MSI_MISSING_KEY } from "./sections/sync";

export { SECRET_PLACEHOLDER, CONFIG_KEYS, type ConfigKeyName, type ParseOptions, type RawStackConfig };
export { ENTRA_CONNECT_MIN_VERSION, ENTRA_CONNECT_MSI_SOURCE } from "./sections/sync";

export interface ParseResult {
  /** The config, deeply frozen; undefined when any issue is an error. */
  readonly config: LabConfig | undefined;
  /** Every problem found, errors and warnings, in rule order. */
  readonly issues: ConfigIssue[];
}

/**
 * Thrown by `loadLabConfig`. Extends Pulumi's `RunError` (itself an `Error`) so that the Pulumi
 * engine prints the message alone, without a stack trace.
 */
export class LabConfigError extends pulumi.RunError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(issues));
    this.name = "LabConfigError";
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * Parses and validates the stack config. Pure apart from the optional file checks (PFX, MSI).
 * Never throws for bad config: problems come back in `issues`.
 */
export function parseLabConfig(raw: RawStackConfig, options: ParseOptions = {}): ParseResult {
  if (options.today !== undefined && !isIsoDate(options.today)) {
    throw new Error(`parseLabConfig: options.today must be a YYYY-MM-DD date, got ${JSON.stringify(options.today)}`);
  }
  const ctx = new Ctx(raw, options);
  const values = topLevel(ctx, raw);
  for (const name of PARSE_ORDER) ctx.parsed[name] = parseSection(ctx, name, values[name]);
  const parsed = ctx.parsed as Partial<Omit<LabConfig, "stack">>;
  checkComputerNames(ctx, parsed.domain?.netbiosName, parsed.clients);
  checkDerivedNames(ctx, parsed.prefix, parsed.clients);
  const cmgArgs = { rawCmg: values.cmg, cmg: parsed.cmg, location: parsed.location, expiresOn: parsed.schedule?.expiresOn, checkPfx: options.checkPfx === true };
  for (const i of cmgConfigIssues({ ...cmgArgs, ...(options.today ? { today: options.today } : {}), ...(options.projectDir ? { projectDir: options.projectDir } : {}) })) {
    ctx.add(i.severity, i.path, i.value, i.problem, i.fix);
  }

  // The missing MSI leads the warnings: in the offline plan of the default lab it is the first
  // thing to fix (as an error, for pulumi up, it keeps its place among the errors).
  const leads = (i: ConfigIssue): boolean => i.severity === "warning" && i.key === ctx.key(MSI_MISSING_KEY);
  const issues = [...ctx.issues.filter(leads), ...ctx.issues.filter((i) => !leads(i))];
  if (issues.some((i) => i.severity === "error")) return { config: undefined, issues };
  const config = { stack: raw.stack } as Record<string, unknown>;
  for (const name of CONFIG_KEYS) config[name] = must(ctx.parsed[name]);
  return { config: deepFreeze(config as unknown as LabConfig), issues };
}

/** `parseLabConfig`, throwing `LabConfigError` when there is an error. Warnings are dropped: use `parseLabConfig` to show them. */
export function loadLabConfig(raw: RawStackConfig, options: ParseOptions = {}): LabConfig {
  const { config, issues } = parseLabConfig(raw, options);
  if (config === undefined) throw new LabConfigError(issues.filter((i) => i.severity === "error"));
  return config;
}

/**
 * Renders issues for a human, errors first: one paragraph per problem, each naming the key, the
 * value, the problem and the fix. Paragraphs are separated by a blank line.
 */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const ordered = [...issues.filter((i) => i.severity === "error"), ...issues.filter((i) => i.severity === "warning")];
  return ordered.map((i) => `${i.severity}: ${i.key} = ${i.value}: ${sentence(i.problem)} Fix: ${sentence(i.fix)}`).join("\n\n");
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("internal: a config part is missing although no error was reported");
  return value;
}

/**
 * One top-level key through its schema. zod knows no warnings: a section whose only issues are
 * warnings is parsed a second time, quietly, for its value.
 */
function parseSection(ctx: Ctx, name: ConfigKeyName, raw: unknown): unknown {
  const f = SECTIONS[name];
  const schema = f.default !== undefined ? f.schema(ctx).prefault(f.default as never) : f.schema(ctx);
  const input = raw === null ? undefined : raw;
  const first = schema.safeParse(input);
  if (first.success) return first.data === z.NEVER ? undefined : first.data;
  ctx.addZodIssues(name, input, f, first.error.issues);
  const errors = first.error.issues.some((i) => i.code !== "custom" || (i.params as { severity?: string } | undefined)?.severity !== "warning");
  if (errors) return undefined;
  ctx.quiet = true;
  try {
    const second = schema.safeParse(input);
    return second.success && second.data !== z.NEVER ? second.data : undefined;
  } finally {
    ctx.quiet = false;
  }
}

/** The project's keys by short name; unknown keys and near-miss namespaces reported. */
function topLevel(ctx: Ctx, raw: RawStackConfig): Partial<Record<ConfigKeyName, unknown>> {
  const out: Partial<Record<ConfigKeyName, unknown>> = {};
  const known: readonly string[] = CONFIG_KEYS;
  for (const [fullKey, value] of Object.entries(raw.values)) {
    const colon = fullKey.indexOf(":");
    if (colon < 0) continue;
    const namespace = fullKey.slice(0, colon);
    const name = fullKey.slice(colon + 1);
    if (namespace !== ctx.ns) {
      if (closest(namespace, [ctx.ns]) !== undefined) {
        ctx.issues.push(
          Object.freeze({
            key: fullKey,
            value: ctx.isEngineSecret(name) ? "[secret]" : renderValue(value),
            problem: `the namespace ${namespace} is not this project's (${ctx.ns}), so this key is ignored`,
            fix: `rename it to ${ctx.ns}:${name} in ${ctx.file}`,
            severity: "warning" as const,
          }),
        );
      }
      continue;
    }
    if (known.includes(name)) {
      out[name as ConfigKeyName] = value;
      continue;
    }
    const masked = { masked: ctx.isEngineSecret(name) };
    const head = name.split(/[.[]/)[0] ?? name;
    if (head !== name && known.includes(head)) {
      ctx.error(name, value, `${fullKey} is a path, but stack config keys are whole objects`, `write it nested under ${ctx.ns}:${head} in ${ctx.file}, or set it with pulumi config set --path '${fullKey}' <value>`, masked);
      continue;
    }
    const guess = closest(name, known);
    const fix = guess !== undefined ? `did you mean ${ctx.ns}:${guess}? Rename the key in ${ctx.file}` : `remove it from ${ctx.file} (known keys: ${known.map((k) => `${ctx.ns}:${k}`).join(", ")})`;
    ctx.error(name, value, `${fullKey} is not a key this project reads`, fix, masked);
  }
  return out;
}

// --- rules across sections ------------------------------------------------------------------

/** The NetBIOS domain name must not be a computer name in the lab: name registration and joins collide. */
function checkComputerNames(ctx: Ctx, netbios: string | undefined, clients: readonly ClientConfig[] | undefined): void {
  if (netbios === undefined) return;
  const computers = [...Object.values(SERVER_COMPUTER_NAMES), ...(clients ?? []).map((c) => c.name)];
  const clash = computers.find((c) => c.toUpperCase() === netbios);
  if (clash !== undefined) {
    ctx.error(
      "domain.netbiosName",
      netbios,
      `equals the computer name ${clash}; a NetBIOS domain name and a computer name in the same network collide (NetBIOS name registration conflicts, domain join fails)`,
      "choose another NetBIOS domain name, e.g. CORP",
    );
  }
}

/** Names derived from prefix and stack must satisfy Azure's rules and stay unique (`labNames` truncates VM names at 64). */
function checkDerivedNames(ctx: Ctx, prefix: string | undefined, clients: readonly ClientConfig[] | undefined): void {
  if (prefix === undefined) return;
  const names = labNames(prefix, ctx.stack);
  const rgProblem = resourceGroupNameProblem(names.resourceGroup);
  if (rgProblem !== null) {
    ctx.error("prefix", prefix, `the derived resource group name ${names.resourceGroup} ${rgProblem}`, "use a shorter prefix or stack name");
  }
  const computers = [...Object.values(SERVER_COMPUTER_NAMES), ...(clients ?? []).map((c) => c.name)];
  const seen = new Map<string, string>();
  for (const computer of computers) {
    const full = `${prefix}-${stackLabel(ctx.stack)}-${computer.toLowerCase()}`;
    const vmName = names.vm(computer);
    if (full.length > 64) {
      ctx.error("prefix", prefix, `the derived VM name ${full} is ${full.length} characters; Azure allows 64 for a Windows VM`, "use a shorter prefix, stack name or computer name");
    }
    const other = seen.get(vmName);
    if (other !== undefined && other.toLowerCase() !== computer.toLowerCase()) {
      ctx.error("prefix", prefix, `the computers ${other} and ${computer} get the same VM name ${vmName}`, "rename one of them");
    }
    seen.set(vmName, computer);
  }
}
