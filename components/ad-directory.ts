import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labPasswordArgs } from "../stacks/model/passwords";
import { DEMO_GROUP_NAME, demoUsers } from "../stacks/model/ad";
import { domainDn, ouDn } from "../stacks/model/names";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface AdDirectoryArgs {
  /** Required. The domain controller the directory is written on. */
  readonly vm: WindowsVm;
  /** Required. DNS name of the domain. */
  readonly domainFqdn: string;
  /** Required. Top-level OUs to create under the domain root (names without commas). */
  readonly ous: readonly string[];
  /** Required. The OU (one of `ous`) holding the demo users and their group. */
  readonly usersOu: string;
  /** Required. The tenant's domain: added to the forest as a UPN suffix and used for the demo users' UPNs. */
  readonly tenantDomain: string;
  /** Required. How many demo users to create (1-50): `labuser01`, `labuser02`, ... */
  readonly demoUserCount: number;
  /** Optional. More resources the directory waits for (for example the forest's readiness). */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Null when the OU list and the users OU can be passed to ad-directory.ps1, else what is wrong. */
export function directoryArgsProblem(ous: readonly string[], usersOu: string): string | null {
  if (!ous.some((ou) => ou.toLowerCase() === usersOu.toLowerCase())) return `the users OU '${usersOu}' is not one of the OUs ${ous.join(", ")}`;
  const bad = ous.find((ou) => ou.includes(",") || ou.trim() === "");
  if (bad !== undefined) return `the OU name '${bad}' is empty or contains a comma (the OU list travels comma-separated)`;
  return null;
}

/**
 * The lab's directory content: the OUs, the tenant's domain as a UPN suffix, the demo users in
 * the users OU (UPN `<name>@<tenant domain>`, so they sign in to Entra ID once synced) and the
 * group "CMG Lab Users" holding them. One run command on the DC (`ad-directory.ps1`).
 *
 * The demo users get their own generated password, not the admin's: it is the one presenters
 * type on stage and hand to attendees, and it must not open the domain.
 */
export class AdDirectory extends pulumi.ComponentResource {
  /** Done when the OUs, the UPN suffix, the users and the group exist (read back). */
  public readonly ready: pulumi.Resource;
  /** Password of every demo user (secret). */
  public readonly demoUserPassword: pulumi.Output<string>;
  /** The demo users' UPNs. */
  public readonly demoUserUpns: readonly string[];
  /** Name of the demo users' group. */
  public readonly groupName: string;

  constructor(name: string, args: AdDirectoryArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything.
    const problem = directoryArgsProblem(args.ous, args.usersOu);
    if (problem !== null) throw new Error(`AdDirectory ${name}: ${problem}`);
    const users = demoUsers(args.demoUserCount, args.tenantDomain);
    super("cmg-lab:ad:AdDirectory", name, {}, opts);

    const password = new random.RandomPassword(
      `${name}-demo-user-password`,
      // Meets the default domain password policy (complexity, 7+ characters).
      labPasswordArgs(20),
      { parent: this },
    );
    this.demoUserPassword = pulumi.secret(password.result);

    const directory = new RunStep(
      `${name}-directory`,
      {
        vm: args.vm,
        script: "ad-directory.ps1",
        parameters: {
          DomainDn: domainDn(args.domainFqdn),
          Ous: args.ous.join(","),
          UsersOuDn: ouDn(args.usersOu, args.domainFqdn),
          UpnSuffix: args.tenantDomain.toLowerCase(),
          DemoUsers: users.map((u) => u.samAccountName).join(","),
          GroupName: DEMO_GROUP_NAME,
        },
        protectedParameters: { DemoUserPassword: this.demoUserPassword },
        timeoutMinutes: 15,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = directory.command;
    this.demoUserUpns = users.map((u) => u.userPrincipalName);
    this.groupName = DEMO_GROUP_NAME;
    // Secrets stay off the component's registered outputs: they are read from the resources that hold them.
    this.registerOutputs({ demoUserUpns: this.demoUserUpns, groupName: this.groupName });
  }
}
