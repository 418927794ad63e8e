import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, ENTRA_CONNECT_MIN_VERSION, LabConfigError, SECRET_PLACEHOLDER, formatConfigIssues, loadLabConfig, parseLabConfig } from "../stacks/config/config";
import { parseEngineValue, rawConfigFromPulumi, readStackConfigFile } from "../stacks/config/config-file";
import type { ConfigIssue, LabConfig } from "../stacks/config/lab-config";
import { base, DELETE, edit, FIXTURES, parse, raw, ROOT, TODAY } from "./support/config-cases";

describe("the shipped stack config", () => {
  it("Pulumi.dev.yaml parses into a valid lab with no issue", () => {
    const rawConfig = readStackConfigFile(path.join(ROOT, "Pulumi.dev.yaml"), "dev", "cmg-lab");
    expect(rawConfig.values).toEqual(edit(base(), { "sync.msiUrl": DELETE }));
    // No MSI ships with the project: the offline plan warns about it first, and nothing else.
    const result = parseLabConfig(rawConfig, { today: TODAY, projectDir: ROOT, offlinePlan: true });
    expect(result.issues.map((i) => `${i.severity} ${i.key}`)).toEqual(["warning cmg-lab:sync.msiFile"]);
    expect(result.issues[0]?.fix).toContain(`(${ENTRA_CONNECT_MIN_VERSION} or later)`);
    // ...and pulumi up refuses it.
    const engine = parseLabConfig(rawConfig, { today: TODAY, projectDir: ROOT });
    expect(engine.config).toBeUndefined();
    expect(engine.issues.map((i) => `${i.severity} ${i.key}`)).toEqual(["error cmg-lab:sync.msiFile"]);
    const config = result.config as LabConfig;
    expect(config.prefix).toBe("cmglab");
    expect(config.domain).toMatchObject({ fqdn: "corp.cmglab.example", netbiosName: "CORP", usersOu: "LabUsers" });
    expect(config.cmg).toMatchObject({ name: "cmglabdev", vmSize: "Standard_B2s", instances: 1, certificate: { kind: "lab-ca" } });
    expect(config.clients).toEqual([{ name: "win11-01", os: "windows-11", network: "internet", pki: false, vmSize: "Standard_B2ms" }]);
    expect(config.schedule).toEqual({ autoShutdown: "19:00", timeZone: "UTC", expiresOn: "2026-12-31" });
  });

  it("Pulumi.dev.yaml holds no secret", () => {
    expect(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).not.toMatch(/secure:|password/i);
  });

  it("Pulumi.yaml declares every key, types only what Pulumi can type, and its defaults equal the loader's", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      name: string;
      main?: string;
      config: Record<string, { type?: string; description?: string; default?: unknown }>;
    };
    expect(project.name).toBe("cmg-lab");
    // No main: the language host must start at the project root (test/engine-load.test.ts).
    expect(project.main).toBeUndefined();
    expect(Object.keys(project.config).sort()).toEqual(CONFIG_KEYS.map((k) => `cmg-lab:${k}`).sort());
    for (const [key, decl] of Object.entries(project.config)) {
      expect(decl.description, key).toBeTruthy();
      if (decl.type !== undefined) expect(["string", "integer", "boolean", "array", "object"], key).toContain(decl.type);
    }
    // Pulumi applies these defaults for absent keys; they must change nothing.
    const defaults = Object.fromEntries(Object.entries(project.config).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
    const minimal = edit(base(), { location: DELETE, discovery: DELETE, clients: DELETE, admin: DELETE });
    const withoutDefaults = parseLabConfig(raw(minimal), { today: TODAY });
    // The engine applies a default only where the stack sets no value (sync holds the MSI here).
    const withDefaults = parseLabConfig(raw({ ...defaults, ...minimal }), { today: TODAY });
    expect(withDefaults.issues).toEqual([]);
    expect(withDefaults.config).toEqual(withoutDefaults.config);
    // sync's default ({}) has no MSI: refused for pulumi up, naming the key.
    const syncDefault = parseLabConfig(raw({ ...edit(minimal, { sync: DELETE }), ...defaults }), { today: TODAY });
    expect(syncDefault.issues.map((i) => `${i.severity} ${i.key}`)).toEqual(["error cmg-lab:sync.msiFile"]);
  });
});

describe("collection, freezing, determinism", () => {
  it("reports every mistake at once", () => {
    const result = parseLabConfig(readStackConfigFile(path.join(FIXTURES, "three-mistakes.yaml"), "dev", "cmg-lab"), { today: TODAY });
    const errors = result.issues.filter((i) => i.severity === "error");
    expect(errors.map((i) => i.key)).toEqual(["cmg-lab:prefix", "cmg-lab:site.siteCode", "cmg-lab:schedule.timeZone"]);
    expect(result.config).toBeUndefined();
    const text = formatConfigIssues(result.issues);
    expect(text.split("\n\n")).toHaveLength(3);
  });

  it("reports many independent mistakes together", () => {
    const result = parse({ prefix: "X", "site.siteCode": "CON", "cmg.name": "CMG", "clients[0].os": "windows-7", "admin.username": "root" });
    expect(result.issues.filter((i) => i.severity === "error").map((i) => i.key)).toEqual([
      "cmg-lab:prefix",
      "cmg-lab:site.siteCode",
      "cmg-lab:clients[0].os",
      "cmg-lab:cmg.name",
      "cmg-lab:admin.username",
    ]);
  });

  it("freezes the config and everything in it", () => {
    const config = parse({ clients: [{ name: "a1", os: "windows-11" }, { name: "b1", os: "windows-10" }] }).config as LabConfig;
    const walk = (value: unknown, at: string): void => {
      if (typeof value !== "object" || value === null || pulumi.Output.isInstance(value)) return;
      expect(Object.isFrozen(value), at).toBe(true);
      for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
    };
    walk(config, "config");
    expect(() => {
      (config.domain.ous as string[]).push("x");
    }).toThrow();
  });

  it("gives deep-equal configs for the same input", () => {
    const values = edit(base(), { "admin.allowedSourceCidrs": ["203.0.113.7/32"] });
    const a = parseLabConfig(raw(values), { today: TODAY });
    const b = parseLabConfig(raw(structuredClone(values)), { today: TODAY });
    expect(a.config).toEqual(b.config);
    expect(a.issues).toEqual(b.issues);
    expect(a.config).not.toBe(b.config);
  });

  it("does not modify its input", () => {
    const values = base();
    const before = structuredClone(values);
    parseLabConfig(raw(values), { today: TODAY });
    expect(values).toEqual(before);
  });

  it("refuses an invalid today option", () => {
    expect(() => parseLabConfig(raw(base()), { today: "25/11/2026" })).toThrow(/YYYY-MM-DD/);
  });
});

describe("secrets", () => {
  it("turns a { secure } value from the stack file into a secret Output", async () => {
    const rawConfig = readStackConfigFile(path.join(FIXTURES, "pfx-secure.yaml"), "pfx", "cmg-lab");
    const cmg = rawConfig.values["cmg-lab:cmg"] as { certificate: { pfxPassword: unknown } };
    expect(cmg.certificate.pfxPassword).toBe(SECRET_PLACEHOLDER);
    const result = parseLabConfig(rawConfig, { today: TODAY, projectDir: FIXTURES });
    expect(result.issues).toEqual([]);
    const cert = result.config?.cmg.certificate;
    if (cert?.kind !== "pfx") throw new Error("expected a pfx certificate");
    expect(cert.pfxFile).toBe("certs/cmg.pfx");
    expect(pulumi.Output.isInstance(cert.pfxPassword)).toBe(true);
    expect(await pulumi.isSecret(cert.pfxPassword)).toBe(true);
  });

  it("keeps a SAS msiUrl the engine decrypted a secret Output, never printed in an issue", async () => {
    const sas = "https://cmglabfiles.blob.core.windows.net/install/AzureADConnect.msi?sv=2024-05-04&sp=r&sig=Never-Shown";
    const ok = parseLabConfig(raw(edit(base(), { "sync.msiUrl": sas }), { secretKeys: ["cmg-lab:sync"] }), { today: TODAY });
    expect(ok.issues).toEqual([]);
    const msi = ok.config?.sync.msi;
    if (msi?.kind !== "url") throw new Error("expected an MSI URL");
    expect(msi.secret).toBe(true);
    expect(pulumi.Output.isInstance(msi.url)).toBe(true);
    expect(await pulumi.isSecret(msi.url as pulumi.Output<string>)).toBe(true);
    const bad = parseLabConfig(raw(edit(base(), { "sync.msiUrl": sas.replace("https:", "http:"), "sync.vmSize": "Standard_B1s" }), { secretKeys: ["cmg-lab:sync"] }), { today: TODAY });
    expect(bad.issues.map((i) => i.key).sort()).toEqual(["cmg-lab:sync.msiUrl", "cmg-lab:sync.vmSize"]);
    expect(formatConfigIssues(bad.issues)).not.toContain("Never-Shown");
    // The plain fields of a secret sync stay readable.
    expect(formatConfigIssues(bad.issues)).toContain("Standard_B1s");
  });

  it("refuses a password written in plain text in the stack file, without printing it", () => {
    const rawConfig = readStackConfigFile(path.join(FIXTURES, "pfx-plaintext.yaml"), "pfx", "cmg-lab");
    const result = parseLabConfig(rawConfig, { today: TODAY, projectDir: FIXTURES });
    expect(result.config).toBeUndefined();
    expect(result.issues.map((i) => i.key)).toEqual(["cmg-lab:cmg.certificate.pfxPassword"]);
    const text = formatConfigIssues(result.issues);
    expect(text).toContain("[secret]");
    expect(text).not.toContain("Plaintext-Hunter2");
    expect(JSON.stringify(result.issues)).not.toContain("Plaintext-Hunter2");
  });

  it("accepts a password the engine decrypted (the key is listed as secret) and keeps it secret", async () => {
    const values = edit(base(), { "cmg.certificate": { pfxFile: "certs/cmg.pfx", pfxPassword: "Engine-Decrypted-1" } });
    const result = parseLabConfig(raw(values, { secretKeys: ["cmg-lab:cmg"] }), { today: TODAY, projectDir: FIXTURES });
    expect(result.issues).toEqual([]);
    const cert = result.config?.cmg.certificate;
    if (cert?.kind !== "pfx") throw new Error("expected a pfx certificate");
    expect(await pulumi.isSecret(cert.pfxPassword)).toBe(true);
  });

  it("never prints a decrypted secret, wherever the mistake is", () => {
    const secret = "S3cret-Never-Shown";
    const cases: Record<string, unknown>[] = [
      // a typo'd field name under the secret key
      edit(base(), { "cmg.certificate": { pfxFile: "certs/none.pfx", pfxPasword: secret, pfxPassword: secret } }),
      // a password of the wrong type
      edit(base(), { "cmg.certificate": { pfxFile: "certs/cmg.pfx", pfxPassword: [secret] } }),
      // a whole secret key of the wrong type
      edit(base(), { cmg: [secret] }),
      // an unknown key made secret
      edit(base(), { token: secret }),
      // a secret prefix that is invalid
      edit(base(), { prefix: `${secret}` }),
    ];
    for (const values of cases) {
      const secretKeys = ["cmg-lab:cmg", "cmg-lab:token", "cmg-lab:prefix"];
      const result = parseLabConfig(raw(values, { secretKeys }), { today: TODAY, projectDir: FIXTURES });
      expect(result.issues.length).toBeGreaterThan(0);
      const text = formatConfigIssues(result.issues);
      expect(text).not.toContain(secret);
      expect(() => loadLabConfig(raw(values, { secretKeys }), { projectDir: FIXTURES })).toThrow(LabConfigError);
      try {
        loadLabConfig(raw(values, { secretKeys }), { projectDir: FIXTURES });
      } catch (e) {
        expect((e as Error).message).not.toContain(secret);
      }
    }
  });

  it("reads the engine's config: JSON values parsed, plain strings kept, secret keys passed on", async () => {
    expect(parseEngineValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseEngineValue("[1,2]")).toEqual([1, 2]);
    expect(parseEngineValue("3")).toBe(3);
    expect(parseEngineValue("true")).toBe(true);
    expect(parseEngineValue("null")).toBe("null");
    expect(parseEngineValue("cmglab")).toBe("cmglab");
    expect(parseEngineValue("2026-12-31")).toBe("2026-12-31");

    const engine: Record<string, string> = {};
    for (const [k, v] of Object.entries(edit(base(), { "cmg.certificate": { pfxFile: "certs/cmg.pfx", pfxPassword: "From-Engine-2" } }))) {
      engine[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    pulumi.runtime.setAllConfig(engine, ["cmg-lab:cmg"]);
    const fromEngine = rawConfigFromPulumi();
    expect(fromEngine.secretKeys).toEqual(["cmg-lab:cmg"]);
    expect(fromEngine.values["cmg-lab:domain"]).toEqual(base()["cmg-lab:domain"]);
    const result = parseLabConfig({ ...fromEngine, stack: "dev", project: "cmg-lab" }, { today: TODAY, projectDir: FIXTURES });
    expect(result.issues).toEqual([]);
    const cert = result.config?.cmg.certificate;
    if (cert?.kind !== "pfx") throw new Error("expected a pfx certificate");
    expect(await pulumi.isSecret(cert.pfxPassword)).toBe(true);
  });
});

describe("unknown keys and namespaces", () => {
  it("suggests the nearest key and lists the known ones otherwise", () => {
    const result = parse({ prefx: "x", discovry: {}, zzzzzz: 1 });
    const byKey = new Map(result.issues.map((i) => [i.key, i]));
    expect(byKey.get("cmg-lab:prefx")?.fix).toContain("did you mean cmg-lab:prefix");
    expect(byKey.get("cmg-lab:discovry")?.fix).toContain("did you mean cmg-lab:discovery");
    expect(byKey.get("cmg-lab:zzzzzz")?.fix).toContain("cmg-lab:schedule");
  });

  it("refuses a path used as a key", () => {
    const result = parseLabConfig(raw({ ...base(), "cmg-lab:sync.ous": ["Workstations"] }), { today: TODAY });
    const issue = result.issues.find((i) => i.key === "cmg-lab:sync.ous");
    expect(issue?.severity).toBe("error");
    expect(issue?.fix).toContain("--path");
  });

  it("warns about a namespace that looks like a typo of the project's, and ignores other namespaces", () => {
    const result = parseLabConfig(raw({ ...base(), "cmglab:prefix": "x", "azure-native:location": "nowhere" }), { today: TODAY });
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ key: "cmglab:prefix", severity: "warning" });
    expect(result.issues[0]?.fix).toContain("cmg-lab:prefix");
  });
});

describe("readStackConfigFile", () => {
  const fileIssue = (fn: () => unknown): ConfigIssue => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(LabConfigError);
      const issues = (e as LabConfigError).issues;
      expect(issues).toHaveLength(1);
      return issues[0] as ConfigIssue;
    }
    throw new Error("expected a LabConfigError");
  };

  it("reports a missing file", () => {
    const issue = fileIssue(() => readStackConfigFile(path.join(FIXTURES, "Pulumi.nope.yaml"), "nope", "cmg-lab"));
    expect(issue.key).toBe("(file)");
    expect(issue.value).toContain("Pulumi.nope.yaml");
    expect(issue.problem).toContain("does not exist");
    expect(issue.fix).toContain("pulumi stack init nope");
  });

  it("reports invalid YAML with its position", () => {
    const issue = fileIssue(() => readStackConfigFile(path.join(FIXTURES, "invalid-yaml.yaml"), "dev", "cmg-lab"));
    expect(issue.key).toBe("(file)");
    expect(issue.problem).toMatch(/not valid YAML at line \d+, column \d+/);
    const error = (() => {
      try {
        readStackConfigFile(path.join(FIXTURES, "invalid-yaml.yaml"), "dev", "cmg-lab");
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/^error: \(file\) = .*invalid-yaml\.yaml: is not valid YAML/);
  });

  it("reports a file that is not a map", () => {
    const issue = fileIssue(() => readStackConfigFile(path.join(FIXTURES, "not-a-map.yaml"), "dev", "cmg-lab"));
    expect(issue.problem).toContain("not a map");
  });

  it("replaces { secure } at any depth and leaves other values alone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-config-"));
    const file = path.join(dir, "Pulumi.deep.yaml");
    fs.writeFileSync(file, "config:\n  cmg-lab:x:\n    list:\n      - { secure: abc }\n      - plain\n    nested: { deeper: { secure: def } }\n    notSecure: { secure: abc, other: 1 }\n  other:top: { secure: ghi }\n");
    const rawConfig = readStackConfigFile(file, "deep", "cmg-lab");
    expect(rawConfig.values).toEqual({
      "cmg-lab:x": { list: [SECRET_PLACEHOLDER, "plain"], nested: { deeper: SECRET_PLACEHOLDER }, notSecure: { secure: "abc", other: 1 } },
      "other:top": SECRET_PLACEHOLDER,
    });
    expect((rawConfig.values["cmg-lab:x"] as { list: unknown[] }).list[0]).toBe(SECRET_PLACEHOLDER);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("treats an empty file as empty config (the loader then asks for the required keys)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-config-"));
    const file = path.join(dir, "Pulumi.empty.yaml");
    fs.writeFileSync(file, "# nothing yet\n");
    const result = parseLabConfig(readStackConfigFile(file, "empty", "cmg-lab"));
    expect(result.issues.filter((i) => i.severity === "error").map((i) => i.key)).toEqual([
      "cmg-lab:prefix",
      "cmg-lab:domain",
      "cmg-lab:tenant",
      "cmg-lab:site",
      "cmg-lab:sync.msiFile",
      "cmg-lab:cmg",
      "cmg-lab:schedule",
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("formatConfigIssues and LabConfigError", () => {
  it("puts errors first, one paragraph each, naming key, value, problem and fix", () => {
    const result = parse({ "domain.fqdn": "corp.contoso.com", "sync.ous": ["LabUsers"] });
    const text = formatConfigIssues(result.issues);
    const paragraphs = text.split("\n\n");
    expect(paragraphs).toHaveLength(2);
    expect(paragraphs[0]).toMatch(/^error: cmg-lab:sync\.ous = \[LabUsers\]: the Workstations OU, where clients are joined, is not in the Entra Connect sync scope/);
    expect(paragraphs[0]).toContain("Fix: add Workstations to cmg-lab:sync.ous.");
    expect(paragraphs[1]).toMatch(/^warning: cmg-lab:domain\.fqdn = corp\.contoso\.com: /);
  });

  it("loadLabConfig throws a LabConfigError carrying the errors, a Pulumi RunError (no stack trace from the engine)", () => {
    try {
      loadLabConfig(raw(edit(base(), { "discovery.activeDirectoryUsers": false })));
      throw new Error("expected a throw");
    } catch (e) {
      expect(e).toBeInstanceOf(LabConfigError);
      expect(e).toBeInstanceOf(Error);
      expect(pulumi.RunError.isInstance(e)).toBe(true);
      const err = e as LabConfigError;
      expect(err.issues.map((i) => i.key)).toEqual(["cmg-lab:discovery.activeDirectoryUsers"]);
      expect(err.message).toBe(formatConfigIssues(err.issues));
    }
  });

  it("loadLabConfig returns the config when there are only warnings", () => {
    const config = loadLabConfig(raw(edit(base(), { "domain.fqdn": "corp.contoso.com" })));
    expect(config.domain.fqdn).toBe("corp.contoso.com");
  });
});

