/**
 * The config edge: one pure loader from raw `cmg-lab:*` stack config to the typed `LabConfig`.
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
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type {
  AdminConfig,
  BastionMode,
  ClientConfig,
  ClientNetwork,
  ClientOs,
  CmgCertificateConfig,
  CmgConfig,
  ConfigIssue,
  DiscoveryConfig,
  CmgRole,
  DomainConfig,
  EntraConfig,
  EntraConnectConfigMode,
  LabConfig,
  ScheduleConfig,
  SiteConfig,
  SiteMediaConfig,
  SqlEdition,
  SyncConfig,
  TenantConfig,
} from "./lab-config";
import {
  SERVER_COMPUTER_NAMES,
  adminUsernameProblem,
  computerNameProblem,
  dnsLabelProblem,
  labNames,
  resourceGroupNameProblem,
  stackLabel,
} from "../model/names";
import {
  AZURE_REGIONS,
  CMG_VM_SIZES,
  OU_FORBIDDEN_CHARS,
  PRIVATE_TLDS,
  RESERVED_NETBIOS_NAMES,
  RESERVED_SITE_CODES,
  SUGGESTED_REGIONS,
  VM_MINIMUMS,
  VM_SIZES,
  type VmRole,
} from "./config-data";
import { IANA_TO_WINDOWS, WINDOWS_TIME_ZONES } from "./windows-timezones";
import { cmgConfigIssues } from "./cmg-config-checks";
import { defaultSiteMedia } from "../model/site";
import { SECRET_GRACE_DAYS, serverSecretEndDate } from "../model/entra";
import { DEMO_USERS_DEFAULT, DEMO_USERS_MAX } from "../model/ad";
import {
  SECRET_PLACEHOLDER,
  closest,
  deepFreeze,
  describeType,
  ipv4ToString,
  isIsoDate,
  isPlainObject,
  isSecretPlaceholder,
  networkAddress,
  nonPublicKind,
  parseIpv4Cidr,
  renderValue,
} from "./config-util";

export { SECRET_PLACEHOLDER };

/** Stack config as the caller read it. */
export interface RawStackConfig {
  /** Pulumi stack name. */
  readonly stack: string;
  /** Pulumi project name; also the config namespace (`cmg-lab`). */
  readonly project: string;
  /**
   * Full config keys (`cmg-lab:prefix`, `azure-native:location`, ...) to parsed values; keys of
   * other namespaces are ignored. An undecrypted secret is `SECRET_PLACEHOLDER`.
   */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * Full keys the source reports as secret and handed over decrypted (the Pulumi engine does
   * this). A plain string in a secret field counts as a secret only under one of these keys;
   * anywhere else it is plain text in the stack file, which is refused. Absent: none.
   */
  readonly secretKeys?: readonly string[];
}

export interface ParseOptions {
  /** Today's date, `YYYY-MM-DD`. With it, an `expiresOn` in the past is a warning; without it, not checked. */
  readonly today?: string;
  /** The project directory. With it, `cmg.certificate.pfxFile` must exist there; without it, not checked. */
  readonly projectDir?: string;
  /**
   * Read a supplied CMG PFX and check it (stacks/config/pfx-check.ts: password, key, Server
   * Authentication, name, dates, chain). Needs `projectDir` and the decrypted password (the
   * engine's config); with an encrypted password a warning says the checks run at pulumi
   * preview/up. Default false. The Pulumi entry and the offline plan set it.
   */
  readonly checkPfx?: boolean;
  /**
   * The offline plan (`npm run plan`): a config without the Entra Connect MSI (`sync.msiFile` or
   * `sync.msiUrl`), which the user must download themselves, is planned with that as the first
   * warning, so the shipped default lab plans as it is. Default false: the Pulumi entry refuses
   * such a config before any resource.
   */
  readonly offlinePlan?: boolean;
}

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

/** Top-level keys under the project namespace, in documentation order. */
export const CONFIG_KEYS = [
  "prefix",
  "location",
  "domain",
  "tenant",
  "site",
  "discovery",
  "sync",
  "cmg",
  "clients",
  "admin",
  "schedule",
  "entra",
] as const;
export type ConfigKeyName = (typeof CONFIG_KEYS)[number];

/**
 * The first Entra Connect Sync build the lab accepts. Builds below it stop synchronizing after
 * 30 September 2026, and from it on the MSI is published only in the Microsoft Entra admin center
 * (Learn, "Harden update ... Entra Connect Sync"; entra-docs reference-connect-version-history.md).
 * scripts/vm/entra-connect-install.ps1 reads the MSI's ProductVersion and refuses anything older.
 */
export const ENTRA_CONNECT_MIN_VERSION = "2.5.79.0";

/** Where a person downloads the Entra Connect Sync MSI (no URL the lab could fetch itself). */
export const ENTRA_CONNECT_MSI_SOURCE = "the Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)";

/** Defaults applied when a key or field is absent. */
export const CONFIG_DEFAULTS = {
  location: "westeurope",
  domain: {
    ous: ["Workstations", "Servers", "LabUsers"],
    workstationsOu: "Workstations",
    serversOu: "Servers",
    usersOu: "LabUsers",
    dcVmSize: "Standard_B2ms",
    demoUsers: DEMO_USERS_DEFAULT,
  },
  site: { enhancedHttp: true, vmSize: "Standard_D4s_v5", sqlEdition: "developer" },
  discovery: { activeDirectoryUsers: true, azureAdUsers: true },
  sync: { ous: ["Workstations", "LabUsers"], configuration: "scripted", vmSize: "Standard_B2ms" },
  cmg: { vmSize: "Standard_B2s", instances: 1, certificate: "lab-ca" },
  clients: [{ name: "win11-01", os: "windows-11", network: "internet" }],
  client: { network: "internet", pki: false, vmSize: "Standard_B2ms" },
  admin: { username: "labadmin", allowedSourceCidrs: [], bastion: "basic" },
  schedule: { autoShutdown: "19:00", timeZone: "UTC" },
  entra: { secretDays: 30, cmgRole: "owner" },
} as const;

const MAX_CLIENTS = 50;

/**
 * Parses and validates the stack config. Pure apart from the optional PFX existence check.
 * Never throws for bad config: problems come back in `issues`.
 */
export function parseLabConfig(raw: RawStackConfig, options: ParseOptions = {}): ParseResult {
  if (options.today !== undefined && !isIsoDate(options.today)) {
    throw new Error(`parseLabConfig: options.today must be a YYYY-MM-DD date, got ${JSON.stringify(options.today)}`);
  }
  const ctx = new Ctx(raw);
  const v = ctx.topLevel();

  const prefix = parsePrefix(ctx, v.prefix);
  const location = parseLocation(ctx, v.location);
  const domain = parseDomain(ctx, v.domain);
  const tenant = parseTenant(ctx, v.tenant);
  const site = parseSite(ctx, v.site);
  const discovery = parseDiscovery(ctx, v.discovery);
  const clients = parseClients(ctx, v.clients);
  const sync = parseSync(ctx, v.sync, domain, clients, options);
  const cmg = parseCmg(ctx, v.cmg, options);
  const admin = parseAdmin(ctx, v.admin, domain);
  const schedule = parseSchedule(ctx, v.schedule, options);
  const entra = parseEntra(ctx, v.entra, schedule, options);
  checkComputerNames(ctx, domain, clients);
  checkDerivedNames(ctx, prefix, clients);
  const cmgArgs = { rawCmg: v.cmg, cmg, location, expiresOn: schedule?.expiresOn, checkPfx: options.checkPfx === true };
  for (const i of cmgConfigIssues({ ...cmgArgs, ...(options.today ? { today: options.today } : {}), ...(options.projectDir ? { projectDir: options.projectDir } : {}) })) {
    if (i.severity === "error") ctx.error(i.path, i.value, i.problem, i.fix);
    else ctx.warn(i.path, i.value, i.problem, i.fix);
  }

  // The missing MSI leads the warnings: in the offline plan of the default lab it is the first
  // thing to fix (as an error, for pulumi up, it keeps its place among the errors).
  const leads = (i: ConfigIssue): boolean => i.severity === "warning" && i.key === ctx.key(MSI_MISSING_KEY);
  const issues = [...ctx.issues.filter(leads), ...ctx.issues.filter((i) => !leads(i))];
  if (issues.some((i) => i.severity === "error")) return { config: undefined, issues };
  const config: LabConfig = {
    stack: raw.stack,
    prefix: must(prefix),
    location: must(location),
    domain: must(domain?.config),
    tenant: must(tenant),
    site: must(site),
    discovery: must(discovery),
    sync: must(sync),
    cmg: must(cmg),
    clients: must(clients),
    admin: must(admin),
    schedule: must(schedule),
    entra: must(entra),
  };
  return { config: deepFreeze(config), issues };
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
  return ordered
    .map((i) => `${i.severity}: ${i.key} = ${i.value}: ${sentence(i.problem)} Fix: ${sentence(i.fix)}`)
    .join("\n\n");
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("internal: a config part is missing although no error was reported");
  return value;
}

// --- collection -----------------------------------------------------------------------------

type Fields = Readonly<Record<string, unknown>>;

/** Paths that may be shown even when their top-level key is secret. */
const PLAIN_FIELDS_OF_SECRET_KEYS: ReadonlySet<string> = new Set([
  "cmg.name",
  "cmg.vmSize",
  "cmg.instances",
  "cmg.certificate.pfxFile",
  // `sync` is secret as a whole when its msiUrl (a SAS URL) is.
  "sync.ous",
  "sync.configuration",
  "sync.vmSize",
  "sync.msiFile",
]);

/** Collects issues and knows the namespace, the stack and which keys the engine decrypted. */
class Ctx {
  readonly issues: ConfigIssue[] = [];
  readonly ns: string;
  readonly stack: string;
  private readonly raw: RawStackConfig;
  private readonly secretTop: ReadonlySet<string>;

  constructor(raw: RawStackConfig) {
    this.raw = raw;
    this.ns = raw.project;
    this.stack = raw.stack;
    const prefix = `${raw.project}:`;
    this.secretTop = new Set((raw.secretKeys ?? []).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
  }

  key(p: string): string {
    return `${this.ns}:${p}`;
  }

  /** The file a user edits, for fixes. */
  get file(): string {
    return `Pulumi.${this.stack}.yaml`;
  }

  /** True when the engine decrypted this top-level key: its values must not be shown. */
  isEngineSecret(top: string): boolean {
    return this.secretTop.has(top);
  }

  error(p: string, value: unknown, problem: string, fix: string, opts: { masked?: boolean } = {}): void {
    this.add("error", p, value, problem, fix, opts);
  }

  warn(p: string, value: unknown, problem: string, fix: string, opts: { masked?: boolean } = {}): void {
    this.add("warning", p, value, problem, fix, opts);
  }

  private add(severity: ConfigIssue["severity"], p: string, value: unknown, problem: string, fix: string, opts: { masked?: boolean }): void {
    const top = p.split(/[.[]/)[0] ?? p;
    // Under a key the engine decrypted, any value may be the secret, except the known plain
    // fields of `cmg` (which is secret as a whole when its certificate password is).
    const masked = opts.masked === true || (this.isEngineSecret(top) && !PLAIN_FIELDS_OF_SECRET_KEYS.has(p));
    this.issues.push(Object.freeze({ key: this.key(p), value: masked ? "[secret]" : renderValue(value), problem, fix, severity }));
  }

  /** The project's keys by short name; unknown keys and near-miss namespaces reported. */
  topLevel(): Partial<Record<ConfigKeyName, unknown>> {
    const out: Partial<Record<ConfigKeyName, unknown>> = {};
    const known: readonly string[] = CONFIG_KEYS;
    for (const [fullKey, value] of Object.entries(this.raw.values)) {
      const colon = fullKey.indexOf(":");
      if (colon < 0) continue;
      const namespace = fullKey.slice(0, colon);
      const name = fullKey.slice(colon + 1);
      if (namespace !== this.ns) {
        if (closest(namespace, [this.ns]) !== undefined) {
          this.issues.push(
            Object.freeze({
              key: fullKey,
              value: this.isEngineSecret(name) ? "[secret]" : renderValue(value),
              problem: `the namespace ${namespace} is not this project's (${this.ns}), so this key is ignored`,
              fix: `rename it to ${this.ns}:${name} in ${this.file}`,
              severity: "warning" as const,
            }),
          );
        }
        continue;
      }
      if ((known as readonly string[]).includes(name)) {
        out[name as ConfigKeyName] = value;
        continue;
      }
      const head = name.split(/[.[]/)[0] ?? name;
      if (head !== name && known.includes(head)) {
        this.error(name, value, `${fullKey} is a path, but stack config keys are whole objects`, `write it nested under ${this.ns}:${head} in ${this.file}, or set it with pulumi config set --path '${fullKey}' <value>`, {
          masked: this.isEngineSecret(name),
        });
        continue;
      }
      const guess = closest(name, known);
      this.error(
        name,
        value,
        `${fullKey} is not a key this project reads`,
        guess !== undefined
          ? `did you mean ${this.ns}:${guess}? Rename the key in ${this.file}`
          : `remove it from ${this.file} (known keys: ${known.map((k) => `${this.ns}:${k}`).join(", ")})`,
        { masked: this.isEngineSecret(name) },
      );
    }
    return out;
  }
}

// --- generic readers --------------------------------------------------------------------------
// Each returns undefined when the value is absent or invalid; an invalid value is reported.

/**
 * An object with known fields. Absent (undefined or null) gives `{}`; anything else that is not an
 * object is reported and gives undefined. Unknown fields are reported with a suggestion.
 */
function readObject(ctx: Ctx, p: string, value: unknown, fields: readonly string[], example: string): Fields | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    ctx.error(p, value, `expected an object with the fields ${fields.join(", ")}, got ${describeType(value)}`, `write it as a YAML map in ${ctx.file}, e.g. ${ctx.key(p)}: ${example}`);
    return undefined;
  }
  const top = p.split(/[.[]/)[0] ?? p;
  for (const [field, fieldValue] of Object.entries(value)) {
    if (fields.includes(field)) continue;
    const guess = closest(field, fields);
    ctx.error(
      `${p}.${field}`,
      fieldValue,
      `${ctx.key(p)} has no field ${field}`,
      guess !== undefined ? `did you mean ${guess}? Rename the field` : `remove it (fields: ${fields.join(", ")})`,
      { masked: ctx.isEngineSecret(top) },
    );
  }
  return value;
}

function typeError(ctx: Ctx, p: string, value: unknown, expected: string, fix: string, masked = false): void {
  if (isSecretPlaceholder(value)) {
    ctx.error(p, value, `is encrypted (set with --secret), but it is not a secret and the lab needs its value to plan`, `set it in plain text: pulumi config set --path '${ctx.key(p)}' <value>`, { masked: true });
    return;
  }
  ctx.error(p, value, `expected ${expected}, got ${describeType(value)}`, fix, { masked });
}

function readString(ctx: Ctx, p: string, value: unknown, example: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  const quoted = typeof value === "number" || typeof value === "boolean";
  typeError(
    ctx,
    p,
    value,
    "text",
    quoted ? `quote it in ${ctx.file} so YAML keeps it as text: ${lastSegment(p)}: "${String(value)}"` : `set it to text, e.g. ${lastSegment(p)}: ${example}`,
  );
  return undefined;
}

function readBool(ctx: Ctx, p: string, value: unknown, def: boolean): boolean | undefined {
  if (value === undefined || value === null) return def;
  if (typeof value === "boolean") return value;
  typeError(ctx, p, value, "true or false", `write ${lastSegment(p)}: ${String(def)} (true or false, without quotes)`);
  return undefined;
}

function readStringList(ctx: Ctx, p: string, value: unknown, def: readonly string[], example: string): string[] | undefined {
  if (value === undefined || value === null) return [...def];
  if (!Array.isArray(value)) {
    typeError(ctx, p, value, "a list", `write it as a YAML list, e.g. ${lastSegment(p)}: ${example}`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  value.forEach((item: unknown, i) => {
    if (typeof item === "string") out.push(item);
    else {
      ok = false;
      typeError(ctx, `${p}[${i}]`, item, "text", `make every item of ${ctx.key(p)} a name, e.g. ${example}`);
    }
  });
  return ok ? out : undefined;
}

function readEnum<T extends string>(ctx: Ctx, p: string, value: unknown, allowed: readonly T[], def: T): T | undefined {
  if (value === undefined || value === null) return def;
  const text = readString(ctx, p, value, def);
  if (text === undefined) return undefined;
  const match = allowed.find((a) => a === text) ?? allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (match !== undefined && match === text) return match;
  ctx.error(
    p,
    value,
    `must be one of ${allowed.join(", ")}`,
    match !== undefined ? `write ${match}` : `use one of ${allowed.join(", ")} (default ${def})`,
  );
  return undefined;
}

function lastSegment(p: string): string {
  const parts = p.split(".");
  return (parts[parts.length - 1] ?? p).replace(/\[\d+\]$/, "");
}

/** A VM size: `Standard_*`, at least the role's minimum when the size is known; unknown sizes warn. */
function readVmSize(ctx: Ctx, p: string, value: unknown, def: string, role: VmRole): string | undefined {
  const text = value === undefined || value === null ? def : readString(ctx, p, value, def);
  if (text === undefined) return undefined;
  if (!/^standard_[a-z0-9_]+$/i.test(text)) {
    ctx.error(p, value, `is not an Azure VM size name (they look like Standard_D4s_v5)`, `use a size such as ${def}`);
    return undefined;
  }
  const canonical = Object.keys(VM_SIZES).find((k) => k.toLowerCase() === text.toLowerCase());
  const min = VM_MINIMUMS[role];
  if (canonical === undefined) {
    ctx.warn(
      p,
      text,
      `is not in this project's table of VM sizes, so it cannot be checked against the ${min.label}'s minimum of ${min.vcpus} vCPU and ${min.memoryGiB} GB`,
      `make sure it has at least ${min.vcpus} vCPU and ${min.memoryGiB} GB and is offered in the lab's region, or use ${def}`,
    );
    return text;
  }
  const spec = VM_SIZES[canonical];
  if (spec !== undefined && (spec.vcpus < min.vcpus || spec.memoryGiB < min.memoryGiB)) {
    ctx.error(
      p,
      text,
      `${canonical} has ${spec.vcpus} vCPU and ${spec.memoryGiB} GB, below the ${min.label}'s minimum of ${min.vcpus} vCPU and ${min.memoryGiB} GB (${min.why})`,
      `use ${def} or a larger size`,
    );
    return undefined;
  }
  return canonical;
}

// --- prefix and location ----------------------------------------------------------------------

function parsePrefix(ctx: Ctx, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    ctx.error("prefix", value, "is required: it prefixes every resource name of the lab", `pulumi config set ${ctx.key("prefix")} cmglab`);
    return undefined;
  }
  const text = readString(ctx, "prefix", value, "cmglab");
  if (text === undefined) return undefined;
  if (/^[a-z][a-z0-9]{2,7}$/.test(text)) return text;
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]/g, "").replace(/^[0-9]+/, "").slice(0, 8);
  const suggestion = /^[a-z][a-z0-9]{2,7}$/.test(cleaned) ? cleaned : "cmglab";
  ctx.error(
    "prefix",
    text,
    "must be 3-8 lowercase letters or digits starting with a letter (it prefixes names with tight rules, such as storage accounts: lowercase letters and digits only)",
    `pulumi config set ${ctx.key("prefix")} ${suggestion}`,
  );
  return undefined;
}

function parseLocation(ctx: Ctx, value: unknown): string | undefined {
  const text = value === undefined || value === null ? CONFIG_DEFAULTS.location : readString(ctx, "location", value, "westeurope");
  if (text === undefined) return undefined;
  if (AZURE_REGIONS.includes(text)) return text;
  const normalized = text.toLowerCase().replace(/[\s_-]+/g, "");
  const suggestion = AZURE_REGIONS.includes(normalized) ? normalized : closest(normalized, AZURE_REGIONS);
  ctx.error(
    "location",
    text,
    AZURE_REGIONS.includes(normalized)
      ? "is a region's display name; Azure wants the programmatic name (lowercase letters and digits)"
      : "is not a public Azure region this project knows",
    suggestion !== undefined
      ? `pulumi config set ${ctx.key("location")} ${suggestion}`
      : `use a region name such as ${SUGGESTED_REGIONS.join(", ")} (az account list-locations -o table lists them); a region opened since this list was written goes into AZURE_REGIONS in stacks/config/config-data.ts`,
  );
  return undefined;
}

// --- domain -----------------------------------------------------------------------------------

interface ParsedDomain {
  /** Undefined when any part is invalid. */
  readonly config: DomainConfig | undefined;
  /** The valid OU names (for cross checks), or undefined. */
  readonly ous: readonly string[] | undefined;
  readonly workstationsOu: string | undefined;
  readonly usersOu: string | undefined;
  readonly netbiosName: string | undefined;
}

const DOMAIN_FIELDS = ["fqdn", "netbiosName", "ous", "workstationsOu", "serversOu", "usersOu", "dcVmSize", "demoUsers"] as const;

function parseDomain(ctx: Ctx, value: unknown): ParsedDomain | undefined {
  const example = "{ fqdn: corp.cmglab.example, netbiosName: CORP }";
  if (value === undefined || value === null) {
    ctx.error("domain", value, "is required: it describes the lab's AD forest", `add to ${ctx.file}: ${ctx.key("domain")}: ${example}`);
    return undefined;
  }
  const o = readObject(ctx, "domain", value, DOMAIN_FIELDS, example);
  if (o === undefined) return undefined;
  const fqdn = parseFqdn(ctx, o.fqdn);
  const netbiosName = parseNetbios(ctx, o.netbiosName);
  const ous = parseOus(ctx, o.ous);
  const pick = (field: "workstationsOu" | "serversOu" | "usersOu", role: string): string | undefined => {
    const p = `domain.${field}`;
    const def = CONFIG_DEFAULTS.domain[field];
    const text = o[field] === undefined || o[field] === null ? def : readString(ctx, p, o[field], def);
    if (text === undefined || ous === undefined) return undefined;
    const found = ous.find((ou) => ou.toLowerCase() === text.toLowerCase());
    if (found === undefined) {
      ctx.error(p, text, `the ${role} OU must be one of ${ctx.key("domain.ous")} = ${renderValue(ous)}`, `add ${text} to ${ctx.key("domain.ous")}, or set ${field} to one of ${ous.join(", ")}`);
    }
    return found;
  };
  const workstationsOu = pick("workstationsOu", "workstations (clients are joined into it)");
  const serversOu = pick("serversOu", "servers (member servers are joined into it)");
  const usersOu = pick("usersOu", "users (demo users, target of AD user discovery)");
  const dcVmSize = readVmSize(ctx, "domain.dcVmSize", o.dcVmSize, CONFIG_DEFAULTS.domain.dcVmSize, "dc");
  const demoUsers = parseDemoUsers(ctx, o.demoUsers);
  const config =
    fqdn !== undefined && netbiosName !== undefined && ous !== undefined && workstationsOu !== undefined && serversOu !== undefined && usersOu !== undefined && dcVmSize !== undefined && demoUsers !== undefined
      ? { fqdn, netbiosName, ous, workstationsOu, serversOu, usersOu, dcVmSize, demoUsers }
      : undefined;
  return { config, ous, workstationsOu, usersOu, netbiosName };
}

/** `domain.demoUsers`: how many demo users the ad-ous step creates; user discovery and sign-in need at least one. */
function parseDemoUsers(ctx: Ctx, value: unknown): number | undefined {
  const p = "domain.demoUsers";
  if (value === undefined || value === null) return CONFIG_DEFAULTS.domain.demoUsers;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    typeError(ctx, p, value, "a whole number", `write demoUsers: ${DEMO_USERS_DEFAULT} (a number, without quotes)`);
    return undefined;
  }
  if (value < 1 || value > DEMO_USERS_MAX) {
    ctx.error(
      p,
      value,
      `the lab creates 1 to ${DEMO_USERS_MAX} demo users; with none, AD and Azure AD user discovery find nobody and no one can sign in through the CMG`,
      `use ${DEMO_USERS_DEFAULT} (the default), or at most ${DEMO_USERS_MAX}`,
    );
    return undefined;
  }
  return value;
}

function dnsNameProblems(name: string): string[] {
  const problems: string[] = [];
  for (const label of name.split(".")) {
    const problem = dnsLabelProblem(label);
    if (problem !== null) problems.push(label === "" ? "it has an empty label (two dots in a row, or a dot at an end)" : `label "${label}": ${problem}`);
  }
  const tld = name.split(".").pop() ?? "";
  if (/^[0-9]+$/.test(tld)) problems.push(`the top-level label "${tld}" is all digits, which DNS does not allow`);
  return problems;
}

function parseFqdn(ctx: Ctx, value: unknown): string | undefined {
  const p = "domain.fqdn";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required: the DNS name of the lab's AD forest root", `pulumi config set --path '${ctx.key(p)}' corp.cmglab.example`);
    return undefined;
  }
  const text = readString(ctx, p, value, "corp.cmglab.example");
  if (text === undefined) return undefined;
  const fqdn = text.toLowerCase();
  if (!fqdn.includes(".")) {
    ctx.error(p, text, "is a single-label domain name; new forests need at least two labels (single-label domains break DNS registration, Entra Connect and hybrid join)", `use a name like ${fqdn || "corp"}.cmglab.example`);
    return undefined;
  }
  const problems = dnsNameProblems(fqdn);
  if (fqdn.length > 64) problems.push(`it is ${fqdn.length} characters; an AD domain's DNS name is limited to 64`);
  if (problems.length > 0) {
    ctx.error(p, text, `is not a valid AD domain name: ${problems.join("; ")}`, "use letters, digits and hyphens in dot-separated labels, e.g. corp.cmglab.example");
    return undefined;
  }
  const tld = fqdn.split(".").pop() ?? "";
  if (fqdn.endsWith(".home.arpa") || PRIVATE_TLDS.has(tld)) return fqdn;
  if (tld === "local") {
    ctx.warn(p, text, "ends in .local, which multicast DNS (Bonjour, Avahi) owns; name resolution becomes unreliable on clients that use mDNS", "use a reserved name such as corp.cmglab.example or corp.cmglab.internal");
  } else {
    ctx.warn(
      p,
      text,
      `.${tld} is a public top-level domain; unless you own this name the lab's DNS shadows the real one, and nothing in the lab needs a routable name (users get the tenant's UPN suffix)`,
      "use a reserved name such as corp.cmglab.example, corp.cmglab.test or corp.cmglab.internal",
    );
  }
  return fqdn;
}

function parseNetbios(ctx: Ctx, value: unknown): string | undefined {
  const p = "domain.netbiosName";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required: the NetBIOS (pre-Windows 2000) name of the domain", `pulumi config set --path '${ctx.key(p)}' CORP`);
    return undefined;
  }
  const text = readString(ctx, p, value, "CORP");
  if (text === undefined) return undefined;
  const problem = computerNameProblem(text);
  if (problem !== null) {
    ctx.error(p, text, `is not a valid NetBIOS domain name: it ${problem} (and Entra Connect does not support dotted NetBIOS names)`, "use 1-15 letters, digits or hyphens, e.g. CORP");
    return undefined;
  }
  const upper = text.toUpperCase();
  if (RESERVED_NETBIOS_NAMES.has(upper)) {
    ctx.error(p, text, `${upper} is a reserved word in AD (the name of a well-known security principal or group)`, "choose another name, e.g. CORP or LAB");
    return undefined;
  }
  return upper;
}

function ouProblem(name: string): string | null {
  if (name.length < 1 || name.length > 64) return "must be 1-64 characters";
  if (name !== name.trim()) return "cannot start or end with a space";
  const bad = [...name].filter((ch) => OU_FORBIDDEN_CHARS.includes(ch));
  if (bad.length > 0) return `contains ${[...new Set(bad)].map((ch) => `"${ch}"`).join(" ")}, which AD does not accept unescaped in an OU name`;
  return null;
}

function parseOus(ctx: Ctx, value: unknown): string[] | undefined {
  const p = "domain.ous";
  const list = readStringList(ctx, p, value, CONFIG_DEFAULTS.domain.ous, "[Workstations, Servers, LabUsers]");
  if (list === undefined) return undefined;
  let ok = true;
  if (list.length === 0) {
    ctx.error(p, list, "is empty; the lab needs at least an OU for workstations, one for servers and one for users", "remove the key to get [Workstations, Servers, LabUsers], or list your OUs");
    return undefined;
  }
  const seen = new Map<string, number>();
  list.forEach((ou, i) => {
    const problem = ouProblem(ou);
    if (problem !== null) {
      ok = false;
      ctx.error(`${p}[${i}]`, ou, `is not a valid OU name: it ${problem}`, "use letters, digits, spaces inside the name, hyphens or underscores");
      return;
    }
    const first = seen.get(ou.toLowerCase());
    if (first !== undefined) {
      ok = false;
      ctx.error(`${p}[${i}]`, ou, `repeats ${p}[${first}] (OU names are case-insensitive in AD)`, "list each OU once");
      return;
    }
    seen.set(ou.toLowerCase(), i);
  });
  return ok ? list : undefined;
}

// --- tenant and site --------------------------------------------------------------------------

function parseTenant(ctx: Ctx, value: unknown): TenantConfig | undefined {
  const example = "{ domain: contoso.onmicrosoft.com }";
  if (value === undefined || value === null) {
    ctx.error("tenant", value, "is required: the Entra tenant the lab's users and devices sync to", `add to ${ctx.file}: ${ctx.key("tenant")}: ${example}`);
    return undefined;
  }
  const o = readObject(ctx, "tenant", value, ["domain"], example);
  if (o === undefined) return undefined;
  const p = "tenant.domain";
  if (o.domain === undefined || o.domain === null) {
    ctx.error(p, o.domain, "is required: written as azureADName into the hybrid-join SCP and used as the demo users' UPN suffix", `pulumi config set --path '${ctx.key(p)}' contoso.onmicrosoft.com (your tenant's initial or a verified domain)`);
    return undefined;
  }
  const text = readString(ctx, p, o.domain, "contoso.onmicrosoft.com");
  if (text === undefined) return undefined;
  const domain = text.toLowerCase();
  const problems = domain.includes(".") ? dnsNameProblems(domain) : ["it has a single label; a tenant domain looks like contoso.onmicrosoft.com"];
  if (domain.length > 253) problems.push("it is longer than 253 characters");
  if (problems.length > 0) {
    ctx.error(p, text, `is not a valid domain name: ${problems.join("; ")}`, "use the tenant's initial domain (<name>.onmicrosoft.com) or a verified custom domain");
    return undefined;
  }
  return { domain };
}

const SITE_FIELDS = ["siteCode", "enhancedHttp", "vmSize", "sqlEdition", "media"] as const;

function parseSite(ctx: Ctx, value: unknown): SiteConfig | undefined {
  const example = "{ siteCode: PS1, enhancedHttp: true }";
  if (value === undefined || value === null) {
    ctx.error("site", value, "is required: it names the ConfigMgr primary site", `add to ${ctx.file}: ${ctx.key("site")}: ${example}`);
    return undefined;
  }
  const o = readObject(ctx, "site", value, SITE_FIELDS, example);
  if (o === undefined) return undefined;
  const siteCode = parseSiteCode(ctx, o.siteCode);
  const enhancedHttp = readBool(ctx, "site.enhancedHttp", o.enhancedHttp, CONFIG_DEFAULTS.site.enhancedHttp);
  if (enhancedHttp === false) {
    ctx.error(
      "site.enhancedHttp",
      false,
      "the lab's CMG uses Entra ID authentication without client PKI certificates, which needs Enhanced HTTP; without it clients through the CMG fail with CCM_E_NO_CLIENT_PKI_CERT and the CMG connection point needs a client certificate",
      `set ${ctx.key("site.enhancedHttp")} to true (or remove it: true is the default)`,
    );
  }
  const vmSize = readVmSize(ctx, "site.vmSize", o.vmSize, CONFIG_DEFAULTS.site.vmSize, "siteServer");
  const sqlEdition = parseSqlEdition(ctx, o.sqlEdition);
  const media = parseSiteMedia(ctx, o.media, sqlEdition);
  return siteCode !== undefined && enhancedHttp === true && vmSize !== undefined && sqlEdition !== undefined && media !== undefined
    ? { siteCode, enhancedHttp, vmSize, sqlEdition, media }
    : undefined;
}

/**
 * ConfigMgr supports SQL Server Standard and Enterprise for a primary site's database, Express only
 * for a secondary site ("Supported SQL Server versions",
 * https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions).
 * The lab installs one of the two free editions that carry the Enterprise feature set: Evaluation
 * (Enterprise, 180 days) or Developer (Enterprise features, licensed for non-production use). Developer
 * installs (setup's prerequisite check blocks only Express) but is not on the support list, which
 * names Standard and Enterprise: fine for a lab, not a supported configuration.
 */
const SQL_EDITIONS: readonly SqlEdition[] = ["developer", "evaluation"];
const REFUSED_SQL_EDITIONS: Readonly<Record<string, string>> = {
  express: "SQL Server Express hosts only a secondary site's database; a primary site needs a full SQL Server (Supported SQL Server versions)",
  web: "SQL Server Web is not a supported edition for a ConfigMgr site database (Supported SQL Server versions lists Standard and Enterprise)",
  standard: "Standard needs your own licence and product key, which this lab does not take",
  enterprise: "Enterprise needs your own licence and product key, which this lab does not take",
};

function parseSqlEdition(ctx: Ctx, value: unknown): SqlEdition | undefined {
  const p = "site.sqlEdition";
  const def = CONFIG_DEFAULTS.site.sqlEdition;
  const text = value === undefined || value === null ? def : readString(ctx, p, value, def);
  if (text === undefined) return undefined;
  const refused = REFUSED_SQL_EDITIONS[text.toLowerCase()];
  if (refused !== undefined) {
    ctx.error(p, text, refused, `use ${SQL_EDITIONS.join(" or ")} (default ${def}): both carry the Enterprise feature set and are free for a lab (developer installs but is not on ConfigMgr's support list, which names Standard and Enterprise)`);
    return undefined;
  }
  return readEnum(ctx, p, text, SQL_EDITIONS, def);
}

const SITE_MEDIA_FIELDS = ["sqlUrl", "adkUrl", "winpeUrl", "configMgrUrl"] as const;

function parseSiteMedia(ctx: Ctx, value: unknown, sqlEdition: SqlEdition | undefined): SiteMediaConfig | undefined {
  const defaults = defaultSiteMedia(sqlEdition ?? CONFIG_DEFAULTS.site.sqlEdition);
  const o = readObject(ctx, "site.media", value, SITE_MEDIA_FIELDS, "{ configMgrUrl: https://... }");
  if (o === undefined) return undefined;
  const out: Partial<Record<(typeof SITE_MEDIA_FIELDS)[number], string>> = {};
  let ok = true;
  for (const field of SITE_MEDIA_FIELDS) {
    const p = `site.media.${field}`;
    const raw = o[field];
    const text = raw === undefined || raw === null ? defaults[field] : readString(ctx, p, raw, defaults[field]);
    if (text === undefined) {
      ok = false;
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || url.protocol !== "https:" || /\s/.test(text)) {
      ctx.error(p, text, "is not an https URL; the site server downloads the medium from it", `use an https URL, or remove it for the default ${defaults[field]}`);
      ok = false;
      continue;
    }
    out[field] = text;
  }
  const { sqlUrl, adkUrl, winpeUrl, configMgrUrl } = out;
  return ok && sqlUrl !== undefined && adkUrl !== undefined && winpeUrl !== undefined && configMgrUrl !== undefined
    ? { sqlUrl, adkUrl, winpeUrl, configMgrUrl }
    : undefined;
}

function parseSiteCode(ctx: Ctx, value: unknown): string | undefined {
  const p = "site.siteCode";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required: the three-character ConfigMgr site code", `pulumi config set --path '${ctx.key(p)}' PS1`);
    return undefined;
  }
  const text = readString(ctx, p, value, "PS1");
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9]{3}$/.test(text)) {
    ctx.error(p, text, "a site code is exactly three characters, letters A-Z and digits 0-9 (ConfigMgr setup refuses anything else)", "use a code such as PS1");
    return undefined;
  }
  const code = text.toUpperCase();
  if (RESERVED_SITE_CODES.has(code)) {
    ctx.error(p, text, `${code} is reserved: ConfigMgr uses the site code as a folder name, and ${code} is a Windows device name or SMS's own name (KB 279868)`, "use another code, e.g. PS1");
    return undefined;
  }
  return code;
}

// --- discovery and sync -----------------------------------------------------------------------

function parseDiscovery(ctx: Ctx, value: unknown): DiscoveryConfig | undefined {
  const o = readObject(ctx, "discovery", value, ["activeDirectoryUsers", "azureAdUsers"], "{ activeDirectoryUsers: true, azureAdUsers: true }");
  if (o === undefined) return undefined;
  const activeDirectoryUsers = readBool(ctx, "discovery.activeDirectoryUsers", o.activeDirectoryUsers, true);
  const azureAdUsers = readBool(ctx, "discovery.azureAdUsers", o.azureAdUsers, true);
  if (azureAdUsers === false) {
    ctx.error(
      "discovery.azureAdUsers",
      false,
      "the CMG demo authenticates users with Entra ID tokens; without Azure AD user discovery ConfigMgr never learns the users' Entra object ids and CCM_STS.log says the AAD user \"is not completely discovered\"",
      `set ${ctx.key("discovery.azureAdUsers")} to true (or remove it: true is the default)`,
    );
  }
  if (activeDirectoryUsers === false) {
    ctx.error(
      "discovery.activeDirectoryUsers",
      false,
      `a user is only "completely discovered" when both Active Directory user discovery and Azure AD user discovery found it; with AD user discovery off, CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails with CMGConnector_Un-authorizedrequest`,
      `set ${ctx.key("discovery.activeDirectoryUsers")} to true (or remove it: true is the default)`,
    );
  }
  return activeDirectoryUsers === true && azureAdUsers === true ? { activeDirectoryUsers, azureAdUsers } : undefined;
}

function parseSync(
  ctx: Ctx,
  value: unknown,
  domain: ParsedDomain | undefined,
  clients: readonly ClientConfig[] | undefined,
  options: ParseOptions,
): SyncConfig | undefined {
  const o = readObject(ctx, "sync", value, ["ous", "configuration", "vmSize", "msiFile", "msiUrl", REMOVED_DOWNLOAD_URL], "{ ous: [Workstations, LabUsers], msiFile: media/AzureADConnect.msi }");
  if (o === undefined) return undefined;
  const p = "sync.ous";
  const list = readStringList(ctx, p, o.ous, CONFIG_DEFAULTS.sync.ous, "[Workstations, LabUsers]");
  let ous: string[] | undefined;
  const domainOus = domain?.ous;
  if (list !== undefined && domainOus !== undefined) {
    ous = [];
    const seen = new Set<string>();
    list.forEach((name, i) => {
      const found = domainOus.find((ou) => ou.toLowerCase() === name.toLowerCase());
      if (found === undefined) {
        ctx.error(`${p}[${i}]`, name, `is not one of the lab's OUs (${ctx.key("domain.ous")} = ${renderValue(domainOus)}), so there is nothing to sync`, `use one of ${domainOus.join(", ")}, or add ${name} to ${ctx.key("domain.ous")}`);
        ous = undefined;
        return;
      }
      if (seen.has(found.toLowerCase())) {
        ctx.error(`${p}[${i}]`, name, "is listed twice", "list each OU once");
        ous = undefined;
        return;
      }
      seen.add(found.toLowerCase());
      ous?.push(found);
    });
  }
  if (ous !== undefined && domain !== undefined) {
    const scope: readonly string[] = ous;
    const has = (ou: string): boolean => scope.some((s) => s.toLowerCase() === ou.toLowerCase());
    const w = domain.workstationsOu;
    if (w !== undefined && clients !== undefined && clients.length > 0 && !has(w)) {
      ctx.error(
        p,
        list,
        `the ${w} OU, where clients are joined, is not in the Entra Connect sync scope, so devices never reach Entra ID and hybrid join fails ("The device object by the given ID is not found", dsregcmd shows AzureAdJoined : NO)`,
        `add ${w} to ${ctx.key(p)}`,
      );
      ous = undefined;
    }
    const u = domain.usersOu;
    if (u !== undefined && !has(u)) {
      ctx.error(
        p,
        list,
        `the ${u} OU, which holds the demo users, is not in the Entra Connect sync scope, so the users never reach Entra ID, Azure AD user discovery cannot find them and the CMG token request fails (the AAD user "is not completely discovered")`,
        `add ${u} to ${ctx.key(p)}`,
      );
      ous = undefined;
    }
  }
  const configuration = readEnum<EntraConnectConfigMode>(ctx, "sync.configuration", o.configuration, ["scripted", "wizard"], "scripted");
  const vmSize = readVmSize(ctx, "sync.vmSize", o.vmSize, CONFIG_DEFAULTS.sync.vmSize, "entraConnect");
  if (configuration === "wizard") {
    ctx.warn(
      "sync.configuration",
      configuration,
      "the lab then only verifies the sync scope and never writes it: the OUs you pick on the wizard's Domain and OU filtering page must be exactly the sync OUs, or the sync-scope step fails.",
      `pick exactly the OUs of ${ctx.key("sync.ous")} in the Entra Connect wizard; or remove ${ctx.key("sync.configuration")} (default scripted: the lab writes the scope itself after the wizard)`,
    );
  }
  const msi = parseSyncMsi(ctx, o, options);
  return ous !== undefined && configuration !== undefined && vmSize !== undefined && msi !== undefined
    ? { ous, configuration, vmSize, msi }
    : undefined;
}

/** The removed key: it defaulted to the Download Center file, which can only be an old build. */
const REMOVED_DOWNLOAD_URL = "downloadUrl";
/** The key the missing-MSI issue names (the way most users will take). */
const MSI_MISSING_KEY = "sync.msiFile";

/**
 * The Entra Connect Sync MSI: `msiFile` (a file in the project, uploaded to a private blob) or
 * `msiUrl` (an https URL the user hosts), exactly one. Neither: an error for pulumi up, the first
 * warning of the offline plan (`options.offlinePlan`).
 */
function parseSyncMsi(ctx: Ctx, o: Fields, options: ParseOptions): SyncConfig["msi"] | undefined {
  const howToGet = `download AzureADConnect.msi (${ENTRA_CONNECT_MIN_VERSION} or later) from ${ENTRA_CONNECT_MSI_SOURCE}, put it in the project directory (keep it out of git) and set ${ctx.key("sync.msiFile")} to its relative path: pulumi config set --path '${ctx.key("sync.msiFile")}' media/AzureADConnect.msi (or set ${ctx.key("sync.msiUrl")} to an https URL you host)`;
  if (o[REMOVED_DOWNLOAD_URL] !== undefined && o[REMOVED_DOWNLOAD_URL] !== null) {
    ctx.error(
      `sync.${REMOVED_DOWNLOAD_URL}`,
      ctx.isEngineSecret("sync") ? SECRET_PLACEHOLDER : o[REMOVED_DOWNLOAD_URL],
      `was removed: it defaulted to the Microsoft Download Center file, which can only be an Entra Connect Sync build older than ${ENTRA_CONNECT_MIN_VERSION} (those stop synchronizing after 30 September 2026)`,
      `rename it to ${ctx.key("sync.msiUrl")} if it points at a current MSI you host; otherwise ${howToGet}`,
      { masked: true },
    );
    return undefined;
  }
  const hasFile = o.msiFile !== undefined && o.msiFile !== null;
  const hasUrl = o.msiUrl !== undefined && o.msiUrl !== null;
  if (hasFile && hasUrl) {
    ctx.error("sync.msiUrl", "[set]", `is set together with ${ctx.key("sync.msiFile")}; the lab takes the MSI from one place`, `remove one of them`, { masked: true });
    return undefined;
  }
  if (hasFile) {
    const file = parseMsiFile(ctx, o.msiFile, options);
    return file === undefined ? undefined : { kind: "file", file };
  }
  if (hasUrl) return parseMsiUrl(ctx, o.msiUrl);
  const problem = `no Entra Connect Sync MSI is configured, and the lab cannot download one: builds ${ENTRA_CONNECT_MIN_VERSION} and later are published only in the Microsoft Entra admin center, and older builds stop synchronizing after 30 September 2026. pulumi up refuses to start without it`;
  if (options.offlinePlan === true) ctx.warn(MSI_MISSING_KEY, undefined, problem, howToGet);
  else ctx.error(MSI_MISSING_KEY, undefined, problem, howToGet);
  return { kind: "none" };
}

/** `sync.msiFile`: a Windows Installer package inside the project, by relative path (as `cmg.certificate.pfxFile`). */
function parseMsiFile(ctx: Ctx, value: unknown, options: ParseOptions): string | undefined {
  const p = "sync.msiFile";
  const text = readString(ctx, p, value, "media/AzureADConnect.msi");
  if (text === undefined) return undefined;
  if (text === "" || path.isAbsolute(text) || path.win32.isAbsolute(text)) {
    ctx.error(p, text, "must be a path relative to the project directory (the stack must build the same on any machine, and the upload's input is this path)", "copy the MSI into the project (outside git: add it to .gitignore) and use its relative path, e.g. media/AzureADConnect.msi");
    return undefined;
  }
  if (!/\.msi$/i.test(text)) {
    ctx.error(p, text, "is not an .msi file", `point it at the Entra Connect Sync MSI (AzureADConnect.msi) from ${ENTRA_CONNECT_MSI_SOURCE}`);
    return undefined;
  }
  const relative = text.split(path.win32.sep).join("/");
  if (options.projectDir !== undefined) {
    const full = path.resolve(options.projectDir, relative);
    let header: Buffer | undefined;
    try {
      const fd = fs.openSync(full, "r");
      try {
        header = Buffer.alloc(8);
        fs.readSync(fd, header, 0, 8, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      header = undefined;
    }
    if (header === undefined) {
      ctx.error(p, text, `no readable file at ${full}`, `put the MSI there, or correct the path (relative to the project directory); get it from ${ENTRA_CONNECT_MSI_SOURCE}`);
      return undefined;
    }
    // Windows Installer packages are OLE compound files: D0 CF 11 E0 A1 B1 1A E1. A saved sign-in
    // page or an HTML notice is caught here, before anything is uploaded.
    if (!header.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
      ctx.error(p, text, `${full} is not a Windows Installer package (no compound-file header)`, `download the MSI again from ${ENTRA_CONNECT_MSI_SOURCE}`);
      return undefined;
    }
  }
  return relative;
}

/**
 * `sync.msiUrl`: an https URL without user:password. A URL with a query string (a SAS token)
 * must be a secret; it then travels as a protected run-command parameter and is never printed.
 */
function parseMsiUrl(ctx: Ctx, value: unknown): SyncConfig["msi"] | undefined {
  const p = "sync.msiUrl";
  const setSecret = `pulumi config set --secret --path '${ctx.key(p)}' '<url>'`;
  if (isSecretPlaceholder(value)) return { kind: "url", url: pulumi.secret("[secret]"), secret: true };
  const secret = ctx.isEngineSecret("sync");
  const text = readString(ctx, p, value, "https://files.example.com/AzureADConnect.msi");
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const shown = secret ? SECRET_PLACEHOLDER : value;
  if (url === undefined || /\s/.test(text)) {
    ctx.error(p, shown, "is not a URL", `set it to the https URL of the Entra Connect Sync MSI you host, or use ${ctx.key("sync.msiFile")}`, { masked: secret });
    return undefined;
  }
  if (url.protocol !== "https:") {
    ctx.error(p, shown, `uses ${url.protocol.replace(":", "")}, so the installer could be altered on the way to SYNC01`, "use an https URL", { masked: secret });
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    ctx.error(p, "[secret]", "carries a user name or password, which would be sent to SYNC01 in the URL", `use a URL without user:password (a read-only SAS token in the query string works, set with ${setSecret}), or use ${ctx.key("sync.msiFile")}`, { masked: true });
    return undefined;
  }
  if (url.search !== "" && !secret) {
    ctx.error(p, "[secret]", `has a query string (a SAS token?) stored in plain text in ${ctx.file}`, `remove it from the file and ${setSecret}; or use ${ctx.key("sync.msiFile")} (no token at all: SYNC01 reads a private blob with its managed identity)`, { masked: true });
    return undefined;
  }
  return secret ? { kind: "url", url: pulumi.secret(text), secret: true } : { kind: "url", url: text, secret: false };
}

// --- cmg ----------------------------------------------------------------------------------------

const CMG_FIELDS = ["name", "vmSize", "instances", "certificate"] as const;

function parseCmg(ctx: Ctx, value: unknown, options: ParseOptions): CmgConfig | undefined {
  const example = "{ name: cmglabdev, vmSize: Standard_B2s, instances: 1, certificate: lab-ca }";
  if (value === undefined || value === null) {
    ctx.error("cmg", value, "is required: it names the cloud management gateway", `add to ${ctx.file}: ${ctx.key("cmg")}: ${example}`);
    return undefined;
  }
  const o = readObject(ctx, "cmg", value, CMG_FIELDS, example);
  if (o === undefined) return undefined;
  const name = parseCmgName(ctx, o.name);
  const vmSize = parseCmgVmSize(ctx, o.vmSize);
  const instances = parseInstances(ctx, o.instances);
  const certificate = parseCertificate(ctx, o.certificate, options);
  return name !== undefined && vmSize !== undefined && instances !== undefined && certificate !== undefined ? { name, vmSize, instances, certificate } : undefined;
}

function parseCmgName(ctx: Ctx, value: unknown): string | undefined {
  const p = "cmg.name";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required: the CMG's service name, which must be globally unique", `pulumi config set --path '${ctx.key(p)}' <3-24 lowercase letters and digits, e.g. your prefix and stack: cmglabdev>`);
    return undefined;
  }
  const text = readString(ctx, p, value, "cmglabdev");
  if (text === undefined) return undefined;
  if (/^[a-z][a-z0-9]{2,23}$/.test(text)) return text;
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 24);
  ctx.error(
    p,
    text,
    "must be 3-24 lowercase letters and digits, starting with a letter: it becomes the CMG's DNS label and also names the CMG's storage account and key vault, which allow no hyphens or capitals",
    /^[a-z][a-z0-9]{2,23}$/.test(cleaned) ? `use ${cleaned}` : "use a name such as cmglabdev",
  );
  return undefined;
}

function parseCmgVmSize(ctx: Ctx, value: unknown): string | undefined {
  const p = "cmg.vmSize";
  const def = CONFIG_DEFAULTS.cmg.vmSize;
  const text = value === undefined || value === null ? def : readString(ctx, p, value, def);
  if (text === undefined) return undefined;
  const sizes = Object.keys(CMG_VM_SIZES);
  const canonical = sizes.find((s) => s.toLowerCase() === text.toLowerCase());
  if (canonical !== undefined) return canonical;
  const offered = sizes.map((s) => `${s} (${CMG_VM_SIZES[s] ?? ""})`).join(", ");
  ctx.error(p, text, `the CMG only offers the sizes ${offered}`, `use ${def} for a lab`);
  return undefined;
}

function parseInstances(ctx: Ctx, value: unknown): number | undefined {
  const p = "cmg.instances";
  if (value === undefined || value === null) return CONFIG_DEFAULTS.cmg.instances;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    typeError(ctx, p, value, "a whole number", "write instances: 1 (a number, without quotes)");
    return undefined;
  }
  if (value < 1 || value > 16) {
    ctx.error(p, value, "a CMG has 1 to 16 VM instances", "use 1 for a lab");
    return undefined;
  }
  return value;
}

function parseCertificate(ctx: Ctx, value: unknown, options: ParseOptions): CmgCertificateConfig | undefined {
  const p = "cmg.certificate";
  if (value === undefined || value === null || value === "lab-ca") return { kind: "lab-ca" };
  if (typeof value === "string") {
    ctx.error(p, value, "must be lab-ca or an object { pfxFile, pfxPassword }", "use lab-ca (the lab's own CA issues the CMG certificate) or { pfxFile: certs/cmg.pfx, pfxPassword: <secret> }");
    return undefined;
  }
  if (!isPlainObject(value)) {
    typeError(ctx, p, value, "lab-ca or an object { pfxFile, pfxPassword }", "use lab-ca, or a map with pfxFile and pfxPassword");
    return undefined;
  }
  const o = readObject(ctx, p, value, ["pfxFile", "pfxPassword"], "{ pfxFile: certs/cmg.pfx, pfxPassword: <secret> }");
  if (o === undefined) return undefined;
  const pfxFile = parsePfxFile(ctx, o.pfxFile, options);
  const pfxPassword = parsePfxPassword(ctx, o.pfxPassword);
  return pfxFile !== undefined && pfxPassword !== undefined ? { kind: "pfx", pfxFile, pfxPassword } : undefined;
}

function parsePfxFile(ctx: Ctx, value: unknown, options: ParseOptions): string | undefined {
  const p = "cmg.certificate.pfxFile";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required with a supplied certificate: the path of the CMG's PFX, relative to the project directory", `pulumi config set --path '${ctx.key(p)}' certs/cmg.pfx, or use certificate: lab-ca`);
    return undefined;
  }
  const text = readString(ctx, p, value, "certs/cmg.pfx");
  if (text === undefined) return undefined;
  if (text === "" || path.isAbsolute(text) || path.win32.isAbsolute(text)) {
    ctx.error(p, text, "must be a path relative to the project directory (the stack must build the same on any machine)", "copy the PFX into the project (outside git: add it to .gitignore) and use its relative path, e.g. certs/cmg.pfx");
    return undefined;
  }
  if (options.projectDir !== undefined) {
    const full = path.resolve(options.projectDir, text);
    if (!fs.existsSync(full)) {
      ctx.error(p, text, `no file at ${full}`, "put the PFX there, or correct the path (relative to the project directory)");
      return undefined;
    }
  }
  return text.split(path.win32.sep).join("/");
}

function parsePfxPassword(ctx: Ctx, value: unknown): pulumi.Output<string> | undefined {
  const p = "cmg.certificate.pfxPassword";
  const setIt = `pulumi config set --secret --path '${ctx.key(p)}' <password>`;
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required with a supplied certificate: the PFX's password", setIt);
    return undefined;
  }
  if (isSecretPlaceholder(value)) return pulumi.secret("[secret]");
  if (typeof value === "string") {
    if (ctx.isEngineSecret("cmg")) return pulumi.secret(value);
    ctx.error(p, value, `is stored in plain text in ${ctx.file}; a password must be encrypted`, `remove it from the file and ${setIt}`, { masked: true });
    return undefined;
  }
  ctx.error(p, value, `expected the password as an encrypted secret, got ${describeType(value)}`, setIt, { masked: true });
  return undefined;
}

// --- clients ------------------------------------------------------------------------------------

const CLIENT_FIELDS = ["name", "os", "network", "pki", "vmSize"] as const;
const CLIENT_OSES: readonly ClientOs[] = ["windows-10", "windows-11", "windows-7", "windows-8.1"];

function parseClients(ctx: Ctx, value: unknown): ClientConfig[] | undefined {
  const p = "clients";
  const example = "[{ name: win11-01, os: windows-11, network: internet }]";
  const list = value === undefined || value === null ? CONFIG_DEFAULTS.clients : value;
  if (!Array.isArray(list)) {
    typeError(ctx, p, value, "a list of clients", `write it as a YAML list, e.g. ${ctx.key(p)}: ${example}`);
    return undefined;
  }
  if (list.length > MAX_CLIENTS) {
    ctx.error(p, `(${list.length} clients)`, `a lab has at most ${MAX_CLIENTS} clients`, `remove clients until at most ${MAX_CLIENTS} remain`);
    return undefined;
  }
  if (list.length === 0) {
    ctx.warn(p, list, "no client VMs: the lab builds, but there is nothing to hybrid-join or to manage through the CMG", `add one, e.g. ${ctx.key(p)}: ${example}`);
  }
  const out: ClientConfig[] = [];
  let ok = true;
  list.forEach((item: unknown, i) => {
    const client = parseClient(ctx, `${p}[${i}]`, item);
    if (client === undefined) ok = false;
    else out.push(client);
  });
  if (!ok) return undefined;
  const seen = new Map<string, number>();
  out.forEach((c, i) => {
    const first = seen.get(c.name.toLowerCase());
    if (first !== undefined) {
      ok = false;
      ctx.error(`${p}[${i}].name`, c.name, `repeats ${ctx.key(`${p}[${first}].name`)}; computer names are case-insensitive and must be unique in the domain`, "give every client its own name, e.g. win11-02");
    } else seen.set(c.name.toLowerCase(), i);
  });
  return ok ? out : undefined;
}

function parseClient(ctx: Ctx, p: string, value: unknown): ClientConfig | undefined {
  const o = readObject(ctx, p, value, CLIENT_FIELDS, "{ name: win11-01, os: windows-11, network: internet }");
  if (o === undefined) return undefined;
  let name: string | undefined;
  if (o.name === undefined || o.name === null) {
    ctx.error(`${p}.name`, o.name, "is required: the client's computer name", "add name: win11-01 (1-15 letters, digits or hyphens)");
  } else {
    const text = readString(ctx, `${p}.name`, o.name, "win11-01");
    if (text !== undefined) {
      const problem = computerNameProblem(text);
      const serverClash = Object.values(SERVER_COMPUTER_NAMES).find((s) => s.toLowerCase() === text.toLowerCase());
      if (problem !== null) ctx.error(`${p}.name`, text, `is not a valid Windows computer name: it ${problem}`, "use 1-15 letters, digits or hyphens, e.g. win11-01");
      else if (serverClash !== undefined) {
        ctx.error(`${p}.name`, text, `is the name of one of the lab's servers (${Object.values(SERVER_COMPUTER_NAMES).join(", ")}); computer names must be unique in the domain`, "give the client another name, e.g. win11-01");
      } else name = text;
    }
  }
  let os: ClientOs | undefined;
  if (o.os === undefined || o.os === null) {
    ctx.error(`${p}.os`, o.os, "is required: the client's Windows version", "add os: windows-11 (or windows-10)");
  } else os = readEnum(ctx, `${p}.os`, o.os, CLIENT_OSES, "windows-11");
  const network = readEnum<ClientNetwork>(ctx, `${p}.network`, o.network, ["internet", "intranet"], "internet");
  const pki = readBool(ctx, `${p}.pki`, o.pki, false);
  const vmSize = readVmSize(ctx, `${p}.vmSize`, o.vmSize, CONFIG_DEFAULTS.client.vmSize, "client");
  if (os === "windows-7" || os === "windows-8.1") {
    // Refused with or without PKI: no marketplace image to create the VM from, and the lab issues no client certificates.
    const why =
      pki === true
        ? "this lab cannot build it: Azure Marketplace offers no Windows 7 or 8.1 image for new VMs, and the lab issues no PKI client certificates"
        : "it cannot use Entra ID token authentication, so through a CMG it needs a PKI client-authentication certificate, which it does not have (pki: false); and this lab cannot build it anyway: Azure Marketplace offers no Windows 7 or 8.1 image for new VMs";
    ctx.error(`${p}.os`, os, `${os} is not supported by this lab: ${why}`, "use os: windows-11 or windows-10 (token authentication through the CMG, no client PKI needed)");
    return undefined;
  }
  return name !== undefined && os !== undefined && network !== undefined && pki !== undefined && vmSize !== undefined ? { name, os, network, pki, vmSize } : undefined;
}

// --- admin ----------------------------------------------------------------------------------------

function parseAdmin(ctx: Ctx, value: unknown, domain: ParsedDomain | undefined): AdminConfig | undefined {
  const o = readObject(ctx, "admin", value, ["username", "allowedSourceCidrs", "bastion"], "{ username: labadmin, allowedSourceCidrs: [], bastion: basic }");
  if (o === undefined) return undefined;
  const p = "admin.username";
  let username: string | undefined;
  const text = o.username === undefined || o.username === null ? CONFIG_DEFAULTS.admin.username : readString(ctx, p, o.username, "labadmin");
  if (text !== undefined) {
    const problem = adminUsernameProblem(text);
    if (problem !== null) ctx.error(p, text, `is not a usable admin name: it ${problem}`, "use another name, e.g. labadmin");
    else if (text.toLowerCase() === "krbtgt") ctx.error(p, text, "krbtgt is the AD Kerberos service account", "use another name, e.g. labadmin");
    else if (/^labuser\d+$/i.test(text)) ctx.error(p, text, "is the name pattern of the demo users (labuser01, ...) the ad-ous step creates in the users OU", "use another name, e.g. labadmin");
    else if (domain?.netbiosName !== undefined && text.toUpperCase() === domain.netbiosName) {
      ctx.error(p, text, `equals the domain's NetBIOS name ${domain.netbiosName}; DOMAIN\\user logons and account lookups become ambiguous`, "use another name, e.g. labadmin");
    } else username = text;
  }
  const allowedSourceCidrs = parseCidrs(ctx, o.allowedSourceCidrs);
  const bastion = readEnum<BastionMode>(ctx, "admin.bastion", o.bastion, ["basic", "developer", "none"], "basic");
  if (bastion === "none" && allowedSourceCidrs !== undefined && allowedSourceCidrs.length === 0) {
    ctx.warn(
      "admin.bastion",
      bastion,
      "no Bastion and no admin source CIDRs: nothing can RDP to the VMs; only run commands (az vm run-command) reach them",
      `set ${ctx.key("admin.bastion")} to basic or developer, or list your public address in ${ctx.key("admin.allowedSourceCidrs")}`,
    );
  }
  return username !== undefined && allowedSourceCidrs !== undefined && bastion !== undefined ? { username, allowedSourceCidrs, bastion } : undefined;
}

function parseCidrs(ctx: Ctx, value: unknown): string[] | undefined {
  const p = "admin.allowedSourceCidrs";
  const list = readStringList(ctx, p, value, [], "[203.0.113.7/32]");
  if (list === undefined) return undefined;
  const out: string[] = [];
  let ok = true;
  const seen = new Map<string, number>();
  list.forEach((text, i) => {
    const at = `${p}[${i}]`;
    const fail = (problem: string, fix: string): void => {
      ok = false;
      ctx.error(at, text, problem, fix);
    };
    const cidr = parseIpv4Cidr(text);
    if (cidr === undefined) {
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) fail("is an address without a prefix length", `write ${text}/32 for this one address`);
      else if (text.includes(":")) fail("is IPv6; the lab's NSG rules take IPv4 CIDRs", "use your public IPv4 address with /32");
      else fail("is not an IPv4 CIDR (a.b.c.d/n)", "use your public IPv4 address with /32, e.g. 203.0.113.7/32");
      return;
    }
    if (cidr.prefix === 0) {
      fail("opens RDP to the whole internet; the lab must not be reachable from everywhere", "list only your own public address with /32, or leave the list empty and use Bastion");
      return;
    }
    if (cidr.prefix < 16) {
      fail(`a /${cidr.prefix} is too broad (more than 65,536 addresses); the lab must not be open to large parts of the internet`, "use your own public address with /32 (or your network, /16 or narrower)");
      return;
    }
    const network = networkAddress(cidr);
    if (network !== cidr.address) {
      fail(`has host bits set; the network of this prefix is ${ipv4ToString(network)}/${cidr.prefix}`, `write ${ipv4ToString(network)}/${cidr.prefix}, or ${ipv4ToString(cidr.address)}/32 for the one address`);
      return;
    }
    const kind = nonPublicKind(cidr);
    if (kind !== undefined) {
      fail(`is a ${kind} range; traffic from the internet never comes from it, so the rule would do nothing (inside the VNet, use Bastion)`, "use your public IPv4 address with /32 (what https://ifconfig.me shows)");
      return;
    }
    const canonical = `${ipv4ToString(network)}/${cidr.prefix}`;
    const first = seen.get(canonical);
    if (first !== undefined) {
      fail(`repeats ${ctx.key(`${p}[${first}]`)}`, "list each CIDR once");
      return;
    }
    seen.set(canonical, i);
    out.push(canonical);
  });
  return ok ? out : undefined;
}

// --- schedule -------------------------------------------------------------------------------------

function parseSchedule(ctx: Ctx, value: unknown, options: ParseOptions): ScheduleConfig | undefined {
  const example = '{ autoShutdown: "19:00", timeZone: UTC, expiresOn: 2026-12-31 }';
  if (value === undefined || value === null) {
    ctx.error("schedule", value, "is required: a lab needs an end date (expiresOn), or it gets forgotten and keeps costing", `add to ${ctx.file}: ${ctx.key("schedule")}: ${example}`);
    return undefined;
  }
  const o = readObject(ctx, "schedule", value, ["autoShutdown", "timeZone", "expiresOn"], example);
  if (o === undefined) return undefined;
  const autoShutdown = parseAutoShutdown(ctx, o.autoShutdown);
  const timeZone = parseTimeZone(ctx, o.timeZone);
  const expiresOn = parseExpiresOn(ctx, o.expiresOn, options);
  return autoShutdown !== undefined && timeZone !== undefined && expiresOn !== undefined ? { autoShutdown, timeZone, expiresOn } : undefined;
}

/** undefined: invalid; null: no shutdown. */
function parseAutoShutdown(ctx: Ctx, value: unknown): string | null | undefined {
  const p = "schedule.autoShutdown";
  if (value === undefined) return CONFIG_DEFAULTS.schedule.autoShutdown;
  if (value === null || value === false) return null;
  if (typeof value === "string") {
    if (value.toLowerCase() === "off") return null;
    if (/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) return value;
    const m = /^(\d{1,2}):?(\d{2})$/.exec(value);
    const hh = m ? Number(m[1]) : NaN;
    const mm = m ? Number(m[2]) : NaN;
    const fix = hh <= 23 && mm <= 59 ? `write autoShutdown: "${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}"` : 'write a 24-hour time such as "19:00", or off for no shutdown';
    ctx.error(p, value, "must be a 24-hour time HH:MM, or off", fix);
    return undefined;
  }
  if (typeof value === "number") {
    ctx.error(p, value, "a number, not a time: YAML 1.1 reads an unquoted 19:00 as the number 1140", 'quote it: autoShutdown: "19:00"');
    return undefined;
  }
  typeError(ctx, p, value, 'a time "HH:MM" or off', 'write autoShutdown: "19:00"');
  return undefined;
}

function parseTimeZone(ctx: Ctx, value: unknown): string | undefined {
  const p = "schedule.timeZone";
  const text = value === undefined || value === null ? CONFIG_DEFAULTS.schedule.timeZone : readString(ctx, p, value, "UTC");
  if (text === undefined) return undefined;
  const exact = WINDOWS_TIME_ZONES.find((z) => z.toLowerCase() === text.toLowerCase());
  if (exact !== undefined) return exact;
  const mapped = IANA_TO_WINDOWS[text] ?? Object.entries(IANA_TO_WINDOWS).find(([k]) => k.toLowerCase() === text.toLowerCase())?.[1];
  if (mapped !== undefined || text.includes("/")) {
    ctx.error(
      p,
      text,
      "is an IANA time zone; the auto-shutdown schedule takes a Windows time zone id",
      mapped !== undefined ? `use timeZone: "${mapped}"` : 'use the Windows id (tzutil /l lists them), e.g. "W. Europe Standard Time" or UTC',
    );
    return undefined;
  }
  const guess = closest(text, WINDOWS_TIME_ZONES);
  ctx.error(p, text, "is not a Windows time zone id", guess !== undefined ? `did you mean "${guess}"?` : 'use a Windows id (tzutil /l lists them), e.g. UTC, "GMT Standard Time" or "W. Europe Standard Time"');
  return undefined;
}

function parseExpiresOn(ctx: Ctx, value: unknown, options: ParseOptions): string | undefined {
  const p = "schedule.expiresOn";
  if (value === undefined || value === null) {
    ctx.error(p, value, "is required: the date after which the lab should be destroyed (tagged on every resource)", `pulumi config set --path '${ctx.key(p)}' 2026-12-31`);
    return undefined;
  }
  const text = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : readString(ctx, p, value, "2026-12-31");
  if (text === undefined) return undefined;
  if (!isIsoDate(text)) {
    ctx.error(p, text, "must be a real date written YYYY-MM-DD", "write expiresOn: 2026-12-31");
    return undefined;
  }
  if (options.today !== undefined && text < options.today) {
    ctx.warn(p, text, `is in the past (today is ${options.today}): the lab has expired`, `destroy it (pulumi destroy), or move the date: pulumi config set --path '${ctx.key(p)}' <YYYY-MM-DD>`);
  }
  return text;
}

// --- entra ----------------------------------------------------------------------------------------

const ENTRA_FIELDS = ["secretDays", "secretIssuedOn", "cmgRole"] as const;
const MAX_SECRET_DAYS = 365;

function parseEntra(ctx: Ctx, value: unknown, schedule: ScheduleConfig | undefined, options: ParseOptions): EntraConfig | undefined {
  const o = readObject(ctx, "entra", value, ENTRA_FIELDS, "{ secretDays: 30, cmgRole: owner }");
  if (o === undefined) return undefined;
  const secretDays = parseSecretDays(ctx, o.secretDays);
  const secretIssuedOn = parseSecretIssuedOn(ctx, o.secretIssuedOn);
  const cmgRole = readEnum<CmgRole>(ctx, "entra.cmgRole", o.cmgRole, ["owner", "contributor"], CONFIG_DEFAULTS.entra.cmgRole);
  if (cmgRole === "contributor") {
    ctx.warn(
      "entra.cmgRole",
      cmgRole,
      "Contributor cannot create role assignments (Microsoft.Authorization/*/Write is among its NotActions), and ConfigMgr 2409 and later create role assignments for the CMG's managed identity, so the CMG deployment can fail with an authorization error in CloudMgr.log",
      `keep ${ctx.key("entra.cmgRole")} at owner (the default) unless the site runs a ConfigMgr build older than 2409`,
    );
  }
  if (secretDays === undefined || secretIssuedOn === undefined || cmgRole === undefined) return undefined;
  const expiresOn = schedule?.expiresOn;
  if (expiresOn !== undefined) {
    if (secretIssuedOn !== null && secretIssuedOn > expiresOn) {
      ctx.warn(
        "entra.secretIssuedOn",
        secretIssuedOn,
        `is after ${ctx.key("schedule.expiresOn")} (${expiresOn}); the server app secret ends ${SECRET_GRACE_DAYS} days after the lab's end date whatever this date says`,
        `move ${ctx.key("schedule.expiresOn")} if the lab lives longer, or set secretIssuedOn to the day you rotate the secret`,
      );
    }
    // An end date capped by the lab's own end only passes today once expiresOn has, which the
    // schedule's rule already reports; a secret capped by secretIssuedOn can end while the lab lives.
    const endDate = serverSecretEndDate({ expiresOn, secretDays, issuedOn: secretIssuedOn }).slice(0, 10);
    const labEndDate = serverSecretEndDate({ expiresOn, secretDays, issuedOn: null }).slice(0, 10);
    if (options.today !== undefined && secretIssuedOn !== null && endDate < labEndDate && endDate <= options.today) {
      ctx.warn(
        "entra.secretIssuedOn",
        secretIssuedOn,
        `the ConfigMgr server app secret ends on ${endDate}, ${secretDays} days after this date (today is ${options.today}): from then on Azure AD discovery and CMG deployments fail to authenticate`,
        `rotate it: pulumi config set --path '${ctx.key("entra.secretIssuedOn")}' ${options.today}`,
      );
    }
  }
  return { secretDays, secretIssuedOn, cmgRole };
}

function parseSecretDays(ctx: Ctx, value: unknown): number | undefined {
  const p = "entra.secretDays";
  if (value === undefined || value === null) return CONFIG_DEFAULTS.entra.secretDays;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    typeError(ctx, p, value, "a whole number of days", `write secretDays: ${CONFIG_DEFAULTS.entra.secretDays} (a number, without quotes)`);
    return undefined;
  }
  if (value < 1 || value > MAX_SECRET_DAYS) {
    ctx.error(
      p,
      value,
      `a lab's app secret lives 1 to ${MAX_SECRET_DAYS} days; a longer-lived secret outlives any lab and is a credential left lying around`,
      `use ${CONFIG_DEFAULTS.entra.secretDays} (the default) and rotate it with ${ctx.key("entra.secretIssuedOn")} when needed`,
    );
    return undefined;
  }
  return value;
}

/** undefined: invalid; null: not set. */
function parseSecretIssuedOn(ctx: Ctx, value: unknown): string | null | undefined {
  const p = "entra.secretIssuedOn";
  if (value === undefined || value === null) return null;
  const text = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : readString(ctx, p, value, "2026-11-25");
  if (text === undefined) return undefined;
  if (!isIsoDate(text)) {
    ctx.error(p, text, "must be a real date written YYYY-MM-DD: the day the current server app secret is counted from", `write secretIssuedOn: 2026-11-25 (today's date rotates the secret)`);
    return undefined;
  }
  return text;
}

// --- cross checks -------------------------------------------------------------------------------

/** The NetBIOS domain name must not be a computer name in the lab: name registration and joins collide. */
function checkComputerNames(ctx: Ctx, domain: ParsedDomain | undefined, clients: readonly ClientConfig[] | undefined): void {
  const netbios = domain?.netbiosName;
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
