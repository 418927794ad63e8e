import { labCaCommonName } from "../../stacks/model/cmg";
import { cmgRegion } from "../../stacks/model/cmg-names";
import { Cmg } from "../cmg";
import type { CmgAzureAccess } from "../cmg-azure-access";
import { CmgCertificate } from "../cmg-certificate";
import { CmgConnectionPoint } from "../cmg-connection-point";
import type { EntraApps } from "../entra-apps";
import type { SiteServer } from "../site-server";
import type { WindowsVm } from "../windows-vm";
import { PROJECT_DIR, type DomainAdmin, type LabContext } from "./context";

export interface CmgArea {
  readonly cmgCert: CmgCertificate;
  readonly cmg: Cmg;
  readonly connectionPoint: CmgConnectionPoint;
}

/**
 * Steps cmg-certificate, cmg, cmg-connection-point. The CMG's names come from the certificate
 * step: lab-ca adds a per-deployment suffix (key vault soft delete), a supplied PFX fixes the
 * name. On CM01 the certificate and the CMG each run in their own lane (WindowsVm.sequence),
 * after the site install and beside Azure AD user discovery's wait; the connection point
 * follows the CMG in its lane.
 */
export function buildCmg(
  { config, scopes }: LabContext,
  deps: { dc: WindowsVm; siteServer: WindowsVm; site: SiteServer; entra: EntraApps; cmgAccess: CmgAzureAccess; domainAdmin: DomainAdmin },
): CmgArea {
  const { dc, siteServer, site, entra, cmgAccess, domainAdmin } = deps;
  const region = cmgRegion(config.location);
  if (region === undefined) throw new Error(`internal: location ${config.location} is not a CMG region (the config loader refuses it)`);

  const cmgCertStep = scopes.get("cmg-certificate");
  const cmgCert = new CmgCertificate(
    "cmg",
    {
      certificate: config.cmg.certificate,
      cmgName: config.cmg.name,
      location: config.location,
      dc,
      siteServer,
      domainFqdn: config.domain.fqdn,
      caCommonName: labCaCommonName(config.domain.netbiosName),
      runAs: domainAdmin,
      expiresOn: config.schedule.expiresOn,
      projectDir: PROJECT_DIR,
      siteServerLane: "cmg-certificate",
      tags: cmgCertStep.tags,
    },
    { parent: cmgCertStep },
  );

  const cmgStep = scopes.get("cmg");
  const cmg = new Cmg(
    "cmg",
    {
      siteServer,
      siteCode: site.siteCode,
      siteServerFqdn: site.fqdn,
      serviceFqdn: cmgCert.serviceFqdn,
      region,
      instances: config.cmg.instances,
      vmSize: config.cmg.vmSize,
      subscriptionId: cmgAccess.subscriptionId,
      groupName: cmgAccess.cmgResourceGroupName,
      serverAppClientId: entra.serverAppClientId,
      tenantId: entra.tenantId,
      pfxPath: cmgCert.pfxPath,
      pfxPassword: cmgCert.pfxPassword,
      runAs: domainAdmin,
      lane: "cmg",
      tags: cmgStep.tags,
    },
    { parent: cmgStep },
  );

  const cpStep = scopes.get("cmg-connection-point");
  const connectionPoint = new CmgConnectionPoint(
    "cmg",
    {
      dc,
      domainFqdn: config.domain.fqdn,
      siteServer,
      siteCode: site.siteCode,
      siteServerFqdn: site.fqdn,
      serviceFqdn: cmg.serviceFqdn,
      runAs: domainAdmin,
      siteServerLane: "cmg",
      tags: cpStep.tags,
    },
    { parent: cpStep },
  );

  return { cmgCert, cmg, connectionPoint };
}
