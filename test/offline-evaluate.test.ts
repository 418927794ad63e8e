/**
 * Smoke test of the recorder in scripts/cli/offline/evaluate.ts, the one place that wraps the SDK's
 * internal mock monitor: a tiny program with a component, a child, an explicit dependsOn, a
 * secret input and lifecycle options must be recorded with exactly those facts. If an SDK
 * upgrade changes the monitor, this fails first.
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { describe, expect, it } from "vitest";
import { evaluateLab, SECRET_TEXT } from "../scripts/cli/offline/evaluate";
import { sampleConfig } from "./support/sample-config";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:test:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

describe("evaluateLab's recorder", () => {
  it("records type, parent, effective dependencies, secrets and options of each registration", async () => {
    const ev = await evaluateLab(sampleConfig(), {
      program: () => {
        const box = new Box("box");
        const first = new resources.ResourceGroup("first", { resourceGroupName: "rg-first", location: "westeurope" }, { parent: box });
        new resources.ResourceGroup(
          "second",
          { resourceGroupName: "rg-second", location: "westeurope", tags: { note: pulumi.secret("hidden") } },
          { parent: box, dependsOn: [first], deleteBeforeReplace: true, ignoreChanges: ["tags"] },
        );
        return {};
      },
    });
    const byName = (n: string) => {
      const r = ev.resources.find((x) => x.name === n);
      if (!r) throw new Error(`${n} was not recorded`);
      return r;
    };
    const box = byName("box");
    const first = byName("first");
    const second = byName("second");
    expect(box.urn).toBe("urn:pulumi:dev::cmg-lab::cmg-lab:test:Box::box");
    expect(first.urn).toBe("urn:pulumi:dev::cmg-lab::cmg-lab:test:Box$azure-native:resources:ResourceGroup::first");
    expect([first.parent, second.parent]).toEqual([box.urn, box.urn]);
    expect([box.custom, first.custom]).toEqual([false, true]);
    expect(second.dependencies).toEqual([first.urn]);
    expect(first.dependencies).toEqual([]);
    expect(second.inputs.tags).toEqual({ note: SECRET_TEXT });
    expect(second.plainInputs.tags).toEqual({ note: "hidden" });
    expect(second.secretPaths).toEqual(["tags.note"]);
    expect(second.options).toEqual({ deleteBeforeReplace: true, replaceOnChanges: [], ignoreChanges: ["tags"], deletedWith: undefined });
    expect(first.azureName).toBe("rg-first");
    expect(first.seq).toBeLessThan(second.seq);
  });
});
