/**
 * Child contracts of the building blocks, each evaluated alone under mocks: the exact children
 * (type and name), the inputs that matter, and secrecy.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { evaluateLab, SECRET_TEXT, type Evaluation } from "../scripts/cli/offline/evaluate";
import { LabNetwork, securityRules, SITE_SERVER_INTRANET_PORTS } from "../components/lab-network";
import { MAX_RUN_COMMANDS_PER_VM, WindowsVm } from "../components/windows-vm";
import { MAX_RUN_COMMAND_MINUTES, readScript, ROUND_TAG, RunStep } from "../components/run-step";
import { LabCredentials } from "../components/lab-credentials";
import { AdminAccess } from "../components/admin-access";
import { DomainMember } from "../components/domain-member";
import { ADDRESSES, labNames } from "../stacks/model/names";
import { one } from "./support/graph";
import { testVm } from "./support/test-vm";
import { sampleConfig } from "./support/sample-config";

const TAGS = { lab: "cmglab", stack: "dev", step: "test", expiresOn: "2026-12-31" };
const FIXTURES = path.join(__dirname, "fixtures", "run-step");

const run = (program: () => void): Promise<Evaluation> =>
  evaluateLab(sampleConfig(), {
    program: () => {
      program();
      return {};
    },
  });

const children = (ev: Evaluation): string[] =>
  ev.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => `${r.type}::${r.name}`)
    .sort();

describe("LabNetwork and AdminAccess", () => {
  const network = (bastion: "basic" | "developer" | "none", cidrs: string[] = []) =>
    run(() => {
      const names = labNames("cmglab", "dev");
      const net = new LabNetwork("lab", {
        names,
        location: "westeurope",
        bastion,
        allowedSourceCidrs: cidrs,
        dnsServers: [ADDRESSES.dc],
        tags: TAGS,
      });
      new AdminAccess("lab", {
        names,
        location: "westeurope",
        resourceGroupName: net.resourceGroupName,
        bastion,
        vnetId: net.vnetId,
        bastionSubnetId: net.bastionSubnetId,
        tags: TAGS,
      });
    });

  it("creates exactly the resource group, three NSGs and the VNet; Bastion and its IP apart", async () => {
    const ev = await network("basic");
    expect(children(ev)).toEqual(
      [
        "cmg-lab:network:LabNetwork::lab",
        "azure-native:resources:ResourceGroup::lab-rg",
        "azure-native:network:NetworkSecurityGroup::lab-nsg-servers",
        "azure-native:network:NetworkSecurityGroup::lab-nsg-workstations",
        "azure-native:network:NetworkSecurityGroup::lab-nsg-internet",
        "azure-native:network:VirtualNetwork::lab-vnet",
        "cmg-lab:network:AdminAccess::lab",
        "azure-native:network:PublicIPAddress::lab-bastion-pip",
        "azure-native:network:BastionHost::lab-bastion",
      ].sort(),
    );
    for (const r of ev.resources.filter((x) => x.custom)) {
      const parentType = r.type.includes("Bastion") || r.name === "lab-bastion-pip" ? "AdminAccess" : "LabNetwork";
      expect(r.parent?.endsWith(`${parentType}::lab`), r.urn).toBe(true);
    }
    const vnet = one(ev, "azure-native:network:VirtualNetwork", "lab-vnet").inputs;
    expect(vnet.virtualNetworkName).toBe("vnet-cmglab-dev");
    expect(vnet.dhcpOptions).toEqual({ dnsServers: [ADDRESSES.dc] });
    const subnets = vnet.subnets as Array<Record<string, unknown>>;
    expect(subnets.map((s) => s.name)).toEqual(["snet-servers", "snet-workstations", "snet-internet", "AzureBastionSubnet"]);
    expect(subnets.slice(0, 3).every((s) => s.defaultOutboundAccess === true)).toBe(true);
    const bastion = one(ev, "azure-native:network:BastionHost", "lab-bastion").inputs;
    expect(bastion.sku).toEqual({ name: "Basic" });
    const ipConfig = (bastion.ipConfigurations as Array<Record<string, { id: string }>>)[0];
    expect(ipConfig?.subnet?.id).toMatch(/\/virtualNetworks\/vnet-cmglab-dev\/subnets\/AzureBastionSubnet$/);
  });

  it("uses the Developer SKU without subnet or public IP, and no Bastion for none", async () => {
    const dev = await network("developer");
    expect(children(dev)).not.toContain("azure-native:network:PublicIPAddress::lab-bastion-pip");
    expect(one(dev, "azure-native:network:BastionHost", "lab-bastion").inputs.sku).toEqual({ name: "Developer" });
    const none = await network("none");
    expect(children(none).some((c) => c.includes("BastionHost"))).toBe(false);
    const subnets = one(none, "azure-native:network:VirtualNetwork", "lab-vnet").inputs.subnets as unknown[];
    expect(subnets).toHaveLength(3);
  });

  it("opens no inbound port from the internet unless admin sources are listed", async () => {
    const ev = await network("basic");
    const nsgs = ev.resources.filter((r) => r.type === "azure-native:network:NetworkSecurityGroup");
    expect(nsgs).toHaveLength(3); // one per VM subnet
    for (const nsg of nsgs) {
      const rules = nsg.inputs.securityRules as Array<Record<string, unknown>>;
      expect(rules.filter((r) => r.direction === "Inbound" && r.access === "Allow")).toEqual([]);
      expect(rules.some((r) => r.name === "deny-admin-ports-from-internet" && r.sourceAddressPrefix === "Internet")).toBe(true);
    }
    const withCidr = securityRules("servers", ["198.51.100.7/32"]);
    const allow = withCidr.filter((r) => r.access === "Allow");
    expect(allow).toHaveLength(1);
    expect(allow[0]?.sourceAddressPrefixes).toEqual(["198.51.100.7/32"]);
    expect(allow[0]?.destinationPortRange).toBe("3389");
  });

  it("blocks the internet subnet from the site server's intranet ports, in both directions", () => {
    const rules = securityRules("internet", []);
    const out = rules.find((r) => r.name === "deny-out-to-site-server");
    expect(out).toMatchObject({ direction: "Outbound", access: "Deny", destinationAddressPrefix: `${ADDRESSES.siteServer}/32` });
    expect(out?.destinationPortRanges).toEqual(expect.arrayContaining(["80", "443", "10123"]));
    expect(out?.destinationPortRanges).toEqual(SITE_SERVER_INTRANET_PORTS);
    expect(rules.find((r) => r.name === "deny-in-from-site-server")).toMatchObject({ direction: "Inbound", access: "Deny" });
    expect(securityRules("workstations", []).some((r) => String(r.name).includes("site-server"))).toBe(false);
  });
});

describe("WindowsVm", () => {
  const vm = (publicIp: boolean, autoShutdown: { time: string; timeZone: string } | null) =>
    run(() => {
      new WindowsVm("dc01", {
        resourceGroupName: "rg-cmglab-dev",
        location: "westeurope",
        vmName: "cmglab-dev-dc01",
        computerName: "DC01",
        os: "windows-server-2022",
        size: "Standard_B2ms",
        subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-servers",
        privateIpAddress: ADDRESSES.dc,
        publicIp,
        adminUsername: "labadmin",
        adminPassword: pulumi.secret("Sample-Passw0rd!"),
        autoShutdown,
        timeZone: "W. Europe Standard Time",
        tags: TAGS,
      });
    });

  it("creates the NIC, the VM and its auto-shutdown schedule, nothing else", async () => {
    const ev = await vm(false, { time: "19:00", timeZone: "W. Europe Standard Time" });
    expect(children(ev)).toEqual(
      [
        "cmg-lab:vm:WindowsVm::dc01",
        "azure-native:network:NetworkInterface::dc01-nic",
        "azure-native:compute:VirtualMachine::dc01-vm",
        "azure-native:devtestlab:GlobalSchedule::dc01-shutdown",
      ].sort(),
    );
    const nic = one(ev, "azure-native:network:NetworkInterface", "dc01-nic").inputs;
    expect((nic.ipConfigurations as Array<Record<string, unknown>>)[0]).toMatchObject({
      privateIPAllocationMethod: "Static",
      privateIPAddress: ADDRESSES.dc,
    });
    const v = one(ev, "azure-native:compute:VirtualMachine", "dc01-vm");
    expect(v.inputs).toMatchObject({
      vmName: "cmglab-dev-dc01",
      hardwareProfile: { vmSize: "Standard_B2ms" },
      osProfile: {
        computerName: "DC01",
        adminUsername: "labadmin",
        adminPassword: SECRET_TEXT,
        // No Windows Update installs or restarts during a multi-hour build (issue #19).
        windowsConfiguration: { enableAutomaticUpdates: false, patchSettings: { patchMode: "Manual" }, provisionVMAgent: true },
      },
      storageProfile: {
        imageReference: { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2022-datacenter-azure-edition" },
        osDisk: { createOption: "FromImage", deleteOption: "Delete", managedDisk: { storageAccountType: "StandardSSD_LRS" } },
      },
      securityProfile: { securityType: "TrustedLaunch" },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      tags: TAGS,
    });
    expect(v.secretPaths).toEqual(["osProfile.adminPassword"]);
    // Azure refuses a time zone change on an existing VM: only the schedule follows a new zone.
    // Existing labs keep the update settings they were created with (issue #19); a changed image
    // replaces this VM (only the site server keeps its image: imageFixedAtCreation).
    expect(v.options.ignoreChanges).toEqual([
      "osProfile.windowsConfiguration.timeZone",
      "osProfile.windowsConfiguration.enableAutomaticUpdates",
      "osProfile.windowsConfiguration.patchSettings",
    ]);
    expect(v.dependencies.some((d) => d.endsWith("::dc01-nic"))).toBe(true);
    const schedule = one(ev, "azure-native:devtestlab:GlobalSchedule", "dc01-shutdown");
    expect(schedule.inputs).toMatchObject({
      name: "shutdown-computevm-cmglab-dev-dc01",
      taskType: "ComputeVmShutdownTask",
      dailyRecurrence: { time: "1900" },
      timeZoneId: "W. Europe Standard Time",
      status: "Enabled",
      targetResourceId: expect.stringMatching(/\/providers\/Microsoft\.Compute\/virtualMachines\/cmglab-dev-dc01$/),
    });
  });

  it("adds a Standard public IP only when asked, and no schedule when shutdown is off", async () => {
    const ev = await vm(true, null);
    expect(children(ev)).toContain("azure-native:network:PublicIPAddress::dc01-pip");
    expect(children(ev).some((c) => c.includes("GlobalSchedule"))).toBe(false);
    expect(one(ev, "azure-native:network:PublicIPAddress", "dc01-pip").inputs.sku).toEqual({ name: "Standard", tier: "Regional" });
  });
});

describe("RunStep", () => {
  const twoSteps = () =>
    run(() => {
      const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
      for (const label of ["first", "second"]) {
        new RunStep(`marker-${label}`, {
          vm: host,
          script: "set-marker.ps1",
          scriptsDir: FIXTURES,
          parameters: { Label: label, MarkerPath: "C:\\lab\\marker.txt" },
          protectedParameters: { AdminPassword: pulumi.output("Sample-Passw0rd!") },
          timeoutMinutes: 15,
          tags: TAGS,
        });
      }
    });

  it("sends the script, sorted parameters, protected secrets, a timeout and fails the deployment on failure", async () => {
    const ev = await twoSteps();
    const cmd = one(ev, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "marker-first-command");
    expect(cmd.parent?.endsWith("cmg-lab:vm:RunStep::marker-first")).toBe(true);
    expect(cmd.inputs).toMatchObject({
      vmName: "cmglab-dev-cm01",
      runCommandName: "marker-first",
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: 900,
      parameters: [
        { name: "Label", value: "first" },
        { name: "MarkerPath", value: "C:\\lab\\marker.txt" },
      ],
      protectedParameters: [{ name: "AdminPassword", value: SECRET_TEXT }],
      tags: { lab: TAGS.lab, stack: TAGS.stack, step: TAGS.step, cmgLabScript: "set-marker.ps1" },
    });
    // The engine's lifecycle: any change (or a failed create) re-runs the script through a
    // replacement, old command first (same name); the VM's deletion takes its commands along.
    expect(cmd.options).toEqual({
      deleteBeforeReplace: true,
      replaceOnChanges: ["*"],
      ignoreChanges: [],
      deletedWith: one(ev, "azure-native:compute:VirtualMachine", "cm01-vm").urn,
    });
    expect(cmd.secretPaths).toEqual(["protectedParameters[0].value"]);
    expect(String((cmd.inputs.source as Record<string, unknown>).script)).toContain("param(");
    expect(JSON.stringify(cmd.inputs)).not.toContain("Sample-Passw0rd!");
  });

  it("runs the commands on one VM strictly one after another", async () => {
    const ev = await twoSteps();
    const first = one(ev, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "marker-first-command");
    const second = one(ev, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "marker-second-command");
    expect(second.dependencies).toContain(first.urn);
    expect(first.dependencies).not.toContain(second.urn);
    expect(first.dependencies.some((d) => d.endsWith("::cm01-vm"))).toBe(true);
  });

  it("runs lanes side by side: a lane waits for the last exclusive command and its own previous, an exclusive command for every lane", async () => {
    const ev = await run(() => {
      const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
      const step = (name: string, lane?: string, rounds?: number): RunStep =>
        new RunStep(name, { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, parameters: { Label: name }, timeoutMinutes: 5, lane, rounds, tags: TAGS });
      step("start");
      step("a1", "a");
      step("b1", "b", 2);
      step("a2", "a");
      step("join");
      step("c1", "c");
      step("a3", "a");
    });
    const type = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
    const rc = (n: string) => one(ev, type, `${n}-command`);
    const vmDeps = (n: string): string[] =>
      rc(n)
        .dependencies.filter((d) => d.includes("VirtualMachineRunCommandByVirtualMachine"))
        .map((d) => d.split("::").pop() ?? "")
        .sort();
    expect(vmDeps("start")).toEqual([]);
    expect(vmDeps("a1")).toEqual(["start-command"]);
    expect(vmDeps("b1")).toEqual(["start-command"]);
    // A later round stays in its lane.
    expect(one(ev, type, "b1-command-round-2").dependencies.filter((d) => d.includes("RunCommand")).map((d) => d.split("::").pop())).toEqual(["b1-command"]);
    expect(vmDeps("a2")).toEqual(["a1-command"]);
    // The exclusive command waits for the tail of every lane (and the barrier before them).
    expect(vmDeps("join")).toEqual(["a2-command", "b1-command-round-2", "start-command"]);
    // The first command of a VM may be in a lane: it waits for no other command.
    const first = await run(() => {
      const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
      new RunStep("solo", { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, parameters: { Label: "solo" }, timeoutMinutes: 5, lane: "x", tags: TAGS });
    });
    const solo = one(first, type, "solo-command");
    expect(solo.dependencies.filter((d) => !d.endsWith("::cm01-vm"))).toEqual([]);
    // A lane opened after it starts from it, and so does a lane used before it.
    expect(vmDeps("c1")).toEqual(["join-command"]);
    expect(vmDeps("a3")).toEqual(["join-command"]);
  });

  it("runs long work in rounds: consecutive run commands, LastRound only on the last, the step done with the last", async () => {
    const ev = await run(() => {
      const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
      const long = new RunStep("long", { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, parameters: { Label: "x" }, timeoutMinutes: 70, rounds: 3, tags: TAGS });
      new RunStep("after", { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, parameters: { Label: "y" }, timeoutMinutes: 5, after: [long.command], tags: TAGS });
    });
    const type = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
    const rounds = ["long-command", "long-command-round-2", "long-command-round-3"].map((n) => one(ev, type, n));
    expect(rounds.map((r) => r.inputs.runCommandName)).toEqual(["long", "long-round-2", "long-round-3"]);
    expect(rounds.map((r) => r.inputs.parameters)).toEqual(
      ["false", "false", "true"].map((last) => [
        { name: "Label", value: "x" },
        { name: "LastRound", value: last },
      ]),
    );
    expect(rounds.map((r) => (r.inputs.tags as Record<string, string>)[ROUND_TAG])).toEqual([undefined, "2/3", "3/3"]);
    expect(rounds.every((r) => r.inputs.timeoutInSeconds === 70 * 60)).toBe(true);
    expect(rounds[1]?.dependencies).toContain(rounds[0]?.urn);
    expect(rounds[2]?.dependencies).toContain(rounds[1]?.urn);
    expect(one(ev, type, "after-command").dependencies).toContain(rounds[2]?.urn);
    // The transport wrapper declares LastRound for the script.
    expect(String((rounds[0]?.inputs.source as Record<string, unknown>).script)).toContain("$LastRound");
  });

  /** The error a program throws while it builds, caught where it is thrown (undefined when none). */
  const failure = async (program: () => void): Promise<string | undefined> => {
    let message: string | undefined;
    await run(() => {
      try {
        program();
      } catch (e) {
        message = e instanceof Error ? e.message : String(e);
      }
    });
    return message;
  };

  it("refuses a timeout a run command cannot have, and a bad number of rounds", async () => {
    const attempt = (timeoutMinutes: number, rounds?: number) =>
      failure(() => {
        const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
        new RunStep("x", { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, timeoutMinutes, ...(rounds !== undefined ? { rounds } : {}), tags: TAGS });
      });
    expect(await attempt(MAX_RUN_COMMAND_MINUTES + 1)).toMatch(/not within 1-80.*split longer work with rounds/);
    expect(await attempt(0)).toMatch(/not within/);
    expect(await attempt(30, 0)).toMatch(/rounds must be 1-6/);
    expect(await attempt(MAX_RUN_COMMAND_MINUTES)).toBeUndefined();
  });

  it("refuses more run commands on one VM than Azure allows", async () => {
    const many = (count: number) =>
      failure(() => {
        const host = testVm("CM01", { size: "Standard_D4s_v5", tags: TAGS });
        for (let i = 0; i < count; i++) new RunStep(`s${i}`, { vm: host, script: "set-marker.ps1", scriptsDir: FIXTURES, timeoutMinutes: 5, tags: TAGS });
      });
    expect(await many(MAX_RUN_COMMANDS_PER_VM)).toBeUndefined();
    expect(await many(MAX_RUN_COMMANDS_PER_VM + 1)).toMatch(/more than 25 run commands on one VM/);
  });

  it("refuses a script outside its directory or not a .ps1", () => {
    expect(() => readScript("../plan.ts")).toThrow(/must be a \.ps1 file/);
    expect(() => readScript("../test/fixtures/run-step/set-marker.ps1")).toThrow(/directly in/);
    expect(readScript("set-marker.ps1", FIXTURES)).toContain("$ErrorActionPreference = 'Stop'");
  });
});

describe("LabCredentials", () => {
  it("generates one random password, kept secret", async () => {
    let password: pulumi.Output<string> | undefined;
    const ev = await run(() => {
      password = new LabCredentials("admin", { adminUsername: "labadmin" }).adminPassword;
    });
    expect(children(ev)).toEqual(
      ["cmg-lab:identity:LabCredentials::admin", "random:index/randomPassword:RandomPassword::admin-admin-password"].sort(),
    );
    const rp = one(ev, "random:index/randomPassword:RandomPassword", "admin-admin-password").inputs;
    expect(rp).toMatchObject({ length: 24, minSpecial: 2, overrideSpecial: "!#%*-_=+?" });
    expect(password && (await (password as unknown as { isSecret: Promise<boolean> }).isSecret)).toBe(true);
  });
});

describe("DomainMember", () => {
  it("joins with a protected password, then waits for the reboot, in that order", async () => {
    const ev = await run(() => {
      const host = testVm("SYNC01", { tags: TAGS });
      new DomainMember("sync01", {
        vm: host,
        domainFqdn: "corp.cmglab.example",
        ouDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
        dcAddress: ADDRESSES.dc,
        joinUser: "CORP\\labadmin",
        joinPassword: pulumi.secret("Sample-Passw0rd!"),
        tags: TAGS,
      });
    });
    const join = one(ev, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "sync01-domain-join-command");
    const wait = one(ev, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "sync01-wait-domain-member-command");
    expect(join.inputs.parameters).toEqual([
      { name: "DcAddress", value: ADDRESSES.dc },
      { name: "DomainFqdn", value: "corp.cmglab.example" },
      { name: "JoinUser", value: "CORP\\labadmin" },
      { name: "OuDn", value: "OU=Servers,DC=corp,DC=cmglab,DC=example" },
      { name: "WaitMinutes", value: "30" },
    ]);
    expect(join.inputs.protectedParameters).toEqual([{ name: "JoinPassword", value: SECRET_TEXT }]);
    expect(wait.dependencies).toContain(join.urn);
    expect(String((join.inputs.source as Record<string, unknown>).script)).toContain("Add-Computer");
  });
});
