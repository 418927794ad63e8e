import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseTextDetailed, matchLine, type Diagnosis } from "../stacks/diagnosis/diagnose";
import type { StepId } from "../stacks/model/runbook";
import { SIGNATURES } from "../stacks/diagnosis/signatures";
import { errorView } from "./support/run-command-error";

/**
 * The lab's own verdict on a device joined to another tenant. scripts/vm/lab-verify-client.ps1
 * (verify step, on each client) prints `VERIFY <host> tenant PASS|FAIL`; on FAIL, the tenant seen
 * next to the expected one and a "likely:" line with the hint of Get-DsregMissedStep
 * (scripts/vm/lib/dsreg.ps1). wait-hybrid-join.ps1 (device-registration step) ends its timeout
 * with the same hint. The inputs below are built from the scripts' own format strings, quoted with
 * the file and line they come from (line numbers as of this writing); the first tests read the
 * scripts and fail when a quote is no longer in them, so a change of wording shows up here instead
 * of silently breaking the diagnosis.
 */
const VM = resolve(__dirname, "..", "scripts", "vm");
const FILES = {
  "lab-verify-client.ps1": resolve(VM, "lab-verify-client.ps1"),
  "lib/dsreg.ps1": resolve(VM, "lib", "dsreg.ps1"),
  "wait-hybrid-join.ps1": resolve(VM, "wait-hybrid-join.ps1"),
  "tests/lab-verify-client.Tests.ps1": resolve(VM, "tests", "lab-verify-client.Tests.ps1"),
} as const;
type QuotedFile = keyof typeof FILES;

// lib/dsreg.ps1:62, the near miss: the SCP names a tenant Entra ID does not know (another cause).
const TENANT_NOT_FOUND_HINT = "the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)";
// lib/dsreg.ps1:61, a device that cannot read the SCP (not joined at all).
const SCP_UNREADABLE_HINT = "the device cannot read the Service Connection Point (step hybrid-join-scp)";
// lib/dsreg.ps1:64, the device object not synced (not joined at all).
const NOT_SYNCED_HINT =
  "the device object is not in Entra ID: the Workstations OU is not in the Entra Connect sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)";
// lab-verify-client.ps1:57, what the tenant line shows for a device without a TenantId.
const NONE_SEEN = "(none: not Entra joined)";

/** [file, line, text that must appear verbatim in the file]. */
const QUOTED: readonly (readonly [QuotedFile, string, string])[] = [
  ["lab-verify-client.ps1", ":38", 'Write-Error -Message "lab-verify-client failed: $_" -ErrorAction Continue'],
  ["lab-verify-client.ps1", ":51", "return ((Get-Field -Fields (Get-DsregFields) -Name 'TenantId') -eq $TenantId)"],
  ["lab-verify-client.ps1", ":57", `if (-not $seen) { $seen = '${NONE_SEEN}' }`],
  ["lab-verify-client.ps1", ":59", '"TenantId : $seen (expected $TenantId)"'],
  ["lab-verify-client.ps1", ":60", '"likely: $((Get-DsregMissedStep -Fields $f -TenantId $TenantId).Hint)"'],
  ["lab-verify-client.ps1", ":109", "@('hybrid-join', 'tenant', 'cmg-route', 'registered')"],
  ["lab-verify-client.ps1", ":120", '$report = @("VERIFY REPORT $env:COMPUTERNAME (client)")'],
  ["lab-verify-client.ps1", ":122", "$report += \"VERIFY $($env:COMPUTERNAME) $id $(if ($passed[$id]) { 'PASS' } else { 'FAIL' })\""],
  ["lab-verify-client.ps1", ":127", "'AzureAdJoined|DomainJoined|TenantId|Error|0x8|found|FAIL|AADSTS'"],
  ["lab-verify-client.ps1", ":132", 'foreach ($line in $evidence) { $report += "  evidence: $($line.Trim())" }'],
  ["lab-verify-client.ps1", ":136", 'throw "verify failed on $($env:COMPUTERNAME): see the FAIL lines above"'],
  [
    "lib/dsreg.ps1",
    ":58",
    "if ($TenantId -and ((Get-Field -Fields $Fields -Name 'AzureAdJoined') -eq 'YES') -and ((Get-Field -Fields $Fields -Name 'TenantId') -ne $TenantId)) {",
  ],
  ["lib/dsreg.ps1", ":59", "-Hint \"joined to another tenant than $($TenantId): the SCP's azureADId is wrong (step hybrid-join-scp)\""],
  ["lib/dsreg.ps1", ":61", `-Hint '${SCP_UNREADABLE_HINT}'`],
  ["lib/dsreg.ps1", ":62", `-Hint '${TENANT_NOT_FOUND_HINT}'`],
  ["lib/dsreg.ps1", ":64", `-Hint '${NOT_SYNCED_HINT}'`],
  ["wait-hybrid-join.ps1", ":29", 'Write-Error -Message "wait-hybrid-join failed: $_" -ErrorAction Continue'],
  ["wait-hybrid-join.ps1", ":60", `ForEach-Object { "$_=$($f[$_])" }) -join ', '`],
  ["wait-hybrid-join.ps1", ":61", 'throw "not hybrid joined after $WaitMinutes minutes ($seen). Likely: $((Get-DsregMissedStep -Fields $f -TenantId $TenantId).Hint)"'],
  // The script's Pester test pins the whole failed tenant check for one client (control below).
  ["tests/lab-verify-client.Tests.ps1", ":98", '$r.Output[$i + 1] | Should -Be "  evidence: TenantId : $OtherTenant (expected 72f988bf-86f1-41af-91ab-2d7cd011db47)"'],
  [
    "tests/lab-verify-client.Tests.ps1",
    ":99",
    "$r.Output[$i + 2] | Should -Be \"  evidence: likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)\"",
  ],
];

const LAB_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "aaaabbbb-0000-cccc-1111-dddd2222eeee";

/** dsreg.ps1:59, the hint for a device joined to another tenant (the id as the parameter was given). */
function wrongTenantHint(expected: string): string {
  return `joined to another tenant than ${expected}: the SCP's azureADId is wrong (step hybrid-join-scp)`;
}

/** lab-verify-client.ps1:54-61, the tenant check's evidence. */
function tenantEvidence(seen: string, expected: string, hint: string): string[] {
  return [`TenantId : ${seen === "" ? NONE_SEEN : seen} (expected ${expected})`, `likely: ${hint}`];
}

type Check = readonly [id: string, passed: boolean, evidence?: readonly string[]];

/** lab-verify-client.ps1:120-135, one client's report (evidence trimmed and indented, line 132). */
function report(host: string, checks: readonly Check[]): string[] {
  const out = [`VERIFY REPORT ${host} (client)`];
  for (const [id, passed, evidence = []] of checks) {
    out.push(`VERIFY ${host} ${id} ${passed ? "PASS" : "FAIL"}`);
    if (!passed) for (const line of evidence) out.push(`  evidence: ${line.trim()}`);
  }
  return out;
}


/** Lines 136 and 38: the trap's message for a failed report. */
function verifyFailed(host: string): string {
  return `lab-verify-client failed: verify failed on ${host}: see the FAIL lines above`;
}

/** The report of an internet-side client joined to another tenant (lab-verify-client.Tests.ps1:89-101). */
function wrongTenantReport(host: string, seen = OTHER_TENANT, expected = LAB_TENANT): string[] {
  return report(host, [
    ["hybrid-join", true],
    ["tenant", false, tenantEvidence(seen, expected, wrongTenantHint(expected))],
    ["cmg-route", true],
    ["registered", true],
  ]);
}

/** The hybrid-join check's evidence (line 127) for dsreg-samples.ps1's Get-DsregNotSyncedText. */
const NOT_SYNCED_DSREG = [
  "             AzureAdJoined : NO",
  "              DomainJoined : YES",
  "     Diagnostics Reference : www.microsoft.com/aadjerrors",
  "               Error Phase : join",
  "          Client ErrorCode : 0x801c03f2",
  "          Server ErrorCode : DirectoryError",
  "            Server Message : The device object by the given ID (11bb11bb-cc22-dd33-ee44-55ff55ff55ff) is not found.",
];

/** The same for Get-DsregScpMissingText. */
const SCP_MISSING_DSREG = [
  "             AzureAdJoined : NO",
  "              DomainJoined : YES",
  "     Diagnostics Reference : www.microsoft.com/aadjerrors",
  "     AD Configuration Test : FAIL [0x801c001d]",
  "               Error Phase : discover",
  "          Client ErrorCode : 0x801c001d",
];

const SIGNATURE = "verify-joined-other-tenant";
const WRONG_TENANT = SIGNATURES.find((s) => s.id === SIGNATURE);

function summary(d: Diagnosis): { findings: [string, StepId, string][]; superseded: string[]; withheld: string[] } {
  return {
    findings: d.findings.map((f) => [f.signature, f.step, f.confidence]),
    superseded: d.superseded.map((f) => f.signature).sort(),
    withheld: d.withheld.map((f) => f.signature).sort(),
  };
}

/** Every signature id a diagnosis mentions, reported or not. */
function everySignal(d: Diagnosis): string[] {
  return [...d.findings, ...d.superseded, ...d.withheld].flatMap((f) => f.signals);
}

describe("the scripts' wording, as the tests below quote it", () => {
  const text = Object.fromEntries(Object.entries(FILES).map(([k, path]) => [k, readFileSync(path, "utf8")])) as Record<QuotedFile, string>;
  it.each(QUOTED.map(([file, line, quote]) => [file, line, quote]))("%s%s still says: %s", (file, _line, quote) => {
    expect(text[file as QuotedFile]).toContain(quote);
  });

  it("the report built here is the one the script's Pester test expects (control)", () => {
    const lines = wrongTenantReport("CM01");
    const i = lines.indexOf("VERIFY CM01 tenant FAIL");
    expect(i).toBe(2);
    expect(lines[i + 1]).toBe(`  evidence: TenantId : ${OTHER_TENANT} (expected 72f988bf-86f1-41af-91ab-2d7cd011db47)`);
    expect(lines[i + 2]).toBe(
      "  evidence: likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)",
    );
    expect(report("CM01", [["tenant", false, tenantEvidence("", LAB_TENANT, NOT_SYNCED_HINT)]])).toEqual([
      "VERIFY REPORT CM01 (client)",
      "VERIFY CM01 tenant FAIL",
      `  evidence: TenantId : (none: not Entra joined) (expected ${LAB_TENANT})`,
      `  evidence: likely: ${NOT_SYNCED_HINT}`,
    ]);
  });
});

describe("a device joined to another tenant names hybrid-join-scp", () => {
  it("is a signature of the hybrid-join family, high confidence, no context needed", () => {
    expect(WRONG_TENANT).toBeDefined();
    expect(WRONG_TENANT).toMatchObject({ step: "hybrid-join-scp", group: "device-join" });
    expect(WRONG_TENANT?.weak).toBeUndefined();
    expect(WRONG_TENANT?.context).toBeUndefined();
  });

  it.each([
    ["the hint alone", wrongTenantHint(LAB_TENANT)],
    ["the likely line", `likely: ${wrongTenantHint(LAB_TENANT)}`],
    ["the report's evidence line", `  evidence: likely: ${wrongTenantHint(LAB_TENANT)}`],
    ["an expected id passed in upper case", `  evidence: likely: ${wrongTenantHint(LAB_TENANT.toUpperCase())}`],
  ])("%s -> hybrid-join-scp, high, and nothing else", (_name, line) => {
    expect(matchLine(line).map((m) => [m.signature.id, m.step])).toEqual([[SIGNATURE, "hybrid-join-scp"]]);
    const d = diagnoseTextDetailed(line);
    expect(summary(d)).toEqual({ findings: [[SIGNATURE, "hybrid-join-scp", "high"]], superseded: [], withheld: [] });
    expect(d.findings[0]?.line).toBe(line.trim());
  });

  it("inside a full failed verify report: one finding, at the likely line, nothing else", () => {
    const text = [...wrongTenantReport("CM01"), ...errorView(verifyFailed("CM01"))].join("\r\n");
    const d = diagnoseTextDetailed(text, { file: "verify-cm01.txt" });
    expect(summary(d)).toEqual({ findings: [[SIGNATURE, "hybrid-join-scp", "high"]], superseded: [], withheld: [] });
    expect(d.findings[0]).toMatchObject({ lineNumber: 5, count: 1, file: "verify-cm01.txt" });
    expect(d.findings[0]?.line).toBe(`evidence: likely: ${wrongTenantHint(LAB_TENANT)}`);
    expect(d.findings[0]?.cause).toMatch(/another tenant/);
    expect(d.findings[0]?.fix).toMatch(/cmg-lab:tenant/);
    expect(d.findings[0]?.fix).toMatch(/dsregcmd \/leave/);
  });

  it("two clients joined to another tenant: one finding counting both", () => {
    const text = [...wrongTenantReport("CM01"), ...wrongTenantReport("WIN11-02"), ...errorView(verifyFailed("WIN11-02"))].join("\n");
    const d = diagnoseTextDetailed(text);
    expect(summary(d)).toEqual({ findings: [[SIGNATURE, "hybrid-join-scp", "high"]], superseded: [], withheld: [] });
    expect(d.findings[0]).toMatchObject({ lineNumber: 5, count: 2 });
  });

  it("wait-hybrid-join.ps1's timeout (device-registration step) carries the same hint", () => {
    const seen = ["AzureAdJoined=YES", "DomainJoined=YES", "DeviceId=00aa00aa-bb11-cc22-dd33-44ee44ee44ee", `TenantId=${OTHER_TENANT}`].join(", ");
    const message = `wait-hybrid-join failed: not hybrid joined after 60 minutes (${seen}). Likely: ${wrongTenantHint(LAB_TENANT)}`;
    const d = diagnoseTextDetailed(["Starting Automatic-Device-Join", ...errorView(message)].join("\n"));
    expect(summary(d)).toEqual({ findings: [[SIGNATURE, "hybrid-join-scp", "high"]], superseded: [], withheld: [] });
    expect(d.findings[0]?.lineNumber).toBe(2);
  });
});

describe("lines and reports that are not a device joined to another tenant", () => {
  it.each([
    // The check's own lines say pass or fail, not why: a device not joined fails it too.
    "VERIFY CM01 tenant PASS",
    "VERIFY CM01 tenant FAIL",
    "VERIFY REPORT CM01 (client)",
    `  evidence: TenantId : ${NONE_SEEN} (expected ${LAB_TENANT})`,
    `TenantId : ${LAB_TENANT} (expected ${LAB_TENANT})`,
    // The other hints of the library, in the report's form.
    `  evidence: likely: ${NOT_SYNCED_HINT}`,
    `  evidence: likely: ${TENANT_NOT_FOUND_HINT}`,
    // Not what the library prints: a tenant name instead of the id, the hint cut short, or reworded.
    "joined to another tenant than contoso.onmicrosoft.com: the SCP's azureADId is wrong (step hybrid-join-scp)",
    `joined to another tenant than ${LAB_TENANT}`,
    `joined to another tenant than ${LAB_TENANT}: the SCP's azureADName is wrong (step hybrid-join-scp)`,
    "the device joined another tenant",
  ])("%s: not a wrong tenant", (line) => {
    expect(matchLine(line).map((m) => m.signature.id)).not.toContain(SIGNATURE);
    // The pattern itself, not only the pre-filter, needs the hint's exact words.
    expect(WRONG_TENANT?.pattern.test(line)).toBe(false);
    expect(everySignal(diagnoseTextDetailed(line))).not.toContain(SIGNATURE);
  });

  it("a passing report gives nothing", () => {
    const text = report("CM01", [
      ["hybrid-join", true],
      ["tenant", true],
      ["cmg-route", true],
      ["registered", true],
    ]).join("\n");
    expect(summary(diagnoseTextDetailed(text))).toEqual({ findings: [], superseded: [], withheld: [] });
  });

  it("a device not Entra joined (TenantId none, not synced): the dsregcmd evidence names sync-scope, not a wrong tenant", () => {
    const text = [
      ...report("CM01", [
        ["hybrid-join", false, NOT_SYNCED_DSREG],
        ["tenant", false, tenantEvidence("", LAB_TENANT, NOT_SYNCED_HINT)],
        ["cmg-route", true],
        ["registered", true],
      ]),
      ...errorView(verifyFailed("CM01")),
    ].join("\n");
    const d = diagnoseTextDetailed(text);
    expect(summary(d)).toEqual({ findings: [["dsreg-device-object-not-found", "sync-scope", "high"]], superseded: [], withheld: ["dsreg-directory-failure"] });
    expect(everySignal(d)).not.toContain(SIGNATURE);
  });

  it("a device not Entra joined because it cannot read the SCP: hybrid-join-scp by the SCP's own signature, not a wrong tenant", () => {
    const text = report("CM01", [
      ["hybrid-join", false, SCP_MISSING_DSREG],
      ["tenant", false, tenantEvidence("", LAB_TENANT, SCP_UNREADABLE_HINT)],
      ["registered", true],
    ]).join("\n");
    const d = diagnoseTextDetailed(text);
    expect(summary(d)).toEqual({ findings: [["dsreg-scp-read-failed", "hybrid-join-scp", "high"]], superseded: [], withheld: [] });
    expect(everySignal(d)).not.toContain(SIGNATURE);
  });
});
