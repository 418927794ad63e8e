import * as pulumi from "@pulumi/pulumi";
import { SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { RunAsAccount } from "./site-server";
import type { WindowsVm } from "./windows-vm";

export interface AadUserDiscoveryArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server VM. */
  readonly vm: WindowsVm;
  /** Required. The site code. */
  readonly siteCode: string;
  /** Required. A ConfigMgr Full Administrator (the domain admin that installed the site). */
  readonly runAs: RunAsAccount;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Azure AD user discovery, run and verified. It is switched on with the Cloud Management service
 * (azure-services); no documented cmdlet starts a run now (UNCONFIRMED), so the service's short
 * delta interval does, and this step waits, bounded, until some ConfigMgr user record carries an
 * Entra object id (`check-user-discovery.ps1 -Require entra`). Any tenant user counts, synced or
 * cloud-only, so this step does not wait for Entra Connect; the verify step checks the demo users
 * for both sides.
 */
export class AadUserDiscovery extends pulumi.ComponentResource {
  /** Done when a user record with an Entra object id exists. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: AadUserDiscoveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:AadUserDiscovery", name, {}, opts);
    const check = new RunStep(
      `${name}-check`,
      {
        vm: args.vm,
        script: "check-user-discovery.ps1",
        // Both sides on one record: the user the CMG's token request looks up is completely
        // discovered (AD discovery runs beside this check; the wait covers it).
        parameters: { SiteCode: args.siteCode, UserName: "*", Require: "both", WaitMinutes: String(SITE_MINUTES.aadDiscoveryWait) },
        runAs: args.runAs,
        timeoutMinutes: SITE_MINUTES.aadDiscoveryTimeout,
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = check.command;
    this.registerOutputs({});
  }
}
