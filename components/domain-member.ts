import * as pulumi from "@pulumi/pulumi";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface DomainMemberArgs {
  /** Required. The VM to join. */
  readonly vm: WindowsVm;
  /** Required. AD domain DNS name. */
  readonly domainFqdn: string;
  /** Required. Distinguished name of the OU the computer account is created in. */
  readonly ouDn: string;
  /** Required. Address of a domain controller, waited for before joining. */
  readonly dcAddress: string;
  /** Required. Account allowed to join computers, `NETBIOS\user`. */
  readonly joinUser: pulumi.Input<string>;
  /** Required. Its password; must be a Pulumi secret (sent as a protected parameter). */
  readonly joinPassword: pulumi.Input<string>;
  /** Optional. More resources the join waits for (for example the OU's creation). */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** How long the join waits for the DC, and the wait step for the reboot and secure channel. */
export const DOMAIN_WAIT_MINUTES = 30;

/**
 * Joins a VM to the lab domain in two run commands: `domain-join.ps1` joins into the OU and
 * schedules the reboot that completes the join; `wait-domain-member.ps1` then waits, bounded,
 * until the machine is back with a working secure channel. Anything that needs the machine in
 * the domain depends on {@link DomainMember.ready}.
 */
export class DomainMember extends pulumi.ComponentResource {
  /** Done when the VM is a working domain member. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: DomainMemberArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:vm:DomainMember", name, {}, opts);
    const join = new RunStep(
      `${name}-domain-join`,
      {
        vm: args.vm,
        script: "domain-join.ps1",
        parameters: {
          DomainFqdn: args.domainFqdn,
          OuDn: args.ouDn,
          DcAddress: args.dcAddress,
          JoinUser: args.joinUser,
          WaitMinutes: String(DOMAIN_WAIT_MINUTES),
        },
        protectedParameters: { JoinPassword: args.joinPassword },
        timeoutMinutes: DOMAIN_WAIT_MINUTES + 10,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    const wait = new RunStep(
      `${name}-wait-domain-member`,
      {
        vm: args.vm,
        script: "wait-domain-member.ps1",
        parameters: { DomainFqdn: args.domainFqdn, WaitMinutes: String(DOMAIN_WAIT_MINUTES) },
        timeoutMinutes: DOMAIN_WAIT_MINUTES + 5,
        after: [join.command],
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = wait.command;
    this.registerOutputs({});
  }
}
