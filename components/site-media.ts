import * as pulumi from "@pulumi/pulumi";
import type { SiteMediaConfig } from "../stacks/config/lab-config";
import { SITE_MEDIA_ROOT, SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface SiteMediaArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server VM; the download runs as LocalSystem before its domain join. */
  readonly vm: WindowsVm;
  /** Required. Download URLs (`cmg-lab:site.media`, defaults in stacks/model/site.ts). */
  readonly media: SiteMediaConfig;
  /** Required. Download SQL Server too (site.sqlSource download); false when the VM's image has it. */
  readonly includeSql: boolean;
  /** Optional. Local folder for the media; default {@link SITE_MEDIA_ROOT}. */
  readonly mediaRoot?: string;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Downloads the site media (SQL Server unless the VM's image has it, ADK, WinPE add-on, ConfigMgr
 * evaluation media and setup's prerequisites) to the site server as soon as the VM exists, in
 * parallel with the forest. The
 * site-server steps read them from {@link SiteMedia.mediaRoot} and wait on {@link SiteMedia.ready}.
 */
export class SiteMedia extends pulumi.ComponentResource {
  /** Done when every medium is on disk and checked. */
  public readonly ready: pulumi.Resource;
  /** Local folder holding the media. */
  public readonly mediaRoot: string;

  constructor(name: string, args: SiteMediaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:SiteMedia", name, {}, opts);
    this.mediaRoot = args.mediaRoot ?? SITE_MEDIA_ROOT;
    const download = new RunStep(
      `${name}-download`,
      {
        vm: args.vm,
        script: "site-media.ps1",
        parameters: {
          MediaRoot: this.mediaRoot,
          AdkUrl: args.media.adkUrl,
          WinPeUrl: args.media.winpeUrl,
          ConfigMgrUrl: args.media.configMgrUrl,
          DnsWaitMinutes: String(SITE_MINUTES.mediaDnsWait),
          StartBudgetMinutes: String(SITE_MINUTES.mediaStartBudget),
          // An empty SqlUrl: the script skips the SQL Server medium (the VM's image has SQL Server).
          SqlUrl: args.includeSql ? args.media.sqlUrl : "",
          SqlDownloadMinutes: String(SITE_MINUTES.mediaSqlDownload),
        },
        timeoutMinutes: SITE_MINUTES.mediaTimeout,
        rounds: SITE_MINUTES.mediaRounds,
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = download.command;
    this.registerOutputs({ mediaRoot: this.mediaRoot });
  }
}
