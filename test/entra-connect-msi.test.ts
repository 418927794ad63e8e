/**
 * The Entra Connect MSI comes from the user (issue #19 item 2): the offline plan of the shipped
 * lab warns first, naming sync.msiFile; a local MSI is uploaded to a private blob that SYNC01
 * reads with its managed identity (types, key inputs, parents, the install's waits); a hosted URL
 * with a SAS token travels only as a protected parameter; nothing secret reaches the plan or the
 * stack outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { makePlan, planArgs, renderPlan, PROJECT_DIR } from "../scripts/cli/plan";
import type { Plan, PlanResource } from "../scripts/cli/offline/plan-model";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { MOCK_SUBSCRIPTION_ID } from "../scripts/cli/offline/mocks";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { msiStorageAccountStem, storageAccountNameProblem } from "../stacks/model/names";
import { sentParameters } from "./support/params";
import { waitClosure } from "./support/graph";
import { sampleConfig } from "./support/sample-config";

const DEV = path.join(PROJECT_DIR, "Pulumi.dev.yaml");
const MSI_REL = "test/fixtures/config/media/AzureADConnect.msi";
const SAS = "https://cmglabfiles.blob.core.windows.net/install/AzureADConnect.msi?sv=2024-05-04&sp=r&sig=Sas-Never-Shown";

/** Pulumi.dev.yaml with `sync.msiFile` added, as a user would (pulumi config set --path). */
function devWithMsiFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-msi-"));
  const text = fs.readFileSync(DEV, "utf8").replace("    ous: [Workstations, LabUsers]\n", `    ous: [Workstations, LabUsers]\n    msiFile: ${MSI_REL}\n`);
  expect(text).toContain(`msiFile: ${MSI_REL}`);
  const file = path.join(dir, "Pulumi.msi.yaml");
  fs.writeFileSync(file, text);
  return file;
}

const byType = (p: Plan, type: string): PlanResource[] => p.resources.filter((r) => r.type === type);
const one = <T>(xs: readonly T[], what: string): T => {
  expect(xs, what).toHaveLength(1);
  return xs[0] as T;
};

describe("offline plan of the shipped lab (no MSI)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await makePlan(planArgs());
  }, 60_000);

  it("warns first, naming sync.msiFile, where to download the MSI and that pulumi up refuses", () => {
    const first = plan.warnings[0];
    expect(first?.key).toBe("cmg-lab:sync.msiFile");
    expect(first?.problem).toContain("pulumi up refuses to start without it");
    expect(first?.fix).toContain("Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)");
    expect(first?.fix).toContain("pulumi config set --path 'cmg-lab:sync.msiFile'");
    const text = renderPlan(plan, "human");
    const warnings = text.slice(text.indexOf("\nWarnings\n"));
    expect(warnings.split("\n")[2]).toMatch(/^ {2}! cmg-lab:sync\.msiFile = \(not set\): no Entra Connect Sync MSI is configured/);
  });

  it("creates no storage and sends the install an empty MSI URL (the script stops naming the key)", () => {
    expect(byType(plan, "azure-native:storage:StorageAccount")).toEqual([]);
    const install = one(
      plan.resources.filter((r) => r.type === RUN_COMMAND_TYPE && r.name === "sync01-install-command"),
      "install",
    );
    expect(install.inputs.parameters).toEqual([
      { name: "MsiAuth", value: "None" },
      // The empty value travels encoded, as every value the command line could mangle.
      { name: "MsiUrl", value: "b64:" },
    ]);
  });
});

describe("offline plan with sync.msiFile", () => {
  let plan: Plan;
  let human: string;
  let json: string;
  beforeAll(async () => {
    plan = await makePlan(planArgs({ stack: "msi", "config-file": devWithMsiFile() }));
    human = renderPlan(plan, "human");
    json = renderPlan(plan, "json");
  }, 60_000);

  it("has no MSI warning and plans a private storage account, container and blob in the lab's resource group, in the entra-connect step", () => {
    expect(plan.warnings.map((w) => w.key)).not.toContain("cmg-lab:sync.msiFile");
    const account = one(byType(plan, "azure-native:storage:StorageAccount"), "account");
    expect(account.step).toBe("entra-connect");
    expect(account.inputs).toMatchObject({
      resourceGroupName: "rg-cmglab-msi",
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      allowBlobPublicAccess: false,
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
    });
    const name = String(account.inputs.accountName);
    expect(name.startsWith("stcmglabmsi")).toBe(true);
    expect(storageAccountNameProblem(name)).toBeNull();
    const container = one(byType(plan, "azure-native:storage:BlobContainer"), "container");
    expect(container.inputs).toMatchObject({ accountName: name, containerName: "entra-connect", publicAccess: "None", resourceGroupName: "rg-cmglab-msi" });
    const blob = one(byType(plan, "azure-native:storage:Blob"), "blob");
    expect(blob.inputs).toMatchObject({ accountName: name, containerName: "entra-connect", blobName: "AzureADConnect.msi", type: "Block" });
    // The upload's source is the user's file (an asset: its path, never its bytes, in the plan).
    expect(JSON.stringify(blob.inputs.source)).toContain(path.join(PROJECT_DIR, MSI_REL));
    for (const r of [account, container, blob]) {
      expect(r.step).toBe("entra-connect");
      expect(plan.resources.find((x) => x.urn === r.parent)?.type).toBe("cmg-lab:sync:EntraConnectMsiBlob");
    }
    const component = one(byType(plan, "cmg-lab:sync:EntraConnectMsiBlob"), "component");
    expect(plan.resources.find((x) => x.urn === component.parent)?.type).toBe("cmg-lab:sync:EntraConnect");
  });

  it("gives SYNC01 (only) a system-assigned identity and grants it Storage Blob Data Reader on the container only", () => {
    const vms = byType(plan, "azure-native:compute:VirtualMachine");
    const sync = one(vms.filter((v) => v.inputs.vmName === "cmglab-msi-sync01"), "sync01");
    expect(sync.inputs.identity).toEqual({ type: "SystemAssigned" });
    const others = vms.filter((x) => x !== sync);
    expect(others.length).toBeGreaterThan(0);
    for (const v of others) expect(v.inputs.identity, String(v.inputs.vmName)).toBeUndefined();
    const container = one(byType(plan, "azure-native:storage:BlobContainer"), "container");
    const reader = one(
      byType(plan, "azure-native:authorization:RoleAssignment").filter((r) => r.step === "entra-connect"),
      "reader role",
    );
    const containerId = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-cmglab-msi/providers/Microsoft.Storage/storageAccounts/${String(container.inputs.accountName)}/blobServices/default/containers/entra-connect`;
    expect(reader.inputs).toMatchObject({
      scope: containerId,
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
    });
    expect(reader.inputs.principalId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("installs from the blob with the managed identity, after the blob and the role assignment exist", () => {
    const install = one(
      plan.resources.filter((r) => r.type === RUN_COMMAND_TYPE && r.name === "sync01-install-command"),
      "install",
    );
    const account = String(one(byType(plan, "azure-native:storage:StorageAccount"), "account").inputs.accountName);
    expect(install.inputs.parameters).toEqual([
      { name: "MsiAuth", value: "ManagedIdentity" },
      { name: "MsiUrl", value: `https://${account}.blob.core.windows.net/entra-connect/AzureADConnect.msi` },
    ]);
    expect(install.inputs.protectedParameters).toEqual([]);
    const blob = one(byType(plan, "azure-native:storage:Blob"), "blob");
    const reader = one(byType(plan, "azure-native:authorization:RoleAssignment").filter((r) => r.step === "entra-connect"), "reader");
    expect(install.dependsOn).toContain(blob.urn);
    expect(install.dependsOn).toContain(reader.urn);
    expect(human).toMatch(/compute:RunCommand\s+sync01-install on cmglab-msi-sync01 \(entra-connect-install\.ps1\)/);
    expect(human).toMatch(/storage:Blob\s+AzureADConnect\.msi/);
  });

  it("prices the storage account and says destroy deletes the blob with the lab's resource group", () => {
    const line = plan.cost.lines.find((l) => l.item.startsWith("Storage account st"));
    expect(line?.alwaysHourly).toBeGreaterThan(0);
    expect(line?.alwaysHourly).toBeLessThan(0.001);
    expect(plan.teardown.uploads).toHaveLength(1);
    expect(plan.teardown.uploads[0]).toMatchObject({ blob: "entra-connect/AzureADConnect.msi", resourceGroup: "rg-cmglab-msi" });
    // Nothing of it lives outside the resource groups destroy deletes.
    expect(plan.teardown.outsideResourceGroups.filter((o) => o.type.startsWith("azure-native:storage") || o.name.includes("entra-connect"))).toEqual([]);
    expect(human).toMatch(/Your uploaded file entra-connect\/AzureADConnect\.msi \(storage account st[a-z0-9]+\) is deleted with rg-cmglab-msi/);
  });

  it("prints no key, SAS or token, and no stack output names the storage", () => {
    // (The install script's text is in the plan and says "Bearer $token": a real token is a JWT, "ey...".)
    for (const text of [human, json]) expect(text).not.toMatch(/sig=|[?&]se=\d|AccountKey=|SharedAccessSignature=|Bearer ey/i);
    // Control: the check sees a SAS URL.
    expect(SAS).toMatch(/sig=|[?&]se=\d|AccountKey=|SharedAccessSignature=|Bearer ey/i);
    // No input holds a secret except the admin passwords' usual places: nothing of the storage.
    const storage = plan.resources.filter((r) => r.type.startsWith("azure-native:storage:") || r.step === "entra-connect");
    expect(JSON.stringify(storage.map((r) => r.inputs))).not.toMatch(/listKeys|accountKey/i);
    expect(Object.keys(plan.outputs).join(" ")).not.toMatch(/msi|blob|storage/i);
    expect(JSON.stringify(plan.outputs)).not.toMatch(/blob\.core\.windows\.net/);
  });
});

describe("a hosted MSI URL with a SAS token (set with --secret)", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    const base = sampleConfig();
    ev = await evaluateLab(sampleConfig({ sync: { ...base.sync, msi: { kind: "url", url: pulumi.secret(SAS), secret: true } } }));
  }, 60_000);

  it("sends the URL only as a protected parameter and never prints it", () => {
    const install = ev.resources.find((r) => r.type === RUN_COMMAND_TYPE && r.plainInputs.runCommandName === "sync01-install") as RecordedResource;
    expect(install).toBeDefined();
    expect(Object.keys(sentParameters(install, "protectedParameters"))).toEqual(["MsiUrl"]);
    expect(sentParameters(install, "protectedParameters").MsiUrl).toBe(SAS);
    expect(sentParameters(install, "parameters")).toEqual({ MsiAuth: "None" });
    expect(install.secretPaths).toContain("protectedParameters[0].value");
    expect(JSON.stringify(ev.resources.map((r) => r.inputs))).not.toContain("Sas-Never-Shown");
    expect(JSON.stringify(ev.outputs)).not.toContain("Sas-Never-Shown");
    expect(JSON.stringify(install.inputs.protectedParameters)).toContain(SECRET_TEXT);
    // No storage of the lab's own, no identity.
    expect(ev.resources.filter((r) => r.type.startsWith("azure-native:storage:"))).toEqual([]);
  });
});

describe("the storage account name", () => {
  it.each([
    ["cmglab", "dev", "stcmglabdev"],
    ["cmglab", "Att-01", "stcmglabatt01"],
    ["abcdefgh", "a-very-long-stack-name", "stabcdefghaverylon"],
  ])("prefix %s, stack %s -> %s + 6-character suffix, valid for Azure", (prefix, stack, stem) => {
    expect(msiStorageAccountStem(prefix, stack)).toBe(stem);
    expect(storageAccountNameProblem(`${stem}abc123`)).toBeNull();
  });

  it("control: the validator refuses what Azure refuses", () => {
    expect(storageAccountNameProblem("st-cmglab")).not.toBeNull();
    expect(storageAccountNameProblem("stCmglab")).not.toBeNull();
    expect(storageAccountNameProblem("st")).not.toBeNull();
    expect(storageAccountNameProblem("s".repeat(25))).not.toBeNull();
  });
});

describe("ordering over the whole lab with a local MSI", () => {
  it("the install waits for the blob and the reader role; the blob waits for nothing on the site server", async () => {
    const base = sampleConfig();
    const ev = await evaluateLab(sampleConfig({ sync: { ...base.sync, msi: { kind: "file", file: MSI_REL } } }));
    const closure = waitClosure(ev);
    const install = ev.resources.find((r) => r.plainInputs.runCommandName === "sync01-install") as RecordedResource;
    const blob = ev.resources.find((r) => r.type === "azure-native:storage:Blob") as RecordedResource;
    const reader = ev.resources.find((r) => r.type === "azure-native:authorization:RoleAssignment" && r.step === "entra-connect") as RecordedResource;
    expect(closure.get(install.urn)?.has(blob.urn)).toBe(true);
    expect(closure.get(install.urn)?.has(reader.urn)).toBe(true);
    // Control: the blob does not wait for the install (no cycle, and the check can fail).
    expect(closure.get(blob.urn)?.has(install.urn) ?? false).toBe(false);
  });
});
