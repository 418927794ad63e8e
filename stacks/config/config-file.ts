/**
 * Where raw stack config comes from: a `Pulumi.<stack>.yaml` file (the offline plan, tests) or
 * the Pulumi engine (the real program). Both produce a `RawStackConfig` for `parseLabConfig`.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./lab-config";
import { LabConfigError, SECRET_PLACEHOLDER, type RawStackConfig } from "./config";

const FILE_KEY = "(file)";

function fileError(value: string, problem: string, fix: string): LabConfigError {
  const issue: ConfigIssue = { key: FILE_KEY, value, problem, fix, severity: "error" };
  return new LabConfigError([issue]);
}

/**
 * Reads the `config:` map of a stack settings file. Encrypted values (`{ secure: ... }`, at any
 * depth) become `SECRET_PLACEHOLDER`: this reader never decrypts. Other top-level entries
 * (`secretsprovider`, `encryptionsalt`, `environment`) are ignored; values that come from a Pulumi
 * ESC environment are therefore not seen here.
 *
 * Throws `LabConfigError` (key `(file)`) for a missing or unreadable file, invalid YAML, or a file
 * whose `config` is not a map.
 */
export function readStackConfigFile(filePath: string, stack: string, project: string): RawStackConfig {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw fileError(filePath, "the stack config file does not exist", `create it (pulumi stack init ${stack}, then pulumi config set ...; Pulumi.dev.yaml is a complete example), or pass --config-file PATH`);
    }
    throw fileError(filePath, `the stack config file cannot be read (${code ?? (e as Error).message})`, "check the path and its permissions");
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = first?.linePos?.[0];
    const where = pos !== undefined ? ` at line ${pos.line}, column ${pos.col}` : "";
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? "s" : ""})` : "";
    throw fileError(filePath, `is not valid YAML${where}: ${(first?.message.split("\n")[0] ?? "parse error").replace(/ at line \d+, column \d+:?$/, "")}${more}`, "fix the YAML (indentation, a missing colon, a duplicated key, an unquoted value with ': ' in it)");
  }
  const top: unknown = doc.toJS({ maxAliasCount: 100 });
  if (top === null || top === undefined) return { stack, project, values: {}, secretKeys: [] };
  if (typeof top !== "object" || Array.isArray(top)) {
    throw fileError(filePath, "is not a stack settings file: its top level is not a map", "write the keys under a top-level config: map, as in Pulumi.dev.yaml");
  }
  const config = (top as Record<string, unknown>)["config"];
  if (config === undefined || config === null) return { stack, project, values: {}, secretKeys: [] };
  if (typeof config !== "object" || Array.isArray(config)) {
    throw fileError(filePath, "its config: entry is not a map of keys to values", "write one key per line under config:, e.g. cmg-lab:prefix: cmglab");
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) values[key] = replaceSecure(value);
  // Secrets in a file stay encrypted (placeholders): no key counts as decrypted, so a plain-text
  // password in the file is refused by the loader.
  return { stack, project, values, secretKeys: [] };
}

/** `{ secure: "..." }` anywhere in the value becomes the placeholder. */
function replaceSecure(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v: unknown) => replaceSecure(v));
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only !== undefined && only[0] === "secure" && typeof only[1] === "string") return SECRET_PLACEHOLDER;
    return Object.fromEntries(entries.map(([k, v]) => [k, replaceSecure(v)]));
  }
  return value;
}

/**
 * Engine config values are strings; objects, lists, numbers and booleans arrive as JSON text.
 * Plain strings stay strings ("null" too: it cannot be a config value's JSON).
 */
export function parseEngineValue(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) return parsed;
    if (typeof parsed === "number" || typeof parsed === "boolean") return parsed;
  } catch {
    // not JSON: a plain string
  }
  return text;
}

/**
 * The raw config of the running Pulumi program (`pulumi up`/`preview`). The engine hands over
 * secrets decrypted and lists the secret keys; they are passed on as `secretKeys`, so a decrypted
 * `pfxPassword` counts as the secret it is.
 */
export function rawConfigFromPulumi(): RawStackConfig {
  const all = pulumi.runtime.allConfig();
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(all)) values[key] = parseEngineValue(text);
  return { stack: pulumi.getStack(), project: pulumi.getProject(), values, secretKeys: engineSecretKeys(Object.keys(all)) };
}

/**
 * Which config keys the engine marked secret. The SDK's `runtime.isConfigSecret` answers this but
 * is internal (not in its type declarations), so it is probed; without it, the language host's
 * PULUMI_CONFIG_SECRET_KEYS variable is read. If neither is available every key is treated as
 * possibly secret: values are then masked in messages and a decrypted password is accepted.
 */
function engineSecretKeys(keys: readonly string[]): string[] {
  const probe: unknown = (pulumi.runtime as unknown as Record<string, unknown>)["isConfigSecret"];
  if (typeof probe === "function") {
    const isSecret = probe as (key: string) => boolean;
    return keys.filter((k) => isSecret(k));
  }
  const env = process.env["PULUMI_CONFIG_SECRET_KEYS"];
  if (env !== undefined) {
    try {
      const parsed: unknown = JSON.parse(env);
      if (Array.isArray(parsed)) return keys.filter((k) => parsed.includes(k));
    } catch {
      // fall through
    }
  }
  return [...keys];
}
