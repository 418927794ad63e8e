/**
 * npm run timings against a fake Azure CLI (test/fixtures/fake-cli-timings/az) and the fake Pulumi
 * CLI of test/lab-power.test.ts (test/fixtures/fake-cli/pulumi), put first on the PATH: they
 * record every call and answer from a JSON state. Expected minutes are written here by hand from
 * the fixture's times and durations.ts's figures, never read from the code under test.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { buildReport, timingOf, type RunCommandTiming } from "../scripts/cli/timings";
import { durationKind } from "../stacks/model/durations";
import { samplePower } from "./support/power-output";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const FAKE_AZ = path.join(ROOT, "test", "fixtures", "fake-cli-timings");
const FAKE_PULUMI = path.join(ROOT, "test", "fixtures", "fake-cli");
const TOOL = path.join(ROOT, "scripts", "cli", "timings.ts");

const POWER = samplePower({ bastion: { mode: "developer", name: "bas", publicIpName: "pip", vnetName: "vnet", location: "northeurope", tags: {} }, verifyUrns: [], verifyRunCommands: [] });

/** Values that must never reach the output: the fake returns them as Azure would. */
const SECRET = "Pa55-s3cret-VALUE";
const PLAIN_PARAM = "plain-param-VALUE";
const SCRIPT_TEXT = "script-text-MARKER";
const STREAM = "script-output-MARKER";

/** `09:05:00` on the build's day, or a whole time given as `2026-11-05T10:00:00`. */
const T = (hms: string): string => `${hms.includes("T") ? hms : `2026-11-02T${hms}`}.0000000+00:00`;
/** A run command as `az vm run-command list --expand instanceView` returns it (flattened by the CLI). */
const rc = (name: string, tags: Record<string, string>, iv: { state: string; start?: string; end?: string; exit?: number }) => ({
  name,
  location: "westeurope",
  type: "Microsoft.Compute/virtualMachines/runCommands",
  tags: { lab: "cmglab", step: name, ...tags },
  source: { script: `Write-Output '${SCRIPT_TEXT}'` },
  parameters: [{ name: "DomainName", value: PLAIN_PARAM }],
  protectedParameters: [{ name: "AdminPassword", value: SECRET }],
  runAsPassword: SECRET,
  asyncExecution: false,
  instanceView: {
    executionState: iv.state,
    executionMessage: `message ${SECRET}`,
    exitCode: iv.exit ?? (iv.state === "Succeeded" ? 0 : null),
    output: `${STREAM} ${SECRET}`,
    error: `${STREAM} ${PLAIN_PARAM}`,
    startTime: iv.start ? T(iv.start) : null,
    endTime: iv.end ? T(iv.end) : null,
    statuses: null,
  },
});
const S = "cmgLabScript";

/** Each VM's list, deliberately not in start order. */
const RUN_COMMANDS = {
  "vm-dc01": [
    rc("ad-directory", { [S]: "ad-directory.ps1" }, { state: "Succeeded", start: "09:40:00", end: "09:41:48" }),
    rc("ad-forest", { [S]: "ad-forest-promote.ps1" }, { state: "Succeeded", start: "09:05:00", end: "09:15:30" }),
  ],
  "vm-cm01": [
    rc("verify-user-discovery", { [S]: "check-user-discovery.ps1", cmgLabRecheck: "true", cmgLabLane: "verify" }, { state: "Succeeded", start: "11:30:00", end: "11:31:30" }),
    rc("site-install-round-2", { [S]: "site-install.ps1", cmgLabRound: "2/3" }, { state: "Succeeded", start: "10:48:30", end: "10:49:00" }),
    rc("site-install", { [S]: "site-install.ps1" }, { state: "Succeeded", start: "10:00:00", end: "10:48:12" }),
    rc("aad-user-discovery", { [S]: "check-user-discovery.ps1" }, { state: "Succeeded", start: "11:00:00", end: "11:20:24" }),
    rc("site-media", { [S]: "site-media.ps1", cmgLabLane: "media" }, { state: "Succeeded", start: "09:22:30", end: "10:01:00" }),
    rc("cm01-domain-join", { [S]: "domain-join.ps1" }, { state: "Succeeded", start: "09:20:00", end: "09:22:06" }),
  ],
  "vm-sync01": [
    rc("entra-connect-install", { [S]: "entra-connect-install.ps1" }, { state: "Failed", start: "09:30:00", end: "09:36:00", exit: 1 }),
    rc("sync01-domain-join", { [S]: "domain-join.ps1" }, { state: "Succeeded", start: "09:20:10", end: "09:23:16" }),
  ],
  "vm-win11-01": [
    rc("verify-client", { [S]: "lab-verify-client.ps1" }, { state: "Pending" }),
    rc("ad-hoc", {}, { state: "Succeeded", start: "11:40:00", end: "11:41:00" }),
    rc("client-agent-install", { [S]: "client-agent-install.ps1" }, { state: "Running", start: "11:35:00" }),
  ],
};

let dir: string;
const files = () => ({ log: path.join(dir, "calls.log"), state: path.join(dir, "state.json"), outputs: path.join(dir, "outputs.json") });
const setState = (s: object) => fs.writeFileSync(files().state, JSON.stringify(s));
const calls = (): string[][] => (fs.existsSync(files().log) ? fs.readFileSync(files().log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);

function timings(args: string[], env: Record<string, string> = {}) {
  fs.rmSync(files().log, { force: true });
  return spawnSync(process.execPath, [TSX, TOOL, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: [FAKE_AZ, FAKE_PULUMI, process.env.PATH ?? ""].join(path.delimiter), FAKE_LOG: files().log, FAKE_STATE: files().state, ...env },
  });
}

/** The columns of the human line of one run command (columns are two or more spaces apart). */
function row(stdout: string, name: string): string[] {
  const line = stdout.split("\n").find((l) => l.split(/ {2,}/)[2] === name);
  expect(line, `a line for ${name}`).toBeDefined();
  return (line ?? "").split(/ {2,}/);
}

/** The columns of the per-script summary line whose first column is `label`. */
function summary(stdout: string, label: string): string[] {
  const start = stdout.indexOf("Per script");
  expect(start).toBeGreaterThan(0);
  const line = stdout.slice(start).split("\n").find((l) => l.split(/ {2,}/)[0] === label);
  expect(line, `a summary line for ${label}`).toBeDefined();
  return (line ?? "").split(/ {2,}/);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-timings-"));
  fs.writeFileSync(files().outputs, JSON.stringify({ resourceGroupName: "rg-cmglab-dev", power: POWER }));
  setState({ runCommands: RUN_COMMANDS, stackOutputsFile: files().outputs });
});

describe("npm run timings", () => {
  it("lists each VM's run commands through az, reading the lab's shape from the file given", () => {
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const list = (vm: string) => ["az", "vm", "run-command", "list", "--resource-group", "rg-cmglab-dev", "--vm-name", vm, "--expand", "instanceView", "--output", "json"];
    expect(calls().map((c) => c.join(" ")).sort()).toEqual(["vm-cm01", "vm-dc01", "vm-sync01", "vm-win11-01"].map((vm) => list(vm).join(" ")));
  });

  it("reads the power output from pulumi stack output of the stack named", () => {
    const r = timings(["--stack", "prod"]);
    expect(r.status).toBe(0);
    expect(calls().filter((c) => c[0] === "pulumi")).toEqual([["pulumi", "stack", "output", "--json", "--stack", "prod"]]);
    expect(calls().filter((c) => c[0] === "az")).toHaveLength(4);
  });

  it("prints one line per run command in start order, never-started last", () => {
    const r = timings(["--stack-outputs", files().outputs]);
    const names = r.stdout
      .split("\n")
      .map((l) => l.split(/ {2,}/))
      .filter((c) => /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}|not started)$/.test(c[0] ?? ""))
      .map((c) => `${c[1]} ${c[2]}`);
    expect(names).toEqual([
      "vm-dc01 ad-forest",
      "vm-cm01 cm01-domain-join",
      "vm-sync01 sync01-domain-join",
      "vm-cm01 site-media",
      "vm-sync01 entra-connect-install",
      "vm-dc01 ad-directory",
      "vm-cm01 site-install",
      "vm-cm01 site-install-round-2",
      "vm-cm01 aad-user-discovery",
      "vm-cm01 verify-user-discovery",
      "vm-win11-01 client-agent-install",
      "vm-win11-01 ad-hoc",
      "vm-win11-01 verify-client",
    ]);
  });

  it("measures end minus start, and plans by script, round and re-check (durations.ts)", () => {
    const r = timings(["--stack-outputs", files().outputs]);
    // [start, VM, name, script, measured, planned, diff]
    expect(row(r.stdout, "ad-forest")).toEqual(["2026-11-02 09:05", "vm-dc01", "ad-forest", "ad-forest-promote.ps1", "10.5", "12.0", "-1.5"]);
    expect(row(r.stdout, "site-install")).toEqual(["2026-11-02 10:00", "vm-cm01", "site-install", "site-install.ps1", "48.2", "55.0", "-6.8"]);
    // A later round: LATER_ROUND (0.5), not site-install's 55.
    expect(row(r.stdout, "site-install-round-2")).toEqual(["2026-11-02 10:48", "vm-cm01", "site-install-round-2", "site-install.ps1 (round 2/3)", "0.5", "0.5", "0.0"]);
    // A re-check: RECHECK (3), not check-user-discovery's first wait (15).
    expect(row(r.stdout, "verify-user-discovery")).toEqual(["2026-11-02 11:30", "vm-cm01", "verify-user-discovery", "check-user-discovery.ps1 (recheck, lane verify)", "1.5", "3.0", "-1.5"]);
    expect(row(r.stdout, "aad-user-discovery")).toEqual(["2026-11-02 11:00", "vm-cm01", "aad-user-discovery", "check-user-discovery.ps1", "20.4", "15.0", "+5.4"]);
    expect(row(r.stdout, "site-media")).toEqual(["2026-11-02 09:22", "vm-cm01", "site-media", "site-media.ps1 (lane media)", "38.5", "35.0", "+3.5"]);
    // Still running and failed: no minutes, no difference; planned is still shown.
    expect(row(r.stdout, "client-agent-install")).toEqual(["2026-11-02 11:35", "vm-win11-01", "client-agent-install", "client-agent-install.ps1", "running", "15.0", "-"]);
    expect(row(r.stdout, "entra-connect-install")).toEqual(["2026-11-02 09:30", "vm-sync01", "entra-connect-install", "entra-connect-install.ps1", "failed", "6.0", "-"]);
    expect(row(r.stdout, "verify-client")).toEqual(["not started", "vm-win11-01", "verify-client", "lab-verify-client.ps1", "pending", "10.0", "-"]);
    // Not the lab's (no cmgLabScript tag): measured, nothing planned.
    expect(row(r.stdout, "ad-hoc")).toEqual(["2026-11-02 11:40", "vm-win11-01", "ad-hoc", "- (no cmgLabScript tag)", "1.0", "-", "-"]);
  });

  it("summarises per script and kind, and gives the wall clock from the first start to the last end", () => {
    const r = timings(["--stack-outputs", files().outputs]);
    // [label, runs, measured, planned, diff, notes]
    expect(summary(r.stdout, "domain-join.ps1")).toEqual(["domain-join.ps1", "2", "2.6 (2.1-3.1)", "2.0", "+0.6"]);
    expect(summary(r.stdout, "site-install.ps1")).toEqual(["site-install.ps1", "1", "48.2", "55.0", "-6.8"]);
    expect(summary(r.stdout, "site-install.ps1 (later round)")).toEqual(["site-install.ps1 (later round)", "1", "0.5", "0.5", "0.0"]);
    expect(summary(r.stdout, "check-user-discovery.ps1")).toEqual(["check-user-discovery.ps1", "1", "20.4", "15.0", "+5.4"]);
    expect(summary(r.stdout, "check-user-discovery.ps1 (recheck)")).toEqual(["check-user-discovery.ps1 (recheck)", "1", "1.5", "3.0", "-1.5"]);
    expect(summary(r.stdout, "entra-connect-install.ps1")).toEqual(["entra-connect-install.ps1", "0", "-", "6.0", "-", "1 failed"]);
    expect(summary(r.stdout, "client-agent-install.ps1")).toEqual(["client-agent-install.ps1", "0", "-", "15.0", "-", "1 running"]);
    expect(summary(r.stdout, "lab-verify-client.ps1")).toEqual(["lab-verify-client.ps1", "0", "-", "10.0", "-", "1 pending"]);
    // 10.5+1.8+48.2+0.5+2.1+38.5+1.5+20.4+3.1 measured, 12+2+55+0.5+2+35+3+15+2 planned.
    expect(r.stdout).toContain("Sum over the 9 run commands that succeeded: measured 126.6 min, planned 126.5 min");
    // 09:05:00 to 11:41:00 = 156 minutes; one is still running.
    expect(r.stdout).toContain("Wall clock: 2h36m (156.0 min) from the first start 2026-11-02 09:05 to the latest end so far 2026-11-02 11:41 UTC, still running");
  });

  it("says the figures are what a durations.ts change should cite, with date and region", () => {
    const r = timings(["--stack-outputs", files().outputs]);
    const head = r.stdout.split("\n").slice(0, 3).join("\n");
    expect(head).toContain("cmg-lab timings: resource group rg-cmglab-dev, region westeurope, first start 2026-11-02 (UTC)");
    expect(head).toContain("a change to stacks/model/durations.ts should cite them with their date and region");
    expect(head).toContain('"measured 2026-11-02, westeurope, npm run timings (resource group rg-cmglab-dev)"');
  });

  it("says the last end when nothing runs any more", () => {
    setState({ runCommands: { "vm-dc01": RUN_COMMANDS["vm-dc01"] }, stackOutputsFile: files().outputs });
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Wall clock: 0h37m (36.8 min) from the first start 2026-11-02 09:05 to the last end 2026-11-02 09:41 UTC; npm run plan");
    expect(r.stdout).not.toContain("still running");
  });

  it("counts the first build only: a resume's verify re-run days later is named and not counted", () => {
    const later = [
      rc("verify-user-discovery", { [S]: "check-user-discovery.ps1", cmgLabRecheck: "true", cmgLabLane: "verify" }, { state: "Succeeded", start: "2026-11-05T10:00:00", end: "2026-11-05T10:01:30" }),
      rc("verify-site", { [S]: "lab-verify-site.ps1", cmgLabLane: "verify" }, { state: "Succeeded", start: "2026-11-05T10:00:10", end: "2026-11-05T10:04:00" }),
    ];
    setState({ runCommands: { "vm-dc01": RUN_COMMANDS["vm-dc01"], "vm-cm01": later }, stackOutputsFile: files().outputs });
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // 09:05:00 to 09:41:48 (ad-directory's end) = 36.8 minutes; not to 2026-11-05 10:04.
    expect(r.stdout).toContain("Wall clock: 0h37m (36.8 min) from the first start 2026-11-02 09:05 to the last end 2026-11-02 09:41 UTC of the first build (up to its first gap of more than 60 minutes with no run command running); npm run plan");
    // 2026-11-02 09:41:48 to 2026-11-05 10:00:00: 3 days and 18.2 minutes.
    expect(r.stdout).toContain(
      "Not counted: 2 run commands that started 3 days later (2026-11-05 10:00 UTC, after 72h18m with no run command running; npm run resume re-runs verify, a later pulumi up what changed): vm-cm01 verify-user-discovery, vm-cm01 verify-site.",
    );
    // Still listed and measured, one line each.
    expect(row(r.stdout, "verify-site")).toEqual(["2026-11-05 10:00", "vm-cm01", "verify-site", "lab-verify-site.ps1 (lane verify)", "3.8", "10.0", "-6.2"]);

    const json = JSON.parse(timings(["--stack-outputs", files().outputs, "--json"]).stdout) as { wallClock: unknown };
    expect(json.wallClock).toEqual({
      start: "2026-11-02T09:05:00.000Z",
      end: "2026-11-02T09:41:48.000Z",
      minutes: 36.8,
      running: false,
      notCounted: {
        gapStart: "2026-11-02T09:41:48.000Z",
        gapEnd: "2026-11-05T10:00:00.000Z",
        gapMinutes: 4338.2,
        runCommands: [
          { vm: "vm-cm01", name: "verify-user-discovery" },
          { vm: "vm-cm01", name: "verify-site" },
        ],
      },
    });
  });

  it("never prints a parameter, protected parameter, script text or output stream", () => {
    for (const args of [[], ["--json"]]) {
      const r = timings(["--stack-outputs", files().outputs, ...args]);
      expect(r.status).toBe(0);
      // The control: the fake did return them.
      expect(fs.readFileSync(files().state, "utf8")).toContain(SECRET);
      for (const value of [SECRET, PLAIN_PARAM, SCRIPT_TEXT, STREAM, "AdminPassword", "DomainName"]) {
        expect(r.stdout).not.toContain(value);
        expect(r.stderr).not.toContain(value);
      }
    }
  });

  it("--json prints one stable object with every run command, the summary and the wall clock", () => {
    const r = timings(["--stack-outputs", files().outputs, "--json"]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & { runCommands: Record<string, unknown>[]; scripts: Record<string, unknown>[] };
    expect(Object.keys(report)).toEqual(["resourceGroup", "region", "date", "citation", "wallClock", "totals", "runCommands", "scripts"]);
    expect(report).toMatchObject({
      resourceGroup: "rg-cmglab-dev",
      region: "westeurope",
      date: "2026-11-02",
      citation: "measured 2026-11-02, westeurope, npm run timings (resource group rg-cmglab-dev)",
      wallClock: { start: "2026-11-02T09:05:00.000Z", end: "2026-11-02T11:41:00.000Z", minutes: 156, running: true },
      totals: { runs: 9, measuredMinutes: 126.6, plannedMinutes: 126.5 },
    });
    expect(report.runCommands.map((c) => c.name)).toHaveLength(13);
    expect(report.runCommands.find((c) => c.name === "site-install-round-2")).toEqual({
      vm: "vm-cm01",
      name: "site-install-round-2",
      script: "site-install.ps1",
      round: 2,
      rounds: 3,
      recheck: false,
      lane: null,
      state: "succeeded",
      executionState: "Succeeded",
      exitCode: 0,
      start: "2026-11-02T10:48:30.000Z",
      end: "2026-11-02T10:49:00.000Z",
      minutes: 0.5,
      plannedMinutes: 0.5,
      differenceMinutes: 0,
    });
    expect(report.runCommands.find((c) => c.name === "client-agent-install")).toMatchObject({ state: "running", minutes: null, plannedMinutes: 15, end: null });
    expect(report.runCommands.find((c) => c.name === "verify-client")).toMatchObject({ state: "pending", executionState: "Pending", start: null, minutes: null });
    expect(report.runCommands.find((c) => c.name === "entra-connect-install")).toMatchObject({ state: "failed", exitCode: 1, minutes: null, plannedMinutes: 6 });
    expect(report.scripts.find((s) => s.script === "domain-join.ps1")).toEqual({
      script: "domain-join.ps1",
      kind: "first",
      runs: 2,
      meanMinutes: 2.6,
      minMinutes: 2.1,
      maxMinutes: 3.1,
      plannedMinutes: 2,
      differenceMinutes: 0.6,
      failed: 0,
      running: 0,
      pending: 0,
    });
    // Stable: the same answer gives the same bytes.
    expect(timings(["--stack-outputs", files().outputs, "--json"]).stdout).toBe(r.stdout);
  });

  it("runs at most three az processes at once (parallel az calls contend for the token cache lock), for a lab of nine VMs", () => {
    const members = Array.from({ length: 8 }, (_, i) => `vm-m${i + 1}`);
    fs.writeFileSync(files().outputs, JSON.stringify({ power: { ...POWER, memberVms: members } }));
    const vms = [POWER.dcVm, ...members];
    // Each VM one run command, started a minute after the previous VM's.
    const lists = Object.fromEntries(vms.map((vm, i) => [vm, [rc(`step-${i}`, { [S]: "domain-join.ps1" }, { state: "Succeeded", start: `09:${10 + i}:00`, end: `09:${10 + i}:30` })]]));
    setState({ runCommands: lists, hold: { ms: 300, until: 3, total: vms.length } });
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const peaks = fs.readFileSync(`${files().log}.peak`, "utf8").trim().split("\n").map(Number);
    expect(peaks).toHaveLength(9);
    expect(Math.max(...peaks)).toBe(3);
    expect(calls().map((c) => c[c.indexOf("--vm-name") + 1]).sort()).toEqual([...vms].sort());
    const names = r.stdout.split("\n").flatMap((l) => (/^2026-11-02 /.test(l) ? [l.split(/ {2,}/)[2]] : []));
    expect(names).toEqual(vms.map((_, i) => `step-${i}`));
  });

  it("fails in one line when az is not on the PATH", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-nopath-"));
    const r = timings(["--stack-outputs", files().outputs], { PATH: empty });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toEqual(["timings: az was not found on the PATH: install the Azure CLI (learn.microsoft.com/cli/azure/install-azure-cli), then az login"]);
  });

  it("fails naming what az said when a VM cannot be listed", () => {
    setState({ runCommands: RUN_COMMANDS, failVm: "vm-sync01" });
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("The Resource 'Microsoft.Compute/virtualMachines/vm-sync01' was not found.");
  });

  it("fails naming the missing power output (a stack deployed by an older cmg-lab)", () => {
    fs.writeFileSync(files().outputs, JSON.stringify({ resourceGroupName: "rg" }));
    const r = timings(["--stack-outputs", files().outputs]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the stack has no 'power' output");
    expect(calls()).toEqual([]);
  });
});

describe("usage (exit 2 naming what is wrong; --help exit 0)", () => {
  it.each([
    [["--bogus"], "timings: Unknown option '--bogus'"],
    [["--stack"], "timings: Option '--stack <value>' argument missing"],
    [["extra"], "timings: unexpected argument 'extra'"],
  ])("%j", (args, message) => {
    const r = timings(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("usage: npm run timings");
    expect(r.stdout).toBe("");
    expect(calls()).toEqual([]);
  });

  it("prints the usage for --help and exits 0, calling nothing", () => {
    const r = timings(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith("usage: npm run timings -- [--stack NAME] [--stack-outputs FILE] [--json]")).toBe(true);
    expect(calls()).toEqual([]);
  });
});

describe("buildReport's wall clock (the first build, up to a gap of more than 60 minutes with nothing running)", () => {
  const t = (name: string, start: string, end: string | null, state: RunCommandTiming["state"] = end ? "succeeded" : "running"): RunCommandTiming =>
    timingOf("vm", { name, instanceView: { executionState: state === "succeeded" ? "Succeeded" : "Running", startTime: `2026-11-02T${start}Z`, endTime: end ? `2026-11-02T${end}Z` : null } });

  it("does not split at exactly 60 minutes", () => {
    const w = buildReport("rg", "r", [t("a", "09:00:00", "09:10:00"), t("b", "10:10:00", "10:20:00")]).wallClock;
    expect(w).toMatchObject({ end: "2026-11-02T10:20:00.000Z", minutes: 80, notCounted: null });
  });

  it("splits at a minute more, counting from the latest end so far (not the previous command's)", () => {
    // a runs to 10:00, b (inside a) ends at 09:20: the gap runs from 10:00 to c's start at 11:01.
    const w = buildReport("rg", "r", [t("a", "09:00:00", "10:00:00"), t("b", "09:10:00", "09:20:00"), t("c", "11:01:00", "11:05:00")]).wallClock;
    expect(w).toMatchObject({ end: "2026-11-02T10:00:00.000Z", minutes: 60, notCounted: { gapStart: "2026-11-02T10:00:00.000Z", gapEnd: "2026-11-02T11:01:00.000Z", gapMinutes: 61, runCommands: [{ vm: "vm", name: "c" }] } });
  });

  it("finds no gap while a run command is still running", () => {
    const w = buildReport("rg", "r", [t("a", "09:00:00", null), t("b", "09:10:00", "09:20:00"), t("c", "13:00:00", "13:05:00")]).wallClock;
    expect(w).toMatchObject({ end: "2026-11-02T13:05:00.000Z", minutes: 245, running: true, notCounted: null });
  });
});

describe("durationKind: which durations.ts figure a run command gets (shared by resourceDuration and timings)", () => {
  it.each([
    [1, false, "first"],
    [1, true, "recheck"],
    [2, false, "later-round"],
    // A later round before a re-check.
    [3, true, "later-round"],
  ] as const)("round %i, recheck %s: %s", (round, recheck, kind) => {
    expect(durationKind(round, recheck)).toBe(kind);
  });

  it("files a re-checked later round under the later round in timings, planned at LATER_ROUND (0.5)", () => {
    const t = timingOf("vm", { name: "x", tags: { cmgLabScript: "site-install.ps1", cmgLabRound: "2/3", cmgLabRecheck: "true" }, instanceView: { executionState: "Succeeded", exitCode: 0, startTime: "2026-11-02T09:00:00Z", endTime: "2026-11-02T09:01:00Z" } });
    expect(t).toMatchObject({ script: "site-install.ps1", round: 2, rounds: 3, recheck: true, plannedMinutes: 0.5 });
    expect(buildReport("rg", "r", [t]).scripts).toMatchObject([{ script: "site-install.ps1", kind: "later-round", plannedMinutes: 0.5 }]);
  });
});

describe("timingOf", () => {
  it("reads the REST shape (properties.instanceView) too", () => {
    const t = timingOf("vm", { name: "x", tags: { cmgLabScript: "domain-join.ps1" }, properties: { instanceView: { executionState: "Succeeded", exitCode: 0, startTime: "2026-11-02T09:00:00Z", endTime: "2026-11-02T09:03:00Z" } } });
    expect(t).toMatchObject({ state: "succeeded", minutes: 3, plannedMinutes: 2, differenceMinutes: 1 });
  });

  it("counts a non-zero exit code as failed even when Azure says Succeeded", () => {
    const t = timingOf("vm", { name: "x", tags: {}, instanceView: { executionState: "Succeeded", exitCode: 2, startTime: "2026-11-02T09:00:00Z", endTime: "2026-11-02T09:03:00Z" } });
    expect(t).toMatchObject({ state: "failed", minutes: null, script: null, plannedMinutes: null });
  });

  it.each([
    ["Failed", "failed"],
    ["TimedOut", "failed"],
    ["Canceled", "failed"],
    ["Unknown", "unknown"],
  ])("counts %s as %s, with no minutes", (executionState, state) => {
    const t = timingOf("vm", { name: "x", instanceView: { executionState, startTime: "2026-11-02T09:00:00Z", endTime: "2026-11-02T10:30:00Z" } });
    expect(t).toMatchObject({ state, minutes: null });
  });
});
