import * as pulumi from "@pulumi/pulumi";
import { AZURE_DNS } from "../stacks/model/ad";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface AdForestArgs {
  /** Required. The VM promoted to the forest's first domain controller (static address; the VNet's DNS points at it). */
  readonly vm: WindowsVm;
  /** Required. DNS name of the new forest root domain, e.g. `corp.cmglab.example`. */
  readonly domainFqdn: string;
  /** Required. NetBIOS name of the domain, 1-15 characters. */
  readonly netbiosName: string;
  /** Required. Directory Services Restore Mode password; must be a Pulumi secret (sent as a protected parameter). */
  readonly safeModePassword: pulumi.Input<string>;
  /** Optional. Where the DC's DNS server forwards names it does not own. Default Azure DNS, 168.63.129.16. */
  readonly dnsForwarder?: string;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Bound of the wait for AD after the promotion reboot (the first boot of a new DC is slow). */
export const FOREST_WAIT_MINUTES = 30;
/** Bound of the promotion script itself (feature install plus Install-ADDSForest). */
export const FOREST_PROMOTE_MINUTES = 45;

/**
 * A new AD forest with DNS on one VM, in three run commands that run in this order:
 * `ad-forest-promote.ps1` installs AD DS and DNS, runs Install-ADDSForest without rebooting and
 * schedules the reboot (the command reports before the machine goes down, like a domain join);
 * `wait-ad-forest.ps1` waits, bounded, until the DC is back and AD answers (AD Web Services,
 * Get-ADDomain, the DC locator SRV record); `ad-dns-forwarder.ps1` forwards other names to
 * Azure DNS. Anything that needs the domain depends on {@link AdForest.ready}.
 */
export class AdForest extends pulumi.ComponentResource {
  /** Done when AD answers and the DNS forwarder is set. */
  public readonly ready: pulumi.Resource;
  /** The forest root's DNS name. */
  public readonly domainFqdn: string;

  constructor(name: string, args: AdForestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:ad:AdForest", name, {}, opts);
    const promote = new RunStep(
      `${name}-promote`,
      {
        vm: args.vm,
        script: "ad-forest-promote.ps1",
        parameters: { DomainFqdn: args.domainFqdn, NetbiosName: args.netbiosName },
        protectedParameters: { SafeModePassword: args.safeModePassword },
        timeoutMinutes: FOREST_PROMOTE_MINUTES,
        tags: args.tags,
      },
      { parent: this },
    );
    const wait = new RunStep(
      `${name}-wait`,
      {
        vm: args.vm,
        script: "wait-ad-forest.ps1",
        parameters: { DomainFqdn: args.domainFqdn, WaitMinutes: String(FOREST_WAIT_MINUTES) },
        timeoutMinutes: FOREST_WAIT_MINUTES + 5,
        after: [promote.command],
        tags: args.tags,
      },
      { parent: this },
    );
    const forwarder = new RunStep(
      `${name}-dns-forwarder`,
      {
        vm: args.vm,
        script: "ad-dns-forwarder.ps1",
        parameters: { ForwarderAddress: args.dnsForwarder ?? AZURE_DNS },
        timeoutMinutes: 10,
        after: [wait.command],
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = forwarder.command;
    this.domainFqdn = args.domainFqdn;
    this.registerOutputs({ domainFqdn: this.domainFqdn });
  }
}
