/**
 * Loads the program (or the policy pack) the way `pulumi up` does, without a Pulumi CLI: each
 * function mirrors one piece of the CLI or of the Node language host at the version this project
 * pins (@pulumi/pulumi 3.248.0; Go sources of pulumi/pulumi at tag v3.248.0), so that a test can
 * catch what only the real engine would otherwise show on the first `pulumi up`:
 *
 * - the program directory and entry point from Pulumi.yaml `main` (pkg/engine/project.go
 *   getPwdMain; policy packs: the pack's folder and ".");
 * - the provider packages the language host reports to the engine, found by walking node_modules
 *   from the program directory down (sdk/nodejs/cmd/pulumi-language-nodejs/main.go
 *   GetRequiredPackages / getPackagesFromDir); a package it misses is fetched on demand;
 * - config as the engine hands it over: stack values plus Pulumi.yaml defaults
 *   (sdk/go/common/workspace/config.go ValidateStackConfigAndApplyProjectConfig and
 *   createConfigValue), every value a string and objects as JSON, in PULUMI_CONFIG with the
 *   `<namespace>:config:<name>` keys of constructConfig, and the secret keys in
 *   PULUMI_CONFIG_SECRET_KEYS;
 * - the process: `node [nodeargs] <@pulumi/pulumi/cmd/run located from the program directory>
 *   --monitor ... --project ... --root-directory ... --stack ... --pwd <program directory>
 *   <entry point>` with PULUMI_NODEJS_TYPESCRIPT=true (constructArguments, execRuntime), so the
 *   SDK's own cmd/run does the chdir, the tsconfig lookup, the ts-node registration and the
 *   `require` of the entry. Policy packs: `node @pulumi/pulumi/cmd/run-policy-pack <engine>
 *   <pack dir>` started in the pack's folder (RunPlugin, kind analyzer).
 *
 * The only addition is test/support/langhost-preload.cjs (mocks instead of the engine's monitor,
 * and a report of what the SDK's TypeScript loader did).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

export const WORKTREE = path.resolve(__dirname, "..", "..");
const PRELOAD = path.join(__dirname, "langhost-preload.cjs");

export interface ConfigDeclaration {
  readonly type?: string;
  readonly items?: { readonly type: string };
  readonly description?: string;
  readonly default?: unknown;
  readonly secret?: boolean;
}

export interface ProjectFile {
  readonly name: string;
  readonly main?: string;
  readonly runtime: { readonly name: string; readonly options?: { typescript?: boolean; tsconfigpath?: string; nodeargs?: string } };
  readonly config?: Record<string, ConfigDeclaration>;
  readonly requiredPulumiVersion?: string;
}

export function readProject(root: string): ProjectFile {
  return parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** pkg/engine/project.go getPwdMain: the language host's working directory and entry point. */
export function pwdMain(root: string, main: string | undefined): { pwd: string; entryPoint: string } {
  if (main === undefined || main === "") return { pwd: root, entryPoint: "." };
  const full = path.isAbsolute(main) ? main : path.join(root, main);
  if (fs.statSync(full).isDirectory()) return { pwd: full, entryPoint: "." };
  return { pwd: path.dirname(full), entryPoint: path.basename(full) };
}

/** sdk/go/common/workspace/project.go ValidateConfigValue: the only check the CLI makes of a typed key's value. */
export function cliAcceptsValue(type: string, items: { type: string } | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[-+]?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return Array.isArray(value) && items !== undefined && value.every((v) => cliAcceptsValue(items.type, undefined, v));
  }
}

/** The config values the engine sends for a stack: stack values, then Pulumi.yaml defaults for absent keys; strings, objects as JSON. */
export function engineConfigEnv(
  project: ProjectFile,
  stackValues: Record<string, unknown>,
  secretKeys: readonly string[],
): { PULUMI_CONFIG: string; PULUMI_CONFIG_SECRET_KEYS: string } {
  const values: Record<string, unknown> = { ...stackValues };
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    if (!(full in values) && decl.default !== undefined) values[full] = decl.default;
  }
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const at = key.indexOf(":");
    // constructConfig: the language host still sends the old `<namespace>:config:<name>` form; the SDK strips it.
    config[`${key.slice(0, at)}:config:${key.slice(at + 1)}`] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
  }
  return { PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
}

export interface RequiredPackage {
  readonly name: string;
  readonly version: string;
  readonly packageJson: string;
}

/**
 * GetRequiredPackages: every package.json inside a node_modules below the program directory
 * whose `pulumi.resource` is true. Symlinks are followed once; folders holding a
 * PulumiPolicy.yaml (policy packs) are skipped.
 */
export function requiredPackages(programDir: string): RequiredPackage[] {
  const found: RequiredPackage[] = [];
  const visited = new Set<string>();
  const walk = (dir: string, inNodeModules: boolean): void => {
    const abs = path.resolve(dir);
    if (visited.has(abs)) return;
    visited.add(abs);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      let curr = path.join(abs, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          curr = fs.realpathSync(curr);
          isDir = fs.statSync(curr).isDirectory();
        } catch {
          continue;
        }
      }
      if (isDir) {
        if (fs.existsSync(path.join(curr, "PulumiPolicy.yaml"))) continue;
        walk(curr, inNodeModules || path.basename(abs) === "node_modules");
      } else if (inNodeModules && entry.name === "package.json") {
        let info: { name?: string; version?: string; pulumi?: { resource?: boolean; name?: string; version?: string } };
        try {
          info = JSON.parse(fs.readFileSync(curr, "utf8")) as typeof info;
        } catch {
          continue;
        }
        if (info.pulumi?.resource === true) {
          const name = info.pulumi.name ?? (info.name ?? "").replace(/^@pulumi\//, "");
          found.push({ name, version: info.pulumi.version ?? info.version ?? "", packageJson: curr });
        }
      }
    }
  };
  walk(programDir, false);
  return found;
}

/** locateModule: the language host resolves the SDK's runner from the program directory (`node -e require.resolve(...)`). */
export function locateModule(mod: string, programDir: string): string {
  return createRequire(path.join(programDir, "noop.js")).resolve(mod);
}

export interface LoadReport {
  readonly mode: "program" | "policy-pack";
  readonly exitCode: number;
  readonly cwd: string;
  readonly tsconfigRead: readonly string[];
  readonly compilerOptions: Record<string, unknown> | undefined;
  readonly typescriptVersion: string;
  readonly typescriptPath: string;
  readonly languageServiceCreated: boolean;
  readonly registrations: readonly { type: string; name: string; custom: boolean }[];
  readonly mocksError: string | undefined;
  readonly entryLoaded: boolean;
  readonly entryExports: readonly string[];
  readonly providerModules: readonly string[];
  readonly projectModules: readonly string[];
}

export interface ProgramRun {
  readonly root: string;
  readonly pwd: string;
  readonly entryPoint: string;
  /** The program file cmd/run should end up requiring (package.json `main` or Pulumi.yaml `main`). */
  readonly entryFile: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: LoadReport | undefined;
  readonly packages: readonly RequiredPackage[];
}

function spawnCollect(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; onStdout?: (text: string, kill: () => void) => void },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const kill = (): void => {
      child.kill("SIGTERM");
    };
    const timer = setTimeout(() => {
      stderr += `\n[engine-host] timed out after ${options.timeoutMs} ms\n`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, kill);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of the child: the test runner's own loader options must not leak into it. */
function childEnv(extra: Record<string, string>, scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === "NODE_OPTIONS" || key.startsWith("VITEST") || key.startsWith("TS_NODE_") || key.startsWith("PULUMI_")) delete env[key];
  }
  // ts-node's output cache (on by default) goes to the scratch folder, not to the shared temp dir.
  return { ...env, TS_NODE_CACHE_DIRECTORY: path.join(scratch, "ts-node-cache"), ...extra };
}

function readReport(file: string): LoadReport | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as LoadReport) : undefined;
}

export interface ProgramRunOptions {
  readonly stack: string;
  readonly stackValues: Record<string, unknown>;
  readonly secretKeys?: readonly string[];
  readonly dryRun?: boolean;
  readonly timeoutMs?: number;
}

/** Runs the project's program as the Node language host would for `pulumi up`, under the lab's mocks. */
export async function runProgramAsEngine(root: string, options: ProgramRunOptions): Promise<ProgramRun> {
  const project = readProject(root);
  const { pwd, entryPoint } = pwdMain(root, project.main);
  const runPath = locateModule("@pulumi/pulumi/cmd/run", pwd);
  const sdkDir = path.dirname(locateModule("@pulumi/pulumi/package.json", pwd));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { main?: string };
  const entryFile = fs.realpathSync(entryPoint === "." ? path.join(root, pkg.main ?? "index.js") : path.join(pwd, entryPoint));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-engine-run-"));
  const reportFile = path.join(scratch, "report.json");
  const opts = project.runtime.options ?? {};
  const args = [
    ...(opts.nodeargs ? opts.nodeargs.split(/\s+/).filter(Boolean) : []),
    "--require",
    PRELOAD,
    runPath,
    "--monitor",
    "127.0.0.1:0", // never dialled: the preload puts the mocks in place first
    "--project",
    project.name,
    "--root-directory",
    root,
    "--stack",
    options.stack,
    "--pwd",
    pwd,
    ...(options.dryRun ? ["--dry-run"] : []),
    "--parallel",
    "16",
    entryPoint,
  ];
  const env = childEnv(
    {
      ...engineConfigEnv(project, options.stackValues, options.secretKeys ?? []),
      ...(opts.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
      ...(opts.tsconfigpath ? { PULUMI_NODEJS_TSCONFIG_PATH: opts.tsconfigpath } : {}),
      // What cmd/run/index.js sets from its flags; the preload needs them before it runs.
      PULUMI_NODEJS_PROJECT: project.name,
      PULUMI_NODEJS_STACK: options.stack,
      PULUMI_NODEJS_DRY_RUN: options.dryRun ? "true" : "false",
      CMG_ENGINE_LOAD_REPORT: reportFile,
      CMG_ENGINE_LOAD_MODE: "program",
      CMG_ENGINE_LOAD_SDK: sdkDir,
      CMG_ENGINE_LOAD_ROOT: root,
      CMG_ENGINE_LOAD_ENTRY: entryFile,
    },
    scratch,
  );
  try {
    // The CLI starts the language host from where `pulumi up` was typed: the project root.
    const result = await spawnCollect(args, { cwd: root, env, timeoutMs: options.timeoutMs ?? 240_000 });
    return { root, pwd, entryPoint, entryFile, exitCode: result.code, stdout: result.stdout, stderr: result.stderr, report: readReport(reportFile), packages: requiredPackages(pwd) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface PolicyPackRun {
  readonly packDir: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly report: LoadReport | undefined;
  /** GetAnalyzerInfo as the engine asks it, once the pack printed its port. */
  readonly analyzerInfo: { name: string; version: string; policies: string[] } | undefined;
}

/** Starts a policy pack the way `pulumi up --policy-pack DIR` does, asks it for its analyzer info, and stops it. */
export async function runPolicyPackAsEngine(packDir: string, timeoutMs = 240_000): Promise<PolicyPackRun> {
  const runPath = locateModule("@pulumi/pulumi/cmd/run-policy-pack", packDir);
  const sdkDir = path.dirname(locateModule("@pulumi/pulumi/package.json", packDir));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-engine-pack-"));
  const reportFile = path.join(scratch, "report.json");
  const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { main?: string };
  const entryFile = fs.realpathSync(path.join(packDir, pkg.main ?? "index.js"));
  const env = childEnv(
    { CMG_ENGINE_LOAD_REPORT: reportFile, CMG_ENGINE_LOAD_MODE: "policy-pack", CMG_ENGINE_LOAD_SDK: sdkDir, CMG_ENGINE_LOAD_ENTRY: entryFile },
    scratch,
  );
  let info: PolicyPackRun["analyzerInfo"];
  let asked = false;
  let askError: unknown;
  try {
    const result = await spawnCollect(["--require", PRELOAD, runPath, "127.0.0.1:0", packDir], {
      cwd: packDir,
      env,
      timeoutMs,
      onStdout: (stdout, kill) => {
        const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
        if (port === undefined || asked) return;
        asked = true;
        analyzerInfo(sdkDir, Number(port))
          .then((i) => (info = i))
          .catch((e: unknown) => (askError = e))
          .finally(kill);
      },
    });
    const stderr = askError !== undefined ? `${result.stderr}\n[engine-host] GetAnalyzerInfo failed: ${String(askError)}` : result.stderr;
    return { packDir, exitCode: result.code, stderr, report: readReport(reportFile), analyzerInfo: info };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The engine's first call to a policy pack, over the SDK's own gRPC stubs. */
function analyzerInfo(sdkDir: string, port: number): Promise<{ name: string; version: string; policies: string[] }> {
  const sdkRequire = createRequire(path.join(sdkDir, "package.json"));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const grpc = sdkRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const services = sdkRequire("./proto/analyzer_grpc_pb") as { AnalyzerClient: new (addr: string, creds: unknown) => Record<string, unknown> };
  const empty = sdkRequire("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
  const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  type Info = { getName(): string; getVersion(): string; getPoliciesList(): { getName(): string }[] };
  return new Promise((resolve, reject) => {
    (client.getAnalyzerInfo as (req: unknown, cb: (err: unknown, resp: Info) => void) => void).call(client, new empty.Empty(), (err, resp) => {
      (client.close as () => void).call(client);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve({ name: resp.getName(), version: resp.getVersion(), policies: resp.getPoliciesList().map((p) => p.getName()) });
    });
  });
}

/**
 * What would go wrong on the first `pulumi up` (empty: nothing). `root` is the project directory;
 * `tsconfig` the file the loader must read.
 */
export function loadProblems(
  run: { report: LoadReport | undefined; exitCode: number | null; stderr: string },
  expect: { root: string; cwd: string; tsconfig: string; entryFile: string; providers: readonly string[]; packages?: readonly RequiredPackage[] },
): string[] {
  const problems: string[] = [];
  const r = run.report;
  if (r === undefined) return [`no load report (exit ${run.exitCode}): ${run.stderr.slice(0, 2000)}`];
  const real = (p: string): string => (fs.existsSync(p) ? fs.realpathSync(p) : p);
  if (real(r.cwd) !== real(expect.cwd)) problems.push(`cwd: the language host ran the program in ${r.cwd}, not ${expect.cwd}`);
  if (!r.tsconfigRead.map(real).includes(real(expect.tsconfig))) {
    problems.push(`tsconfig: the SDK's ts-node read ${r.tsconfigRead.length ? r.tsconfigRead.join(", ") : "no tsconfig"}, not ${expect.tsconfig}`);
  }
  if (!r.languageServiceCreated) problems.push("ts-node never type-checked: the loader was not observed");
  else if (r.compilerOptions?.strict !== true) problems.push(`tsconfig: the loader compiled without strict (options: ${JSON.stringify(r.compilerOptions)})`);
  if (!r.entryLoaded) problems.push(`entry: ${expect.entryFile} was not loaded (exit ${run.exitCode}): ${run.stderr.slice(0, 3000)}`);
  if (run.exitCode !== 0) problems.push(`exit: the process ended with ${run.exitCode}: ${run.stderr.slice(0, 3000)}`);
  if (r.mocksError) problems.push(`mocks: ${r.mocksError.slice(0, 1000)}`);
  const nodeModules = real(path.join(expect.root, "node_modules")) + path.sep;
  for (const p of r.providerModules) if (!real(p).startsWith(nodeModules)) problems.push(`provider: ${p} resolved from outside ${expect.root}`);
  for (const provider of expect.providers) {
    if (!r.providerModules.some((m) => m.includes(`${path.sep}@pulumi${path.sep}${provider}${path.sep}`))) problems.push(`provider: @pulumi/${provider} was not loaded`);
    if (expect.packages !== undefined && !expect.packages.some((p) => p.name === provider)) {
      problems.push(`plugins: the language host would not report ${provider} to the engine (nothing under node_modules below the program directory); it would be fetched on demand`);
    }
  }
  return problems;
}

/** Files and folders a project copy needs to run (no tests, no node_modules). */
const PROJECT_ENTRIES = ["package.json", "package-lock.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.dev.yaml", "stacks", "components", "scripts"];

/** A copy of the project in a temp folder; `nodeModules: "link"` points its node_modules at the worktree's. */
export function copyProject(nodeModules: "link" | "none", from = WORKTREE): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cmg-engine-project-")));
  for (const entry of PROJECT_ENTRIES) {
    const src = path.join(from, entry);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dir, entry), { recursive: true, filter: (s) => !path.relative(from, s).split(path.sep).includes("node_modules") });
  }
  if (nodeModules === "link") fs.symlinkSync(path.join(from, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}
