/**
 * The offline plan: its JSON contract (../shared/ARCHITECTURE.md "The offline plan"), its
 * timeline's consistency with the graph, determinism, and the CLI's behaviour on bad config.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCli } from "../scripts/cli/cli";
import { makePlan, PLAN_CLI, planArgs, renderPlan, PROJECT_DIR, UsageError } from "../scripts/cli/plan";
import { isRecheck, latestStart, placeOutsideResourceGroups, roundOf, type Plan } from "../scripts/cli/offline/plan-model";
import { LATER_ROUND, RECHECK, resourceDuration, RUN_COMMAND_TYPE, SCRIPT_MINUTES } from "../stacks/model/durations";
import type { RecordedResource } from "../scripts/cli/offline/evaluate";
import { CONTRACT_STEP_IDS, RUNBOOK } from "../stacks/model/runbook";
import { estimateResume } from "../stacks/model/resume";

const TSX = path.join(PROJECT_DIR, "node_modules", "tsx", "dist", "cli.mjs");
const runCli = (args: string[]) =>
  spawnSync(process.execPath, [TSX, path.join(PROJECT_DIR, "scripts", "cli", "plan.ts"), ...args], { cwd: PROJECT_DIR, encoding: "utf8" });

let plan: Plan;
beforeAll(async () => {
  plan = await makePlan(planArgs());
});

describe("plan --json contract", () => {
  it("lists every runbook step with id, title, needs, resources, start and finish", () => {
    const json = JSON.parse(renderPlan(plan, "json")) as Plan;
    expect(json.steps.map((s) => s.id)).toEqual(RUNBOOK.map((s) => s.id));
    for (const id of CONTRACT_STEP_IDS) expect(json.steps.some((s) => s.id === id)).toBe(true);
    for (const s of json.steps) {
      expect(typeof s.title).toBe("string");
      expect(Array.isArray(s.needs)).toBe(true);
      expect(Array.isArray(s.resources)).toBe(true);
      expect(s.finish).toBeGreaterThanOrEqual(s.start);
      expect(s.built).toBe(s.resources.length > 0);
    }
  });

  it("lists every resource with urn, type, name, parent, step, dependsOn and redacted inputs", () => {
    const json = JSON.parse(renderPlan(plan, "json")) as Plan;
    const urns = new Set(json.resources.map((r) => r.urn));
    expect(urns.size).toBe(json.resources.length);
    for (const r of json.resources) {
      // Every resource has every key (null where there is no value), so consumers see one shape.
      for (const key of ["urn", "type", "name", "parent", "step", "dependsOn", "inputs"]) expect(Object.keys(r), key).toContain(key);
      expect(r.urn.startsWith("urn:pulumi:dev::cmg-lab::")).toBe(true);
      expect(typeof r.type).toBe("string");
      expect(typeof r.name).toBe("string");
      if (r.type !== "pulumi:pulumi:Stack") expect(urns.has(r.parent as string)).toBe(true);
      for (const d of r.dependsOn) expect(urns.has(d)).toBe(true);
      expect(typeof r.inputs).toBe("object");
    }
    const vm = json.resources.find((r) => r.type === "azure-native:compute:VirtualMachine");
    expect((vm?.inputs.osProfile as Record<string, unknown>).adminPassword).toBe("[secret]");
    // Each step's resources point back at the step.
    for (const s of json.steps) for (const u of s.resources) expect(json.resources.find((r) => r.urn === u)?.step).toBe(s.id);
  });

  it("has dependsOn that is transitive through parents (a VM waits for the network)", () => {
    const vm = plan.resources.find((r) => r.type === "azure-native:compute:VirtualMachine" && r.step === "dc-vm");
    expect(vm?.dependsOn.some((u) => u.endsWith("::lab-vnet"))).toBe(true);
    // Components are expanded: only custom resources are listed.
    const custom = new Set(plan.resources.filter((r) => r.custom).map((r) => r.urn));
    for (const r of plan.resources) for (const d of r.dependsOn) expect(custom.has(d), `${r.urn} -> ${d}`).toBe(true);
  });

  it("has a timeline whose total and critical path agree with the steps", () => {
    const { minutes, serialMinutes, criticalPath } = plan.timeline;
    expect(minutes).toBeGreaterThan(0);
    expect(serialMinutes).toBeGreaterThanOrEqual(minutes);
    expect(criticalPath.length).toBeGreaterThan(0);
    const finish = Math.max(...plan.steps.map((s) => s.finish));
    expect(finish).toBeCloseTo(minutes, 0);
    const last = plan.steps.find((s) => s.id === criticalPath[criticalPath.length - 1]);
    expect(last?.finish).toBeCloseTo(minutes, 0);
    // Along the path each step ends no later than the next one starts.
    for (let i = 1; i < criticalPath.length; i++) {
      const prev = plan.steps.find((s) => s.id === criticalPath[i - 1]);
      const cur = plan.steps.find((s) => s.id === criticalPath[i]);
      expect(prev && cur && prev.finish <= cur.finish).toBe(true);
    }
    // A step never starts before a step it needs has finished.
    const edges = plan.steps.filter((x) => x.built).flatMap((s) => s.needs.map((n) => ({ s, need: plan.steps.find((x) => x.id === n) })));
    const builtEdges = edges.filter((e) => e.need?.built);
    expect(builtEdges.length).toBeGreaterThan(20);
    for (const { s, need } of builtEdges) expect(s.start, `${s.id} after ${need?.id ?? "?"}`).toBeGreaterThanOrEqual((need?.finish ?? Infinity) - 1e-9);
  });

  it("is byte-identical on a second evaluation", async () => {
    const again = await makePlan(planArgs());
    expect(renderPlan(again, "json")).toBe(renderPlan(plan, "json"));
  });
});

describe("plan renderings", () => {
  it("prints waves, not-built steps, the timeline, warnings and the cost", () => {
    const text = renderPlan(plan, "human");
    expect(text).toMatch(/^Wave 1$/m);
    // Every runbook step has resources now, so none is "not built yet"; verify is the last wave.
    expect(text).not.toMatch(/^\s+\. \S+\s+not built yet/m);
    expect(text).toMatch(/verify\s+\S+-\S+\s+End-to-end checks/);
    expect(text).toMatch(/critical path: /);
    expect(text).toMatch(/Per running hour: \$\d+\.\d\d; per conference day: \$\d+\.\d\d/);
    // Secrets: redacted in the JSON inputs, absent from every rendering.
    expect(renderPlan(plan, "json")).toContain('"[secret]"');
    for (const form of ["human", "json", "mermaid"] as const) expect(renderPlan(plan, form)).not.toMatch(/Mock-[0-9a-f]{12}-Pw1!/);
  });

  it("prints stack outputs aligned, a list one item a line, a multi-line text indented", () => {
    const text = renderPlan(plan, "human");
    const section = text.slice(text.indexOf("Stack outputs\n"));
    const checks = plan.outputs.verifyChecks as string[];
    expect(Array.isArray(checks)).toBe(true);
    const lines = section.split("\n");
    const at = lines.findIndex((l) => /^  verifyChecks +- /.test(l));
    expect(at).toBeGreaterThan(0);
    const column = (lines[at] ?? "").indexOf("- ");
    for (let i = 0; i < checks.length; i++) {
      expect(lines[at + i]?.slice(column)).toBe(`- ${checks[i] ?? ""}`);
    }
    // Every value starts in the same column; continuation lines hold nothing left of it.
    for (const l of lines.slice(1).filter((x) => x.startsWith("  "))) expect(l.slice(0, column).trim().includes(" ")).toBe(false);
    expect(section).not.toMatch(/\{"0":/);
  });

  it("draws every step and every need in Mermaid", () => {
    const m = renderPlan(plan, "mermaid");
    expect(m.startsWith("flowchart TD\n")).toBe(true);
    for (const s of RUNBOOK) expect(m).toContain(`${s.id.replace(/-/g, "_")}["${s.id}"]`);
    expect(m).toContain("ad_user_discovery --> client_agent");
    expect(m).toContain("client_agent --> verify");
    expect(m).toContain("sync_scope --> device_registration");
  });
});

describe("steps in rounds", () => {
  it("counts a later round as a short check: the first round's figure covers the work", () => {
    const laterRounds = plan.resources.filter((r) => roundOf(r) > 1);
    expect(laterRounds.map((r) => r.name).sort()).toEqual([
      "site-download-command-round-2",
      "site-install-command-round-2",
      "site-install-command-round-3",
      "sync01-configure-command-round-2",
      "sync01-configure-command-round-3",
    ]);
    expect(resourceDuration(RUN_COMMAND_TYPE, true, "site-install.ps1", 2)).toBe(LATER_ROUND);
    expect(resourceDuration(RUN_COMMAND_TYPE, true, "site-install.ps1", 1)).toBe(SCRIPT_MINUTES["site-install.ps1"]);
    // Printed with its round, and the wizard moment is listed once.
    expect(renderPlan(plan, "human")).toMatch(/site-install-round-3 on cmglab-dev-cm01 \(site-install\.ps1, round 3\/3\)/);
    expect(plan.manualSteps).toHaveLength(1);
  });
});

describe("checks run again", () => {
  it("counts the verify step's user-discovery check as a read-back: both discovery steps already waited for the record", () => {
    expect(plan.resources.filter(isRecheck).map((r) => r.name)).toEqual(["verify-user-discovery-command"]);
    expect(resourceDuration(RUN_COMMAND_TYPE, true, "check-user-discovery.ps1", 1, true)).toBe(RECHECK);
    // The first wait keeps its own figure, and a later round stays a later round.
    expect(resourceDuration(RUN_COMMAND_TYPE, true, "check-user-discovery.ps1", 1)).toBe(SCRIPT_MINUTES["check-user-discovery.ps1"]);
    expect(resourceDuration(RUN_COMMAND_TYPE, true, "site-install.ps1", 2, true)).toBe(LATER_ROUND);
    expect(RECHECK.minutes).toBeLessThan((SCRIPT_MINUTES["check-user-discovery.ps1"] as { minutes: number }).minutes);
    // The verify step's span is set by its longest check, not by the first user-discovery wait.
    // lab-verify-site.ps1 and lab-verify-client.ps1 are planned at 10 minutes each.
    const verify = plan.steps.find((s) => s.id === "verify");
    expect(verify).toBeDefined();
    expect((verify?.finish ?? 0) - (verify?.start ?? 0)).toBeCloseTo(10, 5);
    expect(RECHECK.minutes).toBe(3);
  });
});

describe("start by", () => {
  it("gives the latest start before the nightly shutdown, from the estimate plus a margin", () => {
    expect(latestStart("19:00", "UTC", 266)).toEqual({ latest: "13:34", shutdown: "19:00", timeZone: "UTC" });
    expect(latestStart("03:00", "UTC", 266)).toEqual({ latest: null, shutdown: "03:00", timeZone: "UTC" });
    expect(latestStart(null, "UTC", 266)).toBeNull();
    // The default lab: computed from its own timeline and printed before the manual steps.
    expect(plan.startBy).toEqual(latestStart("19:00", "UTC", plan.timeline.minutes));
    expect(renderPlan(plan, "human")).toMatch(/Before you start\n {2}Start the first pulumi up by \d\d:\d\d \(UTC\)/);
  });
});

describe("manual steps", () => {
  it("tells when the Entra Connect wizard is due, from the timeline", () => {
    expect(plan.manualSteps).toHaveLength(1);
    const [wizard] = plan.manualSteps;
    expect(wizard?.step).toBe("entra-connect");
    const step = plan.steps.find((s) => s.id === "entra-connect");
    expect(wizard && step && wizard.at >= step.start && wizard.at <= step.finish).toBe(true);
    expect(renderPlan(plan, "human")).toMatch(/^Manual steps during pulumi up\n  ~\d+m \(entra-connect\): .*Entra Connect wizard/m);
  });
});

describe("plan arguments", () => {
  it("defaults to the dev stack, its config file in the project, and the human form", () => {
    expect(planArgs()).toEqual({ stack: "dev", configFile: path.join(PROJECT_DIR, "Pulumi.dev.yaml"), format: "human" });
  });

  it("reads Pulumi.<stack>.yaml for --stack unless --config-file names another (resolved)", () => {
    const parsed = parseCli(PLAN_CLI, ["--stack", "prod", "--json"]);
    if (parsed.kind !== "ok") throw new Error(`did not parse: ${parsed.kind}`);
    expect(planArgs(parsed.values)).toEqual({ stack: "prod", configFile: path.join(PROJECT_DIR, "Pulumi.prod.yaml"), format: "json" });
    expect(planArgs({ stack: "prod", "config-file": "x/Pulumi.prod.yaml" }).configFile).toBe(path.resolve("x/Pulumi.prod.yaml"));
    expect(planArgs({ mermaid: true }).format).toBe("mermaid");
  });

  it("refuses two output formats, naming both", () => {
    expect(() => planArgs({ json: true, mermaid: true })).toThrow(UsageError);
    expect(() => planArgs({ json: true, mermaid: true })).toThrow("--json and --mermaid cannot be combined");
  });

  it("names an unknown option and a missing value; answers help", () => {
    expect(parseCli(PLAN_CLI, ["--frobnicate"])).toEqual({ kind: "error", message: "Unknown option '--frobnicate'" });
    expect(parseCli(PLAN_CLI, ["--config-file"])).toMatchObject({ kind: "error", message: expect.stringContaining("--config-file") });
    expect(parseCli(PLAN_CLI, ["extra"])).toEqual({ kind: "error", message: "unexpected argument 'extra'" });
    expect(parseCli(PLAN_CLI, ["--json", "--help"])).toEqual({ kind: "help" });
  });
});

describe("plan CLI", () => {
  it("refuses a bad config with one paragraph per problem on stderr, exit 2, nothing on stdout", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-plan-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(file, dev.replace(/activeDirectoryUsers: true/, "activeDirectoryUsers: false"));
    const r = runCli(["--stack", "bad", "--config-file", file]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("cmg-lab:discovery.activeDirectoryUsers");
    expect(r.stderr).toMatch(/Fix:/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("prints only the JSON object on stdout through npm run (no npm banner)", () => {
    const r = spawnSync("npm", ["run", "plan", "--", "--json"], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect(r.status).toBe(0);
    const parsed = JSON.parse(r.stdout) as Plan;
    expect(parsed.steps.length).toBe(RUNBOOK.length);
  });

  it("rejects an unknown argument with usage, exit 2", () => {
    const r = runCli(["--frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Unknown option '--frobnicate'");
    expect(r.stderr).toMatch(/usage: npm run plan/);
  });

  it("names an option without its value, and two output formats, exit 2 with nothing on stdout", () => {
    const missing = runCli(["--stack"]);
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain("--stack");
    const both = runCli(["--json", "--gantt"]);
    expect(both.status).toBe(2);
    expect(both.stdout).toBe("");
    expect(both.stderr).toContain("--json and --gantt cannot be combined");
    expect(both.stderr).toMatch(/usage: npm run plan/);
  });

  it("names a missing config file", () => {
    const r = runCli(["--stack", "nosuchstack"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Pulumi.nosuchstack.yaml");
  });
});

describe("teardown listing", () => {
  const rec = (type: string, inputs: Record<string, unknown>): RecordedResource => ({
    urn: `urn:pulumi:dev::cmg-lab::${type}::x`,
    type,
    name: "x",
    parent: undefined,
    custom: true,
    dependencies: [],
    inputs,
    plainInputs: inputs,
    secretPaths: [],
    azureName: undefined,
    step: undefined,
    seq: 0,
    aliases: [],
    options: { deleteBeforeReplace: false, replaceOnChanges: [], ignoreChanges: [], deletedWith: undefined },
  });
  const groups = new Set(["rg-cmglab-dev", "rg-cmglab-dev-cmg"]);

  it.each([
    ["azure-native:compute:VirtualMachine", { resourceGroupName: "rg-cmglab-dev" }, undefined],
    ["azure-native:compute:VirtualMachine", { resourceGroupName: "elsewhere" }, "resource group elsewhere"],
    ["azure-native:resources:ResourceGroup", { resourceGroupName: "rg-cmglab-dev" }, undefined],
    ["azuread:index/applicationRegistration:ApplicationRegistration", {}, "Entra ID tenant"],
    ["random:index/randomPassword:RandomPassword", {}, undefined],
    ["azure-native:authorization:RoleAssignment", { scope: "/subscriptions/s/resourceGroups/rg-cmglab-dev-cmg" }, undefined],
    ["azure-native:authorization:RoleAssignment", { scope: "/subscriptions/s" }, "scope /subscriptions/s"],
  ])("places %s %j: %s", (type, inputs, where) => {
    expect(placeOutsideResourceGroups(rec(type, inputs), groups)).toBe(where);
  });

  it("names the lab's resource group and prints the teardown section", () => {
    expect(plan.teardown.resourceGroups).toContain("rg-cmglab-dev");
    expect(renderPlan(plan, "human")).toMatch(/^Teardown \(pulumi destroy\)$/m);
    // Notes appear only for built steps.
    for (const o of plan.teardown.outsideState) expect(plan.steps.find((s) => s.id === o.step)?.built).toBe(true);
  });
});

describe("plan: resume estimate, Gantt chart and paused cost (issue 15)", () => {
  it("carries resume.minutes in --json, from phases that add up", () => {
    const json = JSON.parse(renderPlan(plan, "json")) as Plan;
    expect(typeof json.resume.minutes).toBe("number");
    const chain = json.resume.phases.reduce((s, p) => s + p.minutes, 0);
    // The default lab has a Basic Bastion, recreated beside the chain: the longer of the two ends it.
    expect(json.resume.minutes).toBe(Math.max(chain, 10));
    expect(json.resume.phases.map((p) => p.phase.split(" ").slice(0, 2).join(" "))).toEqual([
      "start the",
      "start the",
      "wait for",
      "start the",
      "re-run the",
    ]);
    for (const p of json.resume.phases) expect(p.source.length).toBeGreaterThan(20);
  });

  it("counts the verify step once with lanes on (checks side by side), twice on the site server without them", () => {
    const lanes = estimateResume({ bastion: "developer", parallelInGuest: true });
    const serial = estimateResume({ bastion: "developer", parallelInGuest: false });
    // DC 3, members 3, AD and site 4, CMG 6, then pulumi 1 plus one verify check of 2 (or two).
    expect(lanes.minutes).toBe(19);
    expect(serial.minutes).toBe(21);
    // The default lab has lanes on (and a Basic Bastion, 10, beside the chain): 19.
    expect(plan.resume.minutes).toBe(19);
  });

  it("prints the resume estimate and the paused cost per month next to the running cost", () => {
    const text = renderPlan(plan, "human");
    expect(text).toMatch(/Resume after npm run pause: ~\d+m \(start the DC/);
    expect(text).toMatch(/Per month: \$\d+\.\d\d running around the clock; \$\d+\.\d\d paused/);
    // Paused: only what a deallocated lab still bills (disks, public IPs, the stopped CMG).
    const disks = plan.cost.lines.filter((l) => l.item.startsWith("OS disk")).reduce((s, l) => s + l.alwaysHourly, 0);
    expect(plan.cost.perPausedMonth).toBeGreaterThanOrEqual(disks * 730 - 1e-9);
    expect(plan.cost.perPausedMonth).toBeLessThan(plan.cost.perRunningMonth / 5);
    // The default lab's Basic Bastion is deleted while paused, so it is not in the paused figure.
    const bastion = plan.cost.lines.find((l) => l.item.startsWith("Azure Bastion (Basic)"));
    expect(bastion?.alwaysHourly).toBeGreaterThan(0);
    expect(bastion?.pausedHourly).toBe(0);
    const vms = plan.cost.lines.filter((l) => l.item.startsWith("VM "));
    expect(vms.length).toBeGreaterThan(0);
    for (const l of vms) expect(l.pausedHourly).toBe(0);
  });

  it("prints the timeline as a Mermaid Gantt chart, one bar per built step, the critical path marked crit", () => {
    const gantt = renderPlan(plan, "gantt");
    const lines = gantt.trimEnd().split("\n");
    expect(lines[0]).toBe("gantt");
    expect(lines).toContain("  dateFormat X");
    const bars = lines.filter((l) => /^ {2}[a-z-]+ :/.test(l));
    expect(bars.map((l) => l.trim().split(" ")[0])).toEqual(plan.steps.filter((s) => s.built).map((s) => s.id));
    const crit = bars.filter((l) => / :crit, /.test(l)).map((l) => l.trim().split(" ")[0]);
    expect(crit).toEqual(plan.timeline.criticalPath);
    const site = bars.find((l) => l.startsWith("  site-server :"));
    const step = plan.steps.find((s) => s.id === "site-server");
    expect(site).toBe(`  site-server :crit, site_server, ${Math.round((step?.start ?? -1) * 60)}, ${Math.round((step?.finish ?? -1) * 60)}`);
  });

  it("accepts --gantt on the command line", () => {
    const parsed = parseCli(PLAN_CLI, ["--gantt"]);
    expect(parsed).toEqual({ kind: "ok", values: { gantt: true }, positionals: [] });
    if (parsed.kind !== "ok") throw new Error("--gantt did not parse");
    expect(planArgs(parsed.values).format).toBe("gantt");
  });
});
