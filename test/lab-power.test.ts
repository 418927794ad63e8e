/**
 * npm run pause / npm run resume against a fake Azure CLI and a fake Pulumi CLI put first on the
 * PATH (test/fixtures/fake-cli): they record every call and answer from a JSON state they update
 * like Azure would. Asserts the order, the idempotence and the messages; no test needs Azure.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EventEmitter } from "node:events";
import crossSpawn from "cross-spawn";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CliError, must, pauseWarnings, run } from "../scripts/cli/lab-power";
import { runCommandText } from "../scripts/cli/ps-test/run-command-text";
import { initPsLint } from "../scripts/cli/pslint";
import { samplePower } from "./support/power-output";

// In this process only: the tests of run() below answer for cross-spawn. The tools spawned by the
// other tests (spawnSync of tsx) load the real one.
vi.mock("cross-spawn", () => ({ default: vi.fn() }));

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const FAKE = path.join(ROOT, "test", "fixtures", "fake-cli");

const POWER = samplePower();

let dir: string;
const files = () => ({ log: path.join(dir, "calls.log"), state: path.join(dir, "state.json"), outputs: path.join(dir, "outputs.json") });
const setState = (s: object) => fs.writeFileSync(files().state, JSON.stringify(s));
const state = () => JSON.parse(fs.readFileSync(files().state, "utf8")) as { vms: Record<string, string>; bastion: boolean };
const calls = (): string[][] => (fs.existsSync(files().log) ? fs.readFileSync(files().log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);
/** `vm deallocate vm-cm01`: the command words before the first option, then the --name value. */
const label = (c: string[]): string => {
  const words = c.slice(1, c.findIndex((a, i) => i > 0 && a.startsWith("--")));
  return [...words, ...(c.includes("--name") ? [c[c.indexOf("--name") + 1] ?? ""] : [])].join(" ");
};
/** What each `az vm run-command invoke` carried: the script text and the decoded parameters. */
const invokes = (): { script: string; params: Record<string, string> }[] =>
  fs.existsSync(`${files().log}.invoke`)
    ? fs.readFileSync(`${files().log}.invoke`, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { script: string; params: Record<string, string> })
    : [];
const mutating = () => calls().filter((c) => /deallocate|start|delete|create|invoke|^up$/.test(`${c[2] ?? ""} ${c[3] ?? ""}`) || c[1] === "up");

/** Runs npm run pause/resume; `outputs: "pulumi"` reads the stack outputs through the fake pulumi. */
function lab(action: "pause" | "resume", extra: string[] = [], outputs: "file" | "pulumi" = "file") {
  fs.rmSync(files().log, { force: true });
  fs.rmSync(`${files().log}.invoke`, { force: true });
  const r = spawnSync(process.execPath, [TSX, path.join(ROOT, "scripts", "cli", "lab-power.ts"), action, ...(outputs === "file" ? ["--stack-outputs", files().outputs] : []), "--today", "2026-12-20", ...extra], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${FAKE}${path.delimiter}${process.env.PATH ?? ""}`, FAKE_LOG: files().log, FAKE_STATE: files().state },
  });
  return r;
}

const running = { "vm-dc01": "VM running", "vm-cm01": "VM running", "vm-sync01": "VM running", "vm-win11-01": "VM running" };
const deallocated = Object.fromEntries(Object.keys(running).map((k) => [k, "VM deallocated"]));

/** The exact text the Pester tests run for the site script (scripts/vm/tests/lab-cmg-power.Tests.ps1). */
let cmgPowerText: string;
beforeAll(async () => {
  await initPsLint();
  cmgPowerText = runCommandText("lab-cmg-power.ps1");
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-power-"));
  fs.writeFileSync(files().outputs, JSON.stringify({ resourceGroupName: "rg-cmglab-dev", power: POWER }));
});

describe("npm run pause", () => {
  it("stops the CMG from the site, deletes the Basic Bastion, then deallocates members before the DC", () => {
    setState({ vms: running, bastion: true, siteInstalled: "2026-11-01T10:00:00Z" });
    const r = lab("pause");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const order = mutating().map(label);
    expect(order).toEqual([
      "vm run-command invoke vm-cm01",
      "network bastion delete bas-cmglab-dev",
      "vm deallocate vm-cm01",
      "vm deallocate vm-sync01",
      "vm deallocate vm-win11-01",
      "vm deallocate vm-dc01",
    ]);
    // The site script is scripts/vm/lab-cmg-power.ps1 as the Pester tests run it, sent as a file,
    // with its parameters through the transport.
    const invoke = calls().find((c) => c[3] === "invoke") ?? [];
    expect(invoke[invoke.indexOf("--scripts") + 1]).toMatch(/^@.*lab-cmg-power\.ps1$/);
    expect(invokes()).toEqual([{ script: cmgPowerText, params: { Action: "stop", CmgFqdn: POWER.cmgServiceFqdn, SiteCode: "PS1", WaitMinutes: "15" } }]);
    expect(r.stdout).toContain(`  CMG ${POWER.cmgServiceFqdn} stopped (State=6, StatusDetails=0)`);
    expect(state()).toMatchObject({ vms: deallocated, bastion: false });
    // A progress line per VM.
    for (const vm of Object.keys(running)) expect(r.stdout).toContain(`VM ${vm}: deallocated`);
    expect(r.stdout).toContain("Bastion bas-cmglab-dev: deleted");
  });

  it("does nothing on a paused lab, and says so", () => {
    setState({ vms: deallocated, bastion: false, siteInstalled: "2026-11-01T10:00:00Z" });
    const r = lab("pause");
    expect(r.status).toBe(0);
    expect(mutating()).toEqual([]);
    for (const vm of Object.keys(running)) expect(r.stdout).toContain(`VM ${vm}: already deallocated`);
    expect(r.stdout).toContain("Bastion bas-cmglab-dev: already deleted");
    expect(r.stdout).toContain("nothing to do");
  });

  it("stops before deleting or deallocating anything when the CMG stop fails on the site", () => {
    // A failed script comes back from az as a successful invoke: only its output tells.
    setState({ vms: running, bastion: true, siteInstalled: "2026-11-01T10:00:00Z", cmgFails: "CMG x not stopped after 15 minutes (State=0, StatusDetails=1; stopped is State 6)" });
    const r = lab("pause");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("on vm-cm01: lab-cmg-power failed: CMG x not stopped after 15 minutes (State=0, StatusDetails=1; stopped is State 6)");
    expect(mutating().map(label)).toEqual(["vm run-command invoke vm-cm01"]);
    expect(state()).toMatchObject({ vms: running, bastion: true });
  });

  it("sends a CMG name with spaces, quotes, $, % and non-ASCII intact (encoded on the command line)", () => {
    const odd = `cmg lab 'x' "q" $HOME %PATH% & é`;
    fs.writeFileSync(files().outputs, JSON.stringify({ power: { ...POWER, cmgServiceFqdn: odd } }));
    setState({ vms: running, bastion: true, siteInstalled: "2026-11-01T10:00:00Z" });
    const r = lab("pause");
    expect(r.status).toBe(0);
    expect(invokes().map((i) => i.params.CmgFqdn)).toEqual([odd]);
    const invoke = calls().find((c) => c[3] === "invoke") ?? [];
    expect(invoke).toContain(`CmgFqdn=b64:${Buffer.from(odd, "utf8").toString("base64")}`);
  });

  it("reads the power output from pulumi stack output of the stack named", () => {
    setState({ vms: deallocated, bastion: false, siteInstalled: "2026-11-01T10:00:00Z", stackOutputsFile: files().outputs });
    const r = lab("pause", ["--stack", "prod"], "pulumi");
    expect(r.status).toBe(0);
    expect(calls().find((c) => c[0] === "pulumi")).toEqual(["pulumi", "stack", "output", "--json", "--stack", "prod"]);
  });

  it("fails naming the missing power output (a stack deployed by an older cmg-lab)", () => {
    fs.writeFileSync(files().outputs, JSON.stringify({ resourceGroupName: "rg" }));
    setState({ vms: running, bastion: true });
    const r = lab("pause");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the stack has no 'power' output");
    expect(mutating()).toEqual([]);
  });

  it("keeps a Developer Bastion (free)", () => {
    fs.writeFileSync(files().outputs, JSON.stringify({ power: { ...POWER, bastion: { ...POWER.bastion, mode: "developer" } } }));
    setState({ vms: running, bastion: true, siteInstalled: "2026-11-01T10:00:00Z" });
    const r = lab("pause");
    expect(r.status).toBe(0);
    expect(calls().some((c) => c[1] === "network")).toBe(false);
    expect(state().bastion).toBe(true);
  });
});

describe("npm run resume", () => {
  it("warns with dates, starts the DC before any member, starts the CMG, re-runs verify and prints its report", () => {
    setState({ vms: deallocated, bastion: false, siteInstalled: "2026-07-01T10:00:00Z", dc: "vm-dc01" });
    const r = lab("resume", ["--stack", "dev"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // Dates: the evaluation's end is 180 days after the install (2026-07-01 + 180 = 2026-12-28).
    expect(r.stdout).toContain("the ConfigMgr evaluation (site installed 2026-07-01, read-only after 180 days): 2026-12-28 (within two weeks)");
    expect(r.stdout).toContain("the server app secret's end date: 2027-01-10");
    expect(r.stdout).toContain("the lab's expiresOn: 2027-06-30");
    const seq = mutating().map(label);
    const dc = seq.indexOf("vm start vm-dc01");
    expect(dc).toBeGreaterThanOrEqual(0);
    for (const m of POWER.memberVms) expect(seq.indexOf(`vm start ${m}`)).toBeGreaterThan(dc);
    const invoke = seq.findIndex((s) => s.startsWith("vm run-command invoke"));
    for (const m of POWER.memberVms) expect(invoke).toBeGreaterThan(seq.indexOf(`vm start ${m}`));
    const up = calls().find((c) => c[0] === "pulumi") ?? [];
    expect(up).toEqual(["pulumi", "up", "--yes", "--skip-preview", "--stack", "dev", "--target-replace", "urn:a::verify-site", "--target-replace", "urn:a::verify-user-discovery"]);
    expect(calls().findIndex((c) => c[0] === "pulumi")).toBeGreaterThan(calls().findIndex((c) => c[3] === "invoke"));
    expect(seq).toContain("network bastion create bas-cmglab-dev");
    expect(r.stdout).toContain("== verify-site on vm-cm01\n  PASS verify-site");
    expect(invokes()).toEqual([{ script: cmgPowerText, params: { Action: "start", CmgFqdn: POWER.cmgServiceFqdn, SiteCode: "PS1", WaitMinutes: "30" } }]);
    expect(r.stdout).toContain(`  CMG ${POWER.cmgServiceFqdn} ready (State=0, StatusDetails=1)`);
    expect(state()).toMatchObject({ vms: running, bastion: true });
    // Not only called first: the DC runs before any member is started.
    expect(state()).not.toHaveProperty("startedBeforeDc");
  });

  it("starts nothing that runs already (the CMG check and verify still run)", () => {
    setState({ vms: running, bastion: true, siteInstalled: "2026-11-01T10:00:00Z" });
    const r = lab("resume");
    expect(r.status).toBe(0);
    expect(calls().some((c) => c[2] === "start" || c[3] === "create")).toBe(false);
    for (const vm of Object.keys(running)) expect(r.stdout).toContain(`VM ${vm}: already running`);
  });

  it("fails when the Bastion could not be recreated, after the rest of the resume", () => {
    setState({ vms: deallocated, bastion: false, siteInstalled: "2026-11-01T10:00:00Z", bastionCreateFails: "QuotaExceeded" });
    const r = lab("resume");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Bastion bas-cmglab-dev was not recreated: QuotaExceeded");
    expect(r.stdout).not.toContain("Resumed and verified.");
  });
});

describe("usage errors (exit 2, naming what is wrong)", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [TSX, path.join(ROOT, "scripts", "cli", "lab-power.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  it.each([
    [["restart"], "lab-power: unknown action 'restart' (pause or resume)"],
    [[], "lab-power: say pause or resume"],
    [["pause", "--today", "20-12-2026"], "lab-power: --today must be YYYY-MM-DD, got '20-12-2026'"],
    [["pause", "--stack"], "--stack"],
    [["pause", "extra"], "lab-power: unexpected argument 'extra'"],
  ])("%j", (args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("usage: npm run pause|resume");
  });
});

describe("pause warnings", () => {
  it("names what has passed, with its date and the fix", () => {
    const lines = pauseWarnings("2027-02-01", "2027-01-15", "2027-03-01T00:00:00Z", "2026-07-01");
    expect(lines[0]).toBe("! the lab's expiresOn passed on 2027-01-15: set cmg-lab:schedule.expiresOn later and run pulumi up, or pulumi destroy the lab");
    expect(lines[1]).toBe("  the server app secret's end date: 2027-03-01");
    expect(lines[2]).toMatch(/^! the ConfigMgr evaluation \(site installed 2026-07-01, read-only after 180 days\) passed on 2026-12-28/);
  });
});

describe("run, the one way pause, resume and timings start az and pulumi", () => {
  /** A child process as cross-spawn returns it, playing the events given once a listener is attached. */
  function fakeChild(play: (child: EventEmitter & { stdout: EventEmitter; stderr: EventEmitter }) => void) {
    const child = Object.assign(new EventEmitter(), { stdout: new EventEmitter(), stderr: new EventEmitter() });
    setImmediate(() => play(child));
    return child;
  }
  const spawnMock = vi.mocked(crossSpawn);

  it("goes through cross-spawn with the arguments unchanged and no shell of its own (az is az.cmd on Windows)", async () => {
    spawnMock.mockReset();
    spawnMock.mockImplementation((() =>
      fakeChild((c) => {
        c.stdout.emit("data", Buffer.from("out"));
        c.stderr.emit("data", Buffer.from("err"));
        c.emit("close", 0);
      })) as unknown as typeof crossSpawn);
    // The awkward arguments lab-power passes: a JMESPath with spaces, braces and a colon; base64 with padding.
    const args = ["vm", "list", "--query", "[].{name:name, powerState:powerState}", "--parameters", "CmgFqdn=b64:Y21nIGxhYiAneCc=", "%PATH%", 'a "b" ^&|<>'];
    await expect(run("az", args)).resolves.toEqual({ code: 0, stdout: "out", stderr: "err" });
    expect(spawnMock).toHaveBeenCalledTimes(1);
    const [cmd, passed, options] = spawnMock.mock.calls[0] ?? [];
    expect(cmd).toBe("az");
    expect(passed).toEqual(args);
    expect(options).toEqual({ stdio: ["ignore", "pipe", "pipe"] });
  });

  it("says in one line that az is missing when cross-spawn reports ENOENT (what it turns cmd.exe's 'not recognized' into)", async () => {
    spawnMock.mockReset();
    spawnMock.mockImplementation(((cmd: string, args: string[]) =>
      fakeChild((c) => {
        c.emit("error", Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: "ENOENT", syscall: `spawn ${cmd}`, path: cmd, spawnargs: args }));
        c.emit("close", 1);
      })) as unknown as typeof crossSpawn);
    const error = await must("az", ["vm", "list"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe("az was not found on the PATH: install the Azure CLI (learn.microsoft.com/cli/azure/install-azure-cli), then az login");
  });

  it("names the command and its exit code when it fails", async () => {
    spawnMock.mockReset();
    spawnMock.mockImplementation((() =>
      fakeChild((c) => {
        c.stderr.emit("data", Buffer.from("ERROR: Please run 'az login' to setup account.\n"));
        c.emit("close", 1);
      })) as unknown as typeof crossSpawn);
    await expect(must("az", ["vm", "list", "--resource-group", "rg"])).rejects.toThrow("az vm list --resource-group failed (exit 1): ERROR: Please run 'az login' to setup account.");
  });
});
