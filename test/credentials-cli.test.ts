/**
 * `npm run credentials` as a command: it reads `pulumi stack export --show-secrets` from the
 * Pulumi CLI on the PATH (here a stand-in script printing a generated export of 50 MB, past
 * Node's default 1 MiB output buffer), and says in one line how to install the CLI when there is
 * none.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const secret = (v: string) => ({ ...SIG, plaintext: JSON.stringify(v) });
const STEP = "urn:pulumi:dev::cmg-lab::cmg-lab:lab:Lab$cmg-lab:runbook:Step";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-credentials-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A stack export of at least `bytes`: the credential resources, then run commands with long output. */
function writeExport(file: string, bytes: number): void {
  const output = "x".repeat(64 * 1024);
  const filler = Array.from({ length: Math.ceil(bytes / output.length) }, (_, i) => ({
    urn: `${STEP}$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::rc-${i}`,
    type: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    outputs: { instanceView: { output } },
  }));
  const doc = {
    version: 3,
    deployment: {
      resources: [
        { urn: "urn:pulumi:dev::cmg-lab::pulumi:pulumi:Stack::cmg-lab-dev", type: "pulumi:pulumi:Stack", outputs: { demoUsers: ["labuser01@contoso.onmicrosoft.com"] } },
        { urn: `${STEP}$cmg-lab:identity:LabCredentials$random:index/randomPassword:RandomPassword::admin-admin-password`, type: "random:index/randomPassword:RandomPassword", outputs: { result: secret("Admin-Pw-1!") } },
        { urn: `${STEP}$cmg-lab:vm:WindowsVm$azure-native:compute:VirtualMachine::dc01-vm`, type: "azure-native:compute:VirtualMachine", inputs: { osProfile: { adminUsername: "labadmin" } } },
        ...filler,
        { urn: `${STEP}$cmg-lab:ad:AdDirectory$random:index/randomPassword:RandomPassword::ad-demo-user-password`, type: "random:index/randomPassword:RandomPassword", outputs: { result: secret("Demo-Pw-1!") } },
      ],
    },
  };
  fs.writeFileSync(file, JSON.stringify(doc));
}

/** A folder for PATH holding only `node` and, if asked, a `pulumi` that prints `exportFile` for `stack export --show-secrets`. */
function pathDir(name: string, exportFile?: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  if (exportFile !== undefined) {
    const script = [
      `#!${process.execPath}`,
      `const args = process.argv.slice(2).join(" ");`,
      `if (args !== "stack export --show-secrets") { process.stderr.write("unexpected arguments: " + args + "\\n"); process.exit(2); }`,
      `require("node:fs").createReadStream(${JSON.stringify(exportFile)}).pipe(process.stdout);`,
      "",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "pulumi"), script, { mode: 0o755 });
  }
  return dir;
}

function credentials(pathEnv: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, "scripts/cli/credentials.ts"], { cwd: ROOT, env: { ...process.env, PATH: pathEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(process.platform === "win32")("npm run credentials (the command)", () => {
  it("reads a 50 MB export from the Pulumi CLI", async () => {
    const file = path.join(scratch, "export.json");
    writeExport(file, 50 * 1024 * 1024);
    expect(fs.statSync(file).size).toBeGreaterThan(50 * 1024 * 1024);
    const result = await credentials(pathDir("with-pulumi", file));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Admin-Pw-1!");
    expect(result.stdout).toContain("Demo-Pw-1!");
  });

  it("without a Pulumi CLI on the PATH, says so in one line with how to install it", async () => {
    const result = await credentials(pathDir("without-pulumi"));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^credentials: the Pulumi CLI \(pulumi\) is not on the PATH: install it \(https:\/\/www\.pulumi\.com\/docs\/install\//);
    expect(result.stderr).not.toMatch(/ENOENT|spawnSync/);
  });
});
