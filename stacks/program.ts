import * as pulumi from "@pulumi/pulumi";
import { Lab } from "../components/lab";
import type { LabConfig } from "./lab-config";

/** The stack outputs, by name. */
export interface LabOutputs {
  resourceGroupName: pulumi.Output<string>;
  bastionName: pulumi.Output<string> | undefined;
  adminUsername: string;
  adminPassword: pulumi.Output<string>;
  vmNames: Readonly<Record<string, pulumi.Output<string>>>;
}

/**
 * Builds the lab from a validated config. No side effect at import time: the Pulumi entry
 * (stacks/index.ts), the offline plan and the tests all call this.
 */
export function buildLab(config: LabConfig): { lab: Lab; outputs: LabOutputs } {
  const lab = new Lab(config.prefix, { config });
  return {
    lab,
    outputs: {
      resourceGroupName: lab.resourceGroupName,
      bastionName: lab.bastionName,
      adminUsername: lab.adminUsername,
      adminPassword: lab.adminPassword,
      vmNames: lab.vmNames,
    },
  };
}
