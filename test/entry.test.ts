/**
 * The Pulumi entry point (stacks/index.ts) as the engine runs it: config comes from the runtime
 * (as `pulumi up` hands it over), a bad config is refused before any resource is registered, and
 * the module's exports are exactly the LabOutputs of stacks/program.ts.
 */
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { readStackConfigFile } from "../stacks/config/config-file";
import { labMocks } from "../scripts/cli/offline/mocks";
import { settleRegistrations } from "../scripts/cli/offline/evaluate";

const DEV = path.join(__dirname, "..", "Pulumi.dev.yaml");
/** An MSI-shaped file inside the project (the entry checks msiFile against the project directory). */
const MSI_FILE = "test/fixtures/config/media/AzureADConnect.msi";

/**
 * Config as the engine passes it to the program: every value a string, objects as JSON.
 * Pulumi.dev.yaml ships without an MSI; `sync.msiFile` is added unless `withMsi` is false.
 */
function engineConfig(overrides: Record<string, unknown> = {}, withMsi = true): Record<string, string> {
  const raw = readStackConfigFile(DEV, "dev", "cmg-lab");
  if (withMsi) overrides = { "cmg-lab:sync": { ...(raw.values["cmg-lab:sync"] as object), msiFile: MSI_FILE }, ...overrides };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...raw.values, ...overrides })) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

async function runEntry(config: Record<string, string>): Promise<{ exports: Record<string, unknown>; registered: number }> {
  await pulumi.runtime.setMocks(labMocks(), "cmg-lab", "dev", false);
  pulumi.runtime.setAllConfig(config, []);
  let registered = 0;
  let inFlight = 0;
  type Cb = (err: unknown, resp: unknown) => void;
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: unknown, cb: Cb) => void };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    registered++;
    inFlight++;
    original(req, (err, resp) => {
      inFlight--;
      cb(err, resp);
    });
  };
  try {
    vi.resetModules();
    const exports = (await pulumi.runtime.runInPulumiStack(async () => ({ ...(await import("../stacks/index")) }))) ?? {};
    // Let the program's registrations finish before the next test resets the mocks.
    await settleRegistrations(() => inFlight);
    return { exports: exports as Record<string, unknown>, registered };
  } finally {
    monitor.registerResource = original;
  }
}

/**
 * Imports the entry outside a stack, as the engine loads it, expecting it to refuse the config:
 * the error it threw (or undefined) and how many resources it registered before that.
 */
async function importRefused(config: Record<string, string>): Promise<{ error: unknown; registered: number }> {
  await pulumi.runtime.setMocks(labMocks(), "cmg-lab", "dev", false);
  pulumi.runtime.setAllConfig(config, []);
  let registered = 0;
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: unknown, cb: unknown) => void };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    registered++;
    original(req, cb);
  };
  try {
    vi.resetModules();
    const error = await import("../stacks/index").then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, registered };
  } finally {
    monitor.registerResource = original;
  }
}

describe("stacks/index.ts", () => {
  it("builds the lab from the engine's config and exports exactly the LabOutputs", async () => {
    const { exports } = await runEntry(engineConfig());
    const { evaluateLab } = await import("../scripts/cli/offline/evaluate");
    const { sampleConfig } = await import("./support/sample-config");
    const expected = Object.keys((await evaluateLab(sampleConfig())).outputs).sort();
    expect(expected.length).toBeGreaterThan(10);
    expect(Object.keys(exports).sort()).toEqual(expected);
    expect(exports.resourceGroupName).toBe("rg-cmglab-dev");
    expect(exports.adminUsername).toBe("labadmin");
  });

  it("uploads the configured MSI file to a private blob (the plan's config with sync.msiFile)", async () => {
    const { exports } = await runEntry(engineConfig());
    expect(exports.resourceGroupName).toBe("rg-cmglab-dev");
    // No output carries the blob's URL or anything of the storage account's keys.
    expect(JSON.stringify(Object.keys(exports))).not.toMatch(/msi|blob|storage|sas/i);
  });

  it("refuses the shipped Pulumi.dev.yaml (no Entra Connect MSI) before any resource, naming sync.msiFile and where to download it", async () => {
    const { error, registered } = await importRefused(engineConfig({}, false));
    expect(error).toBeInstanceOf(pulumi.RunError);
    const message = String((error as Error).message);
    // One paragraph: the missing MSI is the only problem of the shipped config.
    expect(message.split("\n\n")).toHaveLength(1);
    expect(message).toMatch(/^error: cmg-lab:sync\.msiFile = \(not set\): no Entra Connect Sync MSI is configured/);
    expect(message).toContain("Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)");
    expect(message).toContain("2.5.79.0");
    expect(registered).toBe(0);
  });

  it("refuses a lab with a known miss before registering any resource", async () => {
    // Imported outside a stack: the module throws while loading, as the engine would see it.
    const { error, registered } = await importRefused(engineConfig({ "cmg-lab:discovery": { activeDirectoryUsers: false, azureAdUsers: true } }));
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(String((error as Error).message)).toContain("cmg-lab:discovery.activeDirectoryUsers");
    expect(String((error as Error).message)).toMatch(/Fix: /);
    expect(registered).toBe(0);
  });
});
