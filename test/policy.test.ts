/**
 * The guardrails policy pack, policy by policy: each validation function is called directly with
 * hand-built arguments shaped as the @pulumi/policy typings describe them and a reportViolation
 * spy; every policy has passing and failing cases.
 */
import { MAX_RUN_COMMAND_MINUTES } from "../components/run-step";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import * as policySdk from "@pulumi/policy";
import type { ReportViolation } from "@pulumi/policy";
import { securityRules } from "../components/lab-network";
import { LAB_STEP_TYPE } from "../components/lab-step";
import {
  DEFAULT_MAX_SECRET_DAYS,
  entraSecretLifetime,
  entraSecretLifetimePolicy,
  findMissingWaits,
  noInternetAdminPorts,
  POLICIES,
  roleAssignmentNotSubscriptionScope,
  runbookOrder,
  runCommandFailsDeployment,
  runCommandWithinExtensionTimeout,
  MAX_RUN_COMMAND_SECONDS,
  runCommandSecretsProtected,
  TYPES,
  vmAutoShutdown,
  vmExpiresOnTag,
  type LabResourcePolicy,
} from "../stacks/policy-pack/policies";
import { recorder, resourceArgs, stackArgs, toPolicyResources, type GraphResource } from "../stacks/policy-pack/offline";

type Spy = ReturnType<typeof vi.fn<ReportViolation>>;

async function validate(
  policy: LabResourcePolicy,
  type: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Promise<Spy> {
  const spy = vi.fn<ReportViolation>();
  await policy.validateResource(resourceArgs({ type, props }, config), spy);
  return spy;
}

const messages = (spy: Spy): string[] => spy.mock.calls.map((c) => c[0]);

/** The policy SDK's preview proxy: reading an unknown value throws, as in the engine. */
const sdkInternals = policySdk as unknown as { unknownCheckingProxy: (value: object) => Record<string, unknown> };
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("the pack", () => {
  it("has uniquely named policies, mandatory except the role-scope advice", () => {
    const names = POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of POLICIES) {
      expect(p.enforcementLevel, p.name).toBe(p === roleAssignmentNotSubscriptionScope ? "advisory" : "mandatory");
      expect(p.description.length, p.name).toBeGreaterThan(20);
    }
  });

  it("declares its SDK dependencies at the root's exact versions", () => {
    const read = (file: string): { dependencies: Record<string, string>; version?: string } =>
      JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", file), "utf8"));
    const root = read("package.json");
    const pack = read("stacks/policy-pack/package.json");
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/); // the PolicyPack constructor requires it
    for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) expect(pack.dependencies[dep], dep).toBe(root.dependencies[dep]);
  });

  it("keeps the modules tests import free of runtime @pulumi/policy imports (no PolicyPack, no gRPC server)", () => {
    for (const file of ["policies.ts", "offline.ts"]) {
      const text = fs.readFileSync(path.resolve(__dirname, "../stacks/policy-pack", file), "utf8");
      const imports = [...text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"@pulumi\/policy"/gms)];
      expect(imports.length, file).toBeGreaterThan(0);
      expect(imports.every((m) => m[1] !== undefined), file).toBe(true);
    }
  });
});

describe("no-internet-admin-ports", () => {
  const allow = (r: Record<string, unknown>): Record<string, unknown> => ({
    name: "r",
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    ...r,
  });

  it("passes the lab's own NSG rules, with and without admin source CIDRs", async () => {
    for (const role of ["servers", "workstations", "internet"] as const) {
      for (const cidrs of [[], ["203.0.113.0/24", "198.51.100.7"]]) {
        const spy = await validate(noInternetAdminPorts, TYPES.nsg, { securityRules: securityRules(role, cidrs) });
        expect(messages(spy), `${role} ${cidrs.join(",")}`).toEqual([]);
      }
    }
  });

  it.each([
    ["deny from the internet", { access: "Deny", sourceAddressPrefix: "Internet", destinationPortRange: "3389" }],
    ["outbound allow", { direction: "Outbound", sourceAddressPrefix: "*", destinationPortRange: "22" }],
    ["a narrow admin CIDR", { sourceAddressPrefix: "203.0.113.0/24", destinationPortRange: "3389" }],
    ["a /16 exactly", { sourceAddressPrefix: "10.20.0.0/16", destinationPortRange: "5986" }],
    ["a single address", { sourceAddressPrefixes: ["198.51.100.7"], destinationPortRanges: ["22", "3389"] }],
    ["the VNet service tag", { sourceAddressPrefix: "VirtualNetwork", destinationPortRange: "*" }],
    ["HTTPS from anywhere", { sourceAddressPrefix: "*", destinationPortRanges: ["80", "443", "10123"] }],
    ["a range beside the admin ports", { sourceAddressPrefix: "Internet", destinationPortRange: "3390-5984" }],
    ["ICMP from anywhere", { protocol: "Icmp", sourceAddressPrefix: "*", destinationPortRange: "*" }],
  ])("passes %s", async (_label, rule) => {
    const spy = await validate(noInternetAdminPorts, TYPES.nsg, { securityRules: [allow(rule)] });
    expect(spy).not.toHaveBeenCalled();
  });

  it.each([
    ["RDP from *", { sourceAddressPrefix: "*", destinationPortRange: "3389" }, "3389", "'*'"],
    ["SSH from Internet", { sourceAddressPrefix: "Internet", destinationPortRange: "22" }, "22", "'Internet'"],
    ["WinRM from 0.0.0.0/0", { sourceAddressPrefix: "0.0.0.0/0", destinationPortRange: "5985" }, "5985", "'0.0.0.0/0'"],
    ["a range over WinRM from a /8", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "5000-6000" }, "5985, 5986", "'10.0.0.0/8'"],
    ["RDP from a /15, just too wide", { sourceAddressPrefix: "100.64.0.0/15", destinationPortRange: "3389" }, "3389", "'100.64.0.0/15'"],
    ["every port from Internet", { sourceAddressPrefix: "internet", destinationPortRange: "*" }, "22, 3389, 5985, 5986", "'internet'"],
    ["one wide source among narrow ones", { sourceAddressPrefixes: ["203.0.113.0/24", "0.0.0.0/1"], destinationPortRanges: ["443", "3389"] }, "3389", "'0.0.0.0/1'"],
    ["RDP over UDP from *", { protocol: "Udp", sourceAddressPrefix: "*", destinationPortRange: "3389" }, "3389", "'*'"],
    ["any protocol from ::/0", { protocol: "*", sourceAddressPrefix: "::/0", destinationPortRange: "22" }, "22", "'::/0'"],
  ])("fails %s", async (_label, rule, ports, source) => {
    const spy = await validate(noInternetAdminPorts, TYPES.nsg, {
      securityRules: [allow({ name: "deny-nothing", access: "Deny", sourceAddressPrefix: "*", destinationPortRange: "*" }), allow({ name: "bad", ...rule })],
    });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(messages(spy)[0]).toContain("rule 'bad'");
    expect(messages(spy)[0]).toContain(`port(s) ${ports} from ${source}`);
  });

  it("checks standalone SecurityRule resources too", async () => {
    const bad = await validate(noInternetAdminPorts, TYPES.securityRule, {
      securityRuleName: "open-rdp",
      ...allow({ name: undefined, sourceAddressPrefix: "*", destinationPortRange: "3389" }),
    });
    expect(messages(bad)).toEqual([expect.stringContaining("rule 'open-rdp' allows inbound port(s) 3389")]);
    const good = await validate(noInternetAdminPorts, TYPES.securityRule, allow({ sourceAddressPrefix: "203.0.113.9/32", destinationPortRange: "3389" }));
    expect(good).not.toHaveBeenCalled();
  });

  it("ignores other resource types", async () => {
    const spy = await validate(noInternetAdminPorts, TYPES.vm, { securityRules: [allow({ sourceAddressPrefix: "*", destinationPortRange: "*" })] });
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("vm-expires-on-tag", () => {
  it("passes an ISO date", async () => {
    for (const expiresOn of ["2026-12-31", "2028-02-29"]) {
      expect(await validate(vmExpiresOnTag, TYPES.vm, { tags: { expiresOn, lab: "x" } }), expiresOn).not.toHaveBeenCalled();
    }
  });

  it("fails a missing tag, a missing tag set and a non-ISO or impossible date", async () => {
    expect(messages(await validate(vmExpiresOnTag, TYPES.vm, { tags: { lab: "x" } }))).toEqual([expect.stringContaining("no 'expiresOn' tag")]);
    expect(messages(await validate(vmExpiresOnTag, TYPES.vm, {}))).toEqual([expect.stringContaining("no 'expiresOn' tag")]);
    // The tag holds what the config accepts (stacks/config/config-util.ts isIsoDate): a day, no time.
    for (const expiresOn of ["31/12/2026", "2026-02-30", "2027-2-1", "soon", "2026-12-31T10:00"]) {
      expect(messages(await validate(vmExpiresOnTag, TYPES.vm, { tags: { expiresOn } })), expiresOn).toEqual([
        expect.stringContaining(`'${expiresOn}' is not an ISO date`),
      ]);
    }
  });

  it("ignores resources that are not VMs", async () => {
    expect(await validate(vmExpiresOnTag, TYPES.nsg, { tags: {} })).not.toHaveBeenCalled();
  });
});

describe("run commands", () => {
  const command = (r: Record<string, unknown>): Record<string, unknown> => ({
    vmName: "cmglab-dev-dc01",
    source: { script: "param($DomainFqdn)" },
    parameters: [{ name: "DomainFqdn", value: "corp.cmglab.example" }, { name: "KeyVaultName", value: "kv" }],
    protectedParameters: [{ name: "SafeModePassword", value: "s3cret!" }, { name: "CertPfxBase64", value: "MII..." }],
    treatFailureAsDeploymentFailure: true,
    ...r,
  });

  it("passes secrets only in protectedParameters", async () => {
    expect(await validate(runCommandSecretsProtected, TYPES.runCommand, command({}))).not.toHaveBeenCalled();
    expect(await validate(runCommandSecretsProtected, TYPES.runCommand, command({ parameters: [] }))).not.toHaveBeenCalled();
  });

  it.each(["adminPassword", "ClientSecret", "StorageKey", "ApiToken", "CertPfx", "CertPfxBase64"])("fails %s in parameters", async (name) => {
    const spy = await validate(runCommandSecretsProtected, TYPES.runCommand, command({ parameters: [{ name: "DomainFqdn", value: "x" }, { name, value: "v" }] }));
    expect(messages(spy)).toEqual([expect.stringContaining(`parameter '${name}' looks like a secret`)]);
  });

  // The same rule as the run-command contract check (stacks/model/secret-names.ts): exact-case suffixes.
  it.each(["SecretKeyExpiry", "KeyVaultName", "TokenLifetimeMinutes", "apiTOKEN"])("passes %s in parameters (not a secret name)", async (name) => {
    expect(await validate(runCommandSecretsProtected, TYPES.runCommand, command({ parameters: [{ name, value: "v" }] }))).not.toHaveBeenCalled();
  });

  it("passes treatFailureAsDeploymentFailure: true and fails false or missing", async () => {
    expect(await validate(runCommandFailsDeployment, TYPES.runCommand, command({}))).not.toHaveBeenCalled();
    expect(messages(await validate(runCommandFailsDeployment, TYPES.runCommand, command({ treatFailureAsDeploymentFailure: false })))).toHaveLength(1);
    expect(messages(await validate(runCommandFailsDeployment, TYPES.runCommand, command({ treatFailureAsDeploymentFailure: undefined })))).toEqual([
      expect.stringContaining("treatFailureAsDeploymentFailure is not true"),
    ]);
  });

  it("passes a synchronous run command within 80 minutes, fails async or a longer or missing timeout", async () => {
    const check = (r: Record<string, unknown>) => validate(runCommandWithinExtensionTimeout, TYPES.runCommand, command(r));
    expect(await check({ asyncExecution: false, timeoutInSeconds: 4800 })).not.toHaveBeenCalled();
    expect(messages(await check({ asyncExecution: false, timeoutInSeconds: 4801 }))).toEqual([expect.stringContaining("timeoutInSeconds is 4801")]);
    expect(messages(await check({ asyncExecution: false }))).toEqual([expect.stringContaining("timeoutInSeconds is undefined")]);
    expect(messages(await check({ asyncExecution: true, timeoutInSeconds: 600 }))).toEqual([expect.stringContaining("asyncExecution is true")]);
    // The pack keeps its own copy of the program's limit (it does not load the components).
    expect(MAX_RUN_COMMAND_SECONDS).toBe(MAX_RUN_COMMAND_MINUTES * 60);
  });

  it("ignores other resource types", async () => {
    expect(await validate(runCommandWithinExtensionTimeout, TYPES.vm, {})).not.toHaveBeenCalled();
    expect(await validate(runCommandFailsDeployment, TYPES.vm, {})).not.toHaveBeenCalled();
    expect(await validate(runCommandSecretsProtected, TYPES.vm, { parameters: [{ name: "adminPassword" }] })).not.toHaveBeenCalled();
  });
});

describe("role-assignment-not-subscription-scope (advisory)", () => {
  const sub = "/subscriptions/00000000-0000-4000-8000-00000000c0de";

  it("passes a resource-group scope", async () => {
    expect(await validate(roleAssignmentNotSubscriptionScope, TYPES.roleAssignment, { scope: `${sub}/resourceGroups/rg-cmglab-dev-cmg` })).not.toHaveBeenCalled();
  });

  it("fails the subscription scope (with or without a trailing slash) and broader ones", async () => {
    for (const scope of [sub, `${sub}/`, "/", "/providers/Microsoft.Management/managementGroups/root"]) {
      expect(messages(await validate(roleAssignmentNotSubscriptionScope, TYPES.roleAssignment, { scope })), scope).toEqual([
        expect.stringContaining(`scope '${scope}'`),
      ]);
    }
  });
});

describe("entra-secret-lifetime", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const policy = entraSecretLifetime(() => now);
  const check = (props: Record<string, unknown>, config: Record<string, unknown> = {}): Promise<Spy> =>
    validate(policy, TYPES.appPassword, { applicationId: "/applications/x", displayName: "cmg", ...props }, config);

  it("declares maxSecretDays in its config schema, default 90", () => {
    expect(entraSecretLifetimePolicy.configSchema?.properties.maxSecretDays).toMatchObject({ type: "integer", default: DEFAULT_MAX_SECRET_DAYS });
    expect(DEFAULT_MAX_SECRET_DAYS).toBe(90);
  });

  it("passes an endDate within the limit (default and configured)", async () => {
    expect(await check({ endDate: "2026-03-01T00:00:00Z" })).not.toHaveBeenCalled(); // 59 days
    expect(await check({ endDate: "2026-03-01T00:00:00Z" }, { maxSecretDays: 60 })).not.toHaveBeenCalled();
    expect(await check({ endDateRelative: "720h" })).not.toHaveBeenCalled(); // 30 days
  });

  it("fails an endDate beyond the limit, a lower configured limit, and no endDate at all", async () => {
    expect(messages(await check({ endDate: "2026-06-01T00:00:00Z" }))).toEqual([expect.stringContaining("expires in 151 days")]);
    expect(messages(await check({ endDate: "2026-03-01T00:00:00Z" }, { maxSecretDays: 30 }))).toEqual([
      expect.stringContaining("the limit is 30 days (2026-01-31T00:00:00.000Z)"),
    ]);
    expect(messages(await check({}))).toEqual([expect.stringContaining("no endDate")]);
    expect(messages(await check({ endDateRelative: "8760h" }))).toEqual([expect.stringContaining("expires in 365 days")]);
    expect(messages(await check({ endDate: "next spring" }))).toEqual([expect.stringContaining("is not a date")]);
  });

  it("measures from the time of evaluation", async () => {
    const later = entraSecretLifetime(() => new Date("2026-05-01T00:00:00Z"));
    const spy = vi.fn<ReportViolation>();
    await later.validateResource(resourceArgs({ type: TYPES.appPassword, props: { endDate: "2026-06-01T00:00:00Z" } }), spy);
    expect(spy).not.toHaveBeenCalled();
  });
});

// --- stack policies over hand-built graphs ---------------------------------------------------------

const STACK = "urn:pulumi:dev::cmg-lab::pulumi:pulumi:Stack::cmg-lab-dev";
const u = (type: string, name: string): string => `urn:pulumi:dev::cmg-lab::${type}::${name}`;

function g(type: string, name: string, parent: string | undefined, extra: Partial<GraphResource> = {}): GraphResource {
  return { urn: u(type, name), type, name, parent, dependencies: [], props: {}, custom: !type.startsWith("cmg-lab:") && !type.startsWith("pulumi:pulumi:"), ...extra };
}

describe("vm-auto-shutdown", () => {
  const vmUrn = u(TYPES.vm, "dc01-vm");
  const vmId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/cmglab-dev-dc01";
  const vm = (props: Record<string, unknown> = { vmName: "cmglab-dev-dc01" }): GraphResource => g(TYPES.vm, "dc01-vm", STACK, { props });
  const schedule = (props: Record<string, unknown>, extra: Partial<GraphResource> = {}): GraphResource =>
    g(TYPES.shutdownSchedule, "dc01-shutdown", STACK, {
      props: { taskType: "ComputeVmShutdownTask", status: "Enabled", dailyRecurrence: { time: "1900" }, ...props },
      ...extra,
    });
  const run = async (graph: GraphResource[], preview = false): Promise<ReturnType<typeof recorder>["violations"]> => {
    const resources = toPolicyResources(graph);
    if (preview) for (const r of resources) r.props = sdkInternals.unknownCheckingProxy(r.props);
    const rec = recorder();
    await vmAutoShutdown.validateStack(stackArgs(resources), rec.report);
    return rec.violations;
  };

  it("passes a VM whose schedule targets its id", async () => {
    expect(await run([vm(), schedule({ targetResourceId: vmId })])).toEqual([]);
  });

  it("passes in a first preview, when the VM's id is unknown, through the target's property dependency", async () => {
    expect(() => sdkInternals.unknownCheckingProxy({ targetResourceId: UNKNOWN_STRING }).targetResourceId).toThrow(/can't be known during preview/);
    const graph = [vm({ vmName: UNKNOWN_STRING }), schedule({ targetResourceId: UNKNOWN_STRING }, { propertyDependencies: { targetResourceId: [vmUrn] } })];
    expect(await run(graph, true)).toEqual([]);
    // Without the property dependency, the schedule's dependencies stand in.
    expect(await run([vm({ vmName: UNKNOWN_STRING }), schedule({ targetResourceId: UNKNOWN_STRING }, { dependencies: [vmUrn] })], true)).toEqual([]);
  });

  it("fails a VM with no schedule, a disabled one, or one that targets another VM", async () => {
    const expected = [{ urn: vmUrn, message: expect.stringContaining("VM 'dc01-vm' has no enabled auto-shutdown schedule") }];
    expect(await run([vm()])).toEqual(expected);
    expect(await run([vm(), schedule({ targetResourceId: vmId, status: "Disabled" })])).toEqual(expected);
    expect(await run([vm(), schedule({ targetResourceId: `${vmId}-other` })])).toEqual(expected);
    expect(await run([vm(), schedule({ targetResourceId: vmId, taskType: "LabVmsShutdownTask" })])).toEqual(expected);
  });
});

describe("runbook-order", () => {
  const lab = g("cmg-lab:lab:Lab", "cmglab", STACK);
  const step = (id: string): GraphResource => g(LAB_STEP_TYPE, id, lab.urn);
  const password = g("random:index/randomPassword:RandomPassword", "admin-password", u(LAB_STEP_TYPE, "credentials"));
  const vmComponent = g("cmg-lab:vm:WindowsVm", "dc01", u(LAB_STEP_TYPE, "dc-vm"));
  const nic = (deps: string[], custom = true): GraphResource =>
    g("azure-native:network:NetworkInterface", "dc01-nic", vmComponent.urn, { dependencies: deps, custom });
  const vmRes = (deps: string[], custom = true): GraphResource => g(TYPES.vm, "dc01-vm", vmComponent.urn, { dependencies: deps, custom });
  const base = [g("pulumi:pulumi:Stack", "cmg-lab-dev", undefined), lab, step("credentials"), step("dc-vm"), password, vmComponent];
  const run = async (graph: GraphResource[]): Promise<ReturnType<typeof recorder>["violations"]> => {
    const rec = recorder();
    await runbookOrder.validateStack(stackArgs(toPolicyResources(graph)), rec.report);
    return rec.violations;
  };

  it("passes when every resource of a step waits for the steps it needs, directly or transitively", async () => {
    expect(await run([...base, nic([password.urn]), vmRes([password.urn, u("azure-native:network:NetworkInterface", "dc01-nic")])])).toEqual([]);
    // The VM waits through the NIC only: still ordered.
    expect(await run([...base, nic([password.urn]), vmRes([u("azure-native:network:NetworkInterface", "dc01-nic")])])).toEqual([]);
  });

  it("expands a dependency on a component to the component's custom resources", async () => {
    const credentialsStep = u(LAB_STEP_TYPE, "credentials");
    expect(await run([...base, nic([credentialsStep]), vmRes([credentialsStep])])).toEqual([]);
  });

  it("works without provider information (custom = leaf that is not a project component)", async () => {
    expect(await run([...base.map((r) => ({ ...r, custom: false })), nic([password.urn], false), vmRes([password.urn], false)])).toEqual([]);
    expect(await run([...base.map((r) => ({ ...r, custom: false })), nic([], false), vmRes([password.urn], false)])).toHaveLength(1);
  });

  it("fails a dropped edge once per (step, needed step) pair, naming both steps and an example URN", async () => {
    const violations = await run([...base, nic([]), vmRes([])]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain("runbook step 'dc-vm' does not wait for 'credentials'");
    expect(violations[0]?.message).toContain(password.urn);
    expect([nic([]).urn, vmRes([]).urn]).toContain(violations[0]?.urn);
  });

  it("does not count a parent component's dependencies for its children", async () => {
    const waitingComponent = { ...vmComponent, dependencies: [password.urn] };
    const graph = [...base.filter((r) => r !== vmComponent), waitingComponent, nic([]), vmRes([u("azure-native:network:NetworkInterface", "dc01-nic")])];
    expect(findMissingWaits(toPolicyResources(graph)).map((m) => [m.step, m.needs])).toEqual([["dc-vm", "credentials"]]);
  });
});
