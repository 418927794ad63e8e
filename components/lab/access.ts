import { ADDRESSES } from "../../stacks/model/names";
import { AdminAccess } from "../admin-access";
import { LabCredentials } from "../lab-credentials";
import { LabNetwork } from "../lab-network";
import type { LabStep } from "../lab-step";
import type { DomainAdmin, LabContext } from "./context";

export interface AccessArea {
  readonly credentials: LabCredentials;
  readonly network: LabNetwork;
  readonly admin: AdminAccess;
  /** The `admin-access` step (its tags describe the Bastion that npm run resume recreates). */
  readonly adminStep: LabStep;
  readonly domainAdmin: DomainAdmin;
}

/** Steps credentials, network, admin-access: the lab's secret, its network and the admin path. */
export function buildAccess({ config, names, scopes }: LabContext): AccessArea {
  const credentialsStep = scopes.get("credentials");
  const credentials = new LabCredentials("admin", { adminUsername: config.admin.username }, { parent: credentialsStep });

  const networkStep = scopes.get("network");
  const network = new LabNetwork(
    "lab",
    {
      names,
      location: config.location,
      bastion: config.admin.bastion,
      allowedSourceCidrs: config.admin.allowedSourceCidrs,
      // Every VM resolves the domain through the DC; the DC forwards other names to Azure DNS
      // once promoted (ad-dns-forwarder.ps1).
      dnsServers: [ADDRESSES.dc],
      tags: networkStep.tags,
    },
    { parent: networkStep },
  );

  const adminStep = scopes.get("admin-access");
  const admin = new AdminAccess(
    "lab",
    {
      names,
      location: config.location,
      resourceGroupName: network.resourceGroupName,
      bastion: config.admin.bastion,
      vnetId: network.vnetId,
      bastionSubnetId: network.bastionSubnetId,
      tags: adminStep.tags,
    },
    { parent: adminStep },
  );

  const domainAdmin = {
    user: `${config.domain.netbiosName}\\${credentials.adminUsername}`,
    password: credentials.adminPassword,
  };
  return { credentials, network, admin, adminStep, domainAdmin };
}
