import * as pulumi from "@pulumi/pulumi";
import { SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { RunAsAccount } from "./site-server";
import type { WindowsVm } from "./windows-vm";

export interface EnhancedHttpArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server VM. */
  readonly vm: WindowsVm;
  /** Required. The site code. */
  readonly siteCode: string;
  /** Required. FQDN of the site server (SMS Provider and management point). */
  readonly siteServerFqdn: string;
  /** Required. A ConfigMgr Full Administrator (the domain admin that installed the site). */
  readonly runAs: RunAsAccount;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Enhanced HTTP: the site option "Use Configuration Manager-generated certificates for HTTP site
 * systems" set and read back in a bounded loop, the management point kept on HTTP, and the
 * "SMS Role SSL Certificate" checked on 0.0.0.0:443 (bounded wait, about 30 minutes).
 */
export class EnhancedHttp extends pulumi.ComponentResource {
  /** Done when the option reads back on and the certificate is bound. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: EnhancedHttpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:EnhancedHttp", name, {}, opts);
    const run = new RunStep(
      `${name}-site-option`,
      {
        vm: args.vm,
        script: "enhanced-http.ps1",
        parameters: { SiteCode: args.siteCode, SiteServerFqdn: args.siteServerFqdn, WaitMinutes: String(SITE_MINUTES.enhancedHttpWait) },
        runAs: args.runAs,
        timeoutMinutes: SITE_MINUTES.enhancedHttpTimeout,
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = run.command;
    this.registerOutputs({});
  }
}
