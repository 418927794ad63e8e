/**
 * The policy pack (stacks/policy-pack/policies.ts), where mutation testing (npm run mutate) found
 * it loose: the pack's names and levels (what `--policy-pack-config` and the README name), the
 * edges of each rule (trimmed and upper-case input, a range written with spaces, a prefix that
 * only looks like a CIDR, a timeout of 0 or exactly 80 minutes, a secret ending exactly at the
 * limit), the type guards, and the exact messages users read. Expected values written here.
 */
import { describe, expect, it, vi } from "vitest";
import type { ReportViolation } from "@pulumi/policy";
import {
  adminPortsIn,
  entraSecretLifetime,
  findMissingWaits,
  isInternetSource,
  known,
  noInternetAdminPorts,
  openAdminRule,
  POLICIES,
  roleAssignmentNotSubscriptionScope,
  runbookOrder,
  runCommandWithinExtensionTimeout,
  TYPES,
  vmAutoShutdown,
  type LabResourcePolicy,
} from "../stacks/policy-pack/policies";
import { LAB_STEP_TYPE } from "../components/lab-step";
import { recorder, resourceArgs, stackArgs, toPolicyResources, type GraphResource } from "../stacks/policy-pack/offline";

type Spy = ReturnType<typeof vi.fn<ReportViolation>>;
const validate = async (policy: LabResourcePolicy, type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}): Promise<string[]> => {
  const spy: Spy = vi.fn<ReportViolation>();
  await policy.validateResource(resourceArgs({ type, props }, config), spy);
  return spy.mock.calls.map((c) => c[0]);
};

describe("the pack's policies, by name", () => {
  it("names each policy, its enforcement level and severity, in the order the engine reports them", () => {
    expect(POLICIES.map((p) => [p.name, p.enforcementLevel, p.severity])).toEqual([
      ["no-internet-admin-ports", "mandatory", "critical"],
      ["vm-expires-on-tag", "mandatory", "medium"],
      ["run-command-secrets-protected", "mandatory", "high"],
      ["run-command-fails-deployment", "mandatory", "high"],
      ["run-command-within-extension-timeout", "mandatory", "high"],
      ["role-assignment-not-subscription-scope", "advisory", "medium"],
      ["entra-secret-lifetime", "mandatory", "high"],
      ["vm-auto-shutdown", "mandatory", "medium"],
      ["runbook-order", "mandatory", "high"],
    ]);
  });
});

describe("adminPortsIn", () => {
  it.each([
    ["3389", [3389]],
    [" 3389 ", [3389]],
    ["*", [22, 3389, 5985, 5986]],
    ["ANY", [22, 3389, 5985, 5986]],
    ["Any", [22, 3389, 5985, 5986]],
    ["1-65535", [22, 3389, 5985, 5986]],
    ["5986,22", [22, 5986]],
    ["5000-6000, 20 - 30", [22, 5985, 5986]],
    ["3000-4000", [3389]],
    ["80,443", []],
    ["x3389", []],
    ["3389x", []],
    ["x1-65535", []],
    ["1-65535x", []],
    ["3389-", []],
    ["", []],
  ] as const)("%j covers %j", (expression, ports) => {
    expect(adminPortsIn(expression)).toEqual(ports);
  });
});

describe("isInternetSource", () => {
  it.each([
    ["*", true],
    [" Internet ", true],
    ["INTERNET", true],
    ["Any", true],
    ["0.0.0.0/0", true],
    ["10.0.0.0/8", true],
    ["10.1.0.0/15", true],
    ["10.1.0.0/16", false],
    ["203.0.113.7/32", false],
    ["203.0.113.7", false],
    ["VirtualNetwork", false],
    ["zz0.0.0.0/0", false],
    ["0.0.0.0/0zz", false],
    ["", false],
  ] as const)("%j: %s", (prefix, internet) => {
    expect(isInternetSource(prefix)).toBe(internet);
  });
});

describe("openAdminRule", () => {
  const rule = (extra: Record<string, unknown>): Record<string, unknown> => ({
    name: "rdp",
    access: "Allow",
    direction: "Inbound",
    protocol: "Tcp",
    destinationPortRange: "3389",
    sourceAddressPrefix: "*",
    ...extra,
  });

  it("says which rule, which ports and which sources, and what to do instead", () => {
    expect(openAdminRule(rule({ destinationPortRanges: ["22", "3389"], sourceAddressPrefixes: ["Internet", "10.0.0.0/24"] }))).toBe(
      "rule 'rdp' allows inbound port(s) 3389, 22 from '*', 'Internet'; use Bastion, or list a narrow admin CIDR (a /16 or longer prefix) in cmg-lab:admin.allowedSourceCidrs",
    );
    expect(openAdminRule(rule({ name: undefined, securityRuleName: "from-rule-name" }))).toMatch(/^rule 'from-rule-name' allows/);
    expect(openAdminRule(rule({ name: undefined }))).toMatch(/^rule '\(unnamed\)' allows inbound port\(s\) 3389 from '\*';/);
  });

  it("treats a missing protocol as any, and skips ICMP", () => {
    expect(openAdminRule(rule({ protocol: undefined }))).toMatch(/^rule 'rdp'/);
    expect(openAdminRule(rule({ protocol: "Udp" }))).toMatch(/^rule 'rdp'/);
    expect(openAdminRule(rule({ protocol: "Icmp" }))).toBeUndefined();
    expect(openAdminRule(rule({ protocol: "" }))).toBeUndefined();
  });

  it("passes a rule without access or direction, or that denies, or goes out", () => {
    expect(openAdminRule(rule({ access: undefined }))).toBeUndefined();
    expect(openAdminRule(rule({ direction: undefined }))).toBeUndefined();
    expect(openAdminRule(rule({ access: "Deny" }))).toBeUndefined();
    expect(openAdminRule(rule({ direction: "Outbound" }))).toBeUndefined();
    expect(openAdminRule(rule({ access: "ALLOW", direction: "INBOUND" }))).toMatch(/^rule 'rdp'/);
  });

  it("reads only string ports and sources", () => {
    expect(openAdminRule(rule({ destinationPortRange: 3389 }))).toBeUndefined();
    expect(openAdminRule(rule({ destinationPortRange: undefined, destinationPortRanges: [3389, "22"] }))).toMatch(/port\(s\) 22 from/);
    expect(openAdminRule(rule({ sourceAddressPrefix: undefined, sourceAddressPrefixes: [0, null] }))).toBeUndefined();
  });
});

describe("no-internet-admin-ports over an NSG's inline rules", () => {
  it("reports each open rule and skips entries that are not rules", async () => {
    const open = { name: "ssh", access: "Allow", direction: "Inbound", protocol: "*", destinationPortRange: "22", sourceAddressPrefix: "*" };
    expect(await validate(noInternetAdminPorts, TYPES.nsg, { securityRules: [null, "x", [open], open] })).toEqual([
      "rule 'ssh' allows inbound port(s) 22 from '*'; use Bastion, or list a narrow admin CIDR (a /16 or longer prefix) in cmg-lab:admin.allowedSourceCidrs",
    ]);
    expect(await validate(noInternetAdminPorts, TYPES.nsg, { securityRules: "not a list" })).toEqual([]);
    expect(await validate(noInternetAdminPorts, TYPES.vm, { securityRules: [open], ...open })).toEqual([]);
  });
});

describe("run-command-within-extension-timeout, at its edges", () => {
  const props = (timeoutInSeconds: unknown): Record<string, unknown> => ({ timeoutInSeconds, treatFailureAsDeploymentFailure: true });
  it.each([
    [1, []],
    [4800, []],
    [4801, ["timeoutInSeconds is 4801: give a run command 1-4800 seconds and split longer work into rounds (components/run-step.ts)"]],
    [0, ["timeoutInSeconds is 0: give a run command 1-4800 seconds and split longer work into rounds (components/run-step.ts)"]],
    [-1, ["timeoutInSeconds is -1: give a run command 1-4800 seconds and split longer work into rounds (components/run-step.ts)"]],
    ["600", ["timeoutInSeconds is 600: give a run command 1-4800 seconds and split longer work into rounds (components/run-step.ts)"]],
  ] as const)("timeoutInSeconds %j", async (timeout, expected) => {
    expect(await validate(runCommandWithinExtensionTimeout, TYPES.runCommand, props(timeout))).toEqual(expected);
  });
});

describe("role-assignment-not-subscription-scope, scope by scope", () => {
  it.each([
    ["/subscriptions/0000", true],
    ["/subscriptions/0000/", true],
    ["/SUBSCRIPTIONS/0000", true],
    ["/", true],
    ["", true],
    ["/providers/Microsoft.Management/managementGroups/lab", true],
    ["/providers/Microsoft.Management/managementGroups/lab/", true],
    ["/subscriptions/0000/resourceGroups/rg-cmglab-dev-cmg", false],
    ["/x/subscriptions/0000", false],
    ["/providers/Microsoft.Management/managementGroups/lab/subscriptions/0000", false],
    ["/x/providers/Microsoft.Management/managementGroups/lab", false],
  ] as const)("%j: too broad %s", async (scope, broad) => {
    expect(await validate(roleAssignmentNotSubscriptionScope, TYPES.roleAssignment, { scope })).toEqual(
      broad ? [`role assignment at scope '${scope}': ConfigMgr needs its role on the CMG resource group only`] : [],
    );
  });

  it("looks only at role assignments, and passes one without a scope", async () => {
    expect(await validate(roleAssignmentNotSubscriptionScope, TYPES.vm, { scope: "/subscriptions/0000" })).toEqual([]);
    expect(await validate(roleAssignmentNotSubscriptionScope, TYPES.roleAssignment, {})).toEqual([]);
  });
});

describe("entra-secret-lifetime, at its edges", () => {
  const NOW = new Date("2026-01-01T00:00:00Z");
  const policy = entraSecretLifetime(() => NOW);
  const check = (props: Record<string, unknown>, config: Record<string, unknown> = {}): Promise<string[]> => validate(policy, TYPES.appPassword, props, config);

  it("passes a secret ending exactly at the limit, fails one a second later", async () => {
    expect(await check({ endDate: "2026-04-01T00:00:00Z" })).toEqual([]);
    expect(await check({ endDate: "2026-04-01T00:00:01Z" })).toEqual([
      "the client secret expires in 91 days (2026-04-01T00:00:01.000Z); the limit is 90 days (2026-04-01T00:00:00.000Z)",
    ]);
  });

  it("falls back to 90 days for a limit of 0 or below", async () => {
    for (const maxSecretDays of [0, -5]) {
      expect(await check({ endDate: "2026-03-01T00:00:00Z" }, { maxSecretDays })).toEqual([]);
      expect(await check({ endDateRelative: "2184h" }, { maxSecretDays })).toEqual([
        "the client secret expires in 91 days (2026-04-02T00:00:00.000Z); the limit is 90 days (2026-04-01T00:00:00.000Z)",
      ]);
    }
    expect(await check({ endDateRelative: "48h" }, { maxSecretDays: 1 })).toEqual([
      "the client secret expires in 2 days (2026-01-03T00:00:00.000Z); the limit is 1 days (2026-01-02T00:00:00.000Z)",
    ]);
  });

  it("reads Go-style durations whole, and refuses anything else", async () => {
    expect(await check({ endDateRelative: "2159h59m59s" })).toEqual([]);
    expect(await check({ endDateRelative: "2160h" })).toEqual([]);
    expect(await check({ endDateRelative: "2159.5h1800s" })).toEqual([]);
    expect(await check({ endDateRelative: "2160.25h" })).toHaveLength(1);
    expect(await check({ endDateRelative: "2160h1ms" })).toHaveLength(1);
    for (const bad of ["2160", "h", "2160hx", "x2160h", "2160 h", "1.h", ""]) {
      expect(await check({ endDateRelative: bad }), bad).toEqual([`endDateRelative '${bad}' is not a duration such as '2160h'`]);
    }
  });

  it("looks only at application passwords", async () => {
    expect(await validate(policy, TYPES.vm, {})).toEqual([]);
    expect(await validate(policy, TYPES.runCommand, { endDate: "2099-01-01T00:00:00Z" })).toEqual([]);
  });
});

describe("known", () => {
  class UnknownValueError extends Error {}
  it("turns only the SDK's UnknownValueError into undefined", () => {
    expect(known(() => "x")).toBe("x");
    expect(
      known(() => {
        throw new UnknownValueError("unknown during preview");
      }),
    ).toBeUndefined();
    expect(() =>
      known(() => {
        throw new Error("broken");
      }),
    ).toThrow("broken");
    expect(() =>
      known(() => {
        throw Object.assign(Object.create({ constructor: { name: "UnknownValueError" } }) as object, { message: "not an Error" });
      }),
    ).toThrow();
  });
});

// --- stack policies ------------------------------------------------------------------------------

const STACK = "urn:pulumi:dev::cmg-lab::pulumi:pulumi:Stack::cmg-lab-dev";
const u = (type: string, name: string): string => `urn:pulumi:dev::cmg-lab::${type}::${name}`;
const g = (type: string, name: string, parent: string | undefined, extra: Partial<GraphResource> = {}): GraphResource => ({
  urn: u(type, name),
  type,
  name,
  parent,
  dependencies: [],
  props: {},
  custom: !type.startsWith("cmg-lab:") && !type.startsWith("pulumi:pulumi:"),
  ...extra,
});

describe("vm-auto-shutdown, target by target", () => {
  const vmId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/cmglab-dev-dc01";
  const vmA = g(TYPES.vm, "dc01-vm", STACK, { props: { id: vmId, vmName: "cmglab-dev-dc01" } });
  const vmB = g(TYPES.vm, "cm01-vm", STACK, { props: { name: "cmglab-dev-cm01" } });
  const schedule = (props: Record<string, unknown>, extra: Partial<GraphResource> = {}, type: string = TYPES.shutdownSchedule): GraphResource =>
    g(type, "a-shutdown", STACK, { props: { taskType: "ComputeVmShutdownTask", status: "Enabled", ...props }, ...extra });
  const uncovered = async (graph: GraphResource[]): Promise<string[]> => {
    const rec = recorder();
    await vmAutoShutdown.validateStack(stackArgs(toPolicyResources(graph)), rec.report);
    for (const v of rec.violations) expect(v.message).toBe(`VM '${v.urn?.split("::").pop()}' has no enabled auto-shutdown schedule; set cmg-lab:schedule.autoShutdown (HH:MM)`);
    return rec.violations.map((v) => v.urn ?? "");
  };

  it("matches the target by id (any case, trailing slash) or by the VM's name, and only that VM", async () => {
    expect(await uncovered([vmA, vmB, schedule({ targetResourceId: vmId.toUpperCase() + "/" })])).toEqual([vmB.urn]);
    expect(await uncovered([vmA, vmB, schedule({ targetResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/CMGLAB-DEV-CM01" })])).toEqual([vmA.urn]);
    expect(await uncovered([vmA, vmB, schedule({ targetResourceId: `${vmId}/extra` })])).toEqual([vmA.urn, vmB.urn]);
    expect(await uncovered([vmA, vmB, schedule({ targetResourceId: "cmglab-dev-dc01" })])).toEqual([vmA.urn, vmB.urn]);
  });

  it("follows the property dependency, else the dependencies, to exactly the VMs named there", async () => {
    expect(await uncovered([vmA, vmB, schedule({}, { propertyDependencies: { targetResourceId: [vmB.urn] }, dependencies: [vmA.urn] })])).toEqual([vmA.urn]);
    expect(await uncovered([vmA, vmB, schedule({}, { dependencies: [vmA.urn, u("x:y:Z", "other")] })])).toEqual([vmB.urn]);
    expect(await uncovered([vmA, vmB, schedule({}, { propertyDependencies: { targetResourceId: [] }, dependencies: [vmB.urn] })])).toEqual([vmA.urn]);
  });

  it("counts only enabled ComputeVmShutdownTask schedules of the GlobalSchedule type", async () => {
    expect(await uncovered([vmA, schedule({ targetResourceId: vmId, status: "disabled" })])).toEqual([vmA.urn]);
    expect(await uncovered([vmA, schedule({ targetResourceId: vmId, taskType: "LabVmsShutdownTask" })])).toEqual([vmA.urn]);
    expect(await uncovered([vmA, schedule({ targetResourceId: vmId }, {}, "azure-native:devtestlab:Schedule")])).toEqual([vmA.urn]);
    // taskType and status not known yet (preview): the schedule counts.
    expect(await uncovered([vmA, schedule({ targetResourceId: vmId, taskType: undefined, status: undefined })])).toEqual([]);
  });
});

describe("runbook-order: what counts as a step's resource", () => {
  const lab = g("cmg-lab:lab:Lab", "cmglab", STACK);
  const step = (id: string): GraphResource => g(LAB_STEP_TYPE, id, lab.urn);
  const stackRes = g("pulumi:pulumi:Stack", "cmg-lab-dev", undefined);

  it("finds a dropped edge only between a step's custom resources and a needed step's", async () => {
    const password = g("random:index/randomPassword:RandomPassword", "pw", u(LAB_STEP_TYPE, "credentials"));
    const vm = g(TYPES.vm, "dc01-vm", u(LAB_STEP_TYPE, "dc-vm"));
    const graph = [stackRes, lab, step("credentials"), step("dc-vm"), password, vm];
    expect(findMissingWaits(toPolicyResources(graph))).toEqual([{ step: "dc-vm", needs: "credentials", urn: vm.urn, missing: password.urn }]);
    const rec = recorder();
    await runbookOrder.validateStack(stackArgs(toPolicyResources(graph)), rec.report);
    expect(rec.violations).toEqual([
      { urn: vm.urn, message: `runbook step 'dc-vm' does not wait for 'credentials', which it needs: ${vm.urn} is not ordered after ${password.urn}` },
    ]);
  });

  it("does not take an empty project component, or one under a step of another type, for a custom resource", async () => {
    const password = g("random:index/randomPassword:RandomPassword", "pw", u(LAB_STEP_TYPE, "credentials"));
    // An empty component of this project under dc-vm: not a resource that must wait.
    const emptyComponent = g("cmg-lab:vm:WindowsVm", "dc01", u(LAB_STEP_TYPE, "dc-vm"), { custom: false });
    const graph = [stackRes, lab, step("credentials"), step("dc-vm"), password, emptyComponent].map((r) => ({ ...r, custom: false }));
    expect(findMissingWaits(toPolicyResources(graph))).toEqual([]);
    // A component named like a step but of another type is not a step.
    const fake = g("cmg-lab:other:Thing", "dc-vm", lab.urn);
    const vm = g(TYPES.vm, "dc01-vm", fake.urn);
    expect(findMissingWaits(toPolicyResources([stackRes, lab, step("credentials"), password, fake, vm]))).toEqual([]);
  });

  it("reads a dependency on a component it was not given as that component's descendants, and survives a cycle", async () => {
    const password = g("random:index/randomPassword:RandomPassword", "pw", u(LAB_STEP_TYPE, "credentials"));
    const a = g(TYPES.vm, "a", u(LAB_STEP_TYPE, "dc-vm"), { dependencies: [u(TYPES.vm, "b")] });
    const b = g(TYPES.vm, "b", u(LAB_STEP_TYPE, "dc-vm"), { dependencies: [u(TYPES.vm, "a"), password.urn] });
    const graph = [stackRes, lab, step("credentials"), step("dc-vm"), password, a, b];
    expect(findMissingWaits(toPolicyResources(graph))).toEqual([]);
  });
});
