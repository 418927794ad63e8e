/**
 * Entra Connect (entra-connect) and its OU filtering (sync-scope): the child contracts of both
 * components under mocks, the inclusion-list computation, and the order over the whole lab. The
 * scope comparison and its messages run only in the VM and are tested on the script itself
 * (scripts/vm/tests/sync-scope-apply.Tests.ps1).
 */
import { sentParameters } from "./support/params";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { EntraConnect, WIZARD_WAIT_MINUTES } from "../components/entra-connect";
import { LabStep } from "../components/lab-step";
import { SCRIPT_TAG } from "../components/run-step";
import { SyncScope } from "../components/sync-scope";
import { WindowsVm } from "../components/windows-vm";
import { loadLabConfig } from "../stacks/config/config";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { joinDns, syncScopeSpec, type SyncScopeSpec } from "../stacks/model/sync-scope";
import { customOf, missingWaits, waitClosure } from "./support/graph";
import { sampleConfig } from "./support/sample-config";
import { base, edit, MSI_URL } from "./support/config-cases";

const TAGS = { lab: "cmglab", stack: "dev", step: "test", expiresOn: "2026-12-31" };
const URL = "https://files.example.com/msi/AzureADConnect.msi";
const ADMIN_PASSWORD = "Admin-Passw0rd!";
const SPEC: SyncScopeSpec = syncScopeSpec({
  fqdn: "corp.cmglab.example",
  syncOus: ["Workstations", "LabUsers"],
  workstationsOu: "Workstations",
  usersOu: "LabUsers",
});
const W = "OU=Workstations,DC=corp,DC=cmglab,DC=example";
const U = "OU=LabUsers,DC=corp,DC=cmglab,DC=example";
const ROOT = "DC=corp,DC=cmglab,DC=example";

const syncVm = (): WindowsVm =>
  new WindowsVm("sync01", {
    resourceGroupName: "rg-cmglab-dev",
    location: "westeurope",
    vmName: "cmglab-dev-sync01",
    computerName: "SYNC01",
    os: "windows-server-2022",
    size: "Standard_B2ms",
    subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-servers",
    adminUsername: "labadmin",
    adminPassword: pulumi.secret("Local-Passw0rd!"),
    autoShutdown: null,
    tags: {},
  });

const admin = (): { user: string; password: pulumi.Output<string> } => ({ user: "CORP\\labadmin", password: pulumi.secret(ADMIN_PASSWORD) });

const run = (program: () => void): Promise<Evaluation> =>
  evaluateLab(sampleConfig(), {
    program: () => {
      program();
      return {};
    },
  });

const runCommands = (ev: Evaluation): RecordedResource[] => ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE);
const script = (rc: RecordedResource): string => String((rc.inputs.tags as Record<string, unknown>)[SCRIPT_TAG]);
const params = (rc: RecordedResource, key: "parameters" | "protectedParameters"): Record<string, string> =>
  Object.fromEntries(Object.entries(sentParameters(rc, key)).map(([name, value]) => [name, String(value)]));
const byName = (ev: Evaluation, name: string): RecordedResource => {
  const found = runCommands(ev).filter((r) => r.plainInputs.runCommandName === name);
  if (found.length !== 1) throw new Error(`expected one run command ${name}, found ${found.length}`);
  return found[0] as RecordedResource;
};
const waitsFor = (ev: Evaluation, a: RecordedResource, b: RecordedResource): boolean => waitClosure(ev).get(a.urn)?.has(b.urn) ?? false;

describe("EntraConnect", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await run(() => {
      new EntraConnect("sync01", {
        vm: syncVm(),
        domainFqdn: "corp.cmglab.example",
        serversOuDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
        dcAddress: "10.42.1.4",
        join: admin(),
        admin: admin(),
        msi: { kind: "url", url: URL, secret: false },
        syncOuDns: SPEC.ouDns,
        setupUpn: "cmglab-dev-connect-setup@contoso.onmicrosoft.com",
        tags: TAGS,
      });
    });
  });

  it("runs join, wait, prerequisites, install, the wizard wait and the configuration check on SYNC01, in that order", () => {
    const names = [
      "sync01-member-domain-join",
      "sync01-member-wait-domain-member",
      "sync01-prerequisites",
      "sync01-install",
      "sync01-configure",
      "sync01-configure-round-2",
      "sync01-configure-round-3",
      "sync01-verify",
    ];
    expect(runCommands(ev).map((r) => r.plainInputs.runCommandName).sort()).toEqual([...names].sort());
    expect(runCommands(ev).map((r) => [r.plainInputs.runCommandName, script(r)]).sort()).toEqual(
      [
        ["sync01-member-domain-join", "domain-join.ps1"],
        ["sync01-member-wait-domain-member", "wait-domain-member.ps1"],
        ["sync01-prerequisites", "entra-connect-prerequisites.ps1"],
        ["sync01-install", "entra-connect-install.ps1"],
        ["sync01-configure", "entra-connect-configure.ps1"],
        ["sync01-configure-round-2", "entra-connect-configure.ps1"],
        ["sync01-configure-round-3", "entra-connect-configure.ps1"],
        ["sync01-verify", "entra-connect-verify.ps1"],
      ].sort(),
    );
    for (let i = 1; i < names.length; i++) {
      expect(waitsFor(ev, byName(ev, names[i] as string), byName(ev, names[i - 1] as string)), `${names[i]} after ${names[i - 1]}`).toBe(true);
    }
    for (const rc of runCommands(ev)) expect(rc.plainInputs.vmName).toBe("cmglab-dev-sync01");
  });

  it("joins into the Servers OU and installs from the configured URL", () => {
    expect(params(byName(ev, "sync01-member-domain-join"), "parameters")).toMatchObject({
      OuDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
      JoinUser: "CORP\\labadmin",
    });
    expect(params(byName(ev, "sync01-install"), "parameters")).toEqual({ MsiUrl: URL, MsiAuth: "None" });
    expect(params(byName(ev, "sync01-install"), "protectedParameters")).toEqual({});
    expect(params(byName(ev, "sync01-prerequisites"), "parameters")).toEqual({});
  });

  it("checks the configuration as the domain admin, with the setup identity's UPN and the scope to print", () => {
    // It waits for the one-time wizard instead of failing at once (which would stop pulumi up from
    // starting the rest of the lab): three rounds of an hour, each within a run command's 90
    // minutes; only the last may fail.
    const rounds = ["sync01-configure", "sync01-configure-round-2", "sync01-configure-round-3"].map((n) => byName(ev, n));
    rounds.forEach((configure, i) => {
      expect(params(configure, "parameters")).toEqual({
        ForestFqdn: "corp.cmglab.example",
        ExpectedOuDns: `${W};${U}`,
        SetupUpn: "cmglab-dev-connect-setup@contoso.onmicrosoft.com",
        AdminUser: "CORP\\labadmin",
        WaitMinutes: "60",
        LastRound: i === 2 ? "true" : "false",
      });
      expect(configure.plainInputs.timeoutInSeconds).toBe(70 * 60);
      expect(configure.plainInputs.runAsUser).toBe("CORP\\labadmin");
      expect(configure.secretPaths).toContain("runAsPassword");
      expect(configure.inputs.runAsPassword).toBe(SECRET_TEXT);
    });
    expect(rounds.length * 60).toBe(WIZARD_WAIT_MINUTES);
  });

  it("sends a password only as a protected parameter or runAs password, never in clear", () => {
    const protectedNames = runCommands(ev).flatMap((rc) => Object.keys(params(rc, "protectedParameters")));
    // The join password only: the setup identity's password is not sent to the VM (nothing
    // documented there could use it; the wizard asks for it).
    expect(protectedNames).toEqual(["JoinPassword"]);
    const join = byName(ev, "sync01-member-domain-join");
    expect(join.secretPaths).toContain("protectedParameters[0].value");
    expect(JSON.stringify(runCommands(ev).map((r) => r.inputs))).not.toContain(ADMIN_PASSWORD);
  });

  it("refuses an MSI URL that is not https, or a plain one with a query, before registering anything", () => {
    // The check runs before super(): no VM is needed to reach it.
    const noVm = undefined as unknown as WindowsVm;
    const args = {
      vm: noVm,
      domainFqdn: "corp.cmglab.example",
      serversOuDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
      dcAddress: "10.42.1.4",
      join: { user: "CORP\\labadmin", password: "x" },
      admin: { user: "CORP\\labadmin", password: "x" },
      syncOuDns: SPEC.ouDns,
      setupUpn: "x@contoso.onmicrosoft.com",
      tags: TAGS,
    };
    const url = (u: string) => ({ kind: "url" as const, url: u, secret: false });
    expect(() => new EntraConnect("sync01", { ...args, msi: url("http://download.microsoft.com/AzureADConnect.msi") })).toThrow(/msi.url must be an https URL/);
    expect(() => new EntraConnect("sync01", { ...args, msi: url(`${URL}?sig=abc`) })).toThrow(/without a query/);
    expect(() => new EntraConnect("sync01", { ...args, msi: url(URL), syncOuDns: [] })).toThrow(/syncOuDns is empty/);
  });
});

describe("SyncScope", () => {
  const scope = (mode: "scripted" | "wizard"): Promise<Evaluation> =>
    run(() => {
      const s = new SyncScope("sync-scope", { vm: syncVm(), mode, forestFqdn: "corp.cmglab.example", scope: SPEC, admin: admin(), tags: TAGS });
      // deltaSync is the resource later steps wait on.
      new random.RandomPassword("after-delta", { length: 8 }, { dependsOn: [s.deltaSync] });
    });

  it("applies the scope, then a full sync, then a delta sync that later steps can wait on", async () => {
    const ev = await scope("scripted");
    const [apply, full, delta] = ["sync-scope-apply", "sync-scope-full-sync", "sync-scope-delta-sync"].map((n) => byName(ev, n)) as [
      RecordedResource,
      RecordedResource,
      RecordedResource,
    ];
    expect(runCommands(ev)).toHaveLength(3);
    expect([apply, full, delta].map(script)).toEqual(["sync-scope-apply.ps1", "entra-sync-cycle.ps1", "entra-sync-cycle.ps1"]);
    expect(params(apply, "parameters")).toEqual({
      Mode: "scripted",
      ForestFqdn: "corp.cmglab.example",
      DomainDn: ROOT,
      ExpectedOuDns: `${W};${U}`,
      WorkstationsOuDn: W,
      UsersOuDn: U,
    });
    expect(params(full, "parameters")).toMatchObject({ PolicyType: "Initial", ForestFqdn: "corp.cmglab.example" });
    expect(params(delta, "parameters")).toMatchObject({ PolicyType: "Delta", ForestFqdn: "corp.cmglab.example" });
    expect(waitsFor(ev, full, apply)).toBe(true);
    expect(waitsFor(ev, delta, full)).toBe(true);
    const after = ev.resources.find((r) => r.name === "after-delta") as RecordedResource;
    expect(waitsFor(ev, after, delta)).toBe(true);
    for (const rc of [apply, full, delta]) {
      expect(rc.plainInputs.runAsUser).toBe("CORP\\labadmin");
      expect(rc.inputs.runAsPassword).toBe(SECRET_TEXT);
      expect(params(rc, "protectedParameters")).toEqual({});
    }
  });

  it("passes the wizard mode on, so the script only verifies", async () => {
    const ev = await scope("wizard");
    expect(params(byName(ev, "sync-scope-apply"), "parameters").Mode).toBe("wizard");
  });
});

describe("syncScopeSpec", () => {
  it.each([
    ["the default two OUs", { fqdn: "corp.cmglab.example", syncOus: ["Workstations", "LabUsers"] }, [W, U]],
    ["Servers as well", { fqdn: "corp.cmglab.example", syncOus: ["Workstations", "LabUsers", "Servers"] }, [W, U, "OU=Servers,DC=corp,DC=cmglab,DC=example"]],
    ["a two-label domain", { fqdn: "lab.local", syncOus: ["Clients", "People"] }, ["OU=Clients,DC=lab,DC=local", "OU=People,DC=lab,DC=local"]],
  ] as const)("%s", (_name, input, dns) => {
    const spec = syncScopeSpec({ ...input, workstationsOu: input.syncOus[0], usersOu: input.syncOus[1] });
    expect(spec.ouDns).toEqual(dns);
    expect(spec.domainDn).toBe(input.fqdn.split(".").map((l) => `DC=${l}`).join(","));
    expect(joinDns(spec.ouDns)).toBe(dns.join(";"));
    expect(spec.ouDns).not.toContain(spec.domainDn);
  });

  it("refuses an empty scope and a DN that would break the list", () => {
    expect(() => syncScopeSpec({ fqdn: "corp.cmglab.example", syncOus: [], workstationsOu: "W", usersOu: "U" })).toThrow(/empty/);
    expect(() => syncScopeSpec({ fqdn: "corp.cmglab.example", syncOus: ["A;B"], workstationsOu: "A;B", usersOu: "A;B" })).toThrow(/separates/);
  });
});

describe("Entra Connect in the whole lab", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await evaluateLab(sampleConfig());
  });

  it("builds both steps on SYNC01", () => {
    expect(customOf(ev, "entra-connect").length).toBeGreaterThan(0);
    expect(customOf(ev, "sync-scope").map((r) => r.plainInputs.runCommandName).sort()).toEqual(["sync-scope-apply", "sync-scope-delta-sync", "sync-scope-full-sync"]);
    for (const r of [...customOf(ev, "entra-connect"), ...customOf(ev, "sync-scope")]) expect(r.plainInputs.vmName).toBe("cmglab-dev-sync01");
  });

  it("makes sync-scope wait for entra-connect, and entra-connect for the OUs", () => {
    expect(customOf(ev, "sync-scope").length).toBeGreaterThan(0);
    expect(customOf(ev, "entra-connect").length).toBeGreaterThan(0);
    expect(missingWaits(ev, "sync-scope", "entra-connect")).toEqual([]);
    expect(missingWaits(ev, "entra-connect", "ad-ous")).toEqual([]);
    expect(customOf(ev, "ad-ous").length).toBeGreaterThan(0);
  });

  it("never makes the Entra Connect path wait for the ConfigMgr site", () => {
    const closure = waitClosure(ev);
    const site = customOf(ev, "site-server");
    // No Entra Connect resource waits for the site step...
    expect(site.length).toBeGreaterThan(0);
    expect(missingWaits(ev, "entra-connect", "site-server")).not.toEqual([]);
    // ...nor for any in-guest work on the site server.
    const siteWork = new Set([...site, ...ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE && r.plainInputs.vmName === "cmglab-dev-cm01")].map((r) => r.urn));
    for (const r of [...customOf(ev, "entra-connect"), ...customOf(ev, "sync-scope")]) {
      const waits = [...(closure.get(r.urn) ?? [])].filter((u) => siteWork.has(u));
      expect(waits, r.urn).toEqual([]);
    }
  });

  it("lets device registration start only after the delta sync", () => {
    const registration = customOf(ev, "device-registration");
    const delta = customOf(ev, "sync-scope").find((r) => r.plainInputs.runCommandName === "sync-scope-delta-sync") as RecordedResource;
    const closure = waitClosure(ev);
    for (const r of registration) expect(closure.get(r.urn)?.has(delta.urn), r.urn).toBe(true);
  });

  it("passes the configured mode and MSI URL to the scripts", async () => {
    const base = sampleConfig();
    const wizard = await evaluateLab(sampleConfig({ sync: { ...base.sync, configuration: "wizard", msi: { kind: "url", url: "https://files.example.com/other/AzureADConnect.msi", secret: false } } }));
    const apply = customOf(wizard, "sync-scope").find((r) => r.plainInputs.runCommandName === "sync-scope-apply") as RecordedResource;
    const install = customOf(wizard, "entra-connect").find((r) => r.plainInputs.runCommandName === "sync01-install") as RecordedResource;
    expect(params(apply, "parameters").Mode).toBe("wizard");
    expect(params(install, "parameters").MsiUrl).toBe("https://files.example.com/other/AzureADConnect.msi");
  });
});

describe("the OU list the program sends to the sync-scope step", () => {
  // A valid stack config, as Pulumi hands it to the program (the shipped lab with a hosted MSI);
  // `domain` and `sync` vary below.
  const rawValues = (domain: Record<string, unknown>, sync: Record<string, unknown>): Record<string, unknown> =>
    edit(base(), { domain, sync: { ...sync, msiUrl: MSI_URL } });
  const cases = [
    {
      name: "the default config",
      domain: { fqdn: "corp.cmglab.example", netbiosName: "CORP", ous: ["Workstations", "Servers", "LabUsers"] },
      sync: { ous: ["Workstations", "LabUsers"] },
      domainDn: "DC=corp,DC=cmglab,DC=example",
      clientsOu: "OU=Workstations,DC=corp,DC=cmglab,DC=example",
      usersOu: "OU=LabUsers,DC=corp,DC=cmglab,DC=example",
    },
    {
      name: "renamed OUs in another domain, listed users first",
      domain: { fqdn: "ad.fabrikam.test", netbiosName: "FAB", ous: ["Clients", "Servers", "People"], workstationsOu: "Clients", usersOu: "People" },
      sync: { ous: ["People", "Clients"] },
      domainDn: "DC=ad,DC=fabrikam,DC=test",
      clientsOu: "OU=Clients,DC=ad,DC=fabrikam,DC=test",
      usersOu: "OU=People,DC=ad,DC=fabrikam,DC=test",
    },
  ] as const;

  it.each(cases.map((c) => [c.name, c] as const))("%s: holds the clients' OU and the users OU", async (_name, c) => {
    const config = loadLabConfig({ stack: "dev", project: "cmg-lab", values: rawValues(c.domain, c.sync) });
    const ev = await evaluateLab(config);
    const apply = customOf(ev, "sync-scope").find((r) => r.plainInputs.runCommandName === "sync-scope-apply");
    expect(apply, "the sync-scope-apply run command").toBeDefined();
    const sent = params(apply as RecordedResource, "parameters");
    const ous = String(sent.ExpectedOuDns).split(";");
    expect(ous).toContain(c.clientsOu);
    expect(ous).toContain(c.usersOu);
    expect(ous).toHaveLength(2);
    expect(sent.WorkstationsOuDn).toBe(c.clientsOu);
    expect(sent.UsersOuDn).toBe(c.usersOu);
    expect(sent.DomainDn).toBe(c.domainDn);
    // The wizard instructions name the same OUs.
    const configure = customOf(ev, "entra-connect").filter((r) => script(r) === "entra-connect-configure.ps1");
    expect(configure.length).toBeGreaterThan(0);
    for (const rc of configure) expect(params(rc, "parameters").ExpectedOuDns).toBe(sent.ExpectedOuDns);
  });
});

describe("ordering check control case", () => {
  it("would catch entra-connect waiting for the site", async () => {
    const build = (wait: boolean): Promise<Evaluation> =>
      run(() => {
        const site = new LabStep({ step: "site-server", after: [], labTags: { lab: "x" } });
        new random.RandomPassword("site-thing", { length: 8 }, { parent: site });
        const connect = new LabStep({ step: "entra-connect", after: wait ? [site] : [], labTags: { lab: "x" } });
        new random.RandomPassword("connect-thing", { length: 8 }, { parent: connect });
      });
    expect(missingWaits(await build(false), "entra-connect", "site-server")).toHaveLength(1);
    expect(missingWaits(await build(true), "entra-connect", "site-server")).toEqual([]);
  });
});

describe("the wizard wait needs no ADSync rights", () => {
  it("waits without ADSync cmdlets, and checks the connectors in a run command of its own, as the admin", async () => {
    const { readScript } = await import("../components/run-step");
    // The wizard adds the admin to ADSyncAdmins after the wait's logon: its token cannot use ADSync.
    expect(readScript("entra-connect-configure.ps1")).not.toMatch(/-ADSync|Import-ADSyncModule/);
    expect(readScript("entra-connect-verify.ps1")).toMatch(/Get-ADSyncConnector/);
  });
});
