import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labPasswordArgs } from "../stacks/model/passwords";

export interface LabCredentialsArgs {
  /** Required. Admin user name of every VM and of the domain. */
  readonly adminUsername: string;
}

/**
 * The lab's admin credential: one generated password for the local admin of every VM, which
 * becomes the domain admin's password when the DC is promoted. It lives in Pulumi state (as a
 * secret) so it is stable across `pulumi up` runs and new after a rebuild; nothing is hard-coded.
 */
export class LabCredentials extends pulumi.ComponentResource {
  /** Admin user name. */
  public readonly adminUsername: string;
  /** Admin password (secret). */
  public readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: LabCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:identity:LabCredentials", name, {}, opts);
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      // Azure: 12-123 characters from at least three classes.
      labPasswordArgs(24),
      { parent: this },
    );
    this.adminUsername = args.adminUsername;
    this.adminPassword = pulumi.secret(password.result);
    // The password stays off the registered outputs; `adminPassword` is the property to use.
    this.registerOutputs({ adminUsername: this.adminUsername });
  }
}
