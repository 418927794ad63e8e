/**
 * The AD steps (ad-forest, ad-ous, hybrid-join-scp, clients, device-registration): the pure
 * logic in stacks/model/ad.ts (table tests), each component's exact child contract under mocks, and the
 * whole lab's ordering, with a control case proving the ordering check catches a missing edge.
 */
import { sentParameterList } from "./support/params";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { MOCK_TENANT_ID } from "../scripts/cli/offline/mocks";
import { AdForest } from "../components/ad-forest";
import { AdDirectory, directoryArgsProblem } from "../components/ad-directory";
import { HybridJoinScp } from "../components/hybrid-join-scp";
import { DeviceRegistration, HYBRID_JOIN_WAIT_MINUTES, hybridJoinWaitProblem } from "../components/device-registration";
import { LabStep } from "../components/lab-step";
import { SCRIPT_TAG } from "../components/run-step";
import {
  AZURE_DNS,
  demoUserNames,
  demoUsers,
  normaliseTenantId,
  SCP_NAME,
  scpContainerDn,
  scpDn,
  servicesDn,
} from "../stacks/model/ad";
import { RUN_COMMAND_TYPE, SCRIPT_MINUTES } from "../stacks/model/durations";
import type { StepId } from "../stacks/model/runbook";
import { customOf, missingWaits, one } from "./support/graph";
import { sampleConfig } from "./support/sample-config";
import { testVm } from "./support/test-vm";

const TAGS = { lab: "cmglab", stack: "dev", step: "test", expiresOn: "2026-12-31" };
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

const run = (program: () => void): Promise<Evaluation> =>
  evaluateLab(sampleConfig(), {
    program: () => {
      program();
      return {};
    },
  });

const commands = (ev: Evaluation): RecordedResource[] => ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE);
const command = (ev: Evaluation, name: string): RecordedResource => one(ev, RUN_COMMAND_TYPE, `${name}-command`);
const scriptOf = (r: RecordedResource): string => String((r.inputs.tags as Record<string, unknown>)[SCRIPT_TAG]);
const paramNames = (list: unknown): string[] => (list as { name: string }[]).map((p) => p.name);

// --- pure logic -----------------------------------------------------------------------------------

describe("SCP names and the tenant id", () => {
  it.each([
    ["corp.cmglab.example", "CN=Services,CN=Configuration,DC=corp,DC=cmglab,DC=example"],
    ["lab.internal", "CN=Services,CN=Configuration,DC=lab,DC=internal"],
  ])("servicesDn(%s)", (fqdn, dn) => {
    expect(servicesDn(fqdn)).toBe(dn);
    expect(scpContainerDn(fqdn)).toBe(`CN=Device Registration Configuration,${dn}`);
    expect(scpDn(fqdn)).toBe(`CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,${dn}`);
  });

  it("normalises a tenant id to lowercase", () => {
    expect(normaliseTenantId(TENANT.toUpperCase())).toBe(TENANT);
    expect(normaliseTenantId(` ${TENANT} `)).toBe(TENANT);
  });

  // The keywords themselves are the script's: scripts/vm/tests/hybrid-join-scp.Tests.ps1.
  it.each(["not-a-guid", "", `${TENANT}0`])("normaliseTenantId(%s) throws", (id) => {
    expect(() => normaliseTenantId(id)).toThrow(/not a GUID/);
  });
});

describe("demo users", () => {
  it.each([
    [1, ["labuser01"]],
    [3, ["labuser01", "labuser02", "labuser03"]],
    [12, ["labuser01", "labuser02", "labuser03", "labuser04", "labuser05", "labuser06", "labuser07", "labuser08", "labuser09", "labuser10", "labuser11", "labuser12"]],
  ])("demoUserNames(%i)", (count, names) => {
    expect(demoUserNames(count)).toEqual(names);
  });

  it.each([0, -1, 51, 2.5, Number.NaN])("demoUserNames(%s) throws", (count) => {
    expect(() => demoUserNames(count)).toThrow(/1 to 50/);
  });

  it("gives every user a UPN in the tenant's domain (lowercased) and a sAMAccountName of at most 20 characters", () => {
    const users = demoUsers(50, "Contoso.OnMicrosoft.com");
    expect(users[0]).toEqual({ samAccountName: "labuser01", userPrincipalName: "labuser01@contoso.onmicrosoft.com" });
    for (const u of users) expect(u.samAccountName.length).toBeLessThanOrEqual(20);
    expect(new Set(users.map((u) => u.userPrincipalName)).size).toBe(50);
  });
});

// --- components -----------------------------------------------------------------------------------

describe("AdForest", () => {
  it("promotes with a protected DSRM password, then waits for AD, then sets the forwarder, in that order", async () => {
    const ev = await run(() => {
      new AdForest("forest", {
        vm: testVm("DC01", { tags: TAGS }),
        domainFqdn: "corp.cmglab.example",
        netbiosName: "CORP",
        safeModePassword: pulumi.secret("Sample-Passw0rd!"),
        tags: TAGS,
      });
    });
    expect(commands(ev).map((c) => `${c.name}:${scriptOf(c)}`)).toEqual([
      "forest-promote-command:ad-forest-promote.ps1",
      "forest-wait-command:wait-ad-forest.ps1",
      "forest-dns-forwarder-command:ad-dns-forwarder.ps1",
    ]);
    const promote = command(ev, "forest-promote");
    const wait = command(ev, "forest-wait");
    const forwarder = command(ev, "forest-dns-forwarder");
    expect(promote.inputs.parameters).toEqual([
      { name: "DomainFqdn", value: "corp.cmglab.example" },
      { name: "NetbiosName", value: "CORP" },
    ]);
    expect(promote.inputs.protectedParameters).toEqual([{ name: "SafeModePassword", value: SECRET_TEXT }]);
    expect(promote.secretPaths).toContain("protectedParameters[0].value");
    expect(wait.inputs.parameters).toEqual([
      { name: "DomainFqdn", value: "corp.cmglab.example" },
      { name: "WaitMinutes", value: "30" },
    ]);
    expect(forwarder.inputs.parameters).toEqual([{ name: "ForwarderAddress", value: AZURE_DNS }]);
    expect(wait.dependencies).toContain(promote.urn);
    expect(forwarder.dependencies).toContain(wait.urn);
    for (const c of [promote, wait, forwarder]) expect(c.inputs.treatFailureAsDeploymentFailure).toBe(true);
    const text = String((promote.plainInputs.source as Record<string, unknown>).script);
    expect(text).toContain("-NoRebootOnCompletion");
    expect(text).not.toContain("Sample-Passw0rd!");
  });
});

describe("AdDirectory", () => {
  it("creates one generated demo-user password and one run command with the OUs, UPN suffix and users", async () => {
    const ev = await run(() => {
      new AdDirectory("ad", {
        vm: testVm("DC01", { tags: TAGS }),
        domainFqdn: "corp.cmglab.example",
        ous: ["Workstations", "Servers", "Lab Users"],
        usersOu: "lab users",
        tenantDomain: "Contoso.onmicrosoft.com",
        demoUserCount: 2,
        tags: TAGS,
      });
    });
    const own = ev.resources.filter((r) => r.name.startsWith("ad-")).map((r) => `${r.type}::${r.name}`).sort();
    expect(own).toEqual([
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine::ad-directory-command",
      "cmg-lab:vm:RunStep::ad-directory",
      "random:index/randomPassword:RandomPassword::ad-demo-user-password",
    ]);
    const dir = command(ev, "ad-directory");
    // Values with spaces travel encoded (stacks/model/run-command-transport.ts); the script gets them decoded.
    expect(String((dir.inputs.parameters as { name: string; value: string }[]).find((p) => p.name === "GroupName")?.value)).toMatch(/^b64:/);
    expect(sentParameterList(dir, "parameters", "redacted")).toEqual([
      { name: "DemoUsers", value: "labuser01,labuser02" },
      { name: "DomainDn", value: "DC=corp,DC=cmglab,DC=example" },
      { name: "GroupName", value: "CMG Lab Users" },
      { name: "Ous", value: "Workstations,Servers,Lab Users" },
      { name: "UpnSuffix", value: "contoso.onmicrosoft.com" },
      { name: "UsersOuDn", value: "OU=lab users,DC=corp,DC=cmglab,DC=example" },
    ]);
    expect(sentParameterList(dir, "protectedParameters", "redacted")).toEqual([{ name: "DemoUserPassword", value: SECRET_TEXT }]);
    const pw = one(ev, "random:index/randomPassword:RandomPassword", "ad-demo-user-password");
    expect(dir.dependencies).toContain(pw.urn);
  });

  it.each([
    [["Workstations", "Servers", "LabUsers"], "labusers", null],
    [["Workstations", "Servers"], "LabUsers", /users OU 'LabUsers'/],
    [["Workstations", "A,B", "LabUsers"], "LabUsers", /comma/],
    [["Workstations", " ", "LabUsers"], "LabUsers", /empty/],
  ] as const)("directoryArgsProblem(%j, %s)", (ous, usersOu, expected) => {
    const problem = directoryArgsProblem(ous, usersOu);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});

describe("HybridJoinScp", () => {
  it("writes the SCP from the services DN, the fixed SCP name and the normalised tenant id", async () => {
    const ev = await run(() => {
      new HybridJoinScp("hybrid-join", {
        vm: testVm("DC01", { tags: TAGS }),
        forestFqdn: "corp.cmglab.example",
        tenantDomain: "Contoso.onmicrosoft.com",
        tenantId: pulumi.output(TENANT.toUpperCase()),
        tags: TAGS,
      });
    });
    expect(commands(ev).map((c) => `${c.name}:${scriptOf(c)}`)).toEqual(["hybrid-join-scp-command:hybrid-join-scp.ps1"]);
    const scp = command(ev, "hybrid-join-scp");
    expect(scp.inputs.parameters).toEqual([
      { name: "AzureAdId", value: TENANT },
      { name: "AzureAdName", value: "contoso.onmicrosoft.com" },
      { name: "ScpName", value: SCP_NAME },
      { name: "ServicesDn", value: "CN=Services,CN=Configuration,DC=corp,DC=cmglab,DC=example" },
    ]);
    expect(scp.inputs.protectedParameters).toEqual([]);
  });
});

describe("DeviceRegistration", () => {
  it("waits for the hybrid join after the given sync run, with the tenant id and a bounded wait", async () => {
    const ev = await run(() => {
      const sync = new random.RandomPassword("delta-sync-stand-in", { length: 8 });
      new DeviceRegistration("win11-01", {
        vm: testVm("win11-01", { tags: TAGS }),
        tenantId: TENANT.toUpperCase(),
        afterSync: [sync],
        tags: TAGS,
      });
    });
    const wait = command(ev, "win11-01-hybrid-join");
    expect(scriptOf(wait)).toBe("wait-hybrid-join.ps1");
    expect(wait.inputs.parameters).toEqual([
      { name: "RetriggerMinutes", value: "5" },
      { name: "TenantId", value: TENANT },
      { name: "WaitMinutes", value: String(HYBRID_JOIN_WAIT_MINUTES) },
    ]);
    expect(wait.inputs.timeoutInSeconds).toBe((HYBRID_JOIN_WAIT_MINUTES + 5) * 60);
    const sync = one(ev, "random:index/randomPassword:RandomPassword", "delta-sync-stand-in");
    expect(wait.dependencies).toContain(sync.urn);
  });

  it.each([0, 2, 181, 10.5, Number.NaN])("refuses a wait bound of %s minutes", (minutes) => {
    expect(hybridJoinWaitProblem(minutes)).toMatch(/waitMinutes/);
  });

  it.each([5, 60, 180])("accepts a wait bound of %s minutes", (minutes) => {
    expect(hybridJoinWaitProblem(minutes)).toBeNull();
  });
});

// --- the whole lab ----------------------------------------------------------------------------------

describe("the lab's AD ordering", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await evaluateLab(sampleConfig());
  });

  it("builds the AD steps with their run commands on the right VMs", () => {
    const byStep = (step: StepId): string[] => customOf(ev, step).filter((r) => r.type === RUN_COMMAND_TYPE).map((r) => `${String(r.plainInputs.vmName)}:${scriptOf(r)}`);
    expect(byStep("ad-forest")).toEqual([
      "cmglab-dev-dc01:ad-forest-promote.ps1",
      "cmglab-dev-dc01:wait-ad-forest.ps1",
      "cmglab-dev-dc01:ad-dns-forwarder.ps1",
    ]);
    expect(byStep("ad-ous")).toEqual(["cmglab-dev-dc01:ad-directory.ps1"]);
    expect(byStep("hybrid-join-scp")).toEqual(["cmglab-dev-dc01:hybrid-join-scp.ps1"]);
    expect(byStep("clients")).toEqual(["cmglab-dev-win11-01:domain-join.ps1", "cmglab-dev-win11-01:wait-domain-member.ps1"]);
    expect(byStep("device-registration")).toEqual([
      "cmglab-dev-win11-01:device-join-trigger.ps1",
      "cmglab-dev-sync01:entra-sync-cycle.ps1",
      "cmglab-dev-win11-01:wait-hybrid-join.ps1",
    ]);
  });

  it.each([
    ["ad-forest", "dc-vm"],
    ["ad-ous", "ad-forest"],
    ["hybrid-join-scp", "ad-forest"],
    ["clients", "ad-ous"],
    ["clients", "ad-forest"],
    ["clients", "client-vms"],
    ["device-registration", "hybrid-join-scp"],
    ["device-registration", "clients"],
    ["device-registration", "ad-ous"],
  ] as const)("every resource of %s waits for every resource of %s", (step, needed) => {
    expect(customOf(ev, step).length).toBeGreaterThan(0);
    expect(customOf(ev, needed).length).toBeGreaterThan(0);
    expect(missingWaits(ev, step, needed)).toEqual([]);
  });

  it("makes the hybrid-join wait follow the sync scope's sync runs", () => {
    expect(customOf(ev, "sync-scope").length).toBeGreaterThan(0);
    expect(missingWaits(ev, "device-registration", "sync-scope")).toEqual([]);
  });

  it("joins the clients into the Workstations OU as the domain admin, with the password protected", () => {
    const join = command(ev, "win11-01-domain-join");
    expect(join.inputs.parameters).toContainEqual({ name: "OuDn", value: "OU=Workstations,DC=corp,DC=cmglab,DC=example" });
    expect(join.inputs.parameters).toContainEqual({ name: "JoinUser", value: "CORP\\labadmin" });
    expect(join.inputs.protectedParameters).toEqual([{ name: "JoinPassword", value: SECRET_TEXT }]);
  });

  it("writes the tenant id from Entra into the SCP and the device-registration wait", () => {
    expect(command(ev, "hybrid-join-scp").inputs.parameters).toContainEqual({ name: "AzureAdId", value: MOCK_TENANT_ID });
    expect(command(ev, "win11-01-hybrid-join").inputs.parameters).toContainEqual({ name: "TenantId", value: MOCK_TENANT_ID });
  });

  it("creates the client VMs in parallel with the forest: only their joins wait", () => {
    expect(missingWaits(ev, "client-vms", "ad-forest")).not.toEqual([]);
    expect(missingWaits(ev, "client-vms", "ad-ous")).not.toEqual([]);
  });

  it("points the VNet's DNS at the DC's static address", () => {
    const vnet = ev.resources.find((r) => r.type === "azure-native:network:VirtualNetwork");
    expect((vnet?.plainInputs.dhcpOptions as Record<string, unknown>).dnsServers).toEqual(["10.42.1.4"]);
    const nic = ev.resources.find((r) => r.type === "azure-native:network:NetworkInterface" && r.name.includes("dc01"));
    expect(JSON.stringify(nic?.plainInputs)).toContain("10.42.1.4");
  });

  it("exports the demo users, not their password, which stays apart from the admin password", () => {
    expect(ev.outputs.demoUsers).toEqual(["labuser01@contoso.onmicrosoft.com", "labuser02@contoso.onmicrosoft.com", "labuser03@contoso.onmicrosoft.com"]);
    expect(ev.outputs).not.toHaveProperty("demoUserPassword");
    const dir = command(ev, "ad-directory");
    const forest = command(ev, "forest-promote");
    const demoPw = (dir.plainInputs.protectedParameters as { value: string }[])[0]?.value;
    const adminPw = (forest.plainInputs.protectedParameters as { value: string }[])[0]?.value;
    expect(demoPw).toBeTruthy();
    expect(demoPw).not.toBe(adminPw);
  });

  it("has a duration row with a source for every AD script", () => {
    for (const script of ["ad-forest-promote.ps1", "wait-ad-forest.ps1", "ad-dns-forwarder.ps1", "ad-directory.ps1", "hybrid-join-scp.ps1", "wait-hybrid-join.ps1"]) {
      expect(SCRIPT_MINUTES[script]?.source.length ?? 0, script).toBeGreaterThan(20);
    }
  });
});

describe("ordering check control case (AD steps)", () => {
  it("catches device-registration built without waiting for hybrid-join-scp", async () => {
    const build = (wired: boolean) =>
      evaluateLab(sampleConfig(), {
        program: () => {
          const tags = { lab: "x" };
          const scpStep = new LabStep({ step: "hybrid-join-scp", after: [], labTags: tags });
          new random.RandomPassword("scp-stand-in", { length: 8 }, { parent: scpStep });
          const reg = new LabStep({ step: "device-registration", after: wired ? [scpStep] : [], labTags: tags });
          const nested = new pulumi.ComponentResource("test:index:Nested", "nested", {}, { parent: reg });
          new random.RandomPassword("registration-stand-in", { length: 8 }, { parent: nested });
          return {};
        },
      });
    expect(missingWaits(await build(false), "device-registration", "hybrid-join-scp")).toHaveLength(1);
    expect(missingWaits(await build(true), "device-registration", "hybrid-join-scp")).toEqual([]);
  });
});

describe("device registration hand-off to Entra Connect", () => {
  it("writes each device certificate, then runs one delta sync, then waits for the join", async () => {
    const { evaluateLab } = await import("../scripts/cli/offline/evaluate");
    const { sampleConfig } = await import("./support/sample-config");
    const lab = await evaluateLab(
      sampleConfig({
        clients: [
          { name: "win11-01", os: "windows-11", network: "internet", pki: false, vmSize: "Standard_B2ms" },
          { name: "win10-01", os: "windows-10", network: "intranet", pki: false, vmSize: "Standard_B2ms" },
        ],
      }),
    );
    const byName = (n: string) => {
      const r = lab.resources.find((x) => x.name === n);
      if (!r) throw new Error(`no ${n}`);
      return r;
    };
    const triggers = ["win11-01-device-join-trigger-command", "win10-01-device-join-trigger-command"].map(byName);
    const sync = byName("device-delta-sync-command");
    expect(String(sync.plainInputs.vmName)).toMatch(/-sync01$/);
    expect(sync.plainInputs.parameters).toEqual(expect.arrayContaining([{ name: "PolicyType", value: "Delta" }]));
    for (const t of triggers) expect(sync.dependencies).toContain(t.urn);
    for (const c of ["win11-01", "win10-01"]) {
      expect(byName(`${c}-hybrid-join-command`).dependencies).toContain(sync.urn);
    }
  });
});
