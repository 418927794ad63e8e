import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as random from "@pulumi/random";
import type { CmgRole } from "../stacks/config/lab-config";
import { CMG_RESOURCE_PROVIDERS, providerRegistrationCommands, roleDefinitionId } from "../stacks/model/entra";

export interface CmgAzureAccessArgs {
  /** Required. Name of the dedicated CMG resource group (`labNames(...).cmgResourceGroup`). */
  readonly resourceGroupName: string;
  /** Required. Azure region of the resource group. */
  readonly location: string;
  /** Required. Object id of the ConfigMgr server app's service principal. */
  readonly serverAppPrincipalId: pulumi.Input<string>;
  /** Required. The server app's role on the resource group (`entra.cmgRole`). */
  readonly role: CmgRole;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * What the CMG deployment needs in Azure: a dedicated resource group, and the ConfigMgr server
 * app's service principal in `role` on that group only (not the subscription). The site deploys
 * the CMG into this existing group non-interactively with the server app
 * (`New-CMCloudManagementGateway -IsUsingExistingGroup $true -ServerAppClientId ...`, ConfigMgr
 * 2603 and later; earlier builds create their own group and need a subscription-scope role).
 *
 * Resource providers: azure-native has no registration resource (the register endpoint is a POST
 * action), so registering Microsoft.KeyVault, Microsoft.Storage, Microsoft.Network and
 * Microsoft.Compute is a documented one-time prerequisite; `providerRegistration` holds the
 * commands, which the plan prints as a stack output and the README lists.
 */
export class CmgAzureAccess extends pulumi.ComponentResource {
  /** Subscription the CMG is deployed to: `New-CMCloudManagementGateway -SubscriptionId`. */
  public readonly subscriptionId: pulumi.Output<string>;
  /** The CMG resource group: `New-CMCloudManagementGateway -GroupName`. */
  public readonly cmgResourceGroupName: pulumi.Output<string>;
  /** Resource id of the CMG resource group (the role assignment's scope). */
  public readonly cmgResourceGroupId: pulumi.Output<string>;
  /** The server app's role on the group. */
  public readonly role: CmgRole;
  /** Resource providers the CMG needs registered on the subscription. */
  public readonly resourceProviders: readonly string[];
  /** The commands that register them (a prerequisite; idempotent). */
  public readonly providerRegistration: string;
  /** The resource group and the role assignment: the CMG step depends on these. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: CmgAzureAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:entra:CmgAzureAccess", name, {}, opts);
    const child = { parent: this };
    const client = authorization.getClientConfigOutput(child);

    const rg = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: { ...args.tags } },
      child,
    );
    // Role assignment names are GUIDs and must change whenever scope, principal or role change:
    // Azure refuses a second assignment under an existing name. Stable otherwise (kept in state).
    const assignmentName = new random.RandomUuid(
      `${name}-server-app-role-name`,
      { keepers: { scope: rg.id, principalId: args.serverAppPrincipalId, role: args.role } },
      child,
    );
    const assignment = new authorization.RoleAssignment(
      `${name}-server-app-role`,
      {
        scope: rg.id,
        principalId: args.serverAppPrincipalId,
        // Said explicitly: a service principal created moments ago may not have replicated yet,
        // and ARM then rejects the principal unless its type is given.
        principalType: "ServicePrincipal",
        roleDefinitionId: client.subscriptionId.apply((s) => roleDefinitionId(s, args.role)),
        roleAssignmentName: assignmentName.result,
        description: `ConfigMgr server app deploys the cloud management gateway (${args.role})`,
      },
      child,
    );

    this.subscriptionId = client.subscriptionId;
    this.cmgResourceGroupName = rg.name;
    this.cmgResourceGroupId = rg.id;
    this.role = args.role;
    this.resourceProviders = [...CMG_RESOURCE_PROVIDERS];
    this.providerRegistration = providerRegistrationCommands();
    this.ready = [rg, assignment];
    this.registerOutputs({
      subscriptionId: this.subscriptionId,
      cmgResourceGroupName: this.cmgResourceGroupName,
      cmgResourceGroupId: this.cmgResourceGroupId,
    });
  }
}
