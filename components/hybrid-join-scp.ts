import * as pulumi from "@pulumi/pulumi";
import { normaliseTenantId, SCP_NAME, scpDn, servicesDn } from "../stacks/model/ad";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface HybridJoinScpArgs {
  /** Required. A domain controller of the forest root domain (the SCP lives in the configuration partition). */
  readonly vm: WindowsVm;
  /** Required. DNS name of the forest root domain. */
  readonly forestFqdn: string;
  /** Required. The tenant's initial (`*.onmicrosoft.com`) or a verified domain: the `azureADName` keyword. */
  readonly tenantDomain: string;
  /** Required. The tenant id (GUID): the `azureADId` keyword. */
  readonly tenantId: pulumi.Input<string>;
  /** Optional. More resources the SCP waits for. */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The Service Connection Point that tells domain-joined Windows devices which Entra tenant to
 * hybrid join: `CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,
 * CN=Services,CN=Configuration,<forest DN>` with keywords `azureADName:<tenant domain>` and
 * `azureADId:<tenant id>`, written directly into AD by `hybrid-join-scp.ps1` (created or
 * corrected, then read back). Source: https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join
 */
export class HybridJoinScp extends pulumi.ComponentResource {
  /** Done when the SCP holds the keywords (read back). */
  public readonly ready: pulumi.Resource;
  /** Distinguished name of the SCP object. */
  public readonly scpDn: string;

  constructor(name: string, args: HybridJoinScpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:ad:HybridJoinScp", name, {}, opts);
    const scp = new RunStep(
      `${name}-scp`,
      {
        vm: args.vm,
        script: "hybrid-join-scp.ps1",
        parameters: {
          ServicesDn: servicesDn(args.forestFqdn),
          ScpName: SCP_NAME,
          AzureAdName: args.tenantDomain.toLowerCase(),
          // A malformed id fails the deployment here instead of writing an SCP no device can use.
          AzureAdId: pulumi.output(args.tenantId).apply(normaliseTenantId),
        },
        timeoutMinutes: 10,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = scp.command;
    this.scpDn = scpDn(args.forestFqdn);
    this.registerOutputs({ scpDn: this.scpDn });
  }
}
