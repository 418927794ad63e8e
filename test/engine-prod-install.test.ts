/**
 * A production install (`npm ci --omit=dev`, or NODE_ENV=production) still loads as `pulumi up`
 * loads it: the SDK compiles the program and the policy pack with the project's `typescript`
 * only if that is a dependency; otherwise it falls back to its vendored TypeScript 3.8, which
 * cannot parse `import { type X }`. The type packages the tsconfig names (`types: ["node"]`, and
 * node-forge's under noImplicitAny) are needed at load time too: ts-node type-checks.
 *
 * Two production installs of the project: `npm ci --omit=dev`, and the slimmer
 * `npm ci --omit=dev --omit=optional` (slim images, like `pnpm install --prod`, drop optional
 * peers). The second matters for TypeScript: @pulumi/pulumi declares `typescript` an optional
 * peer, so a devDependency `typescript` is locked as `devOptional`, which `--omit=dev` alone
 * keeps. The control, with TypeScript back in devDependencies, is installed the slim way.
 * Each `npm ci` runs in a temp copy; npm's cache makes it a few seconds.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { copyProject, loadProblems, runPolicyPackAsEngine, runProgramAsEngine, type PolicyPackRun, type ProgramRun } from "./support/engine-host";

const run = promisify(execFile);
const PROVIDERS = ["azure-native", "azuread", "random"];
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

async function npm(dir: string, args: readonly string[]): Promise<void> {
  // An explicit loglevel: the project's .npmrc is silent (plan JSON on stdout), and a failing install should say why.
  await run(NPM, [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, env: { ...process.env, NODE_ENV: "production" }, maxBuffer: 16 * 1024 * 1024 });
}

/** Every copy made, removed after the tests even when an install fails. */
const dirs: string[] = [];

async function productionCopy(omit: readonly string[], edit?: (dir: string) => Promise<void>): Promise<string> {
  const dir = copyProject("none");
  dirs.push(dir);
  if (edit) await edit(dir);
  await npm(dir, ["ci", ...omit.map((o) => `--omit=${o}`)]);
  return dir;
}

async function load(root: string): Promise<{ program: ProgramRun; pack: PolicyPackRun }> {
  const dev = parseYaml(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  const [program, pack] = await Promise.all([
    runProgramAsEngine(root, { stack: "dev", stackValues: withMsi(dev.config) }),
    runPolicyPackAsEngine(path.join(root, "stacks", "policy-pack")),
  ]);
  return { program, pack };
}

/** Pulumi.dev.yaml names no Entra Connect MSI, which pulumi up refuses: a URL the user hosts. */
const withMsi = (config: Record<string, unknown>): Record<string, unknown> => ({
  ...config,
  "cmg-lab:sync": { ...(config["cmg-lab:sync"] as object), msiUrl: "https://media.example.test/AzureADConnect.msi" },
});

const expectations = (r: ProgramRun) => ({ root: r.root, cwd: r.root, tsconfig: path.join(r.root, "tsconfig.json"), entryFile: r.entryFile, providers: PROVIDERS, packages: r.packages });

describe("npm ci --omit=dev, then the engine's load", () => {
  let prod: { program: ProgramRun; pack: PolicyPackRun };
  let slim: { program: ProgramRun; pack: PolicyPackRun };
  let control: { program: ProgramRun; pack: PolicyPackRun };
  let controlRoot = "";

  beforeAll(async () => {
    const [a, b, c] = await Promise.all([
      productionCopy(["dev"]),
      // Control: the package.json this project used to have, TypeScript only a devDependency.
      productionCopy(["dev", "optional"], async (dir) => {
        const file = path.join(dir, "package.json");
        const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
        const ts = pkg.dependencies.typescript ?? pkg.devDependencies.typescript;
        if (ts === undefined) throw new Error("package.json names no typescript");
        delete pkg.dependencies.typescript;
        pkg.devDependencies.typescript = ts;
        fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
        await npm(dir, ["install", "--package-lock-only", "--ignore-scripts"]);
      }),
      productionCopy(["dev", "optional"]),
    ]);
    controlRoot = b;
    // One load at a time: each is a type-checking compile of the whole program.
    prod = await load(a);
    control = await load(b);
    slim = await load(c);
  }, 600_000);

  // Three node_modules trees of some 250 MB each: removing them takes a while on a slow disk.
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => fs.promises.rm(dir, { recursive: true, force: true })));
  }, 300_000);

  it("installs no devDependency (vitest, tsx) but the project's TypeScript", () => {
    const root = prod.program.root;
    expect(fs.existsSync(path.join(root, "node_modules", "vitest"))).toBe(false);
    expect(fs.existsSync(path.join(root, "node_modules", "tsx"))).toBe(false);
    expect(prod.program.report?.typescriptPath).toBe(path.join(root, "node_modules", "typescript", "lib", "typescript.js"));
  });

  it("the program loads and builds the lab", () => {
    expect(loadProblems(prod.program, expectations(prod.program))).toEqual([]);
    expect(prod.program.report?.registrations.filter((r) => r.custom).length).toBeGreaterThan(50);
  });

  it("the policy pack loads and serves its policies", () => {
    expect(prod.pack.analyzerInfo?.name, prod.pack.stderr).toBe("cmg-lab-guardrails");
    expect(prod.pack.report?.typescriptVersion).toBe(prod.program.report?.typescriptVersion);
    expect(prod.pack.report?.compilerOptions).toMatchObject({ strict: true });
  });

  it("the same after the slimmer npm ci --omit=dev --omit=optional", () => {
    expect(loadProblems(slim.program, expectations(slim.program))).toEqual([]);
    expect(slim.program.report?.typescriptVersion).toBe(prod.program.report?.typescriptVersion);
    expect(slim.pack.analyzerInfo?.name, slim.pack.stderr).toBe("cmg-lab-guardrails");
  });

  it("control: with TypeScript only in devDependencies the SDK falls back to TypeScript 3.8 and neither compiles", () => {
    // Why --omit=dev alone would keep it: dev for the project, an optional peer for @pulumi/pulumi.
    const lock = JSON.parse(fs.readFileSync(path.join(controlRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { devOptional?: boolean }> };
    expect(lock.packages["node_modules/typescript"]?.devOptional).toBe(true);
    expect(fs.existsSync(path.join(controlRoot, "node_modules", "typescript"))).toBe(false);
    expect(control.program.report?.typescriptVersion).toBe("3.8.3");
    expect(control.program.exitCode).not.toBe(0);
    expect(control.program.report?.entryLoaded).toBe(false);
    expect(control.program.stderr).toMatch(/Unable to compile TypeScript/);
    expect(control.pack.report?.typescriptVersion).toBe("3.8.3");
    expect(control.pack.analyzerInfo).toBeUndefined();
    expect(control.pack.stderr).toMatch(/Unable to compile TypeScript/);
  });
});
