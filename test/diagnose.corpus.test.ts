import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { diagnoseText, type Finding } from "../stacks/diagnose";
import { isStepId, type StepId } from "../stacks/runbook";

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
