import { serverSecretEndDate } from "../../stacks/model/entra";
import { CmgAzureAccess } from "../cmg-azure-access";
import { EntraApps } from "../entra-apps";
import type { LabContext } from "./context";

export interface EntraArea {
  readonly entra: EntraApps;
  readonly cmgAccess: CmgAzureAccess;
}

/** Steps entra-apps, cmg-azure-access: ConfigMgr's Entra apps, then the server app's role for the CMG. */
export function buildEntra({ config, names, scopes }: LabContext): EntraArea {
  const entraStep = scopes.get("entra-apps");
  const entra = new EntraApps(
    "configmgr",
    {
      prefix: config.prefix,
      stack: config.stack,
      displayNameStem: names.entraStem,
      tenantDomain: config.tenant.domain,
      secretEndDate: serverSecretEndDate({
        expiresOn: config.schedule.expiresOn,
        secretDays: config.entra.secretDays,
        issuedOn: config.entra.secretIssuedOn,
      }),
      secretRotation: config.entra.secretIssuedOn ?? "initial",
    },
    { parent: entraStep },
  );

  // The role assignment exists long before the cmg step runs (that waits for the site install,
  // an hour or more), so RBAC propagation (minutes) is over by then.
  const cmgAccessStep = scopes.get("cmg-azure-access");
  const cmgAccess = new CmgAzureAccess(
    "cmg",
    {
      resourceGroupName: names.cmgResourceGroup,
      location: config.location,
      serverAppPrincipalId: entra.serverAppPrincipalId,
      role: config.entra.cmgRole,
      tags: cmgAccessStep.tags,
    },
    { parent: cmgAccessStep },
  );

  return { entra, cmgAccess };
}
