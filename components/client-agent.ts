import * as pulumi from "@pulumi/pulumi";
import { ccmsetupArguments } from "../stacks/model/cmg";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export const CLIENT_AGENT_WAIT_MINUTES = 30;

export interface ClientAgentArgs {
  /** Required. The client VM. */
  readonly vm: WindowsVm;
  /** Required. UNC of the DC share with the client files and cmg-client.json (CmgConnectionPoint). */
  readonly clientShareUnc: string;
  readonly cmgFqdn: pulumi.Input<string>;
  readonly siteCode: pulumi.Input<string>;
  /** Required. Entra tenant id, client app id and the server app's Application ID URI (EntraApps). */
  readonly tenantId: pulumi.Input<string>;
  readonly clientAppClientId: pulumi.Input<string>;
  readonly serverAppIdentifierUri: pulumi.Input<string>;
  /** Required. `internet`: internet-only through the CMG; `intranet`: installed from the site's MP. */
  readonly network: "internet" | "intranet";
  /** Required. FQDN of the intranet management point (the site server). */
  readonly siteServerFqdn: pulumi.Input<string>;
  /** Optional. The lab CA the client must trust (lab-ca mode); empty for a supplied certificate. */
  readonly caCommonName?: string;
  /** Required. What to wait for: the connection point and this client's domain join. */
  readonly after: readonly pulumi.Resource[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The ConfigMgr client on one client: internet-only over the CMG with Entra ID auth on the internet side. */
export class ClientAgent extends pulumi.ComponentResource {
  public readonly ready: pulumi.Resource;
  /** The ccmsetup arguments ({MpPath} is filled in on the client). */
  public readonly ccmsetupArguments: pulumi.Output<string>;

  constructor(name: string, args: ClientAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:cmg:ClientAgent", name, {}, opts);
    this.ccmsetupArguments = pulumi
      .all([args.cmgFqdn, args.siteCode, args.tenantId, args.clientAppClientId, args.serverAppIdentifierUri, args.siteServerFqdn])
      .apply(([cmgFqdn, siteCode, tenantId, clientAppId, resourceUri, intranetMp]) =>
        ccmsetupArguments({ source: args.clientShareUnc, cmgFqdn, siteCode, tenantId, clientAppId, resourceUri, network: args.network, intranetMp }),
      );
    const install = new RunStep(
      `${name}-client-agent`,
      {
        vm: args.vm,
        script: "client-agent-install.ps1",
        parameters: {
          ClientShareUnc: args.clientShareUnc,
          CcmsetupArguments: this.ccmsetupArguments,
          CaCommonName: args.caCommonName ?? "",
          InternetOnly: args.network === "internet" ? "1" : "0",
          WaitMinutes: String(CLIENT_AGENT_WAIT_MINUTES),
        },
        timeoutMinutes: CLIENT_AGENT_WAIT_MINUTES + 15,
        after: args.after,
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = install.command;
    this.registerOutputs({ ccmsetupArguments: this.ccmsetupArguments });
  }
}
