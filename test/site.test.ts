/**
 * The ConfigMgr site area: the pure parts (setup ini, LDAP paths, the "which discovery is missing"
 * table), the components' child contracts, and the whole lab under mocks: the site steps wait for
 * what they need (with control cases), the scripts receive the right site code, app ids and
 * tenant id, and the app secret stays protected.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { RUN_COMMAND_TYPE, SCRIPT_MINUTES } from "../stacks/model/durations";
import { SCRIPT_TAG } from "../components/run-step";
import { LabStep } from "../components/lab-step";
import type { StepId } from "../stacks/model/runbook";
import { sentParameters } from "./support/params";
import { AzureServices } from "../components/azure-services";
import { SiteServer } from "../components/site-server";
import { SiteMedia } from "../components/site-media";
import { EnhancedHttp } from "../components/enhanced-http";
import { SiteDiscovery } from "../components/site-discovery";
import { AadUserDiscovery } from "../components/aad-user-discovery";
import {
  defaultSiteMedia,
  ldapPath,
  renderSetupIni,
  SITE_MINUTES,
  toBase64,
} from "../stacks/model/site";
import { customOf, missingWaits, waitClosure } from "./support/graph";
import { sampleConfig } from "./support/sample-config";
import { testVm } from "./support/test-vm";

const TAGS = { lab: "cmglab", stack: "dev", step: "test", expiresOn: "2026-12-31" };
const ADMIN = { user: "CORP\\labadmin", password: pulumi.secret("Sample-Passw0rd!") };

const params = (rc: RecordedResource, key: "parameters" | "protectedParameters"): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(sentParameters(rc, key)).map(([name, value]) => [name, value]),
  );
const runCommands = (ev: Evaluation): RecordedResource[] => ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE);
const byScript = (ev: Evaluation, script: string): RecordedResource[] =>
  runCommands(ev).filter((r) => (r.inputs.tags as Record<string, unknown>)[SCRIPT_TAG] === script);
/** The steps this file covers (the CMG and verify steps also run on CM01). */
const SITE_STEPS: readonly StepId[] = ["site-media", "site-server", "enhanced-http", "ad-user-discovery", "azure-services", "aad-user-discovery"];
const onlyOne = (list: RecordedResource[]): RecordedResource => {
  expect(list).toHaveLength(1);
  return list[0] as RecordedResource;
};

describe("setup ini", () => {
  const ini = renderSetupIni({
    siteCode: "PS1",
    siteName: "cmg-lab cmglab PS1",
    siteServerFqdn: "cm01.corp.cmglab.example",
    prerequisitePath: "C:\\CMLab\\Media\\ConfigMgr\\Prereqs",
  });
  const lines = ini.split("\r\n");

  it.each([
    ["[Identification]"],
    ["Action=InstallPrimarySite"],
    ["ProductID=Eval"],
    ["SiteCode=PS1"],
    ["SiteName=cmg-lab cmglab PS1"],
    ["SMSInstallDir=C:\\Program Files\\Microsoft Configuration Manager"],
    ["SDKServer=cm01.corp.cmglab.example"],
    ["RoleCommunicationProtocol=HTTPorHTTPS"],
    ["ClientsUsePKICertificate=0"],
    ["PrerequisiteComp=1"],
    ["PrerequisitePath=C:\\CMLab\\Media\\ConfigMgr\\Prereqs"],
    ["ManagementPoint=cm01.corp.cmglab.example"],
    ["ManagementPointProtocol=HTTP"],
    ["DistributionPoint=cm01.corp.cmglab.example"],
    ["DistributionPointProtocol=HTTP"],
    ["AdminConsole=1"],
    ["JoinCEIP=0"],
    ["MobileDeviceLanguage=0"],
    ["[SQLConfigOptions]"],
    ["SQLServerName=cm01.corp.cmglab.example"],
    ["DatabaseName=CM_PS1"],
    ["[CloudConnectorOptions]"],
    ["CloudConnector=1"],
    ["CloudConnectorServer=cm01.corp.cmglab.example"],
    ["UseProxy=0"],
  ])("has %s", (line) => {
    expect(lines).toContain(line);
  });

  it("has every key once, CRLF line ends and no blank values", () => {
    const keys = lines.filter((l) => l.includes("=")).map((l) => l.split("=")[0]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(lines.filter((l) => /=$/.test(l))).toEqual([]);
    expect(ini.endsWith("\r\n")).toBe(true);
    expect(ini).not.toMatch(/[^\r]\n/);
  });

  it("ends with an empty [HierarchyExpansionOption] section, as Microsoft's quickstart template writes it", () => {
    const at = lines.indexOf("[HierarchyExpansionOption]");
    expect(at).toBeGreaterThan(lines.indexOf("[CloudConnectorOptions]"));
    // Nothing follows the header but the final line end.
    expect(lines.slice(at + 1)).toEqual([""]);
  });

  it("refuses a value that would break the file", () => {
    expect(() => renderSetupIni({ siteCode: "PS1", siteName: "a\nb", siteServerFqdn: "x", prerequisitePath: "y" })).toThrow(/SiteName/);
    expect(() => renderSetupIni({ siteCode: "", siteName: "a", siteServerFqdn: "x", prerequisitePath: "y" })).toThrow(/SiteCode/);
  });

  it("round-trips through base64", () => {
    expect(Buffer.from(toBase64(ini), "base64").toString("utf8")).toBe(ini);
  });
});

describe("pure site helpers", () => {
  it.each([
    ["LabUsers", "corp.cmglab.example", "LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example"],
    ["Workstations", "lab.test", "LDAP://OU=Workstations,DC=lab,DC=test"],
  ])("ldapPath(%s, %s)", (ou, fqdn, expected) => {
    expect(ldapPath(ou, fqdn)).toBe(expected);
  });

  it("gives https defaults per SQL edition", () => {
    const dev = defaultSiteMedia("developer");
    const evaluation = defaultSiteMedia("evaluation");
    expect(dev.sqlUrl).not.toBe(evaluation.sqlUrl);
    for (const url of [...Object.values(dev), ...Object.values(evaluation)]) expect(url).toMatch(/^https:\/\//);
  });

  it("has a duration row for every site script, and timeouts that cover the waits", () => {
    for (const script of [
      "site-media.ps1", "site-prereqs.ps1", "site-ad-prep.ps1", "site-sql.ps1", "site-adk.ps1", "site-install.ps1",
      "enhanced-http.ps1", "site-discovery.ps1", "azure-services.ps1", "check-user-discovery.ps1",
    ]) {
      expect(SCRIPT_MINUTES[script], script).toBeDefined();
    }
    expect(SITE_MINUTES.mediaTimeout).toBeGreaterThan(SITE_MINUTES.mediaDnsWait + 30);
    expect(SITE_MINUTES.mediaSqlDownload).toBeLessThan(SITE_MINUTES.mediaTimeout);
    expect(SITE_MINUTES.installTimeout).toBeGreaterThan(SITE_MINUTES.installWait + 15);
    expect(SITE_MINUTES.enhancedHttpTimeout).toBeGreaterThan(2 * SITE_MINUTES.enhancedHttpWait + 15);
    expect(SITE_MINUTES.aadDiscoveryTimeout).toBeGreaterThan(SITE_MINUTES.aadDiscoveryWait);
  });
});

describe("site components (child contracts)", () => {
  const run = (program: () => void): Promise<Evaluation> =>
    evaluateLab(sampleConfig(), {
      program: () => {
        program();
        return {};
      },
    });

  it("SiteMedia: one download run command as LocalSystem, with the media URLs", async () => {
    const ev = await run(() => {
      new SiteMedia("site", { vm: testVm("CM01"), media: defaultSiteMedia("developer"), includeSql: true, tags: TAGS });
    });
    // Two rounds: the first starts no new medium after its budget, the second finishes.
    const rcs = byScript(ev, "site-media.ps1").sort((a, b) => a.seq - b.seq);
    expect(rcs.map((r) => r.name)).toEqual(["site-download-command", "site-download-command-round-2"]);
    expect(rcs[1]?.dependencies).toContain(rcs[0]?.urn);
    rcs.forEach((rc, i) => {
      expect(rc.plainInputs.runAsUser).toBeUndefined();
      expect(params(rc, "parameters")).toMatchObject({
        MediaRoot: "C:\\CMLab\\Media",
        SqlUrl: defaultSiteMedia("developer").sqlUrl,
        StartBudgetMinutes: String(SITE_MINUTES.mediaStartBudget),
        SqlDownloadMinutes: "40",
        LastRound: i === rcs.length - 1 ? "true" : "false",
      });
      expect(rc.plainInputs.timeoutInSeconds).toBe(SITE_MINUTES.mediaTimeout * 60);
    });
  });

  it("SiteMedia without SQL Server (site.sqlSource image): an empty SqlUrl, so the script skips that medium", async () => {
    const ev = await run(() => {
      new SiteMedia("site", { vm: testVm("CM01"), media: defaultSiteMedia("developer"), includeSql: false, tags: TAGS });
    });
    for (const rc of byScript(ev, "site-media.ps1")) {
      const sent = params(rc, "parameters");
      expect(sent.SqlUrl).toBe("");
      expect(sent).toMatchObject({ AdkUrl: defaultSiteMedia("developer").adkUrl, ConfigMgrUrl: defaultSiteMedia("developer").configMgrUrl });
    }
  });

  /** SiteServer on a fresh CM01, with SQL Server from the image or downloaded. */
  const siteServer = (sqlSource: "image" | "download"): Promise<Evaluation> =>
    run(() => {
      new SiteServer("site", {
        vm: testVm("CM01"),
        domainFqdn: "corp.cmglab.example",
        domainDn: "DC=corp,DC=cmglab,DC=example",
        netbiosName: "CORP",
        serversOuDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
        dcAddress: "10.42.1.4",
        domainAdmin: ADMIN,
        siteCode: "PS1",
        siteName: "cmg-lab cmglab PS1",
        sqlSource,
        mediaRoot: "C:\\CMLab\\Media",
        tags: TAGS,
      });
    });
  const named = (ev: Evaluation, name: string): RecordedResource => onlyOne(runCommands(ev).filter((r) => r.name === name));

  it("SiteServer: join, then AD prep, SQL Server check and ADK side by side, then the install; ConfigMgr work as the domain admin", async () => {
    const ev = await siteServer("image");
    const rcs = runCommands(ev).sort((a, b) => a.seq - b.seq);
    // Registration order inside a fork is not an order on the VM; the dependencies below are.
    expect(rcs.map((r) => r.name).sort()).toEqual([
      "site-ad-prep-command",
      "site-adk-command",
      "site-install-command",
      "site-install-command-round-2",
      "site-install-command-round-3",
      "site-member-domain-join-command",
      "site-member-wait-domain-member-command",
      "site-sql-command",
    ]);
    expect(onlyOne(byScript(ev, "site-sql-image.ps1")).name).toBe("site-sql-command");
    expect(byScript(ev, "site-sql.ps1")).toEqual([]);
    expect(params(named(ev, "site-sql-command"), "parameters")).toEqual({ SqlSysAdmin: "CORP\\labadmin" });
    const join = named(ev, "site-member-domain-join-command");
    const wait = named(ev, "site-member-wait-domain-member-command");
    const middle = ["site-ad-prep-command", "site-sql-command", "site-adk-command"].map((n) => named(ev, n));
    const install = named(ev, "site-install-command");
    expect(wait.dependencies).toContain(join.urn);
    // Each waits for the join's restart, none for another: they run side by side.
    for (const rc of middle) {
      expect(rc.dependencies, rc.name).toContain(wait.urn);
      for (const other of middle) expect(rc.dependencies, `${rc.name} -> ${other.name}`).not.toContain(other.urn);
    }
    // The install waits for all three.
    for (const rc of middle) expect(install.dependencies, rc.name).toContain(rc.urn);
    expect([join, wait].map((r) => r.plainInputs.runAsUser)).toEqual([undefined, undefined]);
    for (const rc of [...middle, ...byScript(ev, "site-install.ps1")]) expect(rc.plainInputs.runAsUser, rc.name).toBe("CORP\\labadmin");
    for (const rc of rcs.filter((r) => r.plainInputs.runAsUser)) expect(rc.secretPaths).toContain("runAsPassword");
  });

  it("SiteServer with a downloaded SQL Server: site-sql.ps1 and the ADK share one lane (one installer at a time)", async () => {
    const ev = await siteServer("download");
    const sql = named(ev, "site-sql-command");
    const adk = named(ev, "site-adk-command");
    expect(onlyOne(byScript(ev, "site-sql.ps1")).urn).toBe(sql.urn);
    expect(params(sql, "parameters")).toEqual({ MediaRoot: "C:\\CMLab\\Media", SqlSysAdmin: "CORP\\labadmin" });
    expect(adk.dependencies).toContain(sql.urn);
    expect(named(ev, "site-ad-prep-command").dependencies).not.toContain(sql.urn);
  });

  it("SiteServer: AD prep and the install's parameters", async () => {
    const ev = await siteServer("image");
    const adPrep = onlyOne(byScript(ev, "site-ad-prep.ps1"));
    expect(params(adPrep, "parameters")).toMatchObject({ SiteServerAccount: "CORP\\CM01$", DomainDn: "DC=corp,DC=cmglab,DC=example" });
    const installs = byScript(ev, "site-install.ps1").sort((a, b) => a.seq - b.seq);
    expect(installs).toHaveLength(SITE_MINUTES.installRounds);
    installs.forEach((install, i) => {
      const p = params(install, "parameters");
      expect(p.SiteCode).toBe("PS1");
      expect(p.LastRound).toBe(i === installs.length - 1 ? "true" : "false");
      const ini = Buffer.from(String(p.SetupIniBase64), "base64").toString("utf8");
      expect(ini).toContain("SiteCode=PS1");
      expect(ini).toContain("SDKServer=cm01.corp.cmglab.example");
      expect(install.plainInputs.timeoutInSeconds).toBe(SITE_MINUTES.installTimeout * 60);
    });
  });

  it("EnhancedHttp, SiteDiscovery, AadUserDiscovery: one run command each, as the domain admin, with the site code", async () => {
    const ev = await run(() => {
      const vm = testVm("CM01");
      new EnhancedHttp("site", { vm, siteCode: "PS1", siteServerFqdn: "cm01.corp.cmglab.example", runAs: ADMIN, tags: TAGS });
      new SiteDiscovery("site", {
        vm,
        siteCode: "PS1",
        siteServerFqdn: "cm01.corp.cmglab.example",
        usersOuLdap: "LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example",
        systemOusLdap: ["LDAP://OU=Workstations,DC=corp,DC=cmglab,DC=example", "LDAP://OU=Servers,DC=corp,DC=cmglab,DC=example"],
        runAs: ADMIN,
        tags: TAGS,
      });
      new AadUserDiscovery("site", { vm, siteCode: "PS1", runAs: ADMIN, tags: TAGS });
    });
    expect(runCommands(ev).map((r) => r.name).sort()).toEqual(["site-ad-discovery-command", "site-check-command", "site-site-option-command"]);
    for (const rc of runCommands(ev)) {
      expect(params(rc, "parameters").SiteCode).toBe("PS1");
      expect(rc.plainInputs.runAsUser).toBe("CORP\\labadmin");
    }
    expect(params(onlyOne(byScript(ev, "site-discovery.ps1")), "parameters")).toMatchObject({
      UsersOuLdap: "LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example",
      SystemOusLdap: "LDAP://OU=Workstations,DC=corp,DC=cmglab,DC=example;LDAP://OU=Servers,DC=corp,DC=cmglab,DC=example",
    });
    expect(params(onlyOne(byScript(ev, "check-user-discovery.ps1")), "parameters")).toMatchObject({ Require: "both", UserName: "*" });
  });
});

describe("AzureServices: the apps' ids reach the script, the secret stays protected, and it waits for the apps", () => {
  const APPS = {
    tenantId: "11111111-1111-1111-1111-111111111111",
    tenantDomain: "contoso.onmicrosoft.com",
    serverAppClientId: "22222222-2222-2222-2222-222222222222",
    serverAppName: "cmg-lab server",
    serverAppIdentifierUri: "api://11111111-1111-1111-1111-111111111111/ConfigMgrService",
    serverAppSecretEndDate: "2027-01-07T00:00:00Z",
    clientAppClientId: "33333333-3333-3333-3333-333333333333",
    clientAppName: "cmg-lab client",
  };
  const build = (waitForApps: boolean): Promise<Evaluation> =>
    evaluateLab(sampleConfig(), {
      program: () => {
        const tags = { lab: "x" };
        const appsStep = new LabStep({ step: "entra-apps", after: [], labTags: tags });
        const consent = new random.RandomUuid("consent", {}, { parent: appsStep });
        const azureStep = new LabStep({ step: "azure-services", after: waitForApps ? [appsStep] : [], labTags: tags });
        new AzureServices(
          "site",
          {
            vm: testVm("CM01"),
            siteCode: "PS1",
            siteServerFqdn: "cm01.corp.cmglab.example",
            ...APPS,
            serverAppSecret: pulumi.secret("app-secret-value"),
            appsReady: waitForApps ? [consent] : [],
            runAs: ADMIN,
            tags: TAGS,
          },
          { parent: azureStep },
        );
        return {};
      },
    });

  let ev: Evaluation;
  beforeAll(async () => {
    ev = await build(true);
  });

  it("passes tenant, app ids, names, URI and site code as parameters", () => {
    const rc = onlyOne(byScript(ev, "azure-services.ps1"));
    expect(params(rc, "parameters")).toMatchObject({
      SiteCode: "PS1",
      TenantId: APPS.tenantId,
      TenantName: APPS.tenantDomain,
      ServerAppClientId: APPS.serverAppClientId,
      ServerAppName: APPS.serverAppName,
      ServerAppIdUri: APPS.serverAppIdentifierUri,
      ServerAppSecretEndDate: APPS.serverAppSecretEndDate,
      ClientAppClientId: APPS.clientAppClientId,
      ClientAppName: APPS.clientAppName,
      UserDeltaDiscoveryMins: "5",
    });
    expect(Object.keys(params(rc, "protectedParameters"))).toEqual(["ServerAppSecret"]);
    expect(rc.secretPaths).toContain("protectedParameters[0].value");
    expect(JSON.stringify(rc.inputs)).not.toContain("app-secret-value");
    expect(JSON.stringify(rc.inputs)).toContain(SECRET_TEXT);
  });

  it("waits for the apps; the control case without the wait is caught", async () => {
    expect(customOf(ev, "azure-services").length).toBeGreaterThan(0);
    expect(customOf(ev, "entra-apps").length).toBeGreaterThan(0);
    expect(missingWaits(ev, "azure-services", "entra-apps")).toEqual([]);
    const broken = await build(false);
    expect(missingWaits(broken, "azure-services", "entra-apps")).not.toEqual([]);
  });
});

describe("the site in the whole lab", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await evaluateLab(sampleConfig());
  });

  it.each([
    ["site-media", "server-vms"],
    ["site-server", "site-media"],
    ["site-server", "ad-ous"],
    ["enhanced-http", "site-server"],
    ["ad-user-discovery", "site-server"],
    ["azure-services", "site-server"],
    ["azure-services", "entra-apps"],
    ["aad-user-discovery", "azure-services"],
  ] as const)("%s waits for %s", (step, needed) => {
    expect(missingWaits(ev, step, needed).length).toBe(0);
  });

  it("downloads the media in parallel with the forest (site-media does not wait for ad-forest)", () => {
    expect(missingWaits(ev, "site-media", "ad-forest")).not.toEqual([]);
  });

  it("builds the site server from the SQL Server 2022 Developer image by default, from plain Windows Server with sqlSource download", async () => {
    const image = (e: Evaluation): unknown => {
      const vm = onlyOne(e.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine" && r.name === "cm01-vm"));
      return (vm.plainInputs.storageProfile as Record<string, unknown>).imageReference;
    };
    expect(image(ev)).toEqual({ publisher: "MicrosoftSQLServer", offer: "sql2022-ws2022", sku: "sqldev-gen2", version: "latest" });
    // A lab built before site.sqlSource keeps its CM01 (no replacement for the new default image);
    // the other VMs follow a changed image.
    const vmOptions = (e: Evaluation, name: string) => onlyOne(e.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine" && r.name === name)).options;
    expect(vmOptions(ev, "cm01-vm").ignoreChanges).toContain("storageProfile.imageReference");
    for (const other of ["dc01-vm", "sync01-vm", "win11-01-vm"]) expect(vmOptions(ev, other).ignoreChanges, other).not.toContain("storageProfile.imageReference");
    const downloaded = await evaluateLab(sampleConfig({ site: { ...sampleConfig().site, sqlSource: "download" } }));
    expect(image(downloaded)).toEqual({ publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2022-datacenter-azure-edition", version: "latest" });
    expect(byScript(downloaded, "site-sql.ps1")).toHaveLength(1);
    expect(byScript(downloaded, "site-sql-image.ps1")).toEqual([]);
    expect(params(byScript(downloaded, "site-media.ps1")[0] as RecordedResource, "parameters").SqlUrl).toBe(defaultSiteMedia("developer").sqlUrl);
    expect(params(byScript(ev, "site-media.ps1")[0] as RecordedResource, "parameters").SqlUrl).toBe("");
  });

  it("keeps the features' run command the same resource for a lab built before it moved to step site-media (alias of its former parent)", () => {
    const runStep = onlyOne(ev.resources.filter((r) => r.type === "cmg-lab:vm:RunStep" && r.name === "site-prereqs"));
    const siteServer = onlyOne(ev.resources.filter((r) => r.type === "cmg-lab:site:SiteServer" && r.name === "site"));
    // Its old parent was the SiteServer "site" of step site-server: exactly that URN.
    expect(runStep.aliases).toEqual([`parent=${siteServer.urn}`]);
    expect(runStep.parent).not.toBe(siteServer.urn);
    // Nothing else of the lab's own moved (the azure-native provider adds its own type aliases).
    expect(ev.resources.filter((r) => r.aliases.some((a) => a.startsWith("parent=urn:"))).map((r) => r.urn)).toEqual([runStep.urn]);
  });

  it("orders CM01's site work by what each script needs, side by side where nothing does", () => {
    const closure = waitClosure(ev);
    const cm01 = runCommands(ev).filter((r) => String(r.plainInputs.vmName).endsWith("-cm01"));
    /** CM01's run commands of a script, in registration order (rounds, re-checks); at least one. */
    const runsOf = (script: string): RecordedResource[] => {
      const found = cm01.filter((r) => (r.inputs.tags as Record<string, unknown>)[SCRIPT_TAG] === script).sort((a, b) => a.seq - b.seq);
      expect(found.length, script).toBeGreaterThan(0);
      return found;
    };
    const first = (script: string): RecordedResource => runsOf(script)[0] as RecordedResource;
    const last = (script: string): RecordedResource => runsOf(script).at(-1) as RecordedResource;
    const named = (name: string): RecordedResource => onlyOne(cm01.filter((r) => r.name === name));
    const waits = (a: RecordedResource, b: RecordedResource): boolean => closure.get(a.urn)?.has(b.urn) ?? false;
    const before = (a: string, b: string): void => expect(waits(first(b), last(a)), `${b} waits for ${a}`).toBe(true);
    const beside = (a: string, b: string): void => {
      expect(waits(first(b), last(a)), `${b} must not wait for ${a}`).toBe(false);
      expect(waits(first(a), last(b)), `${a} must not wait for ${b}`).toBe(false);
    };
    // Before the join: the download beside the Windows features.
    beside("site-media.ps1", "site-prereqs.ps1");
    before("site-media.ps1", "domain-join.ps1");
    before("site-prereqs.ps1", "domain-join.ps1");
    before("domain-join.ps1", "wait-domain-member.ps1");
    // After the join, side by side, all before setup.
    for (const s of ["site-ad-prep.ps1", "site-sql-image.ps1", "site-adk.ps1"]) {
      before("wait-domain-member.ps1", s);
      before(s, "site-install.ps1");
    }
    beside("site-ad-prep.ps1", "site-sql-image.ps1");
    beside("site-ad-prep.ps1", "site-adk.ps1");
    beside("site-sql-image.ps1", "site-adk.ps1");
    // After setup: Enhanced HTTP alone (its first wait is where the site settles), then AD
    // discovery, the Azure services and the certificate side by side; Azure AD discovery after
    // the Azure services; the CMG after the Azure services and the certificate (and so after
    // Enhanced HTTP), but not after either discovery.
    before("site-install.ps1", "enhanced-http.ps1");
    for (const s of ["site-discovery.ps1", "azure-services.ps1", "cmg-certificate-enroll.ps1"]) before("enhanced-http.ps1", s);
    beside("site-discovery.ps1", "azure-services.ps1");
    beside("site-discovery.ps1", "cmg-certificate-enroll.ps1");
    beside("azure-services.ps1", "cmg-certificate-enroll.ps1");
    // Azure AD discovery's check (site-check), not the verify step's re-check of the same script.
    const aadCheck = named("site-check-command");
    expect(waits(aadCheck, last("azure-services.ps1"))).toBe(true);
    expect(waits(aadCheck, last("site-discovery.ps1"))).toBe(true);
    for (const s of ["enhanced-http.ps1", "azure-services.ps1", "cmg-certificate-enroll.ps1"]) before(s, "cmg-create.ps1");
    beside("site-discovery.ps1", "cmg-create.ps1");
    for (const cmgWork of [first("cmg-create.ps1"), last("cmg-connection-point.ps1")]) {
      expect(waits(cmgWork, aadCheck), `${cmgWork.name} must not wait for the Azure AD discovery check`).toBe(false);
      expect(waits(aadCheck, cmgWork), `the Azure AD discovery check must not wait for ${cmgWork.name}`).toBe(false);
    }
    before("cmg-create.ps1", "cmg-connection-point.ps1");
    // The verify step's checks on CM01 run side by side, after everything else.
    const verifyUser = onlyOne(cm01.filter((r) => r.name === "verify-user-discovery-command"));
    const verifySite = onlyOne(cm01.filter((r) => r.name === "verify-site-command"));
    expect(waits(verifySite, verifyUser) || waits(verifyUser, verifySite)).toBe(false);
    for (const v of [verifyUser, verifySite]) expect(waits(v, last("cmg-connection-point.ps1"))).toBe(true);
  });

  it("gives every ConfigMgr script the configured site code and protects the app secret", () => {
    for (const script of ["site-install.ps1", "enhanced-http.ps1", "site-discovery.ps1", "azure-services.ps1", "check-user-discovery.ps1"]) {
      // verify reuses check-user-discovery.ps1; here only the site's own run commands count.
      const own = byScript(ev, script).filter((r) => SITE_STEPS.includes(r.step as StepId));
      expect(own.length).toBeGreaterThan(0);
      for (const rc of own) expect(params(rc, "parameters").SiteCode, script).toBe("PS1");
    }
    const other = async (): Promise<void> => {
      const ps2 = await evaluateLab(sampleConfig({ site: { ...sampleConfig().site, siteCode: "LAB" } }));
      expect(params(onlyOne(byScript(ps2, "enhanced-http.ps1")), "parameters").SiteCode).toBe("LAB");
    };
    const azure = onlyOne(byScript(ev, "azure-services.ps1"));
    expect(Object.keys(params(azure, "protectedParameters"))).toEqual(["ServerAppSecret"]);
    expect(azure.secretPaths).toContain("protectedParameters[0].value");
    return other();
  });

  it("discovers users in the users OU and systems in the Workstations and Servers OUs", () => {
    expect(params(onlyOne(byScript(ev, "site-discovery.ps1")), "parameters")).toMatchObject({
      UsersOuLdap: "LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example",
      SystemOusLdap: "LDAP://OU=Workstations,DC=corp,DC=cmglab,DC=example;LDAP://OU=Servers,DC=corp,DC=cmglab,DC=example",
    });
  });
});
