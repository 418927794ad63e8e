import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import type { BastionMode } from "../stacks/config/lab-config";
import type { LabNames } from "../stacks/model/names";

export interface AdminAccessArgs {
  /** Required. Derived names (Bastion host and its public IP). */
  readonly names: LabNames;
  /** Required. Azure region. */
  readonly location: string;
  /** Required. Resource group of the lab. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Required. `basic` (subnet + public IP), `developer` (free, shared) or `none`. */
  readonly bastion: BastionMode;
  /** Required. Resource id of the lab's VNet (the Developer SKU attaches to it). */
  readonly vnetId: pulumi.Input<string>;
  /** Required for `basic`. Resource id of `AzureBastionSubnet`. */
  readonly bastionSubnetId: pulumi.Input<string> | undefined;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The admin path to the VMs that exposes no RDP or WinRM to the internet: Azure Bastion.
 * Separate from the network because it takes about ten minutes to deploy and no VM needs it.
 */
export class AdminAccess extends pulumi.ComponentResource {
  /** Name of the Bastion host; undefined when the mode is `none`. */
  public readonly bastionName: pulumi.Output<string> | undefined;

  constructor(name: string, args: AdminAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:network:AdminAccess", name, {}, opts);
    const tags = { ...args.tags };
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, bastionHostName: args.names.bastion, tags };

    if (args.bastion === "basic") {
      if (!args.bastionSubnetId) throw new Error("AdminAccess: a Basic Bastion needs bastionSubnetId");
      const ip = new network.PublicIPAddress(
        `${name}-bastion-pip`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          publicIpAddressName: args.names.bastionIp,
          sku: { name: "Standard", tier: "Regional" },
          publicIPAllocationMethod: "Static",
          tags,
        },
        { parent: this },
      );
      const host = new network.BastionHost(
        `${name}-bastion`,
        {
          ...common,
          sku: { name: "Basic" },
          ipConfigurations: [{ name: "bastion-ipconfig", subnet: { id: args.bastionSubnetId }, publicIPAddress: { id: ip.id } }],
        },
        { parent: this },
      );
      this.bastionName = host.name;
    } else if (args.bastion === "developer") {
      // The Developer SKU is free and shared; it needs neither a subnet nor a public IP.
      const host = new network.BastionHost(
        `${name}-bastion`,
        { ...common, sku: { name: "Developer" }, virtualNetwork: { id: args.vnetId } },
        { parent: this },
      );
      this.bastionName = host.name;
    } else {
      this.bastionName = undefined;
    }
    this.registerOutputs({ bastionName: this.bastionName });
  }
}
