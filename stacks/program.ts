import * as pulumi from "@pulumi/pulumi";
import { Lab, type LabPowerOutput } from "../components/lab";
import type { LabConfig } from "./config/lab-config";
import { validateRunbook } from "./model/runbook";

/**
 * The stack outputs, by name. None is a secret: outputs end up in CI logs and dashboards. The
 * generated passwords stay in state as Pulumi secrets; `npm run credentials` prints them.
 */
export interface LabOutputs {
  resourceGroupName: pulumi.Output<string>;
  bastionName: pulumi.Output<string> | undefined;
  adminUsername: string;
  vmNames: Readonly<Record<string, pulumi.Output<string>>>;
  /** The demo users' UPNs (sign in to Entra ID once synced). */
  demoUsers: pulumi.Output<string[]>;
  /** Entra tenant id. */
  tenantId: pulumi.Output<string>;
  /** ConfigMgr server (web) app's client id and Application ID URI (the clients' AADRESOURCEURI). */
  serverAppClientId: pulumi.Output<string>;
  serverAppIdentifierUri: pulumi.Output<string>;
  /** When the server app secret ends (RFC 3339); rotate with cmg-lab:entra.secretIssuedOn. The secret itself is not an output. */
  serverAppSecretEndDate: pulumi.Output<string>;
  /** ConfigMgr client (native) app's client id (AADCLIENTAPPID). */
  clientAppClientId: pulumi.Output<string>;
  /** UPN of the Entra Connect setup identity. */
  connectSetupUpn: pulumi.Output<string>;
  /** The CMG's resource group, where the server app holds its role. */
  cmgResourceGroupName: pulumi.Output<string>;
  /** Prerequisite: register the CMG's resource providers once per subscription. */
  cmgProviderRegistration: string;
  /** CMG service name (its deployment name; the server certificate's CN). */
  cmgServiceFqdn: pulumi.Output<string>;
  /** The verify step's reports, read back from the run commands' instance view after they ran. */
  verifyReport: pulumi.Output<string>;
  /** Commands printing the same reports (for a failed run, when the stack output is not written). */
  verifyReportCommands: pulumi.Output<string[]>;
  /** The end-to-end checks the verify step runs. */
  verifyChecks: readonly string[];
  /** Starts every lab VM: run it before a `pulumi up` that changes in-guest steps. */
  startVmsCommand: pulumi.Output<string>;
  /** What npm run pause / npm run resume read (scripts/cli/lab-power.ts). */
  power: pulumi.Output<LabPowerOutput>;
}

/**
 * Builds the lab from a validated config. No side effect at import time: the Pulumi entry
 * (stacks/index.ts), the offline plan and the tests all call this.
 */
export function buildLab(config: LabConfig): { lab: Lab; outputs: LabOutputs } {
  // The runbook is the spine of the dependency order: a broken table builds nothing.
  const problems = validateRunbook();
  if (problems.length > 0) throw new Error(`the runbook table (stacks/model/runbook.ts) is inconsistent: ${problems.join("; ")}`);
  const lab = new Lab(config.prefix, { config });
  return {
    lab,
    outputs: {
      resourceGroupName: lab.resourceGroupName,
      bastionName: lab.bastionName,
      adminUsername: lab.adminUsername,
      vmNames: lab.vmNames,
      demoUsers: pulumi.output([...lab.demoUserUpns]),
      tenantId: lab.entra.tenantId,
      serverAppClientId: lab.entra.serverAppClientId,
      serverAppIdentifierUri: lab.entra.serverAppIdentifierUri,
      serverAppSecretEndDate: lab.entra.serverAppSecretEndDate,
      clientAppClientId: lab.entra.clientAppClientId,
      connectSetupUpn: lab.entra.connectSetupUpn,
      cmgResourceGroupName: lab.cmgAccess.cmgResourceGroupName,
      cmgProviderRegistration: lab.cmgAccess.providerRegistration,
      cmgServiceFqdn: lab.cmgServiceFqdn,
      verifyReport: lab.verifyReport,
      verifyReportCommands: lab.verifyReportCommands,
      verifyChecks: lab.verifyChecks,
      startVmsCommand: lab.startVmsCommand,
      power: lab.power,
    },
  };
}
