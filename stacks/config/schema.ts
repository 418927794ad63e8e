/**
 * The config schema's building blocks: a field is a zod schema plus what a person needs to know
 * about it (its description, its default, what to write when it is missing or of the wrong type).
 * The sections (stacks/config/sections/*.ts) are written with these; from them come the parser
 * (stacks/config/config.ts), the typed LabConfig (lab-config.ts), Pulumi.yaml's `config:`
 * declarations and the README's configuration table (config-docs.ts).
 *
 * Why zod 4: one declaration gives the runtime check and the TypeScript type, objects are strict
 * (unknown fields become issues with a path), every field's issues are collected (never stop at the
 * first), and a check can add an issue with any message and parameters. The project's message
 * format (key, value, problem, fix) is kept by carrying the fix in the issue's `params`
 * (`fail`) and by writing the messages for missing and mistyped values here, once, from the
 * field's own description (`issueFromZod` in config-issues.ts).
 */
import { z } from "zod";
import type { Ctx } from "./config-issues";

/** What a field holds, for Pulumi.yaml's `type` and for the messages about a value of the wrong type. */
export type Kind = "string" | "boolean" | "integer" | "list" | "object" | "objects" | "string-or-object";

export interface FieldDoc {
  readonly kind: Kind;
  /** One line for the README table and Pulumi.yaml. */
  readonly doc: string;
  /** The value taken when the field is absent (or null, unless `nullable`). */
  readonly default?: unknown;
  /** How the README shows the default when it is not the plain value. */
  readonly defaultText?: string;
  /** Absent and required: why it is needed and how to set it (`key` is the full key). */
  readonly required?: { readonly why: string; readonly fix: (key: string, ctx: Ctx) => string };
  /** A valid value, written as in YAML, for messages about a value of the wrong type. */
  readonly example: string;
  /** What a wrong-typed value should have been, when not the kind's default wording. */
  readonly expected?: string;
  /** The fix for a value of the wrong type, when not the kind's default wording. */
  readonly typeFix?: (key: string, ctx: Ctx) => string;
  /** `null` is a value (not "absent"). */
  readonly nullable?: boolean;
  /** Fields of an object (`object`, `objects`, `string-or-object`). */
  readonly fields?: Readonly<Record<string, FieldDoc>>;
  /** Still read, only to refuse it with what replaced it: not documented. */
  readonly removed?: boolean;
  /** Top-level keys only: the `default` Pulumi.yaml declares (the CLI applies it to an absent key). */
  readonly pulumiDefault?: unknown;
  /** Top-level keys only: Pulumi.yaml's description, when longer than `doc`. */
  readonly pulumiDoc?: string;
}

export interface Field<S extends z.ZodType = z.ZodType> extends FieldDoc {
  /** The value's schema; built per parse, since rules read the context (file, secrets, options, earlier sections). */
  readonly schema: (ctx: Ctx) => S;
}

export function field<S extends z.ZodType>(f: Field<S>): Field<S> {
  return f;
}

type AnyFields = Readonly<Record<string, Field>>;
type ShapeOf<F extends AnyFields> = { -readonly [K in keyof F]: ReturnType<F[K]["schema"]> };

/**
 * A strict object of fields: unknown fields are issues, null counts as absent (unless `nullable`),
 * absent fields take their default (run through the field's schema, so transforms apply).
 */
export function objectOf<F extends AnyFields>(fields: F, ctx: Ctx): z.ZodType<z.output<z.ZodObject<ShapeOf<F>>>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, f] of Object.entries(fields)) {
    const s = f.schema(ctx);
    shape[name] = f.default !== undefined ? s.prefault(f.default as never) : s;
  }
  const drop = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== null || fields[k]?.nullable === true));
  };
  return z.preprocess(drop, z.strictObject(shape)) as unknown as z.ZodType<z.output<z.ZodObject<ShapeOf<F>>>>;
}

/** What a check reports: the problem, the fix, and (when not the raw value at the path) the value to show. */
export interface Failure {
  readonly fix: string;
  readonly value?: unknown;
  readonly masked?: boolean;
  /** Relative to the checked value. */
  readonly path?: readonly (string | number)[];
  /** Default `error`. A warning does not refuse the config (see `warn`). */
  readonly severity?: "error" | "warning";
}

/** Adds a refusal to a check's or transform's context. */
export function fail(zctx: { addIssue: (issue: z.core.$ZodRawIssue) => void }, problem: string, f: Failure): void {
  const params: Record<string, unknown> = { fix: f.fix };
  if ("value" in f) params["value"] = f.value;
  if (f.masked === true) params["masked"] = true;
  if (f.severity === "warning") params["severity"] = "warning";
  zctx.addIssue({ code: "custom", message: problem, params, input: undefined, ...(f.path ? { path: [...f.path] } : {}) } as z.core.$ZodRawIssue);
}

/**
 * Adds a warning. zod knows only failures, so the loader parses a section twice when it has
 * warnings: once to collect them, once quietly (`ctx.quiet`) for the value.
 */
export function warn(zctx: { addIssue: (issue: z.core.$ZodRawIssue) => void }, ctx: Ctx, problem: string, f: Omit<Failure, "severity">): void {
  if (!ctx.quiet) fail(zctx, problem, { ...f, severity: "warning" });
}

/** Text, with a check that returns a problem (and its fix) or null. */
export function text(check?: (value: string, zctx: z.core.$RefinementCtx<string>) => void): z.ZodType<string> {
  const s = z.string();
  return check === undefined ? s : s.superRefine((v, zctx) => check(v, zctx));
}

/** One of a closed set, written exactly (a value in another case gets "write <value>"). */
export function oneOf<const T extends readonly [string, ...string[]]>(allowed: T, def: T[number]): z.ZodType<T[number], string> {
  return z.string().transform((v, zctx): T[number] => {
    const exact = allowed.find((a) => a === v);
    if (exact !== undefined) return exact;
    const other = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    fail(zctx, `must be one of ${allowed.join(", ")}`, { fix: other !== undefined ? `write ${other}` : `use one of ${allowed.join(", ")} (default ${def})` });
    return z.NEVER;
  });
}

/** A whole number in [min, max]; outside, `outside` says why and what to use. */
export function wholeNumber(min: number, max: number, outside: { problem: string; fix: string }): z.ZodType<number> {
  return z.int().superRefine((v, zctx) => {
    if (v < min || v > max) fail(zctx, outside.problem, { fix: outside.fix });
  });
}

/** A list of names. */
export function names(): z.ZodType<string[]> {
  return z.array(z.string());
}

/** The day a YAML date or a `YYYY-MM-DD` text names, as text (the yaml reader turns an unquoted date into a Date). */
export function dayText(): z.ZodType<string> {
  return z.preprocess((v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v), z.string());
}
