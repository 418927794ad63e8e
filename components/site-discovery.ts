import * as pulumi from "@pulumi/pulumi";
import { SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { RunAsAccount } from "./site-server";
import type { WindowsVm } from "./windows-vm";

export interface SiteDiscoveryArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server VM. */
  readonly vm: WindowsVm;
  /** Required. The site code. */
  readonly siteCode: string;
  /** Required. FQDN of the site server (SMS Provider). */
  readonly siteServerFqdn: string;
  /** Required. `LDAP://OU=...` of the users OU: target of Active Directory User Discovery. */
  readonly usersOuLdap: string;
  /** Required. `LDAP://OU=...` of the OUs for Active Directory System Discovery (Workstations, Servers). */
  readonly systemOusLdap: readonly string[];
  /** Required. A ConfigMgr Full Administrator (the domain admin that installed the site). */
  readonly runAs: RunAsAccount;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Active Directory User Discovery on the users OU and Active Directory System Discovery on the
 * computer OUs, enabled and run, with a bounded read-back that a user of the users OU has a
 * ConfigMgr user record carrying its AD SID.
 */
export class SiteDiscovery extends pulumi.ComponentResource {
  /** Done when AD user discovery has found a user of the users OU. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: SiteDiscoveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:SiteDiscovery", name, {}, opts);
    const run = new RunStep(
      `${name}-ad-discovery`,
      {
        vm: args.vm,
        script: "site-discovery.ps1",
        parameters: {
          SiteCode: args.siteCode,
          SiteServerFqdn: args.siteServerFqdn,
          UsersOuLdap: args.usersOuLdap,
          SystemOusLdap: args.systemOusLdap.join(";"),
          WaitMinutes: String(SITE_MINUTES.discoveryWait),
        },
        runAs: args.runAs,
        timeoutMinutes: SITE_MINUTES.discoveryTimeout,
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = run.command;
    this.registerOutputs({});
  }
}
