import { ClientAgent } from "../client-agent";
import type { DomainMember } from "../domain-member";
import type { EntraApps } from "../entra-apps";
import type { LabNetwork } from "../lab-network";
import { LabVerify } from "../lab-verify";
import type { SiteServer } from "../site-server";
import type { WindowsVm } from "../windows-vm";
import type { CmgArea } from "./cmg";
import type { DomainAdmin, LabContext } from "./context";

/** Steps client-agent, verify: the ConfigMgr client on every client over the CMG, then the end-to-end checks. */
export function buildAgentsAndVerify(
  { config, scopes }: LabContext,
  deps: {
    siteServer: WindowsVm;
    clients: WindowsVm[];
    members: DomainMember[];
    site: SiteServer;
    entra: EntraApps;
    cmg: CmgArea;
    network: LabNetwork;
    domainAdmin: DomainAdmin;
  },
): { verify: LabVerify } {
  const { siteServer, clients, members, site, entra, network, domainAdmin } = deps;
  const { cmgCert, cmg, connectionPoint } = deps.cmg;

  const agentStep = scopes.get("client-agent");
  clients.forEach(
    (client, i) =>
      new ClientAgent(
        client.computerName.toLowerCase(),
        {
          vm: client,
          clientShareUnc: connectionPoint.clientShareUnc,
          cmgFqdn: cmg.serviceFqdn,
          siteCode: site.siteCode,
          tenantId: entra.tenantId,
          clientAppClientId: entra.clientAppClientId,
          serverAppIdentifierUri: entra.serverAppIdentifierUri,
          network: config.clients[i]?.network ?? "internet",
          siteServerFqdn: site.fqdn,
          ...(cmgCert.caCommonName ? { caCommonName: cmgCert.caCommonName } : {}),
          // The step already waits for clients and cmg-connection-point; named for the reader.
          after: [connectionPoint.ready, ...(members[i] ? [members[i].ready] : [])],
          tags: agentStep.tags,
        },
        { parent: agentStep },
      ),
  );

  const verifyStep = scopes.get("verify");
  const verify = new LabVerify(
    "verify",
    {
      siteServer,
      siteCode: site.siteCode,
      siteServerFqdn: site.fqdn,
      cmgFqdn: cmg.serviceFqdn,
      tenantId: entra.tenantId,
      clients,
      intranetClients: config.clients.filter((c) => c.network === "intranet").map((c) => c.name),
      resourceGroupName: network.resourceGroupName,
      runAs: domainAdmin,
      tags: verifyStep.tags,
    },
    { parent: verifyStep },
  );

  return { verify };
}
