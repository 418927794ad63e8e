/**
 * The real-PowerShell gate (npm run test:ps) can fail: a copy of scripts/vm/ with one deliberate
 * defect at a time must make it exit non-zero, naming what is wrong; the unbroken copy passes
 * (the control). Each run starts pwsh, so the cases share copies where they can.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(ROOT, "scripts", "vm");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const made: string[] = [];

/** A copy of scripts/vm/ with `edit` applied to one file; its run-command texts go beside it. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-gate-"));
  made.push(dir);
  const vm = path.join(dir, "vm");
  fs.cpSync(SOURCE, vm, { recursive: true, filter: (src) => !src.includes(`${path.sep}obj`) });
  const target = path.join(vm, file);
  const before = fs.readFileSync(target, "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing: the test would prove nothing`);
  fs.writeFileSync(target, after);
  return dir;
}

function gate(dir: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSX, path.join(ROOT, "scripts", "cli", "test-powershell.ts"), "--scripts-dir", path.join(dir, "vm"), "--out", path.join(dir, "out"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe("the real-PowerShell gate catches deliberate defects", () => {
  it("passes the unbroken copy (control)", () => {
    const dir = brokenCopy("sync-scope-apply.ps1", (t) => `${t}\n`);
    const r = gate(dir, "sync-scope-apply");
    expect(r.out).toMatch(/gate: \d+ run-command texts .*: 0 problem\(s\)/);
    expect(r.out).toMatch(/pester: \d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  });

  it("rejects a PowerShell 7-only operator and a parse error at their file and line", () => {
    const dir = brokenCopy("wait-ad-forest.ps1", (t) => t.replace(/^\$ErrorActionPreference = 'Stop'$/m, "$ErrorActionPreference = 'Stop'\n$lab = $null ?? 'x'"));
    fs.appendFileSync(path.join(dir, "vm", "lib", "dsreg.ps1"), '\nfunction Get-Broken { param($n) "value of $n: broken" }\n');
    const line = fs.readFileSync(path.join(dir, "vm", "wait-ad-forest.ps1"), "utf8").split("\n").findIndex((l) => l.includes("??")) + 1;
    const libLine = fs.readFileSync(path.join(dir, "vm", "lib", "dsreg.ps1"), "utf8").split("\n").findIndex((l) => l.includes("Get-Broken")) + 1;
    const r = gate(dir, "--gate-only");
    expect(r.status).toBe(1);
    expect(r.out).toContain(`wait-ad-forest.ps1:${line}:`);
    expect(r.out).toMatch(/ps7-syntax: the null-coalescing operator '\?\?' is PowerShell 7 only/);
    expect(r.out).toMatch(new RegExp(`lib/dsreg\\.ps1:${libLine}:\\d+: parse: `));
  });

  it("fails the behaviour tests when a script passes a parameter the cmdlet does not have", () => {
    const dir = brokenCopy("sync-scope-apply.ps1", (t) => t.replace("Add-ADSyncConnector -Connector $connector", "Add-ADSyncConnector -Connector $connector -Force"));
    const r = gate(dir, "sync-scope-apply");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/A parameter cannot be found that matches parameter name 'Force'/);
    expect(r.out).toMatch(/pester: \d+ passed, [1-9]\d* failed/);
  });

  it("fails the behaviour tests when a script skips its read-back", () => {
    const dir = brokenCopy("sync-scope-apply.ps1", (t) => t.replace("# Read back: the connector as the sync engine now holds it.\nif (-not (Test-ScopeExact)) {", "if ($false) {"));
    const r = gate(dir, "sync-scope-apply");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/pester: \d+ passed, [1-9]\d* failed/);
  });
});
