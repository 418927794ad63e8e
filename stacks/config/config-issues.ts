/**
 * Issues: the parse context that collects them (`Ctx`) and the translation of zod's issues into
 * the project's `ConfigIssue` (key, value, problem, fix, severity). Messages for a missing value,
 * a value of the wrong type and an unknown field are written here once, from the field's
 * description in its section; a section's own checks carry their problem and fix (`fail`).
 */
import type { z } from "zod";
import type { ConfigIssue } from "./lab-config";
import type { FieldDoc } from "./schema";
import { closest, describeType, isPlainObject, isSecretPlaceholder, renderValue } from "./config-util";

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

type Path = readonly PropertyKey[];

/** `domain.ous[3]` from `["domain", "ous", 3]`. */
export function pathText(path: Path): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join("");
}

/** Collects issues; knows the namespace, the stack, the options, which keys the engine decrypted and the sections parsed so far. */
export class Ctx {
  readonly issues: ConfigIssue[] = [];
  readonly ns: string;
  readonly stack: string;
  readonly options: ParseOptions;
  /** Sections parsed so far (undefined: absent from the map, or invalid), for the rules that read more than one. */
  readonly parsed: Record<string, unknown> = {};
  /** Set while a section is parsed again for its value after its warnings were collected. */
  quiet = false;
  private readonly secretTop: ReadonlySet<string>;

  constructor(raw: Pick<RawStackConfig, "stack" | "project" | "secretKeys">, options: ParseOptions = {}) {
    this.ns = raw.project;
    this.stack = raw.stack;
    this.options = options;
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

  add(severity: ConfigIssue["severity"], p: string, value: unknown, problem: string, fix: string, opts: { masked?: boolean } = {}): void {
    const top = p.split(/[.[]/)[0] ?? p;
    // Under a key the engine decrypted, any value may be the secret, except the known plain
    // fields of `cmg` (which is secret as a whole when its certificate password is).
    const masked = opts.masked === true || (this.isEngineSecret(top) && !PLAIN_FIELDS_OF_SECRET_KEYS.has(p));
    this.issues.push(Object.freeze({ key: this.key(p), value: masked ? "[secret]" : renderValue(value), problem, fix, severity }));
  }

  /** Records zod's issues for the top-level key `top`, whose raw value was `raw` and whose description is `doc`. */
  addZodIssues(top: string, raw: unknown, doc: FieldDoc, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) this.addZodIssue([top, ...issue.path], raw, doc, issue);
  }

  private addZodIssue(path: Path, raw: unknown, doc: FieldDoc, issue: z.core.$ZodIssue): void {
    const p = pathText(path);
    const value = valueAt(raw, path.slice(1));
    if (issue.code === "custom") {
      const params = (issue.params ?? {}) as { fix?: string; value?: unknown; masked?: boolean; severity?: "warning" };
      this.add(params.severity ?? "error", p, "value" in params ? params.value : value, issue.message, params.fix ?? "see the key's description in the README", { masked: params.masked === true });
      return;
    }
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(docAt(doc, path.slice(1))?.fields ?? {});
      const top = String(path[0]);
      for (const k of issue.keys) {
        const guess = closest(k, known);
        this.error(`${p}.${k}`, isPlainObject(value) ? value[k] : undefined, `${this.key(p)} has no field ${k}`, guess !== undefined ? `did you mean ${guess}? Rename the field` : `remove it (fields: ${known.join(", ")})`, {
          masked: this.isEngineSecret(top),
        });
      }
      return;
    }
    const here = docAt(doc, path.slice(1));
    if (issue.code === "invalid_type" && here !== undefined) {
      this.typeIssue(path, value, here, issue.expected);
      return;
    }
    // Not expected from the sections (every check uses `fail`): reported as zod words it.
    this.error(p, value, issue.message, "see the key's description in the README");
  }

  /** A missing required value, or a value of the wrong type. */
  private typeIssue(path: Path, value: unknown, doc: FieldDoc, expected: string): void {
    const p = pathText(path);
    const last = [...path].reverse().find((s) => typeof s === "string") as string;
    if (value === undefined && doc.required !== undefined) {
      this.error(p, value, `is required${doc.required.why.startsWith("with ") ? " " : ": "}${doc.required.why}`, doc.required.fix(this.key(p), this));
      return;
    }
    if (isSecretPlaceholder(value)) {
      this.error(p, value, "is encrypted (set with --secret), but it is not a secret and the lab needs its value to plan", `set it in plain text: pulumi config set --path '${this.key(p)}' <value>`, { masked: true });
      return;
    }
    const got = describeType(value);
    const item = typeof path[path.length - 1] === "number" && doc.kind === "list";
    if (item) {
      const list = pathText(path.slice(0, -1));
      this.error(p, value, `expected text, got ${got}`, `make every item of ${this.key(list)} a name, e.g. ${doc.example}`);
      return;
    }
    const fix = doc.typeFix?.(this.key(p), this);
    switch (doc.kind === "string-or-object" ? (expected === "object" ? "object" : "string") : doc.kind) {
      case "string": {
        const quoted = typeof value === "number" || typeof value === "boolean";
        this.error(p, value, `expected ${doc.expected ?? "text"}, got ${got}`, fix ?? (quoted ? `quote it in ${this.file} so YAML keeps it as text: ${last}: "${String(value)}"` : `set it to text, e.g. ${last}: ${doc.example}`));
        return;
      }
      case "boolean":
        this.error(p, value, `expected ${doc.expected ?? "true or false"}, got ${got}`, fix ?? `write ${last}: ${doc.example} (true or false, without quotes)`);
        return;
      case "integer":
        this.error(p, value, `expected ${doc.expected ?? "a whole number"}, got ${got}`, fix ?? `write ${last}: ${doc.example} (a number, without quotes)`);
        return;
      case "list":
      case "objects":
        this.error(p, value, `expected ${doc.expected ?? "a list"}, got ${got}`, fix ?? `write it as a YAML list, e.g. ${last}: ${doc.example}`);
        return;
      case "object":
        this.error(p, value, `expected ${doc.expected ?? `an object with the fields ${Object.keys(doc.fields ?? {}).join(", ")}`}, got ${got}`, fix ?? `write it as a YAML map in ${this.file}, e.g. ${this.key(p)}: ${doc.example}`);
        return;
    }
  }
}

/** The description of the value at `path` below `doc` (a list's items share the list's description; `objects` items are objects). */
export function docAt(doc: FieldDoc, path: Path): FieldDoc | undefined {
  let here: FieldDoc | undefined = doc;
  for (let i = 0; i < path.length && here !== undefined; i++) {
    const seg = path[i];
    if (typeof seg === "number") {
      if (here.kind === "objects") here = { ...here, kind: "object", expected: undefined, typeFix: undefined };
      continue;
    }
    here = here.fields?.[String(seg)];
  }
  return here;
}

function valueAt(raw: unknown, path: Path): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isPlainObject(v) && typeof seg === "string") v = v[seg];
    else return undefined;
  }
  return v;
}
