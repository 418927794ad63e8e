import * as pulumi from "@pulumi/pulumi";
import { SITE_MINUTES, SITE_SERVER_FEATURES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface SitePrerequisitesArgs {
  /** Required. The site server VM; the features are installed as LocalSystem before its domain join. */
  readonly vm: WindowsVm;
  /** Optional. Lane of this work on the VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /**
   * Optional. The URN this work's RunStep had as parent before it moved here (the SiteServer of
   * step site-server): an alias, so a lab built before the move updates the same run command
   * instead of creating a second one under the same Azure name.
   */
  readonly formerParent?: pulumi.Input<string>;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The Windows features a primary site server with its management and distribution points needs
 * (stacks/model/site.ts SITE_SERVER_FEATURES), installed as soon as the VM exists: nothing here
 * needs the domain, so it runs beside the media download (a feature fetched from Windows Update
 * waits, bounded, until site-media's switch to Azure DNS lets internet names resolve), and the
 * domain join's restart completes any restart the features ask for.
 */
export class SitePrerequisites extends pulumi.ComponentResource {
  /** Done when every feature is installed and read back. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: SitePrerequisitesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:SitePrerequisites", name, {}, opts);
    const run = new RunStep(
      `${name}-prereqs`,
      {
        vm: args.vm,
        script: "site-prereqs.ps1",
        parameters: { Features: SITE_SERVER_FEATURES.join(","), DnsWaitMinutes: String(SITE_MINUTES.prereqsDnsWait) },
        timeoutMinutes: SITE_MINUTES.prereqsTimeout,
        lane: args.lane,
        tags: args.tags,
      },
      { parent: this, ...(args.formerParent ? { aliases: [{ parent: args.formerParent }] } : {}) },
    );
    this.ready = run.command;
    this.registerOutputs({});
  }
}
