/**
 * Pure facts and derivations for the Entra ID side of the lab (ConfigMgr's cloud-management apps,
 * the Entra Connect setup identity) and the CMG's Azure access. No resources, no clock: the same
 * config gives the same names, ids and dates on every evaluation.
 */
import type { CmgRole } from "../config/lab-config";
import { addDays } from "../config/config-util";
import { stackLabel } from "./names";

// --- Microsoft Graph ----------------------------------------------------------------------------

/** Microsoft Graph's application (client) id, the same in every tenant. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/**
 * Graph application permission (app role) `Directory.Read.All`: what Azure AD user discovery and
 * group discovery need on the server app, with admin consent.
 * Source: https://learn.microsoft.com/graph/permissions-reference (Directory.Read.All, Application);
 * ConfigMgr: https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/manually-register-azure-ad-apps
 */
export const GRAPH_DIRECTORY_READ_ALL_ROLE_ID = "7ab1d382-f21e-4acd-a863-ba3e13f7da61";

/**
 * Graph delegated permission (scope) `User.Read`: sign-in and read the user's profile; the client
 * app keeps it. Source: https://learn.microsoft.com/graph/permissions-reference (User.Read, Delegated)
 */
export const GRAPH_USER_READ_SCOPE_ID = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";

/** Graph permission names this lab uses, with the well-known id each should resolve to. */
export const GRAPH_PERMISSIONS = {
  "Directory.Read.All": { kind: "Role", id: GRAPH_DIRECTORY_READ_ALL_ROLE_ID },
  "User.Read": { kind: "Scope", id: GRAPH_USER_READ_SCOPE_ID },
} as const;
export type GraphPermission = keyof typeof GRAPH_PERMISSIONS;

/**
 * The id of a Graph permission as the tenant's Graph service principal publishes it
 * (`appRoleIds` / `oauth2PermissionScopeIds`). The published map is the authority; a missing entry
 * is an error, not a silent fallback to the constant, because consenting to a wrong id grants
 * nothing and fails later, in ConfigMgr's discovery log.
 */
export function graphPermissionId(published: Readonly<Record<string, string>> | undefined, permission: GraphPermission): string {
  const id = published?.[permission];
  if (id === undefined || id === "") {
    const kind = GRAPH_PERMISSIONS[permission].kind === "Role" ? "app role (appRoleIds)" : "delegated scope (oauth2PermissionScopeIds)";
    throw new Error(`Microsoft Graph's service principal publishes no ${kind} named ${permission}; expected id ${GRAPH_PERMISSIONS[permission].id}`);
  }
  return id;
}

// --- ConfigMgr apps ---------------------------------------------------------------------------

/** The server app's exposed scope, as ConfigMgr's clients request it. */
export const USER_IMPERSONATION_SCOPE = "user_impersonation";

/**
 * The server app's Application ID URI: `api://<tenantId>/ConfigMgrService-<prefix>-<stack>`.
 * The `api://<tenantId>/<string>` form passes Entra's identifier-URI rules without a verified
 * domain (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions); the
 * suffix keeps it unique per stack, which Entra requires within a tenant (and
 * `Import-CMAADServerApplication -AppIdUri` says so too:
 * https://learn.microsoft.com/powershell/module/configurationmanager/import-cmaadserverapplication).
 */
export function serverAppIdentifierUri(tenantId: string, prefix: string, stack: string, deploymentSuffix: string): string {
  return `api://${tenantId}/ConfigMgrService-${prefix}-${stackLabel(stack)}-${deploymentSuffix}`;
}

/**
 * Why a per-deployment suffix (a random string kept in state: the same on every `pulumi up`, new
 * after `pulumi destroy`): Entra soft-deletes applications and users for 30 days and a deleted
 * object keeps its identifier URI and UPN, so a rebuild that reused them would fail with
 * "Another object with the same value for property identifierUris already exists".
 */
export const DEPLOYMENT_SUFFIX_LENGTH = 4;

/** The client app's broker redirect URI, which embeds the app's own client id. */
export function clientAppRedirectUri(clientId: string): string {
  return `ms-appx-web://Microsoft.AAD.BrokerPlugin/${clientId}`;
}

/** Display names of the lab's Entra objects. Display names need not be unique; these are anyway. */
export function entraDisplayNames(entraStem: string): { serverApp: string; clientApp: string; connectSetup: string } {
  return {
    serverApp: `${entraStem} ConfigMgr server app`,
    clientApp: `${entraStem} ConfigMgr client app`,
    connectSetup: `${entraStem} Entra Connect setup`,
  };
}

// --- Entra Connect setup identity ---------------------------------------------------------------

/**
 * Hybrid Identity Administrator, the least-privileged Entra role for configuring Entra Connect
 * Sync ("Used to create the Microsoft Entra Connector account and to configure Microsoft Entra ID"):
 * https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-accounts-permissions
 * Template id (fixed for the built-in role in every tenant):
 * https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference#hybrid-identity-administrator
 */
export const HYBRID_IDENTITY_ADMINISTRATOR_ROLE_ID = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2";

/** Mail nickname (UPN local part) of the setup identity, unique per prefix and stack. */
export function connectSetupNickname(prefix: string, stack: string, deploymentSuffix: string): string {
  return `connect-${prefix}-${stackLabel(stack)}-${deploymentSuffix}`;
}

/** UPN of the Entra Connect setup identity in the tenant's domain. */
export function connectSetupUpn(prefix: string, stack: string, tenantDomain: string, deploymentSuffix: string): string {
  return `${connectSetupNickname(prefix, stack, deploymentSuffix)}@${tenantDomain}`;
}

// --- server app secret lifetime -------------------------------------------------------------------

/** Days the server app secret outlives the lab's `schedule.expiresOn`: room to extend the lab a little. */
export const SECRET_GRACE_DAYS = 7;

export interface SecretLifetime {
  /** The lab's end date (`schedule.expiresOn`), YYYY-MM-DD. */
  readonly expiresOn: string;
  /** Maximum lifetime in days, counted from `issuedOn` (`entra.secretDays`). */
  readonly secretDays: number;
  /** The day the current secret is counted from (`entra.secretIssuedOn`), or null. */
  readonly issuedOn: string | null;
}

/**
 * The server app secret's end date (RFC 3339, midnight UTC), from config only, so that every
 * evaluation gives the same input and the secret is replaced only when the config changes:
 * `min(expiresOn + 7 days, issuedOn + secretDays)`; without `issuedOn`, `expiresOn + 7 days`.
 * The secret dies a week after the lab is due to be destroyed, and never lives longer than
 * `secretDays` from the date the user last rotated it. (`Date.now()` would give a new end date,
 * hence a new secret, on every `pulumi up`.)
 */
export function serverSecretEndDate(l: SecretLifetime): string {
  const labEnd = addDays(l.expiresOn, SECRET_GRACE_DAYS);
  const capped = l.issuedOn === null ? labEnd : addDays(l.issuedOn, l.secretDays);
  return `${capped < labEnd ? capped : labEnd}T00:00:00Z`;
}

// --- Azure access for the CMG ---------------------------------------------------------------------

/**
 * Built-in Azure role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 * Contributor is what the CMG docs state for the server app on the CMG resource group
 * (https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/security-and-privacy-for-cloud-management-gateway);
 * Owner adds `Microsoft.Authorization/roleAssignments/write`, which Contributor excludes and which
 * ConfigMgr 2409+ needs to create the CMG's managed-identity role assignments (UNCONFIRMED as the minimum).
 */
export const CMG_ROLE_DEFINITION_IDS: Readonly<Record<CmgRole, string>> = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
};

/** Full role definition id at subscription scope, the form `authorization.RoleAssignment` takes. */
export function roleDefinitionId(subscriptionId: string, role: CmgRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${CMG_ROLE_DEFINITION_IDS[role]}`;
}

/**
 * Resource providers a virtual machine scale set CMG needs registered on the subscription
 * (https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/set-up-checklist).
 */
export const CMG_RESOURCE_PROVIDERS = ["Microsoft.KeyVault", "Microsoft.Storage", "Microsoft.Network", "Microsoft.Compute"] as const;

/**
 * The prerequisite as commands: azure-native has no provider-registration resource (the register
 * endpoint is a POST action), so registration is a documented one-time step, printed by the plan.
 * Registering an already registered provider is a no-op.
 */
export function providerRegistrationCommands(): string {
  return CMG_RESOURCE_PROVIDERS.map((p) => `az provider register --namespace ${p} --wait`).join(" && ");
}
