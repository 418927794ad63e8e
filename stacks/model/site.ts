/**
 * Pure facts and derivations for the ConfigMgr site: the unattended setup script (ini), the
 * media folder layout, the discovery containers, the default media download URLs and the table
 * that tells which discovery a user record is missing. No resources, no clock: the same config
 * gives the same text on every evaluation.
 */
import type { SiteMediaConfig, SqlEdition } from "../config/lab-config";
import { ouDn } from "./names";

/** Local folder on the site server that holds every downloaded medium (the 256 GB OS disk). */
export const SITE_MEDIA_ROOT = "C:\\CMLab\\Media";

/** ConfigMgr installation folder (ini key `SMSInstallDir`). */
export const SITE_INSTALL_DIR = "C:\\Program Files\\Microsoft Configuration Manager";

/**
 * Default download URLs of the site media. None of them is published with a hash, so the download
 * step checks the Authenticode signature (Microsoft Corporation) and a minimum size instead.
 */
/**
 * SQL Server 2022 bootstrappers by edition.
 * - developer: https://go.microsoft.com/fwlink/?linkid=2215158 is the "Download now" link of the
 *   Developer edition on https://www.microsoft.com/sql-server/sql-server-downloads (UNCONFIRMED:
 *   read from community build scripts, not from a Microsoft page in this repository's sources).
 * - evaluation: https://go.microsoft.com/fwlink/?linkid=2215202 (UNCONFIRMED, same caveat).
 */
export const SQL_BOOTSTRAPPER_URLS: Readonly<Record<SqlEdition, string>> = {
  developer: "https://go.microsoft.com/fwlink/?linkid=2215158",
  evaluation: "https://go.microsoft.com/fwlink/?linkid=2215202",
};

/**
 * Windows ADK 10.1.26100.2454 (December 2024) and its WinPE add-on, from
 * https://learn.microsoft.com/windows-hardware/get-started/adk-install (links read through a
 * community copy of that page: UNCONFIRMED). ConfigMgr supports ADK 10.1.26100.x on 2303 and later:
 * https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-windows-adk
 */
export const ADK_URL = "https://go.microsoft.com/fwlink/?linkid=2289980";
export const WINPE_URL = "https://go.microsoft.com/fwlink/?linkid=2289981";

/**
 * ConfigMgr current branch evaluation media from the Microsoft Evaluation Center
 * (https://www.microsoft.com/evalcenter/evaluate-microsoft-endpoint-configuration-manager). The
 * fwlink is UNCONFIRMED (community lab scripts name it the 2403 evaluation); a later baseline
 * is updated in place by the site after install.
 */
export const CONFIGMGR_EVAL_URL = "https://go.microsoft.com/fwlink/p/?LinkID=2195628";

/** The default URLs for a SQL Server edition. */
export function defaultSiteMedia(edition: SqlEdition): SiteMediaConfig {
  return { sqlUrl: SQL_BOOTSTRAPPER_URLS[edition], adkUrl: ADK_URL, winpeUrl: WINPE_URL, configMgrUrl: CONFIGMGR_EVAL_URL };
}

/** FQDN of a computer of the lab domain. */
export function hostFqdn(computerName: string, domainFqdn: string): string {
  return `${computerName}.${domainFqdn}`.toLowerCase();
}

/** `LDAP://OU=LabUsers,DC=corp,...`, the container form Set-CMDiscoveryMethod takes. */
export function ldapPath(ou: string, domainFqdn: string): string {
  return `LDAP://${ouDn(ou, domainFqdn)}`;
}

export interface SetupIniInput {
  readonly siteCode: string;
  readonly siteName: string;
  /** FQDN of the site server (SMS Provider, MP, DP, SQL Server and service connection point). */
  readonly siteServerFqdn: string;
  /** Folder of the prerequisite files that the media step downloaded with setupdl.exe. */
  readonly prerequisitePath: string;
  readonly installDir?: string;
}

/**
 * The `/script` ini of ConfigMgr setup for a stand-alone primary site on one box, evaluation
 * licence, SQL Server default instance, MP and DP on HTTP (Enhanced HTTP is turned on after
 * install), clients without PKI, the service connection point online (the CMG needs it).
 * Keys and sections: "Unattended setup script file keys",
 * https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/command-line-script-file
 * (ms.date 2022-02-16). `SABranchOptions` is left out: it belongs to licensed installs, not `Eval`.
 * An empty `[HierarchyExpansionOption]` section ends the file, as Microsoft's own quickstart
 * template writes it for an evaluation primary site (azure-quickstart-templates
 * `sccm-currentbranch` `InstallAndUpdateSCCM.ps1`).
 */
export function renderSetupIni(input: SetupIniInput): string {
  const sections: [string, [string, string][]][] = [
    ["Identification", [["Action", "InstallPrimarySite"]]],
    [
      "Options",
      [
        ["ProductID", "Eval"],
        ["SiteCode", input.siteCode],
        ["SiteName", input.siteName],
        ["SMSInstallDir", input.installDir ?? SITE_INSTALL_DIR],
        ["SDKServer", input.siteServerFqdn],
        ["RoleCommunicationProtocol", "HTTPorHTTPS"],
        ["ClientsUsePKICertificate", "0"],
        ["PrerequisiteComp", "1"],
        ["PrerequisitePath", input.prerequisitePath],
        ["MobileDeviceLanguage", "0"],
        ["ManagementPoint", input.siteServerFqdn],
        ["ManagementPointProtocol", "HTTP"],
        ["DistributionPoint", input.siteServerFqdn],
        ["DistributionPointProtocol", "HTTP"],
        ["DistributionPointInstallIIS", "0"],
        ["AdminConsole", "1"],
        ["JoinCEIP", "0"],
      ],
    ],
    [
      "SQLConfigOptions",
      [
        ["SQLServerName", input.siteServerFqdn],
        ["DatabaseName", `CM_${input.siteCode}`],
        ["SQLServerPort", "1433"],
        ["SQLSSBPort", "4022"],
      ],
    ],
    [
      "CloudConnectorOptions",
      [
        ["CloudConnector", "1"],
        ["CloudConnectorServer", input.siteServerFqdn],
        ["UseProxy", "0"],
      ],
    ],
    ["HierarchyExpansionOption", []],
  ];
  for (const [, keys] of sections) {
    for (const [key, value] of keys) {
      if (/[\r\n]/.test(value) || value.length === 0) throw new Error(`setup ini: ${key} must be one non-empty line`);
    }
  }
  return sections.map(([name, keys]) => [`[${name}]`, ...keys.map(([k, v]) => `${k}=${v}`)].join("\r\n")).join("\r\n\r\n") + "\r\n";
}

/** Base64 of the UTF-8 text: one run-command parameter that survives any quoting. */
export function toBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** The friendly site name written into the ini. */
export function siteName(prefix: string, siteCode: string): string {
  return `cmg-lab ${prefix} ${siteCode}`;
}

// --- Windows features, timeouts --------------------------------------------------------------------

/**
 * Windows features of a site server that hosts the management point (HTTP, Entra token auth needs
 * ASP.NET 4.5) and the distribution point. Source: "Site and site system prerequisites",
 * https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/site-and-site-system-prerequisites
 * (site server: .NET 3.5, RDC; MP: BITS, IIS ISAPI extensions, Windows authentication, IIS 6
 * metabase and WMI compatibility; DP: the same IIS parts).
 */
export const SITE_SERVER_FEATURES: readonly string[] = [
  "NET-Framework-Core",
  "RDC",
  "BITS",
  "BITS-IIS-Ext",
  "Web-Server",
  "Web-ISAPI-Ext",
  "Web-Windows-Auth",
  "Web-Metabase",
  "Web-WMI",
  "Web-Asp-Net45",
  "Web-Net-Ext45",
  "Web-Mgmt-Console",
];

/**
 * Bounded waits inside the scripts (`wait`) and the run-command timeouts (`timeout`), in minutes.
 * A run command's timeout covers every wait its script can make plus the work itself, and stays
 * within MAX_RUN_COMMAND_MINUTES (80); longer work runs in `rounds` (components/run-step.ts).
 */
export const SITE_MINUTES = {
  mediaDnsWait: 30,
  /** Per round: no new medium is started after this many minutes. */
  mediaStartBudget: 35,
  /**
   * The SQL Server download bootstrapper is stopped after this long: a 2026 community report says
   * it may hang without a UI (UNCONFIRMED); the CAB media are about 1.5 GB.
   */
  mediaSqlDownload: 40,
  mediaTimeout: 80,
  mediaRounds: 2,
  /** site-prereqs waits this long for internet names (site-media switches to Azure DNS) before a feature download. */
  prereqsDnsWait: 15,
  prereqsTimeout: 40,
  adPrepTimeout: 15,
  sqlTimeout: 75,
  /** site-sql-image.ps1: checks, and at most two SQL Server service restarts (single-user mode, then normal). */
  sqlImageTimeout: 30,
  adkTimeout: 45,
  /** Per round; setup typically runs about an hour (stacks/model/durations.ts). */
  installWait: 55,
  installTimeout: 80,
  installRounds: 3,
  /** Two waits of this and up to 15 re-applies: 75 minutes at worst, within the timeout. */
  enhancedHttpWait: 30,
  enhancedHttpTimeout: 80,
  discoveryWait: 30,
  discoveryTimeout: 45,
  azureServicesTimeout: 20,
  userDeltaDiscovery: 5,
  aadDiscoveryWait: 45,
  aadDiscoveryTimeout: 55,
} as const;
