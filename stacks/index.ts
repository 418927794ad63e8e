/**
 * The Pulumi program's entry (package.json `main`). Reads the stack config once, refuses a lab with
 * a known miss before any resource is registered, logs the warnings, builds the lab and exports
 * its outputs. Everything it calls is side-effect free at import, so tests and the offline plan
 * run the same code through `buildLab`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { formatConfigIssues, LabConfigError, parseLabConfig } from "./config/config";
import { rawConfigFromPulumi } from "./config/config-file";
import { buildLab } from "./program";

const parsed = parseLabConfig(rawConfigFromPulumi(), {
  today: new Date().toISOString().slice(0, 10),
  projectDir: path.resolve(__dirname, ".."),
  // The engine hands over the decrypted PFX password: a bad supplied CMG certificate is refused here, before any resource.
  checkPfx: true,
  // Not the offline plan: a config without the Entra Connect MSI (sync.msiFile / sync.msiUrl) is
  // refused here, before any resource, with where to download it.
  offlinePlan: false,
});
const errors = parsed.issues.filter((i) => i.severity === "error");
if (!parsed.config || errors.length > 0) {
  // RunError: the engine prints the message alone, without a stack trace.
  throw new LabConfigError(errors);
}
const warnings = parsed.issues.filter((i) => i.severity === "warning");
if (warnings.length > 0) void pulumi.log.warn(formatConfigIssues(warnings));

const { outputs } = buildLab(parsed.config);

// One named export per LabOutputs field (stacks/program.ts); test/entry.test.ts checks the two match.
export const resourceGroupName = outputs.resourceGroupName;
export const bastionName = outputs.bastionName;
export const adminUsername = outputs.adminUsername;
export const vmNames = outputs.vmNames;
export const demoUsers = outputs.demoUsers;
export const tenantId = outputs.tenantId;
export const serverAppClientId = outputs.serverAppClientId;
export const serverAppIdentifierUri = outputs.serverAppIdentifierUri;
export const serverAppSecretEndDate = outputs.serverAppSecretEndDate;
export const clientAppClientId = outputs.clientAppClientId;
export const connectSetupUpn = outputs.connectSetupUpn;
export const cmgResourceGroupName = outputs.cmgResourceGroupName;
export const cmgProviderRegistration = outputs.cmgProviderRegistration;
export const cmgServiceFqdn = outputs.cmgServiceFqdn;
export const verifyReport = outputs.verifyReport;
export const verifyReportCommands = outputs.verifyReportCommands;
export const verifyChecks = outputs.verifyChecks;
export const startVmsCommand = outputs.startVmsCommand;
export const power = outputs.power;
