/** The runbook table's own invariants (validateRunbook), with a broken table for each rule. */
import { describe, expect, it } from "vitest";
import { RUNBOOK, validateRunbook, type StepDef } from "../stacks/model/runbook";

const step = (id: string, needs: string[]): StepDef => ({ id, title: id, needs, ifMissed: "x" }) as unknown as StepDef;

describe("validateRunbook", () => {
  it("finds the lab's runbook sound", () => {
    expect(validateRunbook(RUNBOOK)).toEqual([]);
  });

  it("reports a step listed twice", () => {
    const table = [...RUNBOOK, step("network", [])];
    expect(validateRunbook(table)).toContain("step 'network' appears twice");
  });

  it("reports a need that is unknown or listed after the step (a cycle cannot be written)", () => {
    const [first, ...rest] = RUNBOOK;
    const table = [{ ...first!, needs: ["ad-forest"] } as StepDef, ...rest];
    expect(validateRunbook(table)).toContain(`step '${first!.id}' needs 'ad-forest', which is unknown or not listed before it`);
    expect(validateRunbook([...RUNBOOK, step("extra", ["no-such-step"])])).toEqual(["step 'extra' needs 'no-such-step', which is unknown or not listed before it"]);
  });

  it("reports a missing contract step, and verify not needing one", () => {
    const withoutScp = RUNBOOK.filter((s) => s.id !== "hybrid-join-scp").map((s) => (s.id === "verify" || s.id === "device-registration" ? { ...s, needs: s.needs.filter((n) => n !== "hybrid-join-scp") } : s));
    expect(validateRunbook(withoutScp)).toEqual(["contract step 'hybrid-join-scp' is missing", "'verify' does not need 'hybrid-join-scp'"]);
    const looseVerify = RUNBOOK.map((s) => (s.id === "verify" ? { ...s, needs: s.needs.filter((n) => n !== "ad-user-discovery") } : s));
    expect(validateRunbook(looseVerify)).toEqual(["'verify' does not need 'ad-user-discovery'"]);
  });
});
