import { ADDRESSES, domainDn, ouDn } from "../../stacks/model/names";
import { ldapPath, siteName } from "../../stacks/model/site";
import { AadUserDiscovery } from "../aad-user-discovery";
import { AzureServices } from "../azure-services";
import { EnhancedHttp } from "../enhanced-http";
import type { EntraApps } from "../entra-apps";
import { SiteDiscovery } from "../site-discovery";
import { SiteMedia } from "../site-media";
import { SiteServer } from "../site-server";
import type { WindowsVm } from "../windows-vm";
import type { DomainAdmin, LabContext } from "./context";

/**
 * Steps site-media, site-server, enhanced-http, ad-user-discovery, azure-services on CM01. Its
 * run commands run one after another (WindowsVm.sequence), in this order. The media download
 * comes first, so it starts as soon as the VM exists, in parallel with the forest; the work
 * after the join runs as the domain admin, who installs the site and so is its Full
 * Administrator (LocalSystem's ConfigMgr rights: UNCONFIRMED).
 */
export function buildSite(
  { config, scopes }: LabContext,
  { siteServer, entra, domainAdmin }: { siteServer: WindowsVm; entra: EntraApps; domainAdmin: DomainAdmin },
): { site: SiteServer } {
  const mediaStep = scopes.get("site-media");
  const media = new SiteMedia("site", { vm: siteServer, media: config.site.media, tags: mediaStep.tags }, { parent: mediaStep });

  const siteStep = scopes.get("site-server");
  const site = new SiteServer(
    "site",
    {
      vm: siteServer,
      domainFqdn: config.domain.fqdn,
      domainDn: domainDn(config.domain.fqdn),
      netbiosName: config.domain.netbiosName,
      serversOuDn: ouDn(config.domain.serversOu, config.domain.fqdn),
      dcAddress: ADDRESSES.dc,
      domainAdmin,
      siteCode: config.site.siteCode,
      siteName: siteName(config.prefix, config.site.siteCode),
      mediaRoot: media.mediaRoot,
      tags: siteStep.tags,
    },
    { parent: siteStep },
  );

  const ehttpStep = scopes.get("enhanced-http");
  new EnhancedHttp(
    "site",
    { vm: siteServer, siteCode: site.siteCode, siteServerFqdn: site.fqdn, runAs: domainAdmin, tags: ehttpStep.tags },
    { parent: ehttpStep },
  );

  const adDiscoveryStep = scopes.get("ad-user-discovery");
  new SiteDiscovery(
    "site",
    {
      vm: siteServer,
      siteCode: site.siteCode,
      siteServerFqdn: site.fqdn,
      usersOuLdap: ldapPath(config.domain.usersOu, config.domain.fqdn),
      systemOusLdap: [config.domain.workstationsOu, config.domain.serversOu].map((ou) => ldapPath(ou, config.domain.fqdn)),
      runAs: domainAdmin,
      tags: adDiscoveryStep.tags,
    },
    { parent: adDiscoveryStep },
  );

  const azureStep = scopes.get("azure-services");
  new AzureServices(
    "site",
    {
      vm: siteServer,
      siteCode: site.siteCode,
      siteServerFqdn: site.fqdn,
      tenantId: entra.tenantId,
      tenantDomain: entra.tenantDomain,
      serverAppClientId: entra.serverAppClientId,
      serverAppName: entra.serverAppName,
      serverAppIdentifierUri: entra.serverAppIdentifierUri,
      serverAppSecret: entra.serverAppSecret,
      serverAppSecretEndDate: entra.serverAppSecretEndDate,
      clientAppClientId: entra.clientAppClientId,
      clientAppName: entra.clientAppName,
      appsReady: entra.ready,
      runAs: domainAdmin,
      tags: azureStep.tags,
    },
    { parent: azureStep },
  );

  return { site };
}

/**
 * Step aad-user-discovery. It needs only azure-services, but Lab builds it after the CMG
 * connection point: its check waits for Azure AD discovery to report users, and earlier on CM01's
 * serial queue it would delay the CMG. It runs while the clients install their agents.
 */
export function buildAadUserDiscovery(
  { scopes }: LabContext,
  { siteServer, site, domainAdmin }: { siteServer: WindowsVm; site: SiteServer; domainAdmin: DomainAdmin },
): void {
  const step = scopes.get("aad-user-discovery");
  new AadUserDiscovery("site", { vm: siteServer, siteCode: site.siteCode, runAs: domainAdmin, tags: step.tags }, { parent: step });
}
