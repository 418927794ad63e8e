import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseTextDetailed, matchLine, type Diagnosis } from "../stacks/diagnosis/diagnose";
import type { StepId } from "../stacks/model/runbook";
import { SIGNATURES } from "../stacks/diagnosis/signatures";
import { errorView } from "./support/run-command-error";

/**
 * The lab's own verdict. scripts/vm/check-user-discovery.ps1 (run by the aad-user-discovery and
 * verify steps with -Require both; -Require entra is tested too) ends a failed run with
 * "missed step: <step> (<why>)", or "missed steps: ..." for both sides. The inputs below are built
 * from the script's own format strings, quoted with the script line they come from (line numbers
 * as of this writing); the first test reads the script and fails when a quote is no longer in it,
 * so a change of the script's wording shows up here instead of silently breaking the diagnosis.
 */
const SCRIPT = resolve(__dirname, "..", "scripts", "vm", "check-user-discovery.ps1");

// check-user-discovery.ps1:90, the AD side's Text (Field SID, Step ad-user-discovery).
const AD_TEXT =
  'Active Directory user discovery left SID empty: CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log';
// check-user-discovery.ps1:91, the Entra side's Text (Field AADUserID, Step aad-user-discovery).
const AAD_TEXT = "Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log";
// check-user-discovery.ps1:100, the failure when each side is in its own record (names no step).
const SEPARATE_RECORDS =
  "no single record has both sides: the two discoveries made separate records (check that the user is synced by Entra Connect)";

/** [script line, text that must appear verbatim in the script]. */
const QUOTED: readonly (readonly [string, string])[] = [
  [":37", 'Write-Error -Message "check-user-discovery failed: $_"'],
  [":90", `Field = 'SID'; Step = 'ad-user-discovery'; Text = '${AD_TEXT}'`],
  [":91", `Field = 'AADUserID'; Step = 'aad-user-discovery'; Text = '${AAD_TEXT}'`],
  [":98", '$missed += "$($side.Step) ($($side.Text))"'],
  [":100", `return '${SEPARATE_RECORDS}'`],
  [":101", "$label = if ($missed.Count -eq 1) { 'missed step' } else { 'missed steps' }"],
  [":102", "return \"$($label): $($missed -join '; ')\""],
  [":111", "Write-Output \"no ConfigMgr user record matches '$Name'\""],
  [":114", "$missing += 'SID (ad-user-discovery)'"],
  [":115", "$missing += 'AADUserID (aad-user-discovery)'"],
  [":116", "$state = if ($missing.Count -eq 0) { 'complete' } else { \"missing $($missing -join ', ')\" }"],
  [
    ":117",
    'Write-Output "UserName=$($r.UserName); UserPrincipalName=$($r.UserPrincipalName); SID=$($r.SID); AADUserID=$($r.AADUserID); AADTenantID=$($r.AADTenantID); $state"',
  ],
  [":131", "throw \"no ConfigMgr user record matching '$UserName' has the $Require side of discovery after $minutes minutes; $missedText\""],
];

type Side = "ad" | "entra";

/** Lines 98, 101, 102: the missed-step text for the sides no record has, AD first (runbook order). */
function missedStepText(sides: readonly Side[]): string {
  const missed = (["ad", "entra"] as const)
    .filter((s) => sides.includes(s))
    .map((s) => (s === "ad" ? `ad-user-discovery (${AD_TEXT})` : `aad-user-discovery (${AAD_TEXT})`));
  const label = missed.length === 1 ? "missed step" : "missed steps";
  return `${label}: ${missed.join("; ")}`;
}

/** Lines 131 and 37: the message the trap writes for the throw. */
function failure(userName: string, require: "ad" | "entra" | "both", minutes: number, missedText: string): string {
  return `check-user-discovery failed: no ConfigMgr user record matching '${userName}' has the ${require} side of discovery after ${minutes} minutes; ${missedText}`;
}

/** Lines 114 to 117: one record of the report. */
function reportLine(r: { name: string; sid: string; oid: string; tenant: string }): string {
  const missing = [...(r.sid.trim() === "" ? ["SID (ad-user-discovery)"] : []), ...(r.oid.trim() === "" ? ["AADUserID (aad-user-discovery)"] : [])];
  const state = missing.length === 0 ? "complete" : `missing ${missing.join(", ")}`;
  return `UserName=${r.name}; UserPrincipalName=${r.name}@corp.cmglab.example; SID=${r.sid}; AADUserID=${r.oid}; AADTenantID=${r.tenant}; ${state}`;
}

const SID = "S-1-5-21-3623811015-3361044348-30300820-1105";
const OID = "0a1b2c3d-0000-4000-8000-00000000a11c";
const TID = "72f988bf-0000-4000-8000-0000000000aa";


/** Lines of lab-verify-site.ps1's report (format pinned by its Pester test), around the user check. */
const SITE_REPORT = ["VERIFY REPORT PS1SITE (site)", "VERIFY PS1SITE cmg-ready PASS", "VERIFY PS1SITE client-online PASS"];

const QUOTED_CAUSE = ["cmg-token-unauthorized-request", "sts-user-not-completely-discovered"];

/** The two verdict signatures, found by id (their patterns are also tested without the hint pre-filter). */
const VERDICT = ["check-user-discovery-missed-ad", "check-user-discovery-missed-aad"].map((id) => {
  const s = SIGNATURES.find((x) => x.id === id);
  if (!s) throw new Error(`no signature ${id}`);
  return s;
});

function summary(d: Diagnosis): { findings: [string, StepId, string][]; superseded: string[]; withheld: string[] } {
  return {
    findings: d.findings.map((f) => [f.signature, f.step, f.confidence]),
    superseded: d.superseded.map((f) => f.signature).sort(),
    withheld: d.withheld.map((f) => f.signature),
  };
}

describe("check-user-discovery.ps1's wording, as the tests below quote it", () => {
  const script = readFileSync(SCRIPT, "utf8");
  it.each(QUOTED.map(([line, text]) => [line, text]))("check-user-discovery.ps1%s still says: %s", (_line, text) => {
    expect(script).toContain(text);
  });

  it("the quoted verdicts are the ones the script's Pester test expects (control)", () => {
    expect(missedStepText(["ad"])).toBe(`missed step: ad-user-discovery (${AD_TEXT})`);
    expect(missedStepText(["entra", "ad"])).toMatch(/^missed steps: ad-user-discovery \(Active .*\); aad-user-discovery \(Azure AD /);
    expect(reportLine({ name: "alice", sid: "", oid: OID, tenant: TID })).toBe(
      `UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=; AADUserID=${OID}; AADTenantID=${TID}; missing SID (ad-user-discovery)`,
    );
  });
});

describe("the lab's verdict names the missed step", () => {
  const adOnly = failure("*", "both", 30, missedStepText(["ad"]));
  const entraOnly = failure("*", "entra", 30, missedStepText(["entra"]));
  const both = failure("*", "both", 30, missedStepText(["ad", "entra"]));

  it("missed step: ad-user-discovery (SID empty) -> ad-user-discovery, high; the log words it quotes are the same cause", () => {
    for (const text of [missedStepText(["ad"]), adOnly]) {
      expect(summary(diagnoseTextDetailed(text)), text).toEqual({
        findings: [["check-user-discovery-missed-ad", "ad-user-discovery", "high"]],
        superseded: QUOTED_CAUSE,
        withheld: [],
      });
    }
  });

  it("missed step: aad-user-discovery (AADUserID empty) -> aad-user-discovery, high, and nothing else", () => {
    for (const text of [missedStepText(["entra"]), entraOnly, failure("alice", "both", 5, missedStepText(["entra"]))]) {
      expect(summary(diagnoseTextDetailed(text)), text).toEqual({
        findings: [["check-user-discovery-missed-aad", "aad-user-discovery", "high"]],
        superseded: [],
        withheld: [],
      });
    }
  });

  it("missed steps: both -> both steps from one line, in runbook order", () => {
    const d = diagnoseTextDetailed(both);
    expect(summary(d)).toEqual({
      findings: [
        ["check-user-discovery-missed-ad", "ad-user-discovery", "high"],
        ["check-user-discovery-missed-aad", "aad-user-discovery", "high"],
      ],
      superseded: QUOTED_CAUSE,
      withheld: [],
    });
    expect(d.findings.map((f) => f.lineNumber)).toEqual([1, 1]);
  });

  it("inside a full failed verify report: the finding points at the verdict line, not at the record lines", () => {
    const report = [
      ...SITE_REPORT,
      reportLine({ name: "alice", sid: "", oid: OID, tenant: TID }),
      reportLine({ name: "bob", sid: "", oid: "0a1b2c3d-0000-4000-8000-00000000b0b0", tenant: TID }),
      ...errorView(adOnly),
    ].join("\r\n");
    const d = diagnoseTextDetailed(report, { file: "verify-user-discovery.txt" });
    expect(summary(d)).toEqual({ findings: [["check-user-discovery-missed-ad", "ad-user-discovery", "high"]], superseded: QUOTED_CAUSE, withheld: [] });
    expect(d.findings[0]).toMatchObject({ lineNumber: 6, count: 1, file: "verify-user-discovery.txt" });
    expect(d.findings[0]?.line).toContain("missed step: ad-user-discovery (Active Directory user discovery left SID empty");
  });

  it("inside the aad-user-discovery step's failed report, and as `az ... -o tsv` joins output and error with a tab", () => {
    const out = reportLine({ name: "alice", sid: SID, oid: "", tenant: "" });
    const [first, ...rest] = errorView(entraOnly);
    const d = diagnoseTextDetailed([`${out}\t${first}`, ...rest].join("\n"));
    expect(summary(d)).toEqual({ findings: [["check-user-discovery-missed-aad", "aad-user-discovery", "high"]], superseded: [], withheld: [] });
    expect(d.findings[0]?.lineNumber).toBe(1);
  });

  it("every signature a verdict line matches points at a step the verdict names", () => {
    const cases: [string, StepId[]][] = [
      [adOnly, ["ad-user-discovery"]],
      [entraOnly, ["aad-user-discovery"]],
      [both, ["ad-user-discovery", "aad-user-discovery"]],
    ];
    for (const [line, steps] of cases) {
      const matches = matchLine(line);
      expect(matches.length, line).toBeGreaterThan(0);
      for (const m of matches) expect(steps, `${m.signature.id} on: ${line}`).toContain(m.step);
    }
  });
});

describe("lines of the script that are not the verdict", () => {
  it.each([
    // A record that lacks a side, without the verdict: with -Require entra a record without SID passes.
    reportLine({ name: "alice", sid: "", oid: OID, tenant: TID }),
    reportLine({ name: "alice", sid: SID, oid: "", tenant: "" }),
    reportLine({ name: "alice", sid: "  ", oid: "", tenant: "" }),
    reportLine({ name: "alice", sid: SID, oid: OID, tenant: TID }),
    "no ConfigMgr user record matches 'alice'",
    failure("alice", "both", 30, SEPARATE_RECORDS),
    // Mentions of the fields and steps in other words.
    "SID (ad-user-discovery), AADUserID (aad-user-discovery)",
    "Active Directory user discovery left SID empty",
    "Azure AD user discovery left AADUserID empty",
    "the missed step is not known: SID and AADUserID are both set",
    // The step without the script's reason naming the field: not a line the script prints (the
    // signatures are held to the script's exact words; a change there fails the quotes above).
    "missed step: ad-user-discovery (see the runbook)",
    "missed steps: ad-user-discovery (SID); aad-user-discovery (AADUserID)",
  ])("%s matches nothing", (line) => {
    expect(matchLine(line).map((m) => m.signature.id)).toEqual([]);
    // The pattern itself, not only the pre-filter, needs the verdict.
    expect(VERDICT.filter((s) => s.pattern.test(line)).map((s) => s.id)).toEqual([]);
    expect(summary(diagnoseTextDetailed(line))).toEqual({ findings: [], superseded: [], withheld: [] });
  });

  it("a PASS report (verify, and aad-user-discovery's -Require entra with a cloud-only user) gives nothing", () => {
    const report = [
      ...SITE_REPORT,
      reportLine({ name: "alice", sid: SID, oid: OID, tenant: TID }),
      reportLine({ name: "cloudonly", sid: "", oid: OID, tenant: TID }),
      "VERIFY PS1SITE user-discovered PASS",
    ].join("\n");
    expect(summary(diagnoseTextDetailed(report))).toEqual({ findings: [], superseded: [], withheld: [] });
  });

  it("the two-records failure names no step, so the diagnosis names none", () => {
    const report = [
      reportLine({ name: "alice", sid: "", oid: OID, tenant: "" }),
      reportLine({ name: "alice", sid: SID, oid: "", tenant: "" }),
      ...errorView(failure("alice", "both", 30, SEPARATE_RECORDS)),
    ].join("\n");
    expect(summary(diagnoseTextDetailed(report))).toEqual({ findings: [], superseded: [], withheld: [] });
  });
});
