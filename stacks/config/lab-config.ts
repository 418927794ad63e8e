/**
 * The typed lab configuration: what `stacks/config/config.ts` produces from `cmg-lab:*` stack config
 * after every rule has passed. Components receive parts of it; none of them reads Pulumi config.
 *
 * Key names under `cmg-lab:` are a contract (../shared/ARCHITECTURE.md, "Config").
 * Every object is frozen by the loader.
 */
import type * as pulumi from "@pulumi/pulumi";

export type ClientOs = "windows-10" | "windows-11" | "windows-7" | "windows-8.1";
/** `internet`: the client sits in a subnet that cannot reach the site server, so it must use the CMG. */
export type ClientNetwork = "internet" | "intranet";
export type BastionMode = "basic" | "developer" | "none";
export type EntraConnectConfigMode = "scripted" | "wizard";

export interface DomainConfig {
  /** AD forest root DNS name, e.g. corp.cmglab.example. */
  readonly fqdn: string;
  /** NetBIOS domain name, 1-15 characters. */
  readonly netbiosName: string;
  /** Top-level OUs created under the domain root, in order. */
  readonly ous: readonly string[];
  /** The OU clients are joined into (default `Workstations`); one of `ous`. */
  readonly workstationsOu: string;
  /** The OU member servers are joined into (default `Servers`); one of `ous`. */
  readonly serversOu: string;
  /** The OU holding the demo users, target of AD user discovery (default `LabUsers`); one of `ous`. */
  readonly usersOu: string;
  /** VM size of the domain controller (default Standard_B2ms). */
  readonly dcVmSize: string;
  /** How many demo users (`labuser01`...) are created in the users OU (default 3, 1-50). */
  readonly demoUsers: number;
}

export interface TenantConfig {
  /** Tenant domain written as azureADName into the hybrid-join SCP and used as demo users' UPN suffix. */
  readonly domain: string;
}

export interface SiteConfig {
  /** Three-character site code, letters and digits, not a reserved name. */
  readonly siteCode: string;
  /** Site option "Use Configuration Manager-generated certificates for HTTP site systems". */
  readonly enhancedHttp: boolean;
  /** Site server VM size (default Standard_D4s_v5: ConfigMgr with SQL on one box needs 4 cores, 16 GB). */
  readonly vmSize: string;
  /**
   * SQL Server 2022 edition for the site database (default `developer`); both are licensed for labs.
   * Developer installs but is not on ConfigMgr's support list (Standard, Enterprise are).
   */
  readonly sqlEdition: SqlEdition;
  /** Download URLs of the site media (defaults in stacks/model/site.ts). */
  readonly media: SiteMediaConfig;
}

/**
 * SQL Server editions the lab installs: free for non-production use and feature-equal to
 * Enterprise (Standard and Express are refused). ConfigMgr's support list names Standard and
 * Enterprise: `evaluation` is Enterprise for 180 days; `developer` installs (the prerequisite check
 * blocks only Express) but is not on the support list.
 */
export type SqlEdition = "developer" | "evaluation";

export interface SiteMediaConfig {
  /** SQL Server 2022 installer bootstrapper (SSEI) for `sqlEdition`. */
  readonly sqlUrl: string;
  /** Windows ADK bootstrapper (adksetup.exe). */
  readonly adkUrl: string;
  /** Windows PE add-on bootstrapper (adkwinpesetup.exe). */
  readonly winpeUrl: string;
  /** ConfigMgr current branch evaluation media. */
  readonly configMgrUrl: string;
}

export interface DiscoveryConfig {
  readonly activeDirectoryUsers: boolean;
  readonly azureAdUsers: boolean;
}

export interface SyncConfig {
  /** OUs (names from `domain.ous`) in the Entra Connect sync scope. */
  readonly ous: readonly string[];
  /**
   * `scripted` (default): the lab writes the OU scope and runs the syncs; `wizard`: the scope is
   * only verified. In both, the one-time connection (setup identity, AD account, password hash
   * sync) is made in the Entra Connect wizard: Microsoft supports no headless configuration, so
   * `pulumi up` waits for it (up to 3 hours, while the site installs) and prints the exact choices.
   */
  readonly configuration: EntraConnectConfigMode;
  /** Entra Connect server VM size (default Standard_B2ms). */
  readonly vmSize: string;
  /**
   * Where SYNC01 gets the Entra Connect Sync MSI. Builds 2.5.79.0 and later are published only in
   * the Microsoft Entra admin center, so the user supplies it (`sync.msiFile` or `sync.msiUrl`);
   * `none` only in the offline plan (pulumi up refuses a config without it).
   */
  readonly msi: SyncMsiSource;
}

/** The Entra Connect Sync MSI's source (`cmg-lab:sync.msiFile` / `cmg-lab:sync.msiUrl`). */
export type SyncMsiSource =
  | {
      /** A local file, uploaded to a private blob in the lab's resource group; SYNC01 reads it with its managed identity. */
      readonly kind: "file";
      /** Path of the MSI relative to the project directory, `/`-separated. */
      readonly file: string;
    }
  | {
      /** An https URL the user hosts; SYNC01 downloads it as is. */
      readonly kind: "url";
      /**
       * The URL. A secret (and sent as a protected run-command parameter) when it was set with
       * --secret or carries a query string (a SAS token); plain text otherwise.
       */
      readonly url: pulumi.Input<string>;
      /** True when `url` is a Pulumi secret. */
      readonly secret: boolean;
    }
  | {
      /** Not configured: only the offline plan gets this far (with a warning). */
      readonly kind: "none";
    };

export type CmgCertificateConfig =
  | { readonly kind: "lab-ca" }
  | {
      readonly kind: "pfx";
      /** Path of the PFX, relative to the project directory. */
      readonly pfxFile: string;
      /** The PFX password, a Pulumi secret. */
      readonly pfxPassword: pulumi.Output<string>;
    };

export interface CmgConfig {
  /** DNS label of the CMG service (3-24 lowercase letters and digits; globally unique). */
  readonly name: string;
  readonly vmSize: string;
  /** 1-16 VM scale set instances. */
  readonly instances: number;
  readonly certificate: CmgCertificateConfig;
}

export interface ClientConfig {
  /** Windows computer name (1-15 characters) and VM name suffix. */
  readonly name: string;
  readonly os: ClientOs;
  readonly network: ClientNetwork;
  /** The client has a PKI client-authentication certificate (required for Windows 7/8.1 over a CMG). */
  readonly pki: boolean;
  /** VM size (default Standard_B2ms). */
  readonly vmSize: string;
}

export interface AdminConfig {
  /** Local and domain admin user name; names Azure rejects (administrator, admin, ...) are refused. */
  readonly username: string;
  /** Public source CIDRs allowed to RDP to the VMs; empty (default) opens nothing. */
  readonly allowedSourceCidrs: readonly string[];
  /** Azure Bastion SKU for admin access (default `basic`), or `none`. */
  readonly bastion: BastionMode;
}

/** Role of the ConfigMgr server app's service principal on the CMG resource group. */
export type CmgRole = "owner" | "contributor";

export interface EntraConfig {
  /** Maximum lifetime of the server app secret in days, counted from `secretIssuedOn` (default 30, 1-365). */
  readonly secretDays: number;
  /**
   * The day (YYYY-MM-DD) the current server app secret is counted from, or null (default): the
   * secret then ends 7 days after `schedule.expiresOn`. Changing it rotates the secret.
   */
  readonly secretIssuedOn: string | null;
  /** Role of the server app on the CMG resource group (default `owner`: ConfigMgr 2409+ creates role assignments). */
  readonly cmgRole: CmgRole;
}

export interface ScheduleConfig {
  /** Daily auto-shutdown time, 24-hour `HH:MM`, or null for none. */
  readonly autoShutdown: string | null;
  /** Windows time zone id for the shutdown schedule (e.g. `UTC`, `W. Europe Standard Time`). */
  readonly timeZone: string;
  /** ISO date after which the lab should be gone; tagged on every resource. */
  readonly expiresOn: string;
}

export interface LabConfig {
  /** Pulumi stack name (not a config key). */
  readonly stack: string;
  /** 3-8 lowercase letters or digits; prefixes every name. */
  readonly prefix: string;
  /** Azure region of every lab resource (default westeurope). */
  readonly location: string;
  readonly domain: DomainConfig;
  readonly tenant: TenantConfig;
  readonly site: SiteConfig;
  readonly discovery: DiscoveryConfig;
  readonly sync: SyncConfig;
  readonly cmg: CmgConfig;
  readonly clients: readonly ClientConfig[];
  readonly admin: AdminConfig;
  readonly schedule: ScheduleConfig;
  /** Entra ID apps' secret lifetime and the CMG's Azure role. */
  readonly entra: EntraConfig;
}

/** One problem found in the stack config. */
export interface ConfigIssue {
  /** Full key, e.g. `cmg-lab:sync.ous`. */
  readonly key: string;
  /** The offending value, rendered for a human (secrets never rendered). */
  readonly value: string;
  /** What is wrong. */
  readonly problem: string;
  /** What to change. */
  readonly fix: string;
  /** `error` refuses the config; `warning` is printed by the plan and logged by the program. */
  readonly severity: "error" | "warning";
}
