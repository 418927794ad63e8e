/**
 * `npm run test:ps`: real PowerShell over the in-VM scripts.
 *   1. brings in PowerShell (dotnet local tool, .config/dotnet-tools.json) and Pester (NuGet,
 *      scripts/vm/tests/Pester.csproj, into build/nuget/) when missing;
 *   2. writes the exact run-command text of every script in scripts/vm/ (includes expanded,
 *      transport wrapper) to build/ps/run-commands/, and the strict cmdlet stubs generated from
 *      the catalog to build/ps/CmgLabStubs.psm1;
 *   3. runs scripts/vm/tests/run.ps1 in pwsh: the parser and Windows PowerShell 5.1 gate over
 *      every script, library and run-command text, then Pester over scripts/vm/tests/*.Tests.ps1.
 * Usage: tsx scripts/cli/test-powershell.ts [--gate-only] [--scripts-dir DIR] [--out DIR] [FILTER...]
 * FILTER keeps the Pester files whose name contains it. Exit 0 all green, 1 failures, 2 usage.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SCRIPTS_DIR } from "../../components/run-step";
import { runCli } from "./cli";
import { loadCatalog } from "./pslint";
import { originMap, runCommandTexts } from "./ps-test/run-command-text";
import { stubModuleText } from "./ps-test/stubs";

const ROOT = path.resolve(__dirname, "..", "..");
const TESTS_DIR = path.join(SCRIPTS_DIR, "tests");
const PESTER_PROJECT = path.join(TESTS_DIR, "Pester.csproj");
const USAGE = `usage: npm run test:ps -- [--gate-only] [--scripts-dir DIR] [--out DIR] [FILTER...]

Real PowerShell over the in-VM scripts: the parser and Windows PowerShell 5.1 gate over every
run-command text, then the Pester behaviour tests (scripts/vm/tests/*.Tests.ps1).

  FILTER             run only the Pester files whose name contains FILTER
  --gate-only        the gate, no Pester
  --scripts-dir DIR  scripts to check instead of scripts/vm (with their lib/ and tests/)
  --out DIR          where the run-command texts and stubs go (default build/ps)
  -h, --help         show this help
`;

/** The Pester version, read from the restore project so it is written once. */
function pesterVersion(): string {
  const m = /<PackageDownload Include="Pester" Version="\[([0-9.]+)\]"/.exec(fs.readFileSync(PESTER_PROJECT, "utf8"));
  if (!m?.[1]) throw new Error(`${PESTER_PROJECT}: no pinned Pester PackageDownload`);
  return m[1];
}

/** A test that loops forever (a wait whose clock is not faked) must not hang CI. */
const PWSH_TIMEOUT_MS = 12 * 60_000;

function run(cmd: string, args: readonly string[], quiet: boolean): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    timeout: PWSH_TIMEOUT_MS,
    killSignal: "SIGKILL",
    encoding: "utf8",
    stdio: quiet ? "pipe" : "inherit",
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1", DOTNET_SKIP_FIRST_TIME_EXPERIENCE: "1" },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`'${cmd}' is not on the PATH: install the .NET SDK (dotnet), which brings PowerShell and Pester in through this project's own files`);
  }
  return r;
}

/** `dotnet tool restore` and the Pester restore; both are no-ops when already done. */
function ensureTools(pesterModule: string): void {
  const tool = run("dotnet", ["tool", "restore"], true);
  if (tool.status !== 0) throw new Error(`dotnet tool restore failed:\n${tool.stdout}${tool.stderr}`);
  if (!fs.existsSync(pesterModule)) {
    const r = run("dotnet", ["restore", PESTER_PROJECT], true);
    if (r.status !== 0 || !fs.existsSync(pesterModule)) throw new Error(`restoring Pester failed:\n${r.stdout}${r.stderr}`);
  }
}

async function main(values: { "gate-only"?: boolean; "scripts-dir"?: string; out?: string }, filters: string[]): Promise<number> {
  const scriptsDir = path.resolve(values["scripts-dir"] ?? SCRIPTS_DIR);
  const out = path.resolve(values.out ?? path.join(ROOT, "build", "ps"));
  const pesterModule = path.join(ROOT, "build", "nuget", "pester", pesterVersion(), "tools", "Pester.psd1");
  ensureTools(pesterModule);

  const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".ps1")).sort();
  const texts = await runCommandTexts(scripts, scriptsDir);
  const runCommandDir = path.join(out, "run-commands");
  fs.rmSync(runCommandDir, { recursive: true, force: true });
  fs.mkdirSync(runCommandDir, { recursive: true });
  for (const [file, text] of texts) {
    fs.writeFileSync(path.join(runCommandDir, file), text, "utf8");
    fs.writeFileSync(path.join(runCommandDir, `${file}.map`), originMap(file, scriptsDir, ROOT).join("\n") + "\n", "utf8");
  }
  const stubModule = path.join(out, "CmgLabStubs.psm1");
  fs.writeFileSync(stubModule, stubModuleText(loadCatalog()), "utf8");

  const testsDir = path.join(scriptsDir, "tests");
  const testFiles = fs.existsSync(testsDir)
    ? fs.readdirSync(testsDir).filter((f) => f.endsWith(".Tests.ps1") && (filters.length === 0 || filters.some((x) => f.includes(x)))).sort()
    : [];
  const args = [
    "tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-File", path.join(TESTS_DIR, "run.ps1"),
    "-SourceDir", scriptsDir,
    "-RunCommandDir", runCommandDir,
    "-StubModule", stubModule,
    "-PesterModule", pesterModule,
    ...(values["gate-only"] ? ["-GateOnly"] : []),
    ...(testFiles.length > 0 ? ["-TestPath", testFiles.map((f) => path.join(testsDir, f)).join(",")] : []),
  ];
  const r = run("dotnet", args, false);
  if (r.signal) console.error(`test:ps: pwsh was stopped after ${PWSH_TIMEOUT_MS / 60_000} minutes (${r.signal}): a test waits for real; fake its clock with . Use-FakeClock`);
  return r.status === 0 ? 0 : 1;
}

runCli(
  {
    name: "test:ps",
    usage: USAGE,
    positionals: true,
    options: { "gate-only": { type: "boolean" }, "scripts-dir": { type: "string" }, out: { type: "string" } },
  },
  process.argv.slice(2),
  main,
);
