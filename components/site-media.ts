import * as pulumi from "@pulumi/pulumi";
import type { SiteMediaConfig } from "../stacks/config/lab-config";
import { SITE_MEDIA_ROOT, SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface SiteMediaArgs {
  /** Required. The site server VM; the download runs as LocalSystem before its domain join. */
  readonly vm: WindowsVm;
  /** Required. Download URLs (`cmg-lab:site.media`, defaults in stacks/model/site.ts). */
  readonly media: SiteMediaConfig;
  /** Optional. Local folder for the media; default {@link SITE_MEDIA_ROOT}. */
  readonly mediaRoot?: string;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Downloads the site media (SQL Server, ADK, WinPE add-on, ConfigMgr evaluation media and setup's
 * prerequisites) to the site server as soon as the VM exists, in parallel with the forest. The
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
          SqlUrl: args.media.sqlUrl,
          AdkUrl: args.media.adkUrl,
          WinPeUrl: args.media.winpeUrl,
          ConfigMgrUrl: args.media.configMgrUrl,
          DnsWaitMinutes: String(SITE_MINUTES.mediaDnsWait),
          StartBudgetMinutes: String(SITE_MINUTES.mediaStartBudget),
          SqlDownloadMinutes: String(SITE_MINUTES.mediaSqlDownload),
        },
        timeoutMinutes: SITE_MINUTES.mediaTimeout,
        rounds: SITE_MINUTES.mediaRounds,
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = download.command;
    this.registerOutputs({ mediaRoot: this.mediaRoot });
  }
}
