import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { BastionMode } from "../stacks/config/lab-config";
import { ADDRESSES, SUBNET_ROLES, type LabNames, type SubnetRole } from "../stacks/model/names";

/** Ports the management point, site server and SQL answer on; the internet subnet must not reach them. */
export const SITE_SERVER_INTRANET_PORTS = ["80", "443", "135", "445", "1433", "4022", "8530", "8531", "10123"];
/** Azure Bastion's subnet must have exactly this name. */
export const BASTION_SUBNET = "AzureBastionSubnet";
/** Remote-admin ports that must never be open to the internet. */
export const ADMIN_PORTS = ["22", "3389", "5985", "5986"];

export interface LabNetworkArgs {
  /** Required. Derived names (resource group, VNet, NSGs, Bastion). */
  readonly names: LabNames;
  /** Required. Azure region. */
  readonly location: string;
  /** Required. Admin path: Azure Bastion SKU, or `none` (a Basic Bastion gets its subnet here). */
  readonly bastion: BastionMode;
  /** Required. Public CIDRs allowed to RDP in; empty opens nothing. */
  readonly allowedSourceCidrs: readonly string[];
  /** Required. DNS servers handed to every VM by the VNet (the DC's address). */
  readonly dnsServers: readonly string[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

type Rule = inputs.network.SecurityRuleArgs;

function rule(name: string, priority: number, r: Omit<Rule, "name" | "priority">): Rule {
  return { name, priority, ...r };
}

/** NSG rules per subnet role. Exported for tests and for the plan's readers. */
export function securityRules(role: SubnetRole, allowedSourceCidrs: readonly string[]): Rule[] {
  const rules: Rule[] = [];
  if (allowedSourceCidrs.length > 0) {
    rules.push(
      rule("allow-rdp-from-admin-sources", 100, {
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefixes: [...allowedSourceCidrs],
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: "3389",
      }),
    );
  }
  if (role === "internet") {
    // An "internet" client must reach the site only through the CMG, as on a real internet
    // connection; the domain controller stays reachable so the client can join the domain.
    rules.push(
      rule("deny-out-to-site-server", 200, {
        direction: "Outbound",
        access: "Deny",
        protocol: "*",
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
        destinationAddressPrefix: `${ADDRESSES.siteServer}/32`,
        destinationPortRanges: [...SITE_SERVER_INTRANET_PORTS],
      }),
      rule("deny-in-from-site-server", 200, {
        direction: "Inbound",
        access: "Deny",
        protocol: "*",
        sourceAddressPrefix: `${ADDRESSES.siteServer}/32`,
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: "*",
      }),
    );
  }
  // Explicit, so that the intent survives a later, broader allow rule with a lower priority number.
  rules.push(
    rule("deny-admin-ports-from-internet", 4000, {
      direction: "Inbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRanges: [...ADMIN_PORTS],
    }),
  );
  return rules;
}

/**
 * The lab's network: resource group, one VNet with inline subnets (servers, workstations,
 * internet clients, and Bastion's subnet), an NSG per VM subnet. No VM port is open to the
 * internet unless `allowedSourceCidrs` lists sources; Bastion itself is `AdminAccess`.
 */
export class LabNetwork extends pulumi.ComponentResource {
  /** Name of the lab's resource group. */
  public readonly resourceGroupName: pulumi.Output<string>;
  /** Resource id of the lab's resource group. */
  public readonly resourceGroupId: pulumi.Output<string>;
  /** Resource id of the VNet. */
  public readonly vnetId: pulumi.Output<string>;
  /** Subnet resource ids by role. */
  public readonly subnetIds: Readonly<Record<SubnetRole, pulumi.Output<string>>>;
  /** Resource id of `AzureBastionSubnet`, when the admin path is a Basic Bastion. */
  public readonly bastionSubnetId: pulumi.Output<string> | undefined;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:network:LabNetwork", name, {}, opts);
    const tags = { ...args.tags };
    const { names, location } = args;

    const rg = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: names.resourceGroup, location, tags },
      { parent: this },
    );

    const nsgs = Object.fromEntries(
      SUBNET_ROLES.map((role) => [
        role,
        new network.NetworkSecurityGroup(
          `${name}-nsg-${role}`,
          {
            resourceGroupName: rg.name,
            location,
            networkSecurityGroupName: names.nsg(role),
            securityRules: securityRules(role, args.allowedSourceCidrs),
            tags,
          },
          { parent: this },
        ),
      ]),
    ) as Record<SubnetRole, network.NetworkSecurityGroup>;

    const subnets: inputs.network.SubnetArgs[] = SUBNET_ROLES.map((role) => ({
      name: names.subnet(role),
      addressPrefix: ADDRESSES[role],
      networkSecurityGroup: { id: nsgs[role].id },
      // VMs need outbound internet (downloads, Entra ID, the CMG). Said explicitly: new VNets
      // lose implicit outbound access on newer network API versions.
      defaultOutboundAccess: true,
    }));
    if (args.bastion === "basic") subnets.push({ name: BASTION_SUBNET, addressPrefix: ADDRESSES.bastion });

    // Inline subnets only (no standalone Subnet resources): mixing both causes perpetual diffs.
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        resourceGroupName: rg.name,
        location,
        virtualNetworkName: names.vnet,
        addressSpace: { addressPrefixes: [ADDRESSES.vnet] },
        dhcpOptions: { dnsServers: [...args.dnsServers] },
        subnets,
        tags,
      },
      { parent: this },
    );
    const subnetId = (subnetName: string): pulumi.Output<string> => pulumi.interpolate`${vnet.id}/subnets/${subnetName}`;

    this.bastionSubnetId = args.bastion === "basic" ? subnetId(BASTION_SUBNET) : undefined;
    this.resourceGroupName = rg.name;
    this.resourceGroupId = rg.id;
    this.vnetId = vnet.id;
    this.subnetIds = {
      servers: subnetId(names.subnet("servers")),
      workstations: subnetId(names.subnet("workstations")),
      internet: subnetId(names.subnet("internet")),
    };
    this.registerOutputs({ resourceGroupName: this.resourceGroupName, vnetId: this.vnetId });
  }
}
