/**
 * The whole default lab under Pulumi's mock runtime: every resource belongs to a step, every
 * step's resources wait for the steps it needs (with a control case proving the check catches a
 * missing edge), URNs are unique, secrets stay secret, tags are complete, and two evaluations
 * give identical inputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { evaluateLab, SECRET_TEXT, type Evaluation } from "../scripts/cli/offline/evaluate";
import { LabStep } from "../components/lab-step";
import { StepScopes } from "../components/lab/step-scopes";
import { RUNBOOK, transitiveNeeds, type StepId } from "../stacks/model/runbook";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { customOf, missingWaits } from "./support/graph";
import { sampleConfig } from "./support/sample-config";

let ev: Evaluation;
beforeAll(async () => {
  ev = await evaluateLab(sampleConfig());
});

describe("default lab graph", () => {
  it("has unique URNs", () => {
    const urns = ev.resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
  });

  it("puts every custom resource under a runbook step", () => {
    const orphans = customOf(ev).filter((r) => r.step === undefined);
    expect(orphans.map((r) => r.urn)).toEqual([]);
  });

  it("builds the steps of this stage and leaves the rest with no resources", () => {
    const built = RUNBOOK.map((s) => s.id).filter((id) => customOf(ev, id).length > 0);
    expect(built).toEqual(["credentials", "network", "admin-access", "entra-apps", "dc-vm", "server-vms", "site-media", "client-vms", "ad-forest", "ad-ous", "site-server", "enhanced-http", "ad-user-discovery", "azure-services", "aad-user-discovery", "entra-connect", "sync-scope", "hybrid-join-scp", "cmg-certificate", "cmg-azure-access", "cmg", "cmg-connection-point", "clients", "device-registration", "client-agent", "verify"]);
  });

  it("makes every step's resources wait for every built step it needs, transitively", () => {
    // Every step has resources, so no pair below is checked against an empty step.
    expect(RUNBOOK.filter((s) => customOf(ev, s.id).length === 0).map((s) => s.id)).toEqual([]);
    const problems: string[] = [];
    for (const step of RUNBOOK) {
      for (const needed of transitiveNeeds(step.id)) problems.push(...missingWaits(ev, step.id, needed));
    }
    expect(problems).toEqual([]);
    // The check is not vacuous: VMs really do wait for the network and the credential.
    const vm = customOf(ev, "dc-vm").find((r) => r.type === "azure-native:compute:VirtualMachine");
    expect(vm?.dependencies.some((d) => d.endsWith("::lab-vnet"))).toBe(true);
    expect(vm?.dependencies.some((d) => d.endsWith("::admin-admin-password"))).toBe(true);
  });

  it("does not make independent steps wait for each other (VMs are created in parallel)", () => {
    expect(missingWaits(ev, "client-vms", "dc-vm")).not.toEqual([]);
    expect(missingWaits(ev, "server-vms", "dc-vm")).not.toEqual([]);
    expect(missingWaits(ev, "network", "credentials")).not.toEqual([]);
    // Bastion takes ~10 minutes; no VM waits for it.
    expect(missingWaits(ev, "dc-vm", "admin-access")).not.toEqual([]);
  });

  it("creates every lab VM without automatic updates (no Windows Update restart during the build)", () => {
    const vms = ev.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine");
    expect(vms).toHaveLength(4);
    for (const vm of vms) {
      const windows = (vm.inputs.osProfile as Record<string, unknown>).windowsConfiguration;
      expect(windows, vm.name).toMatchObject({ enableAutomaticUpdates: false, patchSettings: { patchMode: "Manual" } });
    }
  });

  it("keeps the admin password secret everywhere it is used", () => {
    const vms = ev.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine");
    expect(vms).toHaveLength(4);
    for (const vm of vms) {
      expect(vm.secretPaths).toContain("osProfile.adminPassword");
      expect((vm.inputs.osProfile as Record<string, unknown>).adminPassword).toBe(SECRET_TEXT);
    }
    const password = (vms[0]?.plainInputs.osProfile as Record<string, unknown>).adminPassword as string;
    expect(password.length).toBeGreaterThan(8);
    expect(JSON.stringify(ev.resources.map((r) => r.inputs))).not.toContain(password);
    // No component registers a secret among its outputs either.
    expect(ev.componentSecretOutputs).toEqual([]);
    // No stack output is a secret (outputs reach logs); npm run credentials reads them from state.
    expect(JSON.stringify(ev.outputs)).not.toContain(SECRET_TEXT);
    expect(Object.keys(ev.outputs)).not.toContain("adminPassword");
  });

  it("tags every taggable Azure resource with lab, stack, step and expiresOn (run commands without expiresOn)", () => {
    // Role assignments are extension resources with no tags in ARM.
    const untaggable = new Set(["azure-native:authorization:RoleAssignment"]);
    const azure = customOf(ev).filter((r) => r.type.startsWith("azure-native:") && !untaggable.has(r.type));
    expect(azure.length).toBeGreaterThan(10);
    expect(azure.filter((r) => r.type === RUN_COMMAND_TYPE).length).toBeGreaterThan(0);
    for (const r of azure) {
      expect(r.inputs.tags, r.urn).toMatchObject({ lab: "cmglab", stack: "dev", step: r.step });
      // A run command is replaced on any change: extending the lab must not re-run the runbook.
      if (r.type === RUN_COMMAND_TYPE) expect(r.inputs.tags, r.urn).not.toHaveProperty("expiresOn");
      else expect(r.inputs.tags, r.urn).toMatchObject({ expiresOn: "2026-12-31" });
    }
  });

  it("prints one command that starts every lab VM (a stopped VM's run commands cannot change)", () => {
    const vms = customOf(ev).filter((r) => r.type === "azure-native:compute:VirtualMachine");
    const command = String(ev.outputs.startVmsCommand);
    expect(command).toMatch(/^az vm start --ids \/subscriptions\//);
    for (const vm of vms) expect(command).toContain(`/virtualMachines/${String(vm.inputs.vmName)}`);
    expect(command.split(" /subscriptions/")).toHaveLength(vms.length + 1);
  });

  it("gives every run command the engine lifecycle it needs: replaced on change, old first, deleted with its VM", () => {
    const vms = new Map(customOf(ev).filter((r) => r.type === "azure-native:compute:VirtualMachine").map((r) => [r.inputs.vmName, r.urn]));
    const commands = customOf(ev).filter((r) => r.type === RUN_COMMAND_TYPE);
    expect(commands.length).toBeGreaterThan(30);
    for (const c of commands) {
      expect(c.options, c.urn).toEqual({ deleteBeforeReplace: true, replaceOnChanges: ["*"], ignoreChanges: [], deletedWith: vms.get(c.inputs.vmName) });
    }
  });

  it("reads the verify reports back into a stack output, one section per check run", () => {
    const report = String(ev.outputs.verifyReport);
    for (const run of ["verify-user-discovery", "verify-win11-01", "verify-site"]) expect(report).toContain(`== ${run} (`);
  });

  it("gives identical inputs on a second evaluation", async () => {
    const again = await evaluateLab(sampleConfig());
    const view = (e: Evaluation): unknown =>
      e.resources.map((r) => ({ urn: r.urn, inputs: r.plainInputs, deps: r.dependencies, parent: r.parent })).sort((a, b) => a.urn.localeCompare(b.urn));
    expect(JSON.stringify(view(again))).toBe(JSON.stringify(view(ev)));
  });

  it("scales to a 25-client lab with unique names", async () => {
    const clients = Array.from({ length: 25 }, (_, i) => ({
      name: `win11-${String(i + 1).padStart(2, "0")}`,
      os: "windows-11" as const,
      network: i % 2 === 0 ? ("internet" as const) : ("intranet" as const),
      pki: false,
      vmSize: "Standard_B2ms",
    }));
    const big = await evaluateLab(sampleConfig({ clients }));
    const vms = big.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine");
    expect(vms).toHaveLength(28);
    const urns = big.resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
    const vmNames = vms.map((v) => v.plainInputs.vmName);
    expect(new Set(vmNames).size).toBe(28);
  });
});

describe("component outputs check control case", () => {
  it("catches a component that registers a secret output", async () => {
    const e = await evaluateLab(sampleConfig(), {
      program: () => {
        class Leaky extends pulumi.ComponentResource {
          constructor() {
            super("test:index:Leaky", "leaky", {}, {});
            this.registerOutputs({ token: pulumi.secret("s3cret") });
          }
        }
        new Leaky();
        return {};
      },
    });
    expect(e.componentSecretOutputs).toEqual(["urn:pulumi:dev::cmg-lab::test:index:Leaky::leaky: token"]);
  });
});

describe("ordering check control case", () => {
  it("catches a step whose resources do not wait for a step it needs", async () => {
    const broken = await evaluateLab(sampleConfig(), {
      program: () => {
        const tags = { lab: "x" };
        const credentials = new LabStep({ step: "credentials", after: [], labTags: tags });
        new random.RandomPassword("first", { length: 16 }, { parent: credentials });
        // dc-vm needs credentials, but this one was built without the wait.
        const dcVm = new LabStep({ step: "dc-vm", after: [], labTags: tags });
        new random.RandomPassword("second", { length: 16 }, { parent: dcVm });
        return {};
      },
    });
    expect(missingWaits(broken, "dc-vm" as StepId, "credentials")).toHaveLength(1);

    const fixed = await evaluateLab(sampleConfig(), {
      program: () => {
        const tags = { lab: "x" };
        const credentials = new LabStep({ step: "credentials", after: [], labTags: tags });
        new random.RandomPassword("first", { length: 16 }, { parent: credentials });
        const dcVm = new LabStep({ step: "dc-vm", after: [credentials], labTags: tags });
        // A nested component: the wait must reach its children too.
        const nested = new pulumi.ComponentResource("test:index:Nested", "nested", {}, { parent: dcVm });
        new random.RandomPassword("second", { length: 16 }, { parent: nested });
        return {};
      },
    });
    expect(missingWaits(fixed, "dc-vm", "credentials")).toEqual([]);
  });
});

describe("step-order guard", () => {
  it("throws when a step is opened after a step that needs it", async () => {
    let inOrder: StepId[] = [];
    let late: string | undefined;
    await evaluateLab(sampleConfig(), {
      program: () => {
        const lab = new pulumi.ComponentResource("test:index:Lab", "lab", {}, {});
        const scopes = new StepScopes(lab, { lab: "x" });
        // Control: opened in runbook order, nothing throws.
        scopes.get("network");
        scopes.get("dc-vm");
        scopes.get("ad-forest");
        inOrder = scopes.built();
        // ad-ous needs ad-forest: opening ad-forest after it breaks the order.
        const outOfOrder = new StepScopes(lab, { lab: "y" });
        outOfOrder.get("ad-ous");
        try {
          outOfOrder.get("ad-forest");
        } catch (e) {
          late = e instanceof Error ? e.message : String(e);
        }
        return {};
      },
    });
    expect(inOrder).toEqual(["network", "dc-vm", "ad-forest"]);
    expect(late).toBe("runbook step 'ad-forest' is built after 'ad-ous', which needs it: build steps in runbook order");
  });
});
