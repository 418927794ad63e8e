import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as random from "@pulumi/random";
import { labPasswordArgs } from "../stacks/model/passwords";
import {
  GRAPH_APP_ID,
  HYBRID_IDENTITY_ADMINISTRATOR_ROLE_ID,
  USER_IMPERSONATION_SCOPE,
  clientAppRedirectUri,
  connectSetupNickname,
  connectSetupUpn,
  DEPLOYMENT_SUFFIX_LENGTH,
  entraDisplayNames,
  graphPermissionId,
  serverAppIdentifierUri,
} from "../stacks/model/entra";

export interface EntraAppsArgs {
  /** Required. Lab prefix; with `stack`, makes the identifier URI and the setup UPN unique per stack. */
  readonly prefix: string;
  /** Required. Pulumi stack name. */
  readonly stack: string;
  /** Required. Display-name stem of the lab's Entra objects (`labNames(...).entraStem`). */
  readonly displayNameStem: string;
  /** Required. Tenant domain (`cmg-lab:tenant.domain`): the setup identity's UPN suffix. */
  readonly tenantDomain: string;
  /**
   * Required. End of the server app secret, RFC 3339, derived from config only
   * (`serverSecretEndDate` in stacks/model/entra.ts). A new value replaces the secret.
   */
  readonly secretEndDate: string;
  /**
   * Required. Rotation key of the server app secret (`entra.secretIssuedOn`, or `initial`): a new
   * value replaces the secret even when the end date stays the same.
   */
  readonly secretRotation: string;
}

/**
 * ConfigMgr's two cloud-management apps, consented, as the Azure Services wizard would create them
 * (https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/manually-register-azure-ad-apps),
 * plus a cloud-only setup identity for Entra Connect:
 * - server (web) app: Application ID URI `api://<tenantId>/ConfigMgrService-<prefix>-<stack>`, scope
 *   `user_impersonation`, web redirect `http://localhost`, ID-token implicit grant, Graph application
 *   permission Directory.Read.All with admin consent (an app role assignment to Graph's service
 *   principal), a client secret with an explicit end date;
 * - client (native) app: public client with the broker redirect URI that embeds its own client id
 *   (split azuread resources, because an `Application` cannot reference its own client id),
 *   delegated `user_impersonation` on the server app and Graph `User.Read`, both consented tenant-wide;
 * - Entra Connect setup user in the Hybrid Identity Administrator role, with a generated password.
 */
export class EntraApps extends pulumi.ComponentResource {
  /** Tenant id, from the azuread provider's client config. */
  public readonly tenantId: pulumi.Output<string>;
  /** Tenant domain (`cmg-lab:tenant.domain`). */
  public readonly tenantDomain: string;
  /** Server (web) app's application (client) id: `Import-CMAADServerApplication -ClientId`. */
  public readonly serverAppClientId: pulumi.Output<string>;
  /** Object id of the server app's service principal (the principal of its Azure role and Graph consent). */
  public readonly serverAppPrincipalId: pulumi.Output<string>;
  /** Server app's display name: `Import-CMAADServerApplication -AppName`. */
  public readonly serverAppName: string;
  /** Server app's Application ID URI: `-AppIdUri`, and the clients' `AADRESOURCEURI`. */
  public readonly serverAppIdentifierUri: pulumi.Output<string>;
  /** Server app's client secret (secret): `-SecretKey`. */
  public readonly serverAppSecret: pulumi.Output<string>;
  /** End of the server app secret, RFC 3339: `-SecretKeyExpiry`. */
  public readonly serverAppSecretEndDate: pulumi.Output<string>;
  /** Client (native) app's application (client) id: `Import-CMAADClientApplication -ClientId`, `AADCLIENTAPPID`. */
  public readonly clientAppClientId: pulumi.Output<string>;
  /** Client app's display name: `Import-CMAADClientApplication -AppName`. */
  public readonly clientAppName: string;
  /** UPN of the cloud-only Entra Connect setup identity (Hybrid Identity Administrator). */
  public readonly connectSetupUpn: pulumi.Output<string>;
  /** Its password (secret). */
  public readonly connectSetupPassword: pulumi.Output<string>;
  /**
   * Consents, role assignments and the client app's platform settings: once all exist, the apps
   * work as ConfigMgr expects. Steps that use the apps depend on these.
   */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: EntraAppsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:entra:EntraApps", name, {}, opts);
    const child = { parent: this };
    const names = entraDisplayNames(args.displayNameStem);

    const client = azuread.getClientConfigOutput(child);
    // Graph's service principal exists in every tenant; read, never managed (a managed copy with
    // useExisting would try to delete Graph's service principal on destroy).
    const graph = azuread.getServicePrincipalOutput({ clientId: GRAPH_APP_ID }, child);
    const directoryReadAll = graph.appRoleIds.apply((ids) => graphPermissionId(ids, "Directory.Read.All"));
    const userRead = graph.oauth2PermissionScopeIds.apply((ids) => graphPermissionId(ids, "User.Read"));
    // Soft-deleted apps and users keep their identifier URI and UPN for 30 days: a suffix kept in
    // state (new after destroy) lets a rebuild never collide with them.
    const suffix = new random.RandomString(
      `${name}-deployment-suffix`,
      { length: DEPLOYMENT_SUFFIX_LENGTH, upper: false, lower: true, numeric: true, special: false },
      child,
    ).result;
    const identifierUri = pulumi
      .all([client.tenantId, suffix])
      .apply(([t, sfx]) => serverAppIdentifierUri(t, args.prefix, args.stack, sfx));

    // --- server (web) app -------------------------------------------------------------------------
    // The scope id must stay the same for the life of the app: a random UUID kept in state.
    const scopeId = new random.RandomUuid(`${name}-server-scope-id`, {}, child);
    const serverApp = new azuread.Application(
      `${name}-server-app`,
      {
        displayName: names.serverApp,
        signInAudience: "AzureADMyOrg",
        identifierUris: [identifierUri],
        api: {
          // v1 tokens, as the apps ConfigMgr's own wizard creates.
          requestedAccessTokenVersion: 1,
          oauth2PermissionScopes: [
            {
              id: scopeId.result,
              value: USER_IMPERSONATION_SCOPE,
              type: "User",
              enabled: true,
              adminConsentDisplayName: "Access ConfigMgr",
              adminConsentDescription: "Allow the ConfigMgr client to access the site on behalf of the signed-in user.",
              userConsentDisplayName: "Access ConfigMgr",
              userConsentDescription: "Allow the ConfigMgr client to access the site on your behalf.",
            },
          ],
        },
        web: {
          // Needed since ConfigMgr 2309 to create a CMG with an imported server app.
          redirectUris: ["http://localhost"],
          implicitGrant: { idTokenIssuanceEnabled: true },
        },
        // Declares the permission (what the portal lists); the consent is the assignment below.
        // Only Directory.Read.All: the default delegated User.Read is not needed on the server app.
        requiredResourceAccesses: [{ resourceAppId: GRAPH_APP_ID, resourceAccesses: [{ id: directoryReadAll, type: "Role" }] }],
      },
      child,
    );
    const serverSp = new azuread.ServicePrincipal(`${name}-server-sp`, { clientId: serverApp.clientId }, child);
    const graphConsent = new azuread.AppRoleAssignment(
      `${name}-server-graph-directory-read-all`,
      { appRoleId: directoryReadAll, principalObjectId: serverSp.objectId, resourceObjectId: graph.objectId },
      child,
    );
    const secret = new azuread.ApplicationPassword(
      `${name}-server-secret`,
      {
        applicationId: serverApp.id,
        displayName: `${names.serverApp} secret`,
        endDate: args.secretEndDate,
        rotateWhenChanged: { rotation: args.secretRotation },
      },
      child,
    );

    // --- client (native) app ------------------------------------------------------------------------
    // Split resources: the redirect URI embeds this app's own client id (see tech-facts §6.3).
    const clientApp = new azuread.ApplicationRegistration(
      `${name}-client-app`,
      { displayName: names.clientApp, signInAudience: "AzureADMyOrg", implicitIdTokenIssuanceEnabled: true },
      child,
    );
    const clientRedirect = new azuread.ApplicationRedirectUris(
      `${name}-client-redirect-uris`,
      { applicationId: clientApp.id, type: "PublicClient", redirectUris: [clientApp.clientId.apply(clientAppRedirectUri)] },
      child,
    );
    const clientPublic = new azuread.ApplicationFallbackPublicClient(
      `${name}-client-public-client`,
      { applicationId: clientApp.id, enabled: true },
      child,
    );
    const clientServerAccess = new azuread.ApplicationApiAccess(
      `${name}-client-server-access`,
      { applicationId: clientApp.id, apiClientId: serverApp.clientId, scopeIds: [scopeId.result] },
      child,
    );
    const clientGraphAccess = new azuread.ApplicationApiAccess(
      `${name}-client-graph-access`,
      { applicationId: clientApp.id, apiClientId: GRAPH_APP_ID, scopeIds: [userRead] },
      child,
    );
    const clientSp = new azuread.ServicePrincipal(`${name}-client-sp`, { clientId: clientApp.clientId }, child);
    // No userObjectId: admin consent for all users.
    const clientServerGrant = new azuread.ServicePrincipalDelegatedPermissionGrant(
      `${name}-client-server-grant`,
      { servicePrincipalObjectId: clientSp.objectId, resourceServicePrincipalObjectId: serverSp.objectId, claimValues: [USER_IMPERSONATION_SCOPE] },
      child,
    );
    const clientGraphGrant = new azuread.ServicePrincipalDelegatedPermissionGrant(
      `${name}-client-graph-grant`,
      { servicePrincipalObjectId: clientSp.objectId, resourceServicePrincipalObjectId: graph.objectId, claimValues: ["User.Read"] },
      child,
    );

    // --- Entra Connect setup identity ---------------------------------------------------------------
    // Least privilege for configuring Entra Connect Sync: a cloud-only account in the Hybrid
    // Identity Administrator role ("Microsoft Entra Hybrid Identity Administrator account: Used to
    // create the Microsoft Entra Connector account and to configure Microsoft Entra ID"),
    // https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-accounts-permissions
    const setupPassword = new random.RandomPassword(
      `${name}-connect-setup-password`,
      // Entra: 8-256 characters from at least three classes.
      labPasswordArgs(32),
      child,
    );
    const password = pulumi.secret(setupPassword.result);
    const setupUser = new azuread.User(
      `${name}-connect-setup-user`,
      {
        displayName: names.connectSetup,
        userPrincipalName: suffix.apply((sfx) => connectSetupUpn(args.prefix, args.stack, args.tenantDomain, sfx)),
        mailNickname: suffix.apply((sfx) => connectSetupNickname(args.prefix, args.stack, sfx)),
        password,
        // Entra Connect signs in with it unattended: no first-sign-in password change.
        forcePasswordChange: false,
        accountEnabled: true,
      },
      child,
    );
    const setupRole = new azuread.DirectoryRoleAssignment(
      `${name}-connect-setup-role`,
      // Built-in roles are assigned by template id at tenant scope ("/"), no activation needed.
      { roleId: HYBRID_IDENTITY_ADMINISTRATOR_ROLE_ID, principalObjectId: setupUser.objectId, directoryScopeId: "/" },
      child,
    );

    this.tenantId = client.tenantId;
    this.tenantDomain = args.tenantDomain;
    this.serverAppClientId = serverApp.clientId;
    this.serverAppPrincipalId = serverSp.objectId;
    this.serverAppName = names.serverApp;
    this.serverAppIdentifierUri = identifierUri;
    this.serverAppSecret = pulumi.secret(secret.value);
    this.serverAppSecretEndDate = secret.endDate;
    this.clientAppClientId = clientApp.clientId;
    this.clientAppName = names.clientApp;
    this.connectSetupUpn = setupUser.userPrincipalName;
    this.connectSetupPassword = password;
    this.ready = [graphConsent, clientServerGrant, clientGraphGrant, clientRedirect, clientPublic, clientServerAccess, clientGraphAccess, setupRole];
    this.registerOutputs({
      tenantId: this.tenantId,
      serverAppClientId: this.serverAppClientId,
      serverAppIdentifierUri: this.serverAppIdentifierUri,
      serverAppSecretEndDate: this.serverAppSecretEndDate,
      clientAppClientId: this.clientAppClientId,
      connectSetupUpn: this.connectSetupUpn,
    });
  }
}
