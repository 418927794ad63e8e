/**
 * The guardrails policy pack over the REAL default lab: the graph the offline evaluation records
 * (the program under Pulumi's mocks) is turned into the policy SDK's resource shape and checked by
 * the stack policies and every resource policy. Control cases drop one dependency edge and the
 * auto-shutdown, and open RDP to the internet through the config, to show the checks bite.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLab, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { recorder, resourceArgs, stackArgs, toPolicyResources, type GraphResource, type Violation } from "../stacks/policy-pack/offline";
import { POLICIES, runbookOrder, TYPES, vmAutoShutdown, noInternetAdminPorts, type LabStackPolicy } from "../stacks/policy-pack/policies";
import { sampleConfig } from "./support/sample-config";

/** RecordedResource -> the engine's stack-policy view: urn, type, name, props (inputs), parent, dependencies. */
function asGraph(ev: Evaluation): GraphResource[] {
  return ev.resources.map((r: RecordedResource) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    dependencies: r.dependencies,
    props: r.plainInputs,
    custom: r.custom,
  }));
}

async function runStack(policy: LabStackPolicy, graph: readonly GraphResource[]): Promise<Violation[]> {
  const rec = recorder();
  await policy.validateStack(stackArgs(toPolicyResources(graph)), rec.report);
  return rec.violations;
}

async function runResourcePolicies(graph: readonly GraphResource[]): Promise<Violation[]> {
  const rec = recorder();
  for (const r of graph) {
    for (const p of POLICIES) {
      if ("validateResource" in p) {
        await p.validateResource(resourceArgs({ type: r.type, name: r.name, urn: r.urn, props: r.props }), (message) =>
          rec.report(`${p.name}: ${message}`, r.urn),
        );
      }
    }
  }
  return rec.violations;
}

let ev: Evaluation;
let graph: GraphResource[];
beforeAll(async () => {
  ev = await evaluateLab(sampleConfig());
  graph = asGraph(ev);
});

describe("the default lab under the guardrails", () => {
  it("is a real graph: VMs, schedules, NSGs and cross-step edges", () => {
    expect(graph.filter((r) => r.type === TYPES.vm)).toHaveLength(4);
    expect(graph.filter((r) => r.type === TYPES.shutdownSchedule)).toHaveLength(4);
    expect(graph.filter((r) => r.type === TYPES.nsg).length).toBeGreaterThanOrEqual(3);
    expect(graph.some((r) => r.dependencies.some((d) => d.endsWith("::admin-admin-password")))).toBe(true);
  });

  it("keeps the runbook order (no violation)", async () => {
    expect(await runStack(runbookOrder, graph)).toEqual([]);
  });

  it("shuts every VM down at night (no violation)", async () => {
    expect(await runStack(vmAutoShutdown, graph)).toEqual([]);
  });

  it("passes every resource policy on every resource", async () => {
    expect(await runResourcePolicies(graph)).toEqual([]);
  });
});

describe("control cases", () => {
  it("catches one dropped dependency edge and names the steps", async () => {
    const nic = graph.find((r) => r.type === "azure-native:network:NetworkInterface" && r.name === "dc01-nic");
    const password = nic?.dependencies.find((d) => d.endsWith("::admin-admin-password"));
    expect(password).toBeDefined();
    const broken = graph.map((r) => (r === nic ? { ...r, dependencies: r.dependencies.filter((d) => d !== password) } : r));

    const violations = await runStack(runbookOrder, broken);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain("runbook step 'dc-vm' does not wait for 'credentials'");
    expect(violations[0]?.urn).toBe(nic?.urn);
  });

  it("keeps the order when the dropped edge is redundant (the VM still waits through its NIC)", async () => {
    const vm = graph.find((r) => r.type === TYPES.vm && r.name === "dc01-vm");
    expect(vm?.dependencies.some((d) => d.endsWith("::dc01-nic"))).toBe(true);
    const edited = graph.map((r) => (r === vm ? { ...r, dependencies: r.dependencies.filter((d) => !d.endsWith("::admin-admin-password")) } : r));
    expect(await runStack(runbookOrder, edited)).toEqual([]);
  });

  it("catches a lab without auto-shutdown, once per VM", async () => {
    const config = sampleConfig();
    const noShutdown = asGraph(await evaluateLab(sampleConfig({ schedule: { ...config.schedule, autoShutdown: null } })));
    const violations = await runStack(vmAutoShutdown, noShutdown);
    expect(violations.map((v) => v.urn).sort()).toEqual(noShutdown.filter((r) => r.type === TYPES.vm).map((r) => r.urn).sort());
  });

  it("catches RDP opened to the whole internet through the admin CIDRs, and allows a narrow one", async () => {
    const config = sampleConfig();
    const nsgViolations = async (cidrs: string[]): Promise<Violation[]> => {
      const g = asGraph(await evaluateLab(sampleConfig({ admin: { ...config.admin, allowedSourceCidrs: cidrs } })));
      const rec = recorder();
      for (const r of g.filter((x) => x.type === TYPES.nsg)) {
        await noInternetAdminPorts.validateResource(resourceArgs({ type: r.type, urn: r.urn, name: r.name, props: r.props }), (m) => rec.report(m, r.urn));
      }
      return rec.violations;
    };
    expect(await nsgViolations(["203.0.113.0/24"])).toEqual([]);
    const open = await nsgViolations(["0.0.0.0/0"]);
    expect(open.length).toBeGreaterThanOrEqual(3); // one per VM subnet NSG
    expect(open[0]?.message).toContain("allows inbound port(s) 3389 from '0.0.0.0/0'");
  });
});
