/**
 * The Entra ID side (ConfigMgr's cloud-management apps, consents, the Entra Connect setup
 * identity) and the CMG's Azure access, under Pulumi's mock runtime: the exact resources, who
 * consents to what, secrecy, per-stack uniqueness, determinism and the role assignment's scope.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { evaluateLab, SECRET_TEXT, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { MOCK_GRAPH_SP_OBJECT_ID, MOCK_SUBSCRIPTION_ID, MOCK_TENANT_ID, uuidFrom } from "../scripts/cli/offline/mocks";
import { buildLab } from "../stacks/program";
import type { Lab } from "../components/lab";
import type { LabConfig } from "../stacks/config/lab-config";
import {
  CMG_RESOURCE_PROVIDERS,
  CMG_ROLE_DEFINITION_IDS,
  GRAPH_APP_ID,
  GRAPH_DIRECTORY_READ_ALL_ROLE_ID,
  GRAPH_USER_READ_SCOPE_ID,
  HYBRID_IDENTITY_ADMINISTRATOR_ROLE_ID,
  clientAppRedirectUri,
  connectSetupUpn,
  graphPermissionId,
  providerRegistrationCommands,
  roleDefinitionId,
  serverAppIdentifierUri,
  serverSecretEndDate,
} from "../stacks/model/entra";
import { customOf, missingWaits, one } from "./support/graph";
import { sampleConfig } from "./support/sample-config";

const T = {
  app: "azuread:index/application:Application",
  registration: "azuread:index/applicationRegistration:ApplicationRegistration",
  redirect: "azuread:index/applicationRedirectUris:ApplicationRedirectUris",
  publicClient: "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient",
  apiAccess: "azuread:index/applicationApiAccess:ApplicationApiAccess",
  password: "azuread:index/applicationPassword:ApplicationPassword",
  sp: "azuread:index/servicePrincipal:ServicePrincipal",
  appRole: "azuread:index/appRoleAssignment:AppRoleAssignment",
  grant: "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant",
  user: "azuread:index/user:User",
  dirRole: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
  uuid: "random:index/randomUuid:RandomUuid",
  randomPassword: "random:index/randomPassword:RandomPassword",
  rg: "azure-native:resources:ResourceGroup",
  roleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

/** The resolved value of an output (mocks resolve everything). */
function value<V>(o: pulumi.Output<V>): Promise<V> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Evaluates the whole lab and keeps the Lab object, to read component outputs. */
async function evaluateWithLab(config: LabConfig): Promise<{ ev: Evaluation; lab: Lab }> {
  let lab: Lab | undefined;
  const ev = await evaluateLab(config, {
    program: () => {
      lab = buildLab(config).lab;
      return {};
    },
  });
  if (!lab) throw new Error("the program did not build the lab");
  return { ev, lab };
}

const view = (rs: readonly RecordedResource[]): string[] => rs.map((r) => `${r.type}::${r.name}`).sort();
const input = (r: RecordedResource, key: string): unknown => r.plainInputs[key];

describe("pure derivations", () => {
  it.each([
    { name: "no issue date: a week after the lab's end", expiresOn: "2026-12-31", secretDays: 30, issuedOn: null, end: "2027-01-07T00:00:00Z" },
    { name: "capped by secretDays from the issue date", expiresOn: "2026-12-31", secretDays: 30, issuedOn: "2026-11-20", end: "2026-12-20T00:00:00Z" },
    { name: "capped by the lab's end", expiresOn: "2026-12-31", secretDays: 90, issuedOn: "2026-11-20", end: "2027-01-07T00:00:00Z" },
    { name: "leap day", expiresOn: "2028-02-22", secretDays: 30, issuedOn: null, end: "2028-02-29T00:00:00Z" },
    { name: "one day", expiresOn: "2026-12-31", secretDays: 1, issuedOn: "2026-12-31", end: "2027-01-01T00:00:00Z" },
  ])("secret end date: $name", ({ expiresOn, secretDays, issuedOn, end }) => {
    expect(serverSecretEndDate({ expiresOn, secretDays, issuedOn })).toBe(end);
  });

  it("rejects a malformed date instead of computing garbage", () => {
    expect(() => serverSecretEndDate({ expiresOn: "31.12.2026", secretDays: 30, issuedOn: null })).toThrow(/YYYY-MM-DD/);
  });

  it.each([
    { prefix: "cmglab", stack: "dev", uri: `api://${MOCK_TENANT_ID}/ConfigMgrService-cmglab-dev-k3x9`, upn: "connect-cmglab-dev-k3x9@contoso.onmicrosoft.com" },
    { prefix: "lab", stack: "Feature_Branch.X", uri: `api://${MOCK_TENANT_ID}/ConfigMgrService-lab-feature-bran-k3x9`, upn: "connect-lab-feature-bran-k3x9@contoso.onmicrosoft.com" },
  ])("identifier URI and setup UPN for $prefix/$stack (with the per-deployment suffix)", ({ prefix, stack, uri, upn }) => {
    expect(serverAppIdentifierUri(MOCK_TENANT_ID, prefix, stack, "k3x9")).toBe(uri);
    expect(connectSetupUpn(prefix, stack, "contoso.onmicrosoft.com", "k3x9")).toBe(upn);
  });

  it("builds the client's broker redirect URI from its own client id", () => {
    expect(clientAppRedirectUri("abc")).toBe("ms-appx-web://Microsoft.AAD.BrokerPlugin/abc");
  });

  const graphCases: { published: Record<string, string> | undefined; permission: "Directory.Read.All" | "User.Read"; result: string | RegExp }[] = [
    { published: { "Directory.Read.All": "x-1" }, permission: "Directory.Read.All" as const, result: "x-1" },
    { published: { "User.Read": "y-2" }, permission: "User.Read" as const, result: "y-2" },
    { published: { "User.Read.All": "z" }, permission: "Directory.Read.All" as const, result: /app role \(appRoleIds\) named Directory.Read.All.*7ab1d382/ },
    { published: undefined, permission: "User.Read" as const, result: /delegated scope.*User.Read.*e1fe6dd8/ },
    { published: { "User.Read": "" }, permission: "User.Read" as const, result: /no delegated scope/ },
  ];
  it.each(graphCases)("graphPermissionId($permission)", ({ published, permission, result }) => {
    if (typeof result === "string") expect(graphPermissionId(published, permission)).toBe(result);
    else expect(() => graphPermissionId(published, permission)).toThrow(result);
  });

  it("role definition ids at subscription scope, and the provider prerequisite", () => {
    expect(roleDefinitionId("sub-1", "owner")).toBe("/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
    expect(roleDefinitionId("sub-1", "contributor")).toBe("/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c");
    for (const p of CMG_RESOURCE_PROVIDERS) expect(providerRegistrationCommands()).toContain(`az provider register --namespace ${p} --wait`);
    expect(CMG_RESOURCE_PROVIDERS).toEqual(["Microsoft.KeyVault", "Microsoft.Storage", "Microsoft.Network", "Microsoft.Compute"]);
  });
});

describe("entra-apps and cmg-azure-access in the default lab", () => {
  let ev: Evaluation;
  let lab: Lab;
  beforeAll(async () => {
    ({ ev, lab } = await evaluateWithLab(sampleConfig()));
  });
  const r = (type: string, name: string): RecordedResource => one(ev, type, name);

  it("creates exactly the apps, service principals, permissions, consents and setup identity", () => {
    expect(view(customOf(ev, "entra-apps"))).toEqual(
      [
        `${T.uuid}::configmgr-server-scope-id`,
        `${T.app}::configmgr-server-app`,
        `${T.sp}::configmgr-server-sp`,
        `${T.appRole}::configmgr-server-graph-directory-read-all`,
        `${T.password}::configmgr-server-secret`,
        `${T.registration}::configmgr-client-app`,
        `${T.redirect}::configmgr-client-redirect-uris`,
        `${T.publicClient}::configmgr-client-public-client`,
        `${T.apiAccess}::configmgr-client-server-access`,
        `${T.apiAccess}::configmgr-client-graph-access`,
        `${T.sp}::configmgr-client-sp`,
        `${T.grant}::configmgr-client-server-grant`,
        `${T.grant}::configmgr-client-graph-grant`,
        `${T.randomPassword}::configmgr-connect-setup-password`,
        "random:index/randomString:RandomString::configmgr-deployment-suffix",
        `${T.user}::configmgr-connect-setup-user`,
        `${T.dirRole}::configmgr-connect-setup-role`,
      ].sort(),
    );
    expect(view(customOf(ev, "cmg-azure-access"))).toEqual(
      [`${T.rg}::cmg-rg`, `${T.uuid}::cmg-server-app-role-name`, `${T.roleAssignment}::cmg-server-app-role`].sort(),
    );
    // Exactly one Graph app-role consent, two delegated consents, one Azure role, one directory role.
    expect(ev.resources.filter((x) => x.type === T.appRole)).toHaveLength(1);
    expect(ev.resources.filter((x) => x.type === T.grant)).toHaveLength(2);
    expect(ev.resources.filter((x) => x.type === T.roleAssignment)).toHaveLength(1);
    expect(ev.resources.filter((x) => x.type === T.dirRole)).toHaveLength(1);
    // The components are typed as the other areas expect.
    const components = ev.resources.filter((x) => !x.custom).map((x) => `${x.type}::${x.name}`);
    expect(components).toContain("cmg-lab:entra:EntraApps::configmgr");
    expect(components).toContain("cmg-lab:entra:CmgAzureAccess::cmg");
  });

  it("sets up the server app as ConfigMgr expects", async () => {
    const app = r(T.app, "configmgr-server-app");
    const uri = `api://${MOCK_TENANT_ID}/ConfigMgrService-cmglab-dev-ee20`;
    expect(input(app, "identifierUris")).toEqual([uri]);
    expect(await value(lab.entra.serverAppIdentifierUri)).toBe(uri);
    expect(input(app, "signInAudience")).toBe("AzureADMyOrg");
    expect(input(app, "web")).toEqual({ redirectUris: ["http://localhost"], implicitGrant: { idTokenIssuanceEnabled: true } });
    const api = input(app, "api") as { oauth2PermissionScopes: Record<string, unknown>[]; requestedAccessTokenVersion: number };
    expect(api.oauth2PermissionScopes).toHaveLength(1);
    expect(api.oauth2PermissionScopes[0]).toMatchObject({ value: "user_impersonation", type: "User", enabled: true });
    expect(input(app, "requiredResourceAccesses")).toEqual([
      { resourceAppId: GRAPH_APP_ID, resourceAccesses: [{ id: GRAPH_DIRECTORY_READ_ALL_ROLE_ID, type: "Role" }] },
    ]);
    expect(input(r(T.sp, "configmgr-server-sp"), "clientId")).toBe(await value(lab.entra.serverAppClientId));
  });

  it("consents Directory.Read.All for the server app on Graph's service principal", async () => {
    const consent = r(T.appRole, "configmgr-server-graph-directory-read-all");
    expect(input(consent, "appRoleId")).toBe(GRAPH_DIRECTORY_READ_ALL_ROLE_ID);
    expect(input(consent, "resourceObjectId")).toBe(MOCK_GRAPH_SP_OBJECT_ID);
    expect(input(consent, "principalObjectId")).toBe(await value(lab.entra.serverAppPrincipalId));
  });

  it("points the client app's delegated access and consent at the server app's user_impersonation scope", async () => {
    const clientId = await value(lab.entra.clientAppClientId);
    const serverSpObjectId = await value(lab.entra.serverAppPrincipalId);
    expect(input(r(T.redirect, "configmgr-client-redirect-uris"), "redirectUris")).toEqual([`ms-appx-web://Microsoft.AAD.BrokerPlugin/${clientId}`]);
    expect(input(r(T.redirect, "configmgr-client-redirect-uris"), "type")).toBe("PublicClient");
    expect(input(r(T.publicClient, "configmgr-client-public-client"), "enabled")).toBe(true);
    expect(input(r(T.registration, "configmgr-client-app"), "implicitIdTokenIssuanceEnabled")).toBe(true);

    const scopeId = ((input(r(T.app, "configmgr-server-app"), "api") as { oauth2PermissionScopes: { id: string }[] }).oauth2PermissionScopes[0] as { id: string }).id;
    const serverAccess = r(T.apiAccess, "configmgr-client-server-access");
    expect(input(serverAccess, "apiClientId")).toBe(await value(lab.entra.serverAppClientId));
    expect(input(serverAccess, "scopeIds")).toEqual([scopeId]);
    const graphAccess = r(T.apiAccess, "configmgr-client-graph-access");
    expect(input(graphAccess, "apiClientId")).toBe(GRAPH_APP_ID);
    expect(input(graphAccess, "scopeIds")).toEqual([GRAPH_USER_READ_SCOPE_ID]);

    const clientSp = r(T.sp, "configmgr-client-sp");
    expect(input(clientSp, "clientId")).toBe(clientId);
    const grant = r(T.grant, "configmgr-client-server-grant");
    expect(input(grant, "resourceServicePrincipalObjectId")).toBe(serverSpObjectId);
    expect(input(grant, "claimValues")).toEqual(["user_impersonation"]);
    expect(input(grant, "userObjectId")).toBeUndefined(); // tenant-wide admin consent
    const graphGrant = r(T.grant, "configmgr-client-graph-grant");
    expect(input(graphGrant, "resourceServicePrincipalObjectId")).toBe(MOCK_GRAPH_SP_OBJECT_ID);
    expect(input(graphGrant, "claimValues")).toEqual(["User.Read"]);
    expect(input(graphGrant, "servicePrincipalObjectId")).toBe(input(grant, "servicePrincipalObjectId"));
  });

  it("gives the server app secret a config-derived end date and a rotation key", async () => {
    const secret = r(T.password, "configmgr-server-secret");
    expect(input(secret, "endDate")).toBe("2027-01-07T00:00:00Z");
    expect(input(secret, "rotateWhenChanged")).toEqual({ rotation: "initial" });
    expect(await value(lab.entra.serverAppSecretEndDate)).toBe("2027-01-07T00:00:00Z");
    expect(String(input(secret, "applicationId"))).toMatch(/^\/[A-Za-z]+\/[0-9a-f-]{36}$/);

    const rotated = await evaluateLab(sampleConfig({ entra: { secretDays: 14, secretIssuedOn: "2026-11-20", cmgRole: "owner" } }));
    const next = one(rotated, T.password, "configmgr-server-secret");
    expect(input(next, "endDate")).toBe("2026-12-04T00:00:00Z");
    expect(input(next, "rotateWhenChanged")).toEqual({ rotation: "2026-11-20" });
  });

  it("creates the Entra Connect setup identity in the Hybrid Identity Administrator role", async () => {
    const user = r(T.user, "configmgr-connect-setup-user");
    expect(input(user, "userPrincipalName")).toBe("connect-cmglab-dev-ee20@contoso.onmicrosoft.com");
    expect(input(user, "mailNickname")).toBe("connect-cmglab-dev-ee20");
    expect(input(user, "forcePasswordChange")).toBe(false);
    expect(await value(lab.entra.connectSetupUpn)).toBe("connect-cmglab-dev-ee20@contoso.onmicrosoft.com");
    const role = r(T.dirRole, "configmgr-connect-setup-role");
    expect(input(role, "roleId")).toBe(HYBRID_IDENTITY_ADMINISTRATOR_ROLE_ID);
    expect(input(role, "directoryScopeId")).toBe("/");
    expect(String(input(role, "principalObjectId"))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the app secret and the setup password secret", async () => {
    const user = r(T.user, "configmgr-connect-setup-user");
    expect(user.secretPaths).toContain("password");
    expect(user.inputs.password).toBe(SECRET_TEXT);
    const plainPassword = input(user, "password") as string;
    expect(plainPassword.length).toBeGreaterThan(8);
    expect(JSON.stringify(ev.resources.map((x) => x.inputs))).not.toContain(plainPassword);

    expect(await pulumi.isSecret(lab.entra.serverAppSecret)).toBe(true);
    expect(await pulumi.isSecret(lab.entra.connectSetupPassword)).toBe(true);
    expect(await value(lab.entra.serverAppSecret)).toMatch(/^Mock~/);
    for (const plain of [lab.entra.tenantId, lab.entra.serverAppClientId, lab.entra.clientAppClientId, lab.entra.serverAppSecretEndDate]) {
      expect(await pulumi.isSecret(plain)).toBe(false);
    }

    const outputs = (await evaluateLab(sampleConfig())).outputs;
    expect(outputs).toMatchObject({
      tenantId: MOCK_TENANT_ID,
      serverAppSecretEndDate: "2027-01-07T00:00:00Z",
      cmgResourceGroupName: "rg-cmglab-dev-cmg",
      connectSetupUpn: "connect-cmglab-dev-ee20@contoso.onmicrosoft.com",
    });
    expect(outputs).not.toHaveProperty("serverAppSecret");
    expect(outputs).not.toHaveProperty("connectSetupPassword");
    expect(JSON.stringify(outputs)).not.toContain(await value(lab.entra.serverAppSecret));
    expect(JSON.stringify(outputs)).not.toContain(plainPassword);
  });

  it("assigns the role on the CMG resource group, not the subscription", async () => {
    const rg = r(T.rg, "cmg-rg");
    expect(input(rg, "resourceGroupName")).toBe("rg-cmglab-dev-cmg");
    expect(rg.inputs.tags).toMatchObject({ lab: "cmglab", stack: "dev", step: "cmg-azure-access", expiresOn: "2026-12-31" });
    const ra = r(T.roleAssignment, "cmg-server-app-role");
    const scope = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-cmglab-dev-cmg`;
    expect(input(ra, "scope")).toBe(scope);
    expect(input(ra, "scope")).not.toBe(`/subscriptions/${MOCK_SUBSCRIPTION_ID}`);
    expect(input(ra, "principalId")).toBe(await value(lab.entra.serverAppPrincipalId));
    expect(input(ra, "principalType")).toBe("ServicePrincipal");
    expect(input(ra, "roleDefinitionId")).toBe(`/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${CMG_ROLE_DEFINITION_IDS.owner}`);
    // A GUID from random.RandomUuid (kept in state), renewed when scope, principal or role change.
    expect(input(ra, "roleAssignmentName")).toBe(uuidFrom("uuid:cmg-server-app-role-name"));
    expect(input(r(T.uuid, "cmg-server-app-role-name"), "keepers")).toEqual({ scope, principalId: input(ra, "principalId"), role: "owner" });
    expect(await value(lab.cmgAccess.cmgResourceGroupName)).toBe("rg-cmglab-dev-cmg");
    expect(await value(lab.cmgAccess.subscriptionId)).toBe(MOCK_SUBSCRIPTION_ID);
    expect(lab.cmgAccess.ready.length).toBe(2);

    const contributor = await evaluateLab(sampleConfig({ entra: { secretDays: 30, secretIssuedOn: null, cmgRole: "contributor" } }));
    expect(input(one(contributor, T.roleAssignment, "cmg-server-app-role"), "roleDefinitionId")).toMatch(new RegExp(`${CMG_ROLE_DEFINITION_IDS.contributor}$`));
  });

  it("makes the CMG access wait for the apps and consents (with control cases)", () => {
    expect(customOf(ev, "entra-apps").length).toBeGreaterThan(10);
    expect(customOf(ev, "cmg-azure-access").length).toBeGreaterThan(0);
    expect(missingWaits(ev, "cmg-azure-access", "entra-apps")).toEqual([]);
    // Control: the apps do not wait for the network, nor the VMs for the apps.
    expect(missingWaits(ev, "entra-apps", "network")).not.toEqual([]);
    expect(missingWaits(ev, "dc-vm", "entra-apps")).not.toEqual([]);
  });

  it("exposes the ready handles other steps wait on", () => {
    const readyNames = (rs: pulumi.Resource[]): Promise<string[]> =>
      Promise.all(rs.map((x) => value(x.urn))).then((urns) => urns.map((u) => u.split("::").pop() ?? u).sort());
    return Promise.all([readyNames(lab.entra.ready), readyNames(lab.cmgAccess.ready)]).then(([entra, cmg]) => {
      expect(entra).toEqual(
        [
          "configmgr-server-graph-directory-read-all",
          "configmgr-client-server-grant",
          "configmgr-client-graph-grant",
          "configmgr-client-redirect-uris",
          "configmgr-client-public-client",
          "configmgr-client-server-access",
          "configmgr-client-graph-access",
          "configmgr-connect-setup-role",
        ].sort(),
      );
      expect(cmg).toEqual(["cmg-rg", "cmg-server-app-role"]);
    });
  });
});

describe("per stack", () => {
  const entraView = (ev: Evaluation): string =>
    JSON.stringify(
      ev.resources
        .filter((x) => x.step === "entra-apps" || x.step === "cmg-azure-access")
        .map((x) => ({ urn: x.urn, inputs: x.plainInputs, deps: x.dependencies }))
        .sort((a, b) => a.urn.localeCompare(b.urn)),
    );

  it("gives two stacks in one tenant distinct identifier URIs, UPNs, display names and resource groups", async () => {
    const a = await evaluateLab(sampleConfig({ stack: "a" }));
    const b = await evaluateLab(sampleConfig({ stack: "b" }));
    const names = (ev: Evaluation) => ({
      uri: (input(one(ev, T.app, "configmgr-server-app"), "identifierUris") as string[])[0],
      upn: input(one(ev, T.user, "configmgr-connect-setup-user"), "userPrincipalName"),
      nickname: input(one(ev, T.user, "configmgr-connect-setup-user"), "mailNickname"),
      server: input(one(ev, T.app, "configmgr-server-app"), "displayName"),
      client: input(one(ev, T.registration, "configmgr-client-app"), "displayName"),
      user: input(one(ev, T.user, "configmgr-connect-setup-user"), "displayName"),
      rg: input(one(ev, T.rg, "cmg-rg"), "resourceGroupName"),
    });
    const na = names(a);
    const nb = names(b);
    expect(na).toEqual({
      uri: `api://${MOCK_TENANT_ID}/ConfigMgrService-cmglab-a-ee20`,
      upn: "connect-cmglab-a-ee20@contoso.onmicrosoft.com",
      nickname: "connect-cmglab-a-ee20",
      server: "cmg-lab cmglab-a ConfigMgr server app",
      client: "cmg-lab cmglab-a ConfigMgr client app",
      user: "cmg-lab cmglab-a Entra Connect setup",
      rg: "rg-cmglab-a-cmg",
    });
    for (const key of Object.keys(na) as (keyof typeof na)[]) expect(na[key], key).not.toBe(nb[key]);
    // Within one stack, the two apps and the user have distinct display names too.
    expect(new Set([na.server, na.client, na.user]).size).toBe(3);
  });

  it("is identical on a second evaluation", async () => {
    const first = await evaluateLab(sampleConfig());
    const second = await evaluateLab(sampleConfig());
    expect(entraView(second)).toBe(entraView(first));
    expect(entraView(first)).toContain("configmgr-server-secret");
  });
});
