import * as pulumi from "@pulumi/pulumi";
import { CMG_DEFAULT_VM_SIZE, cmgVmSizeNames } from "../stacks/config/config-data";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

/** Bounded wait for the scale-set deployment (duration UNCONFIRMED: plan 15-30+ minutes). */
export const CMG_WAIT_MINUTES = 50;

export interface CmgArgs {
  /** Optional. Lane of this work on its VM (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly lane?: string;
  /** Required. The site server (runs the ConfigMgr cmdlets). */
  readonly siteServer: WindowsVm;
  readonly siteCode: pulumi.Input<string>;
  readonly siteServerFqdn: pulumi.Input<string>;
  /** Required. CMG service name (= deployment name), from CmgCertificate. */
  readonly serviceFqdn: pulumi.Input<string>;
  /** Required. `AzureRegion` value (stacks/model/cmg-names.ts cmgRegion). */
  readonly region: string;
  /** Required. VM scale set instances, 1-16. */
  readonly instances: number;
  /** Required. VM size of the scale set, one of CMG_VM_SIZES (Azure SKU, e.g. `Standard_B2s`). */
  readonly vmSize: string;
  /** Required. Subscription the CMG is deployed in (CmgAzureAccess). */
  readonly subscriptionId: pulumi.Input<string>;
  /** Required. Resource group the server app has its role on (CmgAzureAccess). */
  readonly groupName: pulumi.Input<string>;
  /** Required. Client id of the imported server app (EntraApps). */
  readonly serverAppClientId: pulumi.Input<string>;
  /** Required. Entra tenant id: `New-CMCloudManagementGateway -TenantId` (2309+; the script passes it when the site's cmdlet has it). */
  readonly tenantId: pulumi.Input<string>;
  /** Required. PFX path on the site server and its password (secret), from CmgCertificate. */
  readonly pfxPath: string;
  readonly pfxPassword: pulumi.Input<string>;
  /** Required. The site's Full Administrator. */
  readonly runAs: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  /** Optional. More resources to wait for (the certificate, the Azure access, Azure Services). */
  readonly after?: readonly pulumi.Resource[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The CMG, created by the site with New-CMCloudManagementGateway (scripts/vm/cmg-create.ps1). */
export class Cmg extends pulumi.ComponentResource {
  /** Done when the CMG reports ready. */
  public readonly ready: pulumi.Resource;
  public readonly serviceFqdn: pulumi.Output<string>;

  constructor(name: string, args: CmgArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:cmg:Cmg", name, {}, opts);
    if (!Number.isInteger(args.instances) || args.instances < 1 || args.instances > 16) {
      throw new Error(`Cmg: instances must be 1-16, got ${args.instances}`);
    }
    const vmSizeNames = cmgVmSizeNames(args.vmSize); // throws on a size the CMG does not offer
    const create = new RunStep(
      `${name}-create`,
      {
        vm: args.siteServer,
        script: "cmg-create.ps1",
        parameters: {
          SiteCode: args.siteCode,
          SiteServerFqdn: args.siteServerFqdn,
          ServiceFqdn: args.serviceFqdn,
          Region: args.region,
          InstanceCount: String(args.instances),
          VmSize: args.vmSize,
          VmSizeNames: vmSizeNames.join(";"),
          DefaultVmSize: CMG_DEFAULT_VM_SIZE,
          SubscriptionId: args.subscriptionId,
          GroupName: args.groupName,
          ServerAppClientId: args.serverAppClientId,
          TenantId: args.tenantId,
          PfxPath: args.pfxPath,
          WaitMinutes: String(CMG_WAIT_MINUTES),
        },
        protectedParameters: { PfxPassword: args.pfxPassword },
        runAs: args.runAs,
        timeoutMinutes: CMG_WAIT_MINUTES + 10,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
        lane: args.lane,
      },
      { parent: this },
    );
    this.ready = create.command;
    this.serviceFqdn = pulumi.output(args.serviceFqdn);
    this.registerOutputs({ serviceFqdn: this.serviceFqdn });
  }
}
