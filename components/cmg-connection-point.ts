import * as pulumi from "@pulumi/pulumi";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

/** Name of the DC share internet clients install the ConfigMgr client from. */
export const CLIENT_SHARE_NAME = "CmgLabClient";
export const CLIENT_SHARE_PATH = "C:\\CmgLabClient";
export const CONNECTION_POINT_WAIT_MINUTES = 30;

export interface CmgConnectionPointArgs {
  /** Optional. Lane of this work on the site server (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly siteServerLane?: string;
  /** Required. The DC: hosts the client share internet clients can reach. */
  readonly dc: WindowsVm;
  /** Required. AD domain DNS name (the share's UNC uses the DC's FQDN). */
  readonly domainFqdn: string;
  /** Required. The site server: connection point, MP, client settings. */
  readonly siteServer: WindowsVm;
  readonly siteCode: pulumi.Input<string>;
  readonly siteServerFqdn: pulumi.Input<string>;
  /** Required. CMG service name. */
  readonly serviceFqdn: pulumi.Input<string>;
  /** Required. The domain admin (site Full Administrator; writes to the DC share). */
  readonly runAs: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  /** Optional. More resources to wait for (the CMG). */
  readonly after?: readonly pulumi.Resource[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The CMG connection point on the site server, the MP allowing CMG traffic, the default client
 * settings for the CMG, and the client source for internet clients: a share on the DC holding
 * the client files and cmg-client.json (the CMG name and the MP's `CCM_Proxy_MutualAuth/<id>`
 * route, which only the site knows and a run command cannot hand back to Pulumi).
 */
export class CmgConnectionPoint extends pulumi.ComponentResource {
  /** UNC of the client share. */
  public readonly clientShareUnc: string;
  /** Done when the connection point is up and the client share is published. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: CmgConnectionPointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:cmg:CmgConnectionPoint", name, {}, opts);
    this.clientShareUnc = `\\\\${args.dc.computerName}.${args.domainFqdn}\\${CLIENT_SHARE_NAME}`;
    const share = new RunStep(
      `${name}-client-share`,
      {
        vm: args.dc,
        script: "cmg-client-share.ps1",
        parameters: { ShareName: CLIENT_SHARE_NAME, SharePath: CLIENT_SHARE_PATH },
        timeoutMinutes: 5,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    const cp = new RunStep(
      `${name}-connection-point`,
      {
        vm: args.siteServer,
        script: "cmg-connection-point.ps1",
        parameters: {
          SiteCode: args.siteCode,
          SiteServerFqdn: args.siteServerFqdn,
          ServiceFqdn: args.serviceFqdn,
          ClientShareUnc: this.clientShareUnc,
          WaitMinutes: String(CONNECTION_POINT_WAIT_MINUTES),
        },
        runAs: args.runAs,
        timeoutMinutes: CONNECTION_POINT_WAIT_MINUTES + 15,
        after: [share.command, ...(args.after ?? [])],
        tags: args.tags,
        lane: args.siteServerLane,
      },
      { parent: this },
    );
    this.ready = cp.command;
    this.registerOutputs({ clientShareUnc: this.clientShareUnc });
  }
}
