import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, domainDn, ouDn } from "../../stacks/model/names";
import { ldapPath, siteName } from "../../stacks/model/site";
import { AadUserDiscovery } from "../aad-user-discovery";
import { AzureServices } from "../azure-services";
import { EnhancedHttp } from "../enhanced-http";
import type { EntraApps } from "../entra-apps";
import { SiteDiscovery } from "../site-discovery";
import { SiteMedia } from "../site-media";
import { SitePrerequisites } from "../site-prerequisites";
import { SiteServer } from "../site-server";
import type { WindowsVm } from "../windows-vm";
import type { DomainAdmin, LabContext } from "./context";

/**
 * Steps site-media, site-server, enhanced-http, ad-user-discovery and azure-services on CM01. In-guest work runs in lanes (WindowsVm.sequence) where nothing
 * forces an order: the media download beside the Windows features as soon as the VM exists
 * (both in step site-media, in parallel with the forest); the AD preparation, SQL Server and the
 * ADK side by side after the join; after the site install, Enhanced HTTP alone (it waits for the
 * site to settle), then AD discovery and the Azure services side by side. The join, the site install and Enhanced HTTP are exclusive. The work after the join runs
 * as the domain admin, who installs the site and so is its Full Administrator (LocalSystem's
 * ConfigMgr rights: UNCONFIRMED).
 */
export function buildSite(
  { config, scopes }: LabContext,
  { siteServer, entra, domainAdmin }: { siteServer: WindowsVm; entra: EntraApps; domainAdmin: DomainAdmin },
): { site: SiteServer } {
  const mediaStep = scopes.get("site-media");
  const media = new SiteMedia(
    "site",
    { vm: siteServer, media: config.site.media, includeSql: config.site.sqlSource === "download", lane: "media", tags: mediaStep.tags },
    { parent: mediaStep },
  );
  const siteStep = scopes.get("site-server");
  // The features' run command moved here from the SiteServer of step site-server: same Azure
  // name, so an alias keeps a lab built before the move on the same resource.
  new SitePrerequisites(
    "site",
    { vm: siteServer, lane: "prereqs", formerParent: pulumi.createUrn("site", "cmg-lab:site:SiteServer", siteStep), tags: mediaStep.tags },
    { parent: mediaStep },
  );

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
      sqlSource: config.site.sqlSource,
      mediaRoot: media.mediaRoot,
      tags: siteStep.tags,
    },
    { parent: siteStep },
  );

  const ehttpStep = scopes.get("enhanced-http");
  new EnhancedHttp(
    "site",
    // Exclusive: its first wait (the management point answers) is where the fresh site settles,
    // and the discoveries and the Azure services must not configure a site still installing
    // components (which can reset a site option).
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
      lane: "ad-discovery",
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
      lane: "azure",
      tags: azureStep.tags,
    },
    { parent: azureStep },
  );

  return { site };
}

/**
 * Step aad-user-discovery on CM01, in the Azure services' lane: its check waits there while the
 * CMG certificate and the CMG go on beside it (the CMG needs neither discovery). Lab builds it
 * after the CMG area so that, with lanes off (build.parallelInGuest false), the CMG does not
 * queue behind this wait on CM01's one line.
 */
export function buildAadUserDiscovery(
  { scopes }: LabContext,
  { siteServer, site, domainAdmin }: { siteServer: WindowsVm; site: SiteServer; domainAdmin: DomainAdmin },
): void {
  const step = scopes.get("aad-user-discovery");
  new AadUserDiscovery("site", { vm: siteServer, siteCode: site.siteCode, runAs: domainAdmin, lane: "azure", tags: step.tags }, { parent: step });
}
