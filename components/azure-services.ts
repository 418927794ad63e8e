import * as pulumi from "@pulumi/pulumi";
import { SITE_MINUTES } from "../stacks/model/site";
import { RunStep } from "./run-step";
import type { RunAsAccount } from "./site-server";
import type { WindowsVm } from "./windows-vm";

export interface AzureServicesArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server VM. */
  readonly vm: WindowsVm;
  /** Required. The site code. */
  readonly siteCode: string;
  /** Required. FQDN of the site server (SMS Provider). */
  readonly siteServerFqdn: string;
  /** Required. Entra tenant id. */
  readonly tenantId: pulumi.Input<string>;
  /** Required. Tenant name shown by ConfigMgr (the tenant domain). */
  readonly tenantDomain: pulumi.Input<string>;
  /** Required. Server (web) app's application (client) id. */
  readonly serverAppClientId: pulumi.Input<string>;
  /** Required. Server app's display name. */
  readonly serverAppName: pulumi.Input<string>;
  /** Required. Server app's Application ID URI (`api://<tenant>/ConfigMgrService`). */
  readonly serverAppIdentifierUri: pulumi.Input<string>;
  /** Required. Server app's client secret; a Pulumi secret, sent as a protected parameter. */
  readonly serverAppSecret: pulumi.Input<string>;
  /** Required. End of the secret, RFC 3339. */
  readonly serverAppSecretEndDate: pulumi.Input<string>;
  /** Required. Client (native) app's application (client) id. */
  readonly clientAppClientId: pulumi.Input<string>;
  /** Required. Client app's display name. */
  readonly clientAppName: pulumi.Input<string>;
  /** Required. Resources that make the apps usable (consents, secret); the import waits for them. */
  readonly appsReady: readonly pulumi.Resource[];
  /** Optional. Name of the Cloud Management Azure service; default `cmg-lab Cloud Management`. */
  readonly serviceName?: string;
  /** Required. A ConfigMgr Full Administrator (the domain admin that installed the site). */
  readonly runAs: RunAsAccount;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The site onboarded to Entra ID for Cloud Management without the wizard: the server and client
 * apps imported, the Cloud Management Azure service created with Azure AD user discovery on and a
 * short delta interval.
 */
export class AzureServices extends pulumi.ComponentResource {
  /** Done when the apps and the service read back. */
  public readonly ready: pulumi.Resource;
  /** Name of the Cloud Management Azure service. */
  public readonly serviceName: string;

  constructor(name: string, args: AzureServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:site:AzureServices", name, {}, opts);
    this.serviceName = args.serviceName ?? "cmg-lab Cloud Management";
    const run = new RunStep(
      `${name}-cloud-management`,
      {
        vm: args.vm,
        script: "azure-services.ps1",
        parameters: {
          SiteCode: args.siteCode,
          SiteServerFqdn: args.siteServerFqdn,
          TenantId: args.tenantId,
          TenantName: args.tenantDomain,
          ServerAppClientId: args.serverAppClientId,
          ServerAppName: args.serverAppName,
          ServerAppIdUri: args.serverAppIdentifierUri,
          ServerAppSecretEndDate: args.serverAppSecretEndDate,
          ClientAppClientId: args.clientAppClientId,
          ClientAppName: args.clientAppName,
          ServiceName: this.serviceName,
          UserDeltaDiscoveryMins: String(SITE_MINUTES.userDeltaDiscovery),
        },
        protectedParameters: { ServerAppSecret: args.serverAppSecret },
        runAs: args.runAs,
        timeoutMinutes: SITE_MINUTES.azureServicesTimeout,
        after: args.appsReady,
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = run.command;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
