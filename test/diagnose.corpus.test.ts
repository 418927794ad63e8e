import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { diagnoseText, type Finding } from "../stacks/diagnosis/diagnose";
import { isStepId, type StepId } from "../stacks/model/runbook";

/**
 * The field corpus (test/fixtures/field): real log text published in GitHub issues, blogs and
 * Microsoft Learn, one file per case, each with its source and the root cause the source states,
 * mapped by hand to the runbook step that was missed, or to "none" (a healthy log, or a failure
 * whose cause lies outside the lab). Expected steps come from the fixtures, never from the
 * signature table; the figures are printed and the thresholds asserted.
 */
const FIELD = resolve(__dirname, "fixtures", "field");

interface FieldCase {
  readonly id: string;
  readonly source: string;
  readonly family: string;
  readonly expectedStep: StepId | "none";
  readonly rootCause: string;
  readonly log: string;
  readonly note?: string;
}

function loadCase(file: string, dir: string = FIELD): FieldCase {
  const raw: unknown = parse(readFileSync(join(dir, file), "utf8"));
  if (typeof raw !== "object" || raw === null) throw new Error(`${file}: not a mapping`);
  const o = raw as Record<string, unknown>;
  const str = (key: string): string => {
    const v = o[key];
    if (typeof v !== "string" || v.trim() === "") throw new Error(`${file}: '${key}' must be a non-empty string`);
    return v;
  };
  const known = new Set(["source", "family", "expectedStep", "rootCause", "log", "note"]);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new Error(`${file}: unknown key '${key}'`);
  const expectedStep = str("expectedStep");
  if (expectedStep !== "none" && !isStepId(expectedStep)) throw new Error(`${file}: unknown step '${expectedStep}'`);
  const source = str("source");
  if (!/^https:\/\/[^\s/]+\.[^\s/]+\/\S+$/.test(source)) throw new Error(`${file}: source must be an https URL`);
  const note = o.note;
  if (note !== undefined && typeof note !== "string") throw new Error(`${file}: 'note' must be a string`);
  return {
    id: file.replace(/\.yaml$/, ""),
    source,
    family: str("family"),
    expectedStep: expectedStep as StepId | "none",
    rootCause: str("rootCause"),
    log: str("log"),
    ...(note !== undefined ? { note } : {}),
  };
}

const FILES = readdirSync(FIELD)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const CASES = FILES.map((f) => loadCase(f));
const POSITIVES = CASES.filter((c) => c.expectedStep !== "none");
const NEGATIVES = CASES.filter((c) => c.expectedStep === "none");

interface Outcome {
  readonly c: FieldCase;
  readonly findings: readonly Finding[];
}

const OUTCOMES: readonly Outcome[] = CASES.map((c) => ({ c, findings: diagnoseText(c.log, { file: c.id }) }));

describe("field corpus: the fixtures themselves", () => {
  it("every file loads: https source, known step or none, root cause, family, non-empty log", () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const f of FILES) expect(f, f).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*\.yaml$/);
    expect(CASES).toHaveLength(FILES.length);
  });

  it("the loader refuses what it should (control cases)", () => {
    const dir = mkdtempSync(join(tmpdir(), "field-"));
    const good = 'source: "https://example.com/x"\nfamily: f\nexpectedStep: sync-scope\nrootCause: "r"\nlog: |2\n  line\n';
    const write = (name: string, text: string): string => (writeFileSync(join(dir, name), text), name);
    expect(loadCase(write("ok.yaml", good), dir)).toMatchObject({ id: "ok", expectedStep: "sync-scope", log: "line\n" });
    expect(() => loadCase(write("a.yaml", good.replace("sync-scope", "sync-scopes")), dir)).toThrow("unknown step 'sync-scopes'");
    expect(() => loadCase(write("b.yaml", good.replace("https://example.com/x", "http://example.com/x")), dir)).toThrow("https URL");
    expect(() => loadCase(write("c.yaml", good.replace('rootCause: "r"', 'rootCause: ""')), dir)).toThrow("'rootCause'");
    expect(() => loadCase(write("d.yaml", `${good}extra: 1\n`), dir)).toThrow("unknown key 'extra'");
    expect(() => loadCase(write("e.yaml", good.replace("log: |2\n  line\n", "")), dir)).toThrow("'log'");
  });

  it("holds at least 60 cases, a third of them negatives", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(NEGATIVES.length * 3).toBeGreaterThanOrEqual(CASES.length);
    expect(POSITIVES.length).toBeGreaterThan(0);
  });
});

/**
 * The families issue #17 asks for, each with at least three independent real examples: real
 * failures of the lab (positives) whose fixture family (and, where the family is narrower than the
 * label, expected step) belongs to it. Independent means different sources: one page counts once
 * however many cases it gives, and the known revisions of one page count as one (SAME_SOURCE).
 */
const ISSUE_FAMILIES: Readonly<Record<string, (c: FieldCase) => boolean>> = {
  "domain controller not found / domain join": (c) => c.family === "domain-controller" || c.family === "domain-join-network",
  "Entra token errors logged by the ConfigMgr client": (c) => c.family === "entra-token",
  "site app secret expired or missing": (c) => c.family === "app-secret",
  "CMG connection point role and certificate": (c) => c.family === "cmg-connection-point" && c.expectedStep === "cmg-connection-point",
  "CMG certificate chain, name and CRL": (c) => c.family === "cmg-certificate",
  "SCP missing or wrong tenant": (c) => c.family === "scp",
  "device sync scope": (c) => c.family === "device-sync-scope",
  "both user discoveries": (c) => c.family === "user-discovery",
  "Enhanced HTTP": (c) => c.family === "enhanced-http",
};

/** Families still short of three independent real examples, with what was searched for them. */
const STILL_SHORT: Readonly<Record<string, string>> = {
  "Entra token errors logged by the ConfigMgr client":
    "searched ccmsetup/ADALOperationProvider/CCM_STS text with AADSTS50001/700016/90002/65001, WAM and 0x800703f0 in issues, pages and GitHub files; found the SCCMdocs #1135 and TechCommunity device-token cases only",
  "site app secret expired or missing":
    "searched SMS_AZUREAD_DISCOVERY_AGENT.log/CloudMgr.log with AADSTS7000215/7000222, 'secret key expired' and 'Renew Secret Key'; every AADSTS7000215/222 text found is another product's, and the one ConfigMgr message (release notes, after site expansion) has its cause outside the lab",
  "CMG connection point role and certificate":
    "searched SMS_CLOUD_PROXYCONNECTOR.log 'role certificate', 'Cloud proxy connector', CMGConnector_* texts; found SCCMdocs #2267 only (the ConfigMatt ports case is a network cause)",
  "CMG certificate chain, name and CRL":
    "searched WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED / CERT_CN_INVALID / INVALID_CA, 12175, KB954755 and NoCRLCheck with CMG; found SCCMdocs #1319 (untrusted CA) and ConfigMatt (private key) only, no chain or CRL log text; the one name case found (KB4495265) is a pre-1902 known issue, kept as a negative",
  "SCP missing or wrong tenant":
    "searched DSREG_AUTOJOIN_ADCONFIG_READ_FAILED, 0x801c001d, 'AD Configuration Test', AADSTS90002 with dsregcmd, azureADName and User Device Registration events 304/305; found only documentation tables of the codes, no published log of a real case",
  "both user discoveries":
    "searched CCM_STS.log 'is not completely discovered', 'AAD user with ID', CMGConnector_Un-authorizedrequest and 'Failed to get ConfigMgr token with Azure AD token'; no published log beyond the reference story (memdocs PR #4423 states the requirement without a log)",
  "Enhanced HTTP":
    "searched CMGConnector_Forbidden, CMGConnector_Clientcertificaterequired, CCM_E_NO_CLIENT_PKI_CERT, 0x87d00231 and 0x87d00454 in issues, pages and GitHub files; found only the Microsoft Learn CMG communication page",
};

/** Known revisions or mirrors of one page (normalized form, see sourceKey). */
const SAME_SOURCE: Readonly<Record<string, string>> = {
  "learn.microsoft.com/troubleshoot/mem/configmgr/client-management/cmg-communication-error-403":
    "learn.microsoft.com/troubleshoot/mem/configmgr/client-management/cmg-communication-error",
};

/** One key per source: host and path, lower case, without locale, query, fragment or trailing slash. */
function sourceKey(url: string): string {
  const u = new URL(url);
  const path = u.pathname.replace(/^\/[a-z]{2}-[a-z]{2}(?=\/)/i, "").replace(/\/+$/, "");
  const key = `${u.host}${path}`.toLowerCase();
  return SAME_SOURCE[key] ?? key;
}

function independentSources(match: (c: FieldCase) => boolean): string[] {
  return [...new Set(POSITIVES.filter(match).map((c) => sourceKey(c.source)))].sort();
}

describe("field corpus: real examples per family (issue #17)", () => {
  const counts = Object.entries(ISSUE_FAMILIES).map(([name, match]) => ({ name, sources: independentSources(match) }));

  it("prints the independent sources per family and the families still short", () => {
    const lines = [
      "independent real examples per family (distinct sources of real failures of the lab):",
      ...counts.map(({ name, sources }) => `  ${name}: ${sources.length}${sources.length < 3 ? " (short of 3)" : ""}`),
      ...Object.entries(STILL_SHORT).map(([name, searched]) => `  still short: ${name}: ${searched}`),
    ];
    console.log(lines.join("\n"));
    for (const name of Object.keys(STILL_SHORT)) expect(Object.keys(ISSUE_FAMILIES), name).toContain(name);
  });

  it("every family not listed as still short has at least three independent real examples", () => {
    const short = counts.filter(({ name, sources }) => !(name in STILL_SHORT) && sources.length < 3);
    expect(short.map(({ name, sources }) => `${name}: ${sources.length}`)).toEqual([]);
  });

  it("a family listed as still short really is (move it out of STILL_SHORT once it reaches three)", () => {
    const reached = counts.filter(({ name, sources }) => name in STILL_SHORT && sources.length >= 3);
    expect(reached.map(({ name }) => name)).toEqual([]);
  });

  it("counts one page once: revisions, locales and repeated cases do not add sources", () => {
    expect(sourceKey("https://learn.microsoft.com/en-us/troubleshoot/mem/configmgr/client-management/cmg-communication-error-403/")).toBe(
      sourceKey("https://learn.microsoft.com/troubleshoot/mem/configmgr/client-management/cmg-communication-error"),
    );
    expect(sourceKey("https://github.com/MicrosoftDocs/SCCMdocs/issues/1319#issuecomment-1")).toBe(
      sourceKey("https://github.com/MicrosoftDocs/SCCMdocs/issues/1319"),
    );
  });
});

describe("field corpus: diagnosis figures", () => {
  const hits = OUTCOMES.filter((o) => o.c.expectedStep !== "none" && o.findings.some((f) => f.step === o.c.expectedStep));
  const wrong = OUTCOMES.filter((o) => o.c.expectedStep !== "none" && o.findings.some((f) => f.step !== o.c.expectedStep));
  const falsePositives = OUTCOMES.filter((o) => o.c.expectedStep === "none" && o.findings.length > 0);
  const missed = OUTCOMES.filter((o) => o.c.expectedStep !== "none" && !o.findings.some((f) => f.step === o.c.expectedStep));
  const recall = hits.length / POSITIVES.length;
  const fpRate = falsePositives.length / NEGATIVES.length;

  it("prints the figures", () => {
    const families = new Map<string, number>();
    for (const c of POSITIVES) families.set(c.family, (families.get(c.family) ?? 0) + 1);
    const lines = [
      `field corpus: ${CASES.length} cases (${POSITIVES.length} real failures of the lab, ${NEGATIVES.length} negatives)`,
      `  recall (right step named): ${hits.length}/${POSITIVES.length} = ${(recall * 100).toFixed(1)}%`,
      `  wrong step named: ${wrong.length}`,
      `  false positives on negatives: ${falsePositives.length}/${NEGATIVES.length} = ${(fpRate * 100).toFixed(1)}%`,
      `  medium-confidence hits: ${hits.filter((o) => o.findings.find((f) => f.step === o.c.expectedStep)?.confidence === "medium").length}`,
      `  failures per family: ${[...families].map(([k, v]) => `${k} ${v}`).join(", ")}`,
      ...missed.map((o) => `  missed: ${o.c.id} (expected ${o.c.expectedStep})`),
      ...wrong.map((o) => `  wrong: ${o.c.id}: ${o.findings.map((f) => `${f.step}/${f.signature}`).join(", ")}`),
      ...falsePositives.map((o) => `  false positive: ${o.c.id}: ${o.findings.map((f) => `${f.step}/${f.signature}`).join(", ")}`),
    ];
    console.log(lines.join("\n"));
    expect(hits.length + missed.length).toBe(POSITIVES.length);
  });

  it("names the right step for at least 90% of the real failures", () => {
    expect(POSITIVES.length).toBeGreaterThan(0);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it("never names a wrong step for a real failure", () => {
    expect(wrong.map((o) => `${o.c.id}: ${o.findings.map((f) => f.step).join(",")}`)).toEqual([]);
  });

  it("reports a step for at most 5% of the negatives", () => {
    expect(fpRate).toBeLessThanOrEqual(0.05);
  });

  it("every reported finding says how sure it is", () => {
    const reported = OUTCOMES.flatMap((o) => o.findings);
    expect(reported.length).toBeGreaterThan(0);
    for (const f of reported) expect(["high", "medium"]).toContain(f.confidence);
  });
});
