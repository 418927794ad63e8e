/**
 * The CMG area under mocks and as pure logic: the step order (with a control case), the child
 * contracts (scripts, parameters, protected parameters, runAs), the supplied-PFX mode, the
 * ccmsetup command line, and the verify report feeding the diagnose table.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { SCRIPT_TAG } from "../components/run-step";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { transitiveNeeds, type StepId } from "../stacks/model/runbook";
import { ccmsetupArguments, VERIFY_CHECKS, verifyReportCommand } from "../stacks/model/cmg";
import { diagnoseText } from "../stacks/diagnosis/diagnose";
import { customOf, missingWaits } from "./support/graph";
import { sampleConfig } from "./support/sample-config";
import * as pulumi from "@pulumi/pulumi";
import { sentParameters } from "./support/params";
import { CMG_DEFAULT_VM_SIZE, CMG_VM_SIZES, cmgVmSizeNames } from "../stacks/config/config-data";

let ev: Evaluation;
beforeAll(async () => {
  ev = await evaluateLab(sampleConfig());
});

function runCommands(e: Evaluation, script: string): RecordedResource[] {
  return e.resources.filter((r) => r.type === RUN_COMMAND_TYPE && (r.inputs.tags as Record<string, string>)[SCRIPT_TAG] === script);
}
function params(rc: RecordedResource, key: "parameters" | "protectedParameters"): Record<string, unknown> {
  return sentParameters(rc, key);
}

describe("CMG steps: order", () => {
  const pairs: [StepId, StepId][] = [
    ["cmg", "azure-services"],
    ["cmg", "enhanced-http"],
    ["cmg", "cmg-certificate"],
    ["cmg", "cmg-azure-access"],
    ["cmg-connection-point", "cmg"],
    ["client-agent", "cmg-connection-point"],
    ["client-agent", "clients"],
    ["cmg-certificate", "ad-forest"],
  ];
  it.each(pairs)("every resource of %s waits for every resource of %s", (step, needed) => {
    expect(customOf(ev, step).length).toBeGreaterThan(0);
    expect(customOf(ev, needed).length).toBeGreaterThan(0);
    expect(missingWaits(ev, step, needed)).toEqual([]);
  });

  it("verify waits for every other step of the runbook", () => {
    const needs = [...transitiveNeeds("verify")];
    expect(needs.length).toBeGreaterThan(20);
    for (const needed of needs) {
      expect(customOf(ev, needed).length, `${needed} has resources`).toBeGreaterThan(0);
      expect(missingWaits(ev, "verify", needed), needed).toEqual([]);
    }
  });

  it("control: the check sees that the client agent does not wait for verify", () => {
    expect(missingWaits(ev, "client-agent", "verify").length).toBeGreaterThan(0);
  });
});

describe("CMG steps: child contracts", () => {
  it("lab-ca: CA on the DC, certificate made on the site server, password generated and protected", () => {
    const [ca] = runCommands(ev, "cmg-ca-install.ps1");
    const [enroll] = runCommands(ev, "cmg-certificate-enroll.ps1");
    if (!ca || !enroll) throw new Error("missing run commands");
    expect(String(ca.plainInputs.vmName)).toMatch(/-dc01$/);
    expect(String(enroll.plainInputs.vmName)).toMatch(/-cm01$/);
    expect(params(ca, "parameters").CaCommonName).toBe("CORP Lab Root CA");
    const p = params(enroll, "parameters");
    expect(String(p.ServiceFqdn)).toMatch(/^cmglabdev[a-z0-9]{4}\.westeurope\.cloudapp\.azure\.com$/);
    expect(p.CaConfig).toBe("DC01.corp.cmglab.example\\CORP Lab Root CA");
    expect(Object.keys(params(enroll, "protectedParameters"))).toEqual(["PfxPassword"]);
    expect(enroll.secretPaths.some((s) => s.startsWith("protectedParameters"))).toBe(true);
    expect(enroll.plainInputs.runAsUser).toBe("CORP\\labadmin");
    expect(enroll.inputs.runAsPassword).toBe(SECRET_TEXT);
  });

  it("cmg: the non-interactive creation gets the server app, the subscription, the group and the region", () => {
    const [create] = runCommands(ev, "cmg-create.ps1");
    if (!create) throw new Error("no cmg-create run command");
    const p = params(create, "parameters");
    expect(Object.keys(p).sort()).toEqual(
      ["DefaultVmSize", "GroupName", "InstanceCount", "PfxPath", "Region", "ServerAppClientId", "ServiceFqdn", "SiteCode", "SiteServerFqdn", "SubscriptionId", "TenantId", "VmSize", "VmSizeNames", "WaitMinutes"].sort(),
    );
    // The tenant the site's Azure Services use (the same value the client install gets as AADTENANTID).
    expect(String(p.TenantId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(p.Region).toBe("WestEurope");
    expect(p.InstanceCount).toBe("1");
    // The configured size, and the names the site's -VMSSVMSize may know it by, most specific first.
    expect(p.VmSize).toBe(sampleConfig().cmg.vmSize);
    expect(p.VmSizeNames).toBe(cmgVmSizeNames(sampleConfig().cmg.vmSize).join(";"));
    expect(p.DefaultVmSize).toBe("Standard_A2_v2");
    expect(Object.keys(params(create, "protectedParameters"))).toEqual(["PfxPassword"]);
    const [enroll] = runCommands(ev, "cmg-certificate-enroll.ps1");
    expect(p.ServiceFqdn).toBe(enroll ? params(enroll, "parameters").ServiceFqdn : undefined);
  });

  it("connection point: share on the DC, connection point on the site server after it", () => {
    const [share] = runCommands(ev, "cmg-client-share.ps1");
    const [cp] = runCommands(ev, "cmg-connection-point.ps1");
    if (!share || !cp) throw new Error("missing run commands");
    expect(String(share.plainInputs.vmName)).toMatch(/-dc01$/);
    expect(params(cp, "parameters").ClientShareUnc).toBe("\\\\DC01.corp.cmglab.example\\CmgLabClient");
    expect(cp.dependencies).toContain(share.urn);
  });

  it("client agent: one per client, internet-only over the CMG with Entra ID properties", () => {
    const agents = runCommands(ev, "client-agent-install.ps1");
    expect(agents).toHaveLength(sampleConfig().clients.length);
    const args = String(params(agents[0] as RecordedResource, "parameters").CcmsetupArguments);
    expect(args).toMatch(/^\/source:\\\\DC01\.corp\.cmglab\.example\\CmgLabClient \/mp:https:\/\/cmglabdev[a-z0-9]{4}\.westeurope\.cloudapp\.azure\.com\/\{MpPath\} /);
    for (const prop of ["CCMHOSTNAME=", "SMSSITECODE=PS1", "AADTENANTID=", "AADCLIENTAPPID=", "AADRESOURCEURI=", "CCMALWAYSINF=1", "/NoCRLCheck"]) {
      expect(args).toContain(prop);
    }
  });

  it("verify: user discovery, each client, then the site; the report commands are stack outputs", () => {
    expect(runCommands(ev, "check-user-discovery.ps1").some((r) => r.step === "verify")).toBe(true);
    expect(runCommands(ev, "lab-verify-client.ps1")).toHaveLength(sampleConfig().clients.length);
    expect(runCommands(ev, "lab-verify-site.ps1")).toHaveLength(1);
    const cmds = ev.outputs.verifyReportCommands as string[];
    expect(cmds).toHaveLength(sampleConfig().clients.length + 2);
    expect(cmds.every((c) => c.startsWith("az vm run-command show ") && c.includes("--instance-view"))).toBe(true);
    expect(ev.outputs.verifyChecks).toHaveLength(VERIFY_CHECKS.length);
  });
});

describe("CMG steps: a supplied PFX", () => {
  it("sends the PFX as a protected parameter, keeps cmg.name exactly and creates no CA", async () => {
    const config = sampleConfig({
      cmg: {
        name: "pfxlabcmg",
        vmSize: "Standard_B2s",
        instances: 2,
        certificate: { kind: "pfx", pfxFile: "test/fixtures/config/certs/cmg.pfx", pfxPassword: pulumi.secret("x") },
      },
    });
    const e = await evaluateLab(config);
    expect(runCommands(e, "cmg-ca-install.ps1")).toHaveLength(0);
    const [imp] = runCommands(e, "cmg-certificate-import.ps1");
    if (!imp) throw new Error("no import run command");
    expect(Object.keys(params(imp, "protectedParameters")).sort()).toEqual(["CmgPfxBase64", "PfxPassword"]);
    expect(JSON.stringify(imp.inputs)).not.toContain(Buffer.from("not a real PFX").toString("base64").slice(0, 12));
    const [create] = runCommands(e, "cmg-create.ps1");
    expect(create ? params(create, "parameters").ServiceFqdn : undefined).toBe("pfxlabcmg.westeurope.cloudapp.azure.com");
    expect(create ? params(create, "parameters").InstanceCount : undefined).toBe("2");
    expect(create ? params(create, "parameters").VmSizeNames : undefined).toBe("Standard_B2s;B2s;Lab;Small");
  });
});

describe("cmgVmSizeNames", () => {
  it.each([
    ["Standard_B2s", ["Standard_B2s", "B2s", "Lab", "Small"]],
    ["Standard_A2_v2", ["Standard_A2_v2", "A2_v2", "Standard", "Medium"]],
    ["Standard_A4_v2", ["Standard_A4_v2", "A4_v2", "Large"]],
  ])("%s is known as %j", (size, names) => {
    expect(cmgVmSizeNames(size)).toEqual(names);
  });

  it("every size the config accepts has names, and no name belongs to two sizes", () => {
    const all = Object.keys(CMG_VM_SIZES).flatMap((s) => cmgVmSizeNames(s).map((n) => n.toLowerCase().replace(/[^a-z0-9]/g, "")));
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(CMG_VM_SIZES)).toContain(CMG_DEFAULT_VM_SIZE);
  });

  it("refuses a size the CMG does not offer", () => {
    expect(() => cmgVmSizeNames("Standard_D2s_v5")).toThrow(/not a CMG size/);
  });
});

describe("ccmsetupArguments", () => {
  const base = {
    source: "\\\\DC01.corp.example\\CmgLabClient",
    cmgFqdn: "cmg1a2b.westeurope.cloudapp.azure.com",
    siteCode: "PS1",
    tenantId: "tenant-guid",
    clientAppId: "client-guid",
    resourceUri: "api://tenant-guid/ConfigMgrService",
    network: "internet" as const,
    intranetMp: "CM01.corp.example",
  };
  it("builds the internet-only command line", () => {
    expect(ccmsetupArguments(base)).toBe(
      "/source:\\\\DC01.corp.example\\CmgLabClient /mp:https://cmg1a2b.westeurope.cloudapp.azure.com/{MpPath} /NoCRLCheck " +
        "CCMHOSTNAME=cmg1a2b.westeurope.cloudapp.azure.com/{MpPath} SMSSITECODE=PS1 AADTENANTID=tenant-guid " +
        "AADCLIENTAPPID=client-guid AADRESOURCEURI=api://tenant-guid/ConfigMgrService CCMALWAYSINF=1",
    );
  });
  it("installs an intranet-side client from the intranet MP, not internet-only", () => {
    expect(ccmsetupArguments({ ...base, network: "intranet" })).toBe(
      "/source:\\\\DC01.corp.example\\CmgLabClient /mp:http://CM01.corp.example /NoCRLCheck SMSSITECODE=PS1 " +
        "AADTENANTID=tenant-guid AADCLIENTAPPID=client-guid AADRESOURCEURI=api://tenant-guid/ConfigMgrService",
    );
  });
  it.each([["siteCode", ""], ["tenantId", "a b"], ["resourceUri", 'x"y']])("refuses %s = %j", (key, value) => {
    expect(() => ccmsetupArguments({ ...base, [key]: value })).toThrow(new RegExp(key));
  });
});

describe("verify report", () => {
  // A report as lab-verify-client.ps1 / lab-verify-site.ps1 print it (their Pester tests pin the
  // format: "VERIFY REPORT <host> (<on>)", "VERIFY <host> <check> PASS|FAIL", "  evidence: <line>").
  it.each<[string, string, StepId]>([
    ["hybrid-join", "DeviceId : 1234  The device object by the given ID (5d2b...) is not found.", "sync-scope"],
    ["registered", "CCM_STS: AAD user with ID 0f3c... and SID S-1-5-21-1-2-3-1105 is not completely discovered", "ad-user-discovery"],
    ["cmg-route", "Failed to get ConfigMgr token with Azure AD token. Status code is '403' and status description is 'CMGConnector_Un-authorizedrequest'.", "ad-user-discovery"],
    ["registered", "[CCMHTTP] ERROR INFO: StatusCode=0 WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA", "cmg-certificate"],
  ])("a failed %s check with its evidence is diagnosed as the missed step", (check, evidence, step) => {
    const report = [
      "VERIFY REPORT WIN11-01 (client)",
      `VERIFY WIN11-01 cmg-route ${check !== "cmg-route" ? "PASS" : "FAIL"}`,
      `VERIFY WIN11-01 ${check} FAIL`,
      `  evidence: ${evidence}`,
    ].join("\n");
    const findings = diagnoseText(report);
    expect(findings.map((f) => f.step)).toContain(step);
  });

  it("a passing report gives no finding", () => {
    const lines: string[] = [];
    for (const on of ["site", "client"] as const) {
      lines.push(`VERIFY REPORT H (${on})`);
      for (const c of VERIFY_CHECKS.filter((x) => x.on === on)) lines.push(`VERIFY H ${c.id} PASS`);
    }
    expect(diagnoseText(lines.join("\n"))).toEqual([]);
  });

  it("prints the command that reads a report back", () => {
    expect(verifyReportCommand("rg-x", "vm-y", "verify-site")).toBe(
      'az vm run-command show --resource-group rg-x --vm-name vm-y --run-command-name verify-site --instance-view --query "instanceView.[output, error]" -o tsv',
    );
  });
});
void path;

describe("internet-side and intranet-side clients", () => {
  it("makes only internet-side clients internet-only, in the install and in the verify checks", async () => {
    const { evaluateLab: evaluate } = await import("../scripts/cli/offline/evaluate");
    const { sampleConfig: sample } = await import("./support/sample-config");
    const lab = await evaluate(
      sample({
        clients: [
          { name: "win11-01", os: "windows-11", network: "internet", pki: false, vmSize: "Standard_B2ms" },
          { name: "win11-02", os: "windows-11", network: "intranet", pki: false, vmSize: "Standard_B2ms" },
        ],
      }),
    );
    const param = (name: string, key: string): string => {
      const r = lab.resources.find((x) => x.name === name);
      return r ? String(sentParameters(r, "parameters")[key]) : "";
    };
    expect(param("win11-01-client-agent-command", "InternetOnly")).toBe("1");
    expect(param("win11-01-client-agent-command", "CcmsetupArguments")).toContain("CCMALWAYSINF=1");
    expect(param("win11-02-client-agent-command", "InternetOnly")).toBe("0");
    expect(param("win11-02-client-agent-command", "CcmsetupArguments")).not.toContain("CCMALWAYSINF");
    expect(param("win11-02-client-agent-command", "CcmsetupArguments")).toMatch(/\/mp:http:\/\/CM01\./i);
    expect(param("verify-win11-01-command", "InternetOnly")).toBe("1");
    expect(param("verify-win11-02-command", "InternetOnly")).toBe("0");
    // Each client is checked against the tenant the site's CMG uses (the one ccmsetup gets as AADTENANTID).
    const tenant = param("cmg-create-command", "TenantId");
    expect(tenant).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const client of ["win11-01", "win11-02"]) {
      expect(param(`verify-${client}-command`, "TenantId")).toBe(tenant);
      expect(param(`${client}-client-agent-command`, "CcmsetupArguments")).toContain(`AADTENANTID=${tenant}`);
    }
  });
});
