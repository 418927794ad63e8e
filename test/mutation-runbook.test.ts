/**
 * The runbook's lookups and step ordering, with expected values written here: found by mutation
 * testing (npm run mutate) as covered only through the whole-lab tests, or not at all.
 * Stryker does not mutate the `as const` table itself, so the table's edges (`needs`) are pinned
 * here by hand: the contract says `needs` may grow, never shrink, so each row is checked to hold
 * at least the needs written below (a dropped or remapped need fails).
 */
import { describe, expect, it } from "vitest";
import { CONTRACT_STEP_IDS, EXTRA_STEP_IDS, isStepId, RUNBOOK, runbookWaves, stepDef, transitiveNeeds, validateRunbook, type StepDef, type StepId } from "../stacks/model/runbook";

const step = (id: string, needs: string[]): StepDef => ({ id, title: id, needs, ifMissed: "x" }) as unknown as StepDef;
const sorted = (s: Iterable<string>): string[] => [...s].sort();

/** The least each step needs (a copy of the table's edges, written by hand). */
const MIN_NEEDS: Record<StepId, StepId[]> = {
  credentials: [],
  network: [],
  "admin-access": ["network"],
  "entra-apps": [],
  "dc-vm": ["network", "credentials"],
  "server-vms": ["network", "credentials"],
  "site-media": ["server-vms"],
  "client-vms": ["network", "credentials"],
  "ad-forest": ["network", "dc-vm"],
  "ad-ous": ["ad-forest"],
  "site-server": ["ad-ous", "server-vms", "site-media"],
  "enhanced-http": ["site-server"],
  "ad-user-discovery": ["site-server"],
  "azure-services": ["site-server", "entra-apps"],
  "aad-user-discovery": ["azure-services", "ad-user-discovery"],
  "entra-connect": ["ad-ous", "server-vms"],
  "sync-scope": ["entra-connect"],
  "hybrid-join-scp": ["ad-forest"],
  "cmg-certificate": ["ad-forest"],
  "cmg-azure-access": ["entra-apps"],
  cmg: ["azure-services", "enhanced-http", "cmg-certificate", "cmg-azure-access"],
  "cmg-connection-point": ["cmg"],
  clients: ["ad-ous", "client-vms"],
  "device-registration": ["clients", "sync-scope", "hybrid-join-scp"],
  "client-agent": ["clients", "cmg-connection-point", "ad-user-discovery", "aad-user-discovery"],
  verify: [
    "admin-access",
    "site-media",
    "network",
    "entra-apps",
    "ad-forest",
    "ad-ous",
    "site-server",
    "enhanced-http",
    "ad-user-discovery",
    "azure-services",
    "aad-user-discovery",
    "entra-connect",
    "sync-scope",
    "hybrid-join-scp",
    "cmg-certificate",
    "cmg-azure-access",
    "cmg",
    "cmg-connection-point",
    "clients",
    "device-registration",
    "client-agent",
  ],
};

describe("the runbook's edges", () => {
  it("has exactly the contract steps and this project's extra steps", () => {
    expect(sorted(RUNBOOK.map((s) => s.id))).toEqual(sorted(Object.keys(MIN_NEEDS)));
    expect(sorted([...CONTRACT_STEP_IDS, ...EXTRA_STEP_IDS])).toEqual(sorted(Object.keys(MIN_NEEDS)));
  });

  it.each(Object.entries(MIN_NEEDS))("%s needs at least %j", (id, needs) => {
    expect(stepDef(id as StepId).needs).toEqual(expect.arrayContaining(needs));
  });

  it("never makes entra-connect or sync-scope wait for the ConfigMgr site", () => {
    for (const id of ["entra-connect", "sync-scope"] as const) {
      expect(transitiveNeeds(id).has("site-server"), id).toBe(false);
      expect(transitiveNeeds(id).has("site-media"), id).toBe(false);
    }
  });
});

describe("stepDef and isStepId", () => {
  it("finds a step by id, and names an unknown one", () => {
    expect(stepDef("ad-user-discovery").title).toBe("Active Directory User Discovery enabled on the users OU, and run");
    expect(stepDef("sync-scope").id).toBe("sync-scope");
    expect(stepDef("credentials").needs).toEqual([]);
    expect(() => stepDef("no-such-step" as StepId)).toThrow("unknown runbook step 'no-such-step'");
  });

  it("tells step ids from other strings", () => {
    expect(isStepId("sync-scope")).toBe(true);
    expect(isStepId("site-media")).toBe(true);
    expect(isStepId("Sync-Scope")).toBe(false);
    expect(isStepId("")).toBe(false);
  });
});

describe("transitiveNeeds", () => {
  it.each([
    ["network", []],
    ["ad-forest", ["network", "dc-vm", "credentials"]],
    ["sync-scope", ["entra-connect", "ad-ous", "server-vms", "ad-forest", "network", "dc-vm", "credentials"]],
    ["ad-user-discovery", ["site-server", "ad-ous", "server-vms", "site-media", "ad-forest", "network", "dc-vm", "credentials"]],
    [
      "device-registration",
      ["clients", "sync-scope", "hybrid-join-scp", "ad-ous", "client-vms", "entra-connect", "server-vms", "ad-forest", "network", "dc-vm", "credentials"],
    ],
  ] as const)("%s needs, directly or not, %j", (id, expected) => {
    expect(sorted(transitiveNeeds(id))).toEqual(sorted(expected));
  });

  it("does not hold the step itself", () => {
    expect(transitiveNeeds("verify").has("verify")).toBe(false);
    expect(transitiveNeeds("verify").size).toBe(RUNBOOK.length - 1);
  });
});

describe("runbookWaves", () => {
  it("puts each step one wave after the latest step it needs", () => {
    const table = [step("a", []), step("b", ["a"]), step("c", ["a", "b"]), step("d", ["c"]), step("e", [])];
    expect(runbookWaves(table)).toEqual([["a", "e"], ["b"], ["c"], ["d"]]);
  });

  it("starts the lab with the steps that need nothing, and ends with verify alone", () => {
    const waves = runbookWaves();
    expect(sorted(waves[0] ?? [])).toEqual(["credentials", "entra-apps", "network"]);
    expect(waves[1]).toEqual(["admin-access", "dc-vm", "server-vms", "client-vms", "cmg-azure-access"]);
    expect(waves[waves.length - 1]).toEqual(["verify"]);
    expect(waves.flat()).toHaveLength(RUNBOOK.length);
  });
});

describe("validateRunbook without a verify step", () => {
  it("reports it missing instead of failing", () => {
    expect(validateRunbook(RUNBOOK.filter((s) => s.id !== "verify"))).toEqual(["contract step 'verify' is missing"]);
  });
});
