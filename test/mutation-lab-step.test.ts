/**
 * LabStep (components/lab-step.ts) on small hand-built programs: the waits reach children and
 * grandchildren, only the listed steps are waited for, a step waits for nothing when `after` is
 * empty, the tags and fields it exposes, and an unknown step id fails. Expected values written here.
 */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateLab, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { LAB_STEP_TYPE, LabStep } from "../components/lab-step";
import type { StepId } from "../stacks/model/runbook";
import { missingWaits, waitClosure } from "./support/graph";
import { sampleConfig } from "./support/sample-config";

const TAGS = { lab: "cmglab", stack: "dev" };

const run = (program: () => void): Promise<Evaluation> =>
  evaluateLab(sampleConfig(), {
    program: () => {
      program();
      return {};
    },
  });

const named = (ev: Evaluation, name: string): RecordedResource => {
  const found = ev.resources.filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0] as RecordedResource;
};
const waits = (ev: Evaluation, a: string, b: string): boolean => waitClosure(ev).get(named(ev, a).urn)?.has(named(ev, b).urn) ?? false;

class Holder extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("test:lab-step:Holder", name, {}, opts);
    new random.RandomPassword(`${name}-inner`, { length: 8 }, { parent: this });
    this.registerOutputs({});
  }
}

describe("LabStep", () => {
  it("makes every child and grandchild wait for each step in after, and nothing else", async () => {
    const ev = await run(() => {
      const forest = new LabStep({ step: "ad-forest", after: [], labTags: TAGS });
      new random.RandomPassword("forest-thing", { length: 8 }, { parent: forest });
      const media = new LabStep({ step: "site-media", after: [], labTags: TAGS });
      new random.RandomPassword("media-thing", { length: 8 }, { parent: media });
      const other = new LabStep({ step: "entra-apps", after: [], labTags: TAGS });
      new random.RandomPassword("other-thing", { length: 8 }, { parent: other });
      const site = new LabStep({ step: "site-server", after: [forest, media], labTags: TAGS });
      new random.RandomPassword("site-thing", { length: 8 }, { parent: site });
      new Holder("site-holder", { parent: site });
    });
    expect(waits(ev, "site-thing", "forest-thing")).toBe(true);
    expect(waits(ev, "site-thing", "media-thing")).toBe(true);
    expect(waits(ev, "site-holder-inner", "forest-thing")).toBe(true);
    expect(waits(ev, "site-holder-inner", "media-thing")).toBe(true);
    expect(missingWaits(ev, "site-server", "ad-forest")).toEqual([]);
    expect(waits(ev, "site-thing", "other-thing")).toBe(false);
    // A step with nothing in after waits for nothing.
    expect(waitClosure(ev).get(named(ev, "forest-thing").urn)?.size ?? 0).toBe(0);
    expect(waits(ev, "media-thing", "forest-thing")).toBe(false);
    // The step components themselves carry no waits of their own (only their resources do).
    expect(named(ev, "site-server").type).toBe(LAB_STEP_TYPE);
    expect(named(ev, "site-server").dependencies).toEqual([]);
  });

  it("exposes its step, what it waits for, and the lab tags plus step", async () => {
    let seen: { step: StepId; after: readonly LabStep[]; tags: Readonly<Record<string, string>> } | undefined;
    let forest: LabStep | undefined;
    await run(() => {
      forest = new LabStep({ step: "ad-forest", after: [], labTags: TAGS });
      const ous = new LabStep({ step: "ad-ous", after: [forest], labTags: TAGS });
      seen = { step: ous.step, after: ous.after, tags: ous.tags };
    });
    expect(seen?.step).toBe("ad-ous");
    expect(seen?.after).toEqual([forest]);
    expect(seen?.tags).toEqual({ lab: "cmglab", stack: "dev", step: "ad-ous" });
    expect(Object.isFrozen(seen?.tags)).toBe(true);
  });

  it("refuses a step id that is not in the runbook", async () => {
    let error: unknown;
    await run(() => {
      try {
        new LabStep({ step: "no-such-step" as StepId, after: [], labTags: TAGS });
      } catch (e) {
        error = e;
      }
    });
    expect(String(error)).toBe("Error: unknown runbook step 'no-such-step'");
  });
});
