/**
 * The program and the policy pack loaded as `pulumi up` loads them (test/support/engine-host.ts):
 * the language host's working directory from Pulumi.yaml, the SDK's own cmd/run with its
 * tsconfig lookup, ts-node registration and `require` of the entry, config as the engine passes
 * it (stack values, Pulumi.yaml defaults, a secret), the lab's mocks instead of the engine.
 * Each check has a control that reintroduces the mistake it guards against.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseDocument } from "yaml";
import { makePfx, threeTier } from "./support/pki";
import {
  cliAcceptsValue,
  copyProject,
  engineConfigEnv,
  loadProblems,
  readProject,
  runPolicyPackAsEngine,
  runProgramAsEngine,
  WORKTREE,
  type ProgramRun,
} from "./support/engine-host";

const PFX_PASSWORD = "Engine-Decrypted-Pfx-1";
const PROVIDERS = ["azure-native", "azuread", "random"];

/** Pulumi.dev.yaml's values, with the CMG certificate supplied as a PFX whose password is a secret. */
function stackValues(root: string): { values: Record<string, unknown>; secretKeys: string[] } {
  const dev = parseYaml(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  const values = { ...dev.config };
  // Left out so that Pulumi.yaml's defaults are what the program gets for them.
  delete values["cmg-lab:discovery"];
  delete values["cmg-lab:admin"];
  const cmg = values["cmg-lab:cmg"] as Record<string, unknown>;
  const chain = threeTier(`${String(cmg.name)}.westeurope.cloudapp.azure.com`);
  fs.mkdirSync(path.join(root, "certs"), { recursive: true });
  fs.writeFileSync(path.join(root, "certs", "cmg.pfx"), makePfx(chain.server.key, [chain.server.cert, chain.intermediate.cert, chain.root.cert], PFX_PASSWORD));
  values["cmg-lab:cmg"] = { ...cmg, certificate: { pfxFile: "certs/cmg.pfx", pfxPassword: PFX_PASSWORD } };
  // Pulumi.dev.yaml names no Entra Connect MSI (pulumi up refuses it): an MSI-shaped file, uploaded from the project.
  fs.mkdirSync(path.join(root, "media"), { recursive: true });
  fs.writeFileSync(path.join(root, "media", "AzureADConnect.msi"), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]));
  values["cmg-lab:sync"] = { ...(values["cmg-lab:sync"] as object), msiFile: "media/AzureADConnect.msi" };
  return { values, secretKeys: ["cmg-lab:cmg"] };
}

function expectations(run: ProgramRun) {
  return { root: run.root, cwd: run.root, tsconfig: path.join(run.root, "tsconfig.json"), entryFile: run.entryFile, providers: PROVIDERS, packages: run.packages };
}

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
});

describe("Pulumi.yaml as the CLI reads it", () => {
  const project = readProject(WORKTREE);
  const dev = parseYaml(fs.readFileSync(path.join(WORKTREE, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };

  it("names no main, so the language host starts at the project root, and pins the CLI that accepts its types", () => {
    expect(project.main).toBeUndefined();
    expect(project.requiredPulumiVersion).toBe(">=3.187.0");
  });

  it("types every key, and the CLI's type check accepts every default and every value of Pulumi.dev.yaml", () => {
    const decls = Object.entries(project.config ?? {});
    // Each conditional check below has cases to check.
    expect(decls.filter(([, d]) => d.type === "array").length).toBeGreaterThan(0);
    expect(decls.filter(([, d]) => d.default !== undefined).length).toBeGreaterThan(0);
    expect(decls.filter(([key]) => dev.config[key] !== undefined).length).toBeGreaterThan(0);
    for (const [key, decl] of decls) {
      expect(decl.type, key).toBeDefined();
      if (decl.type === "array") expect(decl.items, key).toBeDefined();
      if (decl.default !== undefined) expect(cliAcceptsValue(decl.type ?? "", decl.items, decl.default), `${key} default`).toBe(true);
      const value = dev.config[key];
      if (value !== undefined) expect(cliAcceptsValue(decl.type ?? "", decl.items, value), `${key} in Pulumi.dev.yaml`).toBe(true);
    }
    expect(project.config?.["cmg-lab:clients"]).toMatchObject({ type: "array", items: { type: "object" } });
    // Control: the check refuses what the CLI refuses.
    expect(cliAcceptsValue("object", undefined, "lab-ca")).toBe(false);
    expect(cliAcceptsValue("array", { type: "object" }, [{ name: "a" }, "b"])).toBe(false);
  });

  it("hands over config as the engine does: stack values, then defaults, objects as JSON, old-style keys", () => {
    const env = engineConfigEnv(project, { "cmg-lab:prefix": "cmglab", "cmg-lab:cmg": { name: "x" } }, ["cmg-lab:cmg"]);
    const config = JSON.parse(env.PULUMI_CONFIG) as Record<string, string>;
    expect(config["cmg-lab:config:prefix"]).toBe("cmglab");
    expect(config["cmg-lab:config:cmg"]).toBe('{"name":"x"}');
    expect(config["cmg-lab:config:location"]).toBe("westeurope");
    expect(config["cmg-lab:config:discovery"]).toBe("{}");
    expect(JSON.parse(config["cmg-lab:config:clients"] ?? "null")).toEqual([{ name: "win11-01", os: "windows-11", network: "internet" }]);
    expect(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS)).toEqual(["cmg-lab:cmg"]);
  });
});

describe("the program, loaded as pulumi up loads it", () => {
  let run: ProgramRun;
  let control: ProgramRun;

  beforeAll(async () => {
    const root = copyProject("link");
    const withMain = copyProject("link");
    copies.push(root, withMain);
    // Control: the `main:` this project used to have.
    const file = path.join(withMain, "Pulumi.yaml");
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    doc.set("main", "stacks/index.ts");
    fs.writeFileSync(file, doc.toString());
    const [a, b] = await Promise.all([
      runProgramAsEngine(root, { stack: "dev", ...secretStack(root) }),
      runProgramAsEngine(withMain, { stack: "dev", ...secretStack(withMain) }),
    ]);
    run = a;
    control = b;
  }, 300_000);

  function secretStack(root: string) {
    const { values, secretKeys } = stackValues(root);
    return { stackValues: values, secretKeys };
  }

  it("runs from the project root with its tsconfig, its TypeScript and its own provider packages", () => {
    expect(loadProblems(run, expectations(run))).toEqual([]);
    expect(run.pwd).toBe(run.root);
    expect(run.entryPoint).toBe(".");
    expect(run.report?.compilerOptions).toMatchObject({ strict: true, noUncheckedIndexedAccess: true, target: 9 /* ES2022 */ });
    expect(run.report?.typescriptVersion).toBe(JSON.parse(fs.readFileSync(path.join(WORKTREE, "node_modules", "typescript", "package.json"), "utf8")).version);
    // The language host reports the providers at the versions package.json pins.
    const pins = (JSON.parse(fs.readFileSync(path.join(WORKTREE, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
    for (const p of PROVIDERS) expect(run.packages.find((x) => x.name === p)?.version, p).toBe(pins[`@pulumi/${p}`]);
  });

  it("builds the lab from the engine's config (defaults from Pulumi.yaml, the PFX password as a secret) and exports its outputs", () => {
    const report = run.report;
    expect(report?.entryExports).toEqual(expect.arrayContaining(["resourceGroupName", "adminUsername", "cmgServiceFqdn", "startVmsCommand"]));
    expect(report?.entryExports.length).toBeGreaterThanOrEqual(15);
    const registrations = report?.registrations ?? [];
    expect(registrations.filter((r) => r.custom).length).toBeGreaterThan(50);
    // certificate: { pfxFile, pfxPassword } was accepted (the loader refuses a plain-text password that is not an engine secret).
    expect(registrations.some((r) => /pfx|import/i.test(r.name) && r.type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine")).toBe(true);
    // sync.msiFile was accepted: the MSI goes to a private blob.
    expect(registrations.some((r) => r.type === "azure-native:storage:Blob")).toBe(true);
    // Bastion default from Pulumi.yaml's `admin: {}`: the loader's default (basic).
    expect(registrations.some((r) => r.type === "azure-native:network:BastionHost")).toBe(true);
  });

  it("control: with `main: stacks/index.ts` the language host starts in stacks/, misses the tsconfig and the providers", () => {
    expect(control.pwd).toBe(path.join(control.root, "stacks"));
    const problems = loadProblems(control, expectations(control));
    expect(problems.some((p) => p.startsWith("cwd:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("tsconfig:") && p.includes("no tsconfig"))).toBe(true);
    expect(problems.filter((p) => p.startsWith("plugins:"))).toHaveLength(PROVIDERS.length);
    // Not strict, not the project's target: ts-node's defaults.
    expect(control.report?.compilerOptions?.strict).not.toBe(true);
  });
});

describe("the policy pack, loaded as pulumi up --policy-pack stacks/policy-pack loads it", () => {
  it("compiles with its own tsconfig and serves the pack named in index.ts at the version of its package.json", async () => {
    const root = copyProject("link");
    copies.push(root);
    const packDir = path.join(root, "stacks", "policy-pack");
    const run = await runPolicyPackAsEngine(packDir);
    expect(run.analyzerInfo, run.stderr).toBeDefined();
    expect(run.analyzerInfo?.name).toBe("cmg-lab-guardrails");
    expect(run.analyzerInfo?.version).toBe("0.1.0");
    expect(run.analyzerInfo?.policies).toEqual(expect.arrayContaining(["runbook-order", "entra-secret-lifetime"]));
    expect(run.report?.cwd).toBe(packDir);
    expect(run.report?.tsconfigRead).toEqual([path.join(packDir, "tsconfig.json")]);
    expect(run.report?.compilerOptions).toMatchObject({ strict: true });
    expect(run.report?.entryLoaded).toBe(true);
    expect(run.report?.projectModules).toEqual(expect.arrayContaining([path.join(root, "stacks", "model", "runbook.ts"), path.join(packDir, "policies.ts")]));
  }, 300_000);
});
