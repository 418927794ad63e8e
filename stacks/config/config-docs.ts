/**
 * What the config schema tells a person, generated from the sections (stacks/config/sections/*.ts):
 * Pulumi.yaml's `config:` declarations and the README's configuration table. `npm run readme`
 * writes both; test/readme.test.ts fails when either is out of date.
 */
import { stringify } from "yaml";
import { renderValue } from "./config-util";
import type { FieldDoc } from "./schema";
import { SECTIONS } from "./sections";

const NS = "cmg-lab";

type Entries = readonly (readonly [string, FieldDoc])[];

const visible = (fields: Readonly<Record<string, FieldDoc>> | undefined): Entries => Object.entries(fields ?? {}).filter(([, f]) => f.removed !== true);

/** `{ fqdn, ous = [Workstations, Servers, LabUsers], ... }`: the shape of an object, with its defaults. */
function shape(doc: FieldDoc): string {
  const parts = visible(doc.fields).map(([name, f]) => {
    if (f.kind === "object") return `${name} = ${shape(f)}`;
    if (f.kind === "string-or-object") return `${name} = ${renderValue(f.default)} | ${shape({ ...f, kind: "object" })}`;
    return f.default !== undefined && f.kind !== "objects" ? `${name} = ${renderValue(f.default)}` : name;
  });
  return `{ ${parts.join(", ")} }`;
}

function pulumiDescription(doc: FieldDoc): string {
  const required = doc.required !== undefined ? " (required)" : "";
  if (doc.kind === "object") return `${doc.doc}${required}: ${shape(doc)}`;
  if (doc.kind === "objects") return `${doc.doc}${required}: [${shape({ ...doc, kind: "object" })}]`;
  return `${doc.doc}${required}`;
}

function pulumiType(doc: FieldDoc): Record<string, unknown> {
  switch (doc.kind) {
    case "objects":
      return { type: "array", items: { type: "object" } };
    case "list":
      return { type: "array", items: { type: "string" } };
    case "object":
    case "string-or-object":
      return { type: "object" };
    default:
      return { type: doc.kind };
  }
}

/** Pulumi.yaml's `config:` block: every key typed (objects and lists need Pulumi CLI 3.187.0 or newer), described, with its default where the CLI should apply one. */
export function pulumiConfigBlock(): string {
  const config: Record<string, unknown> = {};
  for (const [name, doc] of Object.entries(SECTIONS) as [string, FieldDoc][]) {
    config[`${NS}:${name}`] = { ...pulumiType(doc), description: pulumiDescription(doc), ...(doc.pulumiDefault !== undefined ? { default: doc.pulumiDefault } : {}) };
  }
  return stringify({ config }, { lineWidth: 0 });
}

/** Pulumi.yaml with its `config:` block (everything from the line `config:` on) regenerated. */
export function updatedPulumiYaml(text: string): string {
  const at = text.search(/^config:$/m);
  if (at < 0) throw new Error("Pulumi.yaml has no top-level config: block");
  return text.slice(0, at) + pulumiConfigBlock();
}

function defaultCell(f: FieldDoc): string {
  if (f.required !== undefined) return "(required)";
  if (f.defaultText !== undefined) return f.defaultText.startsWith("(") ? f.defaultText : `\`${f.defaultText}\``;
  if (f.default !== undefined && f.kind !== "object") return `\`${renderValue(f.default)}\``;
  return "-";
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The README's configuration table: one row per field, nested fields by their path. */
export function configTable(): string {
  const rows: string[] = [];
  const walk = (key: string, f: FieldDoc): void => {
    const hasFields = f.kind === "object" || f.kind === "objects" || f.kind === "string-or-object";
    if (f.kind !== "object") rows.push(`| \`${key}\` | ${defaultCell(f)} | ${cell(f.doc)} |`);
    if (!hasFields) return;
    const sub = f.kind === "objects" ? `${key}[]` : key;
    for (const [name, child] of visible(f.fields)) walk(`${sub}.${name}`, child);
  };
  for (const [name, doc] of Object.entries(SECTIONS) as [string, FieldDoc][]) walk(name, doc);
  return ["| key | default | what |", "| --- | --- | --- |", ...rows].join("\n");
}
