import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../stacks/config/lab-config";
import type { LabNames } from "../../stacks/model/names";
import type { StepScopes } from "./step-scopes";

/** What every area builder gets: the config, the derived names and the step scopes. */
export interface LabContext {
  readonly config: LabConfig;
  readonly names: LabNames;
  readonly scopes: StepScopes;
}

/** The domain's admin account: the local admin of the DC becomes it at promotion. */
export interface DomainAdmin {
  readonly user: string;
  readonly password: pulumi.Output<string>;
}

/** The project root: config paths (sync.msiFile, cmg.certificate.pfxFile) are relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Tags every taggable Azure resource of the lab carries; `step` is added per step. */
export function labTags(config: LabConfig): Record<string, string> {
  return { lab: config.prefix, stack: config.stack, expiresOn: config.schedule.expiresOn, managedBy: "cmg-lab" };
}
