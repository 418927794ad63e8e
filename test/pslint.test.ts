import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkRunCommandContract,
  initPsLint,
  isSecretParameterName,
  lintScript,
  loadCatalog,
  parseCatalogFile,
  type RuleId,
} from "../scripts/cli/pslint";

const FIXTURES = join(__dirname, "fixtures", "ps");
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

beforeAll(async () => {
  await initPsLint();
});

describe("pslint rules on fixtures", () => {
  it("passes the good fixture on every rule", () => {
    expect(lintScript("good.ps1", fixture("good.ps1"))).toEqual([]);
  });

  // Each bad fixture is good.ps1 with one defect; it must fail on exactly that rule.
  const cases: [string, RuleId][] = [
    ["bad-syntax.ps1", "syntax"],
    ["bad-unknown-cmdlet.ps1", "unknown-cmdlet"],
    ["bad-unconfirmed-cmdlet.ps1", "unconfirmed-cmdlet"],
    ["bad-unknown-parameter.ps1", "unknown-parameter"],
    ["bad-abbreviated-parameter.ps1", "abbreviated-parameter"],
    ["bad-splat.ps1", "abbreviated-parameter"],
    ["bad-pipeline-scope.ps1", "pipeline-scope"],
    ["bad-error-action.ps1", "error-action"],
    ["bad-exit.ps1", "exit-on-failure"],
    ["bad-idempotence-no-test.ps1", "idempotence"],
    ["bad-idempotence-unguarded.ps1", "idempotence"],
    ["bad-idempotence-no-readback.ps1", "idempotence"],
    ["bad-secret-echo.ps1", "secret-leak"],
    ["bad-secret-file.ps1", "secret-leak"],
    ["bad-secret-cmdline.ps1", "secret-leak"],
    ["bad-nondeterministic.ps1", "non-deterministic"],
  ];
  it.each(cases)("%s fails on %s and nothing else", (file, rule) => {
    const problems = lintScript(file, fixture(file));
    expect(problems.length).toBeGreaterThan(0);
    expect([...new Set(problems.map((p) => p.rule))]).toEqual([rule]);
    for (const p of problems) {
      expect(p.file).toBe(file);
      expect(p.line).toBeGreaterThan(0);
      expect(p.column).toBeGreaterThan(0);
    }
  });

  it("has a case for every fixture on disk", () => {
    const onDisk = readdirSync(FIXTURES).filter((f) => f.endsWith(".ps1")).sort();
    expect(onDisk).toEqual(["good.ps1", ...cases.map(([f]) => f)].sort());
  });

  it("points at the offending token", () => {
    const [p] = lintScript("x.ps1", fixture("bad-unknown-parameter.ps1"));
    expect(p?.message).toContain("-DeltaDiscoveryMinutesX");
    const line = fixture("bad-unknown-parameter.ps1").split("\n")[(p?.line ?? 1) - 1] ?? "";
    expect(line.slice((p?.column ?? 1) - 1)).toMatch(/^-DeltaDiscoveryMinutesX/);
  });

  it("accepts documented aliases and full common parameters, rejects short common aliases", () => {
    const base = fixture("good.ps1");
    const withAlias = base.replace("-DeltaDiscoveryMins 5", "-DeltaDiscoveryIntervalMinutes 5 -Verbose");
    expect(lintScript("a.ps1", withAlias)).toEqual([]);
    const withShort = base.replace("Invoke-CMUserDiscovery -SiteCode $SiteCode", "Invoke-CMUserDiscovery -SiteCode $SiteCode -ea Stop");
    expect(lintScript("b.ps1", withShort).map((p) => p.rule)).toEqual(["abbreviated-parameter"]);
  });

  it("treats piping into ConvertTo-SecureString as safe and a try/catch as an exit convention", () => {
    const text = [
      "param([string] $ServiceToken)",
      "$ErrorActionPreference = 'Stop'",
      "function Test-Ready { return $true }",
      "try {",
      "    $secure = $ServiceToken | ConvertTo-SecureString -AsPlainText -Force",
      "    if (-not (Test-Ready)) {",
      "        New-Item -Path 'C:\\lab' -ItemType Directory | Out-Null",
      "    }",
      "    if (-not (Test-Ready)) { throw 'still not ready' }",
      "} catch {",
      "    Write-Error $_ -ErrorAction Continue",
      "    exit 1",
      "}",
      "exit 0",
      "",
    ].join("\n");
    expect(lintScript("t.ps1", text)).toEqual([]);
  });
});

describe("splatted hashtables and run-time probes", () => {
  // A minimal script that passes every other rule; only the New-CMCloudManagementGateway call varies.
  const script = (body: string[]): string =>
    [
      "param([string] $Name)",
      "$ErrorActionPreference = 'Stop'",
      "function Test-Created {",
      "    param([string] $ServiceName)",
      "    return ($null -ne (Get-CMCloudManagementGateway -Name $ServiceName))",
      "}",
      "try {",
      "    if (-not (Test-Created -ServiceName $Name)) {",
      ...body.map((l) => `        ${l}`),
      "    }",
      "    if (-not (Test-Created -ServiceName $Name)) { throw 'not created' }",
      "} catch {",
      "    Write-Error $_ -ErrorAction Continue",
      "    exit 1",
      "}",
      "exit 0",
      "",
    ].join("\n");
  const rules = (body: string[]): string[] => lintScript("t.ps1", script(body)).map((p) => p.rule);

  it("checks keys added to a splatted hashtable by name after its literal", () => {
    expect(rules(["$create = @{ ServiceName = $Name }", "$create['VMInstanceCount'] = 1", "$create.Force = $true", "New-CMCloudManagementGateway @create"])).toEqual([]);
    expect(rules(["$create = @{ ServiceName = $Name }", "$create['VmCount'] = 1", "New-CMCloudManagementGateway @create"])).toEqual(["unknown-parameter"]);
    expect(rules(["$create = @{ ServiceName = $Name }", "$create.VMInstance = 1", "New-CMCloudManagementGateway @create"])).toEqual(["abbreviated-parameter"]);
  });

  it("cannot check a key added under a computed name, by +=, or by a method", () => {
    expect(rules(["$key = 'Force'", "$create = @{ ServiceName = $Name }", "$create[$key] = $true", "New-CMCloudManagementGateway @create"])).toEqual(["splat-unverified"]);
    expect(rules(["$create = @{ ServiceName = $Name }", "$create += @{ Bogus = 1 }", "New-CMCloudManagementGateway @create"])).toEqual(["splat-unverified"]);
    expect(rules(["$create = @{ ServiceName = $Name }", "$create.Add('Bogus', 1)", "New-CMCloudManagementGateway @create"])).toEqual(["splat-unverified"]);
  });

  it("checks a key added through a scope-qualified name", () => {
    expect(rules(["$create = @{ ServiceName = $Name }", "$script:create['VmCount'] = 1", "New-CMCloudManagementGateway @create"])).toEqual(["unknown-parameter"]);
    expect(rules(["$create = @{ ServiceName = $Name }", "$script:create['Force'] = $true", "New-CMCloudManagementGateway @create"])).toEqual([]);
  });

  it("ignores keys added after the call, and keys added before the literal that replaced them", () => {
    expect(rules(["$create = @{ Bogus = 1 }", "$create = @{ ServiceName = $Name }", "New-CMCloudManagementGateway @create", "$create['Bogus'] = 1"])).toEqual([]);
  });

  it("allows an unconfirmed parameter only when the script probes the installed cmdlet for it", () => {
    const use = ["$create = @{ ServiceName = $Name }", "$create['VMSSVMSize'] = 'Standard_B2s'", "New-CMCloudManagementGateway @create"];
    expect(rules(use)).toEqual(["unconfirmed-parameter"]);
    expect(lintScript("t.ps1", script(use))[0]?.message).toContain("(Get-Command -Name New-CMCloudManagementGateway).Parameters['VMSSVMSize']");
    const probe = "$size = (Get-Command -Name New-CMCloudManagementGateway).Parameters['VMSSVMSize']";
    expect(rules([probe, ...use])).toEqual([]);
    expect(rules([probe, "New-CMCloudManagementGateway -ServiceName $Name -VMSSVMSize 'Standard_B2s'"])).toEqual([]);
    // The same probe through a variable holding the command; not through one holding another cmdlet.
    expect(rules(["$command = Get-Command -Name New-CMCloudManagementGateway", "$size = $command.Parameters['VMSSVMSize']", ...use])).toEqual([]);
    expect(rules(["$command = Get-Command -Name Get-CMCloudManagementGateway", "$size = $command.Parameters['VMSSVMSize']", ...use])).toEqual(["unconfirmed-parameter"]);
    // A probe of another parameter, or one inside a comment, does not count.
    expect(rules(["$v = (Get-Command -Name New-CMCloudManagementGateway).Parameters['Version']", ...use])).toEqual(["unconfirmed-parameter"]);
    expect(rules([`# ${probe}`, ...use])).toEqual(["unconfirmed-parameter"]);
  });
});

describe("checkRunCommandContract", () => {
  const good = fixture("good.ps1");
  const ok = { parameters: ["SiteCode", "UsersOuDn"], protectedParameters: ["AdminPassword"] };

  it("accepts exactly matching names", () => {
    expect(checkRunCommandContract("good.ps1", good, ok)).toEqual([]);
  });

  const table: [string, { parameters: string[]; protectedParameters: string[] }, RegExp][] = [
    ["a name the script does not declare", { ...ok, parameters: [...ok.parameters, "Extra"] }, /passes Extra but the script's param\(\) block does not declare it/],
    ["a declared name not passed", { ...ok, parameters: ["SiteCode"] }, /declares \$UsersOuDn but the run command does not pass it/],
    ["a case mismatch", { ...ok, parameters: ["sitecode", "UsersOuDn"] }, /passes sitecode but the script declares \$SiteCode/],
    ["a name in both lists", { parameters: [...ok.parameters, "AdminPassword"], protectedParameters: ["AdminPassword"] }, /both as a parameter and as a protected parameter/],
    ["a secret in plain parameters", { parameters: [...ok.parameters, "AdminPassword"], protectedParameters: [] }, /AdminPassword is named as a secret but passed in parameters/],
    ["a non-secret in protectedParameters", { parameters: ["SiteCode"], protectedParameters: ["AdminPassword", "UsersOuDn"] }, /UsersOuDn is passed in protectedParameters but its name does not mark it as a secret/],
  ];
  it.each(table)("rejects %s", (_what, inputs, message) => {
    const problems = checkRunCommandContract("good.ps1", good, inputs);
    expect(problems.map((p) => p.message).join("\n")).toMatch(message);
    expect(problems.every((p) => p.line === 6 && p.column === 1)).toBe(true); // the param() block
  });

  it("rejects parameters passed to a script without a param() block", () => {
    const problems = checkRunCommandContract("x.ps1", "$ErrorActionPreference = 'Stop'\n", { parameters: ["A"], protectedParameters: [] });
    expect(problems.map((p) => p.rule)).toEqual(["contract"]);
  });
});

describe("isSecretParameterName", () => {
  it.each([
    ["AdminPassword", true], ["Password", true], ["ServerAppSecret", true], ["CmgPfx", true],
    ["CmgPfxBase64", true], ["StorageKey", true], ["BulkRegistrationToken", true], ["$AdminPassword", true],
    ["SecretKeyExpiry", false], ["SiteCode", false], ["Monkey", false], ["KeyVaultName", false], ["TenantId", false],
  ])("%s -> %s", (name, secret) => {
    expect(isSecretParameterName(name)).toBe(secret);
  });
});

describe("cmdlet catalog", () => {
  const catalog = loadCatalog();

  it("loads, and every cmdlet names its Microsoft documentation page", () => {
    expect(catalog.cmdlets.size).toBeGreaterThan(50);
    for (const c of catalog.cmdlets.values()) expect(c.doc).toMatch(/^https:\/\/learn\.microsoft\.com\//);
  });

  it("covers the cmdlets the lab plans to use (catalogued, or explicitly unconfirmed)", () => {
    const planned = [
      "Set-CMSite", "Set-CMDiscoveryMethod", "Invoke-CMUserDiscovery", "Invoke-CMSystemDiscovery",
      "Import-CMAADServerApplication", "Import-CMAADClientApplication", "Get-CMAADApplication",
      "New-CMCloudManagementAzureService", "Set-CMCloudManagementAzureService", "Get-CMCloudManagementAzureService",
      "New-CMCloudManagementGateway", "Get-CMCloudManagementGateway", "Add-CMCloudManagementGatewayConnectionPoint",
      "Get-CMCloudManagementGatewayConnectionPoint", "Set-CMManagementPoint", "Get-CMManagementPoint", "Get-CMSite",
      "Get-CMDiscoveryMethod", "Set-CMClientSettingCloudService", "New-CMSchedule", "Get-CMUser", "Get-CMDevice",
      "Get-ADSyncConnector", "Add-ADSyncConnector", "Start-ADSyncSyncCycle", "Get-ADSyncScheduler",
      "Set-ADSyncScheduler", "Get-ADSyncConnectorRunStatus", "Get-ADObject", "New-ADObject", "Set-ADObject",
      "Get-ADOrganizationalUnit", "New-ADOrganizationalUnit", "Get-ADUser", "New-ADUser", "Set-ADUser",
      "Get-ADDomain", "Get-ADForest", "Get-ADComputer", "Add-ADGroupMember", "Get-ADGroup", "New-ADGroup",
      "Get-ADRootDSE", "Install-ADDSForest", "Install-AdcsCertificationAuthority", "Get-DnsServerForwarder",
      "Set-DnsServerForwarder", "Add-DnsServerForwarder", "Install-WindowsFeature", "Get-WindowsFeature",
      "Get-Certificate", "New-SelfSignedCertificate", "Export-PfxCertificate", "Import-PfxCertificate",
      "Start-ScheduledTask", "Get-ScheduledTask",
    ];
    const missing = planned.filter((c) => !catalog.cmdlets.has(c.toLowerCase()) && !catalog.unconfirmedCmdlets.has(c.toLowerCase()));
    expect(missing).toEqual([]);
  });

  it.each([
    ["not JSON", "{", /invalid JSON/],
    ["a parameter written with its dash", JSON.stringify({ module: "M", cmdlets: { "Get-X": { doc: "https://learn.microsoft.com/x", parameters: ["-Name"] } } }), /not a bare parameter name/],
    ["a doc outside learn.microsoft.com", JSON.stringify({ module: "M", cmdlets: { "Get-X": { doc: "https://example.com", parameters: [] } } }), /learn\.microsoft\.com URL/],
    ["an alias to an unlisted parameter", JSON.stringify({ module: "M", cmdlets: { "Get-X": { doc: "https://learn.microsoft.com/x", parameters: ["Name"], aliases: { N: "Nom" } } } }), /not a listed parameter/],
  ])("rejects a catalog file with %s", (_what, text, message) => {
    expect(() => parseCatalogFile("t.json", text)).toThrow(message);
  });
});

describe("lint:scripts CLI", () => {
  const tsx = join(__dirname, "..", "node_modules", ".bin", "tsx");
  const cli = join(__dirname, "..", "scripts", "cli", "lint-scripts.ts");

  it("prints file:line:col: rule: message and exits 1 on a problem, exits 0 with a summary otherwise", () => {
    const bad = spawnSync(tsx, [cli, join(FIXTURES, "bad-syntax.ps1")], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^test\/fixtures\/ps\/bad-syntax\.ps1:\d+:\d+: syntax: /m);
    const good = spawnSync(tsx, [cli, join(FIXTURES, "good.ps1")], { encoding: "utf8" });
    expect(good.status).toBe(0);
    expect(good.stdout.trim().split("\n")).toHaveLength(1);
    expect(good.stdout).toMatch(/pslint: 1 script\(s\) checked, no problems/);
  });
});
