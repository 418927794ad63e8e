import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One cmdlet as documented by Microsoft; names only, never prose. */
export interface CatalogCmdlet {
  readonly name: string;
  readonly module: string;
  /** Documentation page the parameter names were read from. */
  readonly doc: string;
  /** Canonical parameter names from the SYNTAX blocks (common parameters excluded). */
  readonly parameters: readonly string[];
  /** Documented alias -> canonical parameter. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Parameter names heard of but not confirmed in the docs -> why. Rejected when used. */
  readonly unconfirmed: Readonly<Record<string, string>>;
  /**
   * The listed parameters that are switches (`-Force`, no value). The strict stubs the Pester
   * tests run against (scripts/cli/ps-test/stubs.ts) declare these as `[switch]`, the rest as values.
   */
  readonly switches: readonly string[];
}

export interface Catalog {
  /** Lower-case cmdlet name -> entry. */
  readonly cmdlets: ReadonlyMap<string, CatalogCmdlet>;
  /** Lower-case cmdlet name -> why it is not catalogued (rejected when used). */
  readonly unconfirmedCmdlets: ReadonlyMap<string, { readonly name: string; readonly module: string; readonly reason: string }>;
}

export const CATALOG_DIR = join(__dirname, "catalog");

/** PowerShell's common parameters; always allowed, by their full names. */
export const COMMON_PARAMETERS = [
  "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable",
  "OutVariable", "OutBuffer", "PipelineVariable", "Verbose", "WarningAction", "WarningVariable",
] as const;

/** The short aliases of the common parameters, to tell the author the full name. */
export const COMMON_PARAMETER_ALIASES: Readonly<Record<string, string>> = {
  db: "Debug", ea: "ErrorAction", ev: "ErrorVariable", infa: "InformationAction",
  iv: "InformationVariable", ov: "OutVariable", ob: "OutBuffer", pv: "PipelineVariable",
  vb: "Verbose", wa: "WarningAction", wv: "WarningVariable",
};

function fail(file: string, what: string): never {
  throw new Error(`pslint catalog ${file}: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown, file: string, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) {
    fail(file, `${where} must be an array of strings`);
  }
  return v;
}

function stringRecord(v: unknown, file: string, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) fail(file, `${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") fail(file, `${where}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

const PARAM_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const CMDLET_NAME = /^[A-Za-z]+-[A-Za-z0-9]+$/;

/** Parses and validates one catalog file's JSON text. Throws with the file name on any shape error. */
export function parseCatalogFile(file: string, text: string): { cmdlets: CatalogCmdlet[]; unconfirmed: { name: string; module: string; reason: string }[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(file, `invalid JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) fail(file, "top level must be an object");
  const module = raw["module"];
  if (typeof module !== "string" || module === "") fail(file, "module must be a non-empty string");
  const cmdletsRaw = raw["cmdlets"];
  if (!isRecord(cmdletsRaw)) fail(file, "cmdlets must be an object");
  const cmdlets: CatalogCmdlet[] = [];
  for (const [name, entry] of Object.entries(cmdletsRaw)) {
    if (!CMDLET_NAME.test(name)) fail(file, `cmdlet name ${name} is not Verb-Noun`);
    if (!isRecord(entry)) fail(file, `${name} must be an object`);
    const doc = entry["doc"];
    if (typeof doc !== "string" || !/^https:\/\/learn\.microsoft\.com\//.test(doc)) {
      fail(file, `${name}.doc must be a learn.microsoft.com URL`);
    }
    const parameters = stringArray(entry["parameters"], file, `${name}.parameters`);
    for (const p of parameters) {
      if (!PARAM_NAME.test(p)) fail(file, `${name}.parameters: ${p} is not a bare parameter name (no dash)`);
    }
    const lower = new Set(parameters.map((p) => p.toLowerCase()));
    if (lower.size !== parameters.length) fail(file, `${name}.parameters has duplicates`);
    const aliases = stringRecord(entry["aliases"], file, `${name}.aliases`);
    for (const [alias, target] of Object.entries(aliases)) {
      if (!lower.has(target.toLowerCase())) fail(file, `${name}.aliases.${alias} points at ${target}, which is not a listed parameter`);
    }
    const unconfirmed = stringRecord(entry["unconfirmed"], file, `${name}.unconfirmed`);
    for (const u of Object.keys(unconfirmed)) {
      if (lower.has(u.toLowerCase())) fail(file, `${name}.unconfirmed.${u} is also listed as confirmed`);
    }
    const switches = entry["switches"] === undefined ? [] : stringArray(entry["switches"], file, `${name}.switches`);
    for (const sw of switches) {
      if (!lower.has(sw.toLowerCase())) fail(file, `${name}.switches: ${sw} is not a listed parameter`);
    }
    cmdlets.push({ name, module, doc, parameters, aliases, unconfirmed, switches });
  }
  const unconfirmedRaw = stringRecord(raw["unconfirmedCmdlets"], file, "unconfirmedCmdlets");
  const unconfirmed = Object.entries(unconfirmedRaw).map(([name, reason]) => ({ name, module, reason }));
  return { cmdlets, unconfirmed };
}

let cached: Catalog | undefined;

/** Loads every `catalog/*.json` (once per process). */
export function loadCatalog(dir: string = CATALOG_DIR): Catalog {
  if (cached && dir === CATALOG_DIR) return cached;
  const cmdlets = new Map<string, CatalogCmdlet>();
  const unconfirmedCmdlets = new Map<string, { name: string; module: string; reason: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const parsed = parseCatalogFile(file, readFileSync(join(dir, file), "utf8"));
    for (const c of parsed.cmdlets) {
      const key = c.name.toLowerCase();
      const prev = cmdlets.get(key);
      if (prev) fail(file, `${c.name} is also catalogued under module ${prev.module}`);
      cmdlets.set(key, c);
    }
    for (const u of parsed.unconfirmed) {
      if (cmdlets.has(u.name.toLowerCase())) fail(file, `${u.name} is both catalogued and unconfirmed`);
      unconfirmedCmdlets.set(u.name.toLowerCase(), u);
    }
  }
  const catalog: Catalog = { cmdlets, unconfirmedCmdlets };
  if (dir === CATALOG_DIR) cached = catalog;
  return catalog;
}
