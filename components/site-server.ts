import * as pulumi from "@pulumi/pulumi";
import type { SqlSource } from "../stacks/config/sections/site";
import { renderSetupIni, SITE_MINUTES, toBase64 } from "../stacks/model/site";
import { DomainMember } from "./domain-member";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

/** A domain account the in-guest ConfigMgr work runs as. */
export interface RunAsAccount {
  /** `NETBIOS\user`. */
  readonly user: pulumi.Input<string>;
  /** Its password; must be a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

export interface SiteServerArgs {
  /** Required. The site server VM (SQL Server and the primary site on one box). */
  readonly vm: WindowsVm;
  /** Required. AD domain DNS name. */
  readonly domainFqdn: string;
  /** Required. AD domain distinguished name (`DC=corp,DC=...`), for the System Management container. */
  readonly domainDn: string;
  /** Required. NetBIOS domain name, for the site server's computer account (`CORP\CM01$`). */
  readonly netbiosName: string;
  /** Required. Distinguished name of the Servers OU the site server joins into. */
  readonly serversOuDn: string;
  /** Required. Address of a domain controller, waited for before joining. */
  readonly dcAddress: string;
  /**
   * Required. The domain admin: joins the machine, extends the schema (Schema Admins), installs
   * SQL Server and the site, and so becomes the site's Full Administrator.
   */
  readonly domainAdmin: RunAsAccount;
  /** Required. Three-character site code (already validated). */
  readonly siteCode: string;
  /** Required. Friendly site name. */
  readonly siteName: string;
  /**
   * Required. Where SQL Server comes from: `image` (the VM's marketplace image has it;
   * site-sql-image.ps1 checks and fixes it) or `download` (site-sql.ps1 installs it from the media).
   */
  readonly sqlSource: SqlSource;
  /** Required. Local folder holding the media the site-media step downloaded. */
  readonly mediaRoot: string;
  /** Optional. Resources the first run command waits for beyond its step's needs. */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The ConfigMgr primary site server, one idempotent run command per sub-step so a rerun resumes
 * where it stopped (the Windows features come before, with the media: SitePrerequisites): domain
 * join into the Servers OU (join, reboot, wait), then side by side the AD schema extension and System
 * Management container, SQL Server (checked on the image, or installed) and the ADK with the
 * WinPE add-on, then the unattended site install. Everything after the join runs as the domain admin.
 */
export class SiteServer extends pulumi.ComponentResource {
  /** Done when the site is installed and answers through the SMS Provider. */
  public readonly ready: pulumi.Resource;
  /** FQDN of the site server: SMS Provider, MP, DP and SQL Server. */
  public readonly fqdn: string;
  /** The site code. */
  public readonly siteCode: string;

  constructor(name: string, args: SiteServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:SiteServer", name, {}, opts);
    this.fqdn = `${args.vm.computerName}.${args.domainFqdn}`.toLowerCase();
    this.siteCode = args.siteCode;
    const step = (
      role: string,
      script: string,
      parameters: Record<string, pulumi.Input<string>>,
      timeoutMinutes: number,
      runAs: boolean,
      opts: { rounds?: number; lane?: string } = {},
    ): RunStep =>
      new RunStep(
        `${name}-${role}`,
        {
          vm: args.vm,
          script,
          parameters,
          timeoutMinutes,
          rounds: opts.rounds,
          lane: opts.lane,
          ...(runAs ? { runAs: args.domainAdmin } : {}),
          ...(args.after ? { after: args.after } : {}),
          tags: args.tags,
        },
        { parent: this },
      );

    // Exclusive: it waits for every lane (a restart must cut no script) and everything after it waits for it.
    new DomainMember(
      `${name}-member`,
      {
        vm: args.vm,
        domainFqdn: args.domainFqdn,
        ouDn: args.serversOuDn,
        dcAddress: args.dcAddress,
        joinUser: args.domainAdmin.user,
        joinPassword: args.domainAdmin.password,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    // After the join, side by side: the AD preparation, SQL Server and the ADK touch different
    // things. Two installers never run at once (Windows Installer runs one installation at a
    // time: a second fails with 1618), so a downloaded SQL Server and the ADK share a lane; the
    // image's check installs nothing and gets its own.
    step(
      "ad-prep",
      "site-ad-prep.ps1",
      { MediaRoot: args.mediaRoot, DomainDn: args.domainDn, SiteServerAccount: `${args.netbiosName}\\${args.vm.computerName}$` },
      SITE_MINUTES.adPrepTimeout,
      true,
      { lane: "ad-prep" },
    );
    if (args.sqlSource === "image") {
      step("sql", "site-sql-image.ps1", { SqlSysAdmin: args.domainAdmin.user }, SITE_MINUTES.sqlImageTimeout, true, { lane: "sql" });
    } else {
      step("sql", "site-sql.ps1", { MediaRoot: args.mediaRoot, SqlSysAdmin: args.domainAdmin.user }, SITE_MINUTES.sqlTimeout, true, { lane: "installers" });
    }
    step("adk", "site-adk.ps1", { MediaRoot: args.mediaRoot }, SITE_MINUTES.adkTimeout, true, { lane: "installers" });
    const ini = renderSetupIni({
      siteCode: args.siteCode,
      siteName: args.siteName,
      siteServerFqdn: this.fqdn,
      prerequisitePath: `${args.mediaRoot}\\ConfigMgr\\Prereqs`,
    });
    // Exclusive again: setup needs all of the above.
    const install = step(
      "install",
      "site-install.ps1",
      { SiteCode: args.siteCode, SetupIniBase64: toBase64(ini), MediaRoot: args.mediaRoot, WaitMinutes: String(SITE_MINUTES.installWait) },
      SITE_MINUTES.installTimeout,
      true,
      { rounds: SITE_MINUTES.installRounds },
    );
    this.ready = install.command;
    this.registerOutputs({ fqdn: this.fqdn, siteCode: this.siteCode });
  }
}
