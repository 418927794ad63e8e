import { AdDirectory } from "../ad-directory";
import { AdForest } from "../ad-forest";
import type { EntraApps } from "../entra-apps";
import { HybridJoinScp } from "../hybrid-join-scp";
import type { LabCredentials } from "../lab-credentials";
import type { WindowsVm } from "../windows-vm";
import type { LabContext } from "./context";

/** Steps ad-forest, ad-ous, hybrid-join-scp: the forest on DC01, its OUs and demo users, the SCP. */
export function buildDirectory(
  { config, scopes }: LabContext,
  { dc, credentials, entra }: { dc: WindowsVm; credentials: LabCredentials; entra: EntraApps },
): { directory: AdDirectory } {
  const forestStep = scopes.get("ad-forest");
  new AdForest(
    "forest",
    {
      vm: dc,
      domainFqdn: config.domain.fqdn,
      netbiosName: config.domain.netbiosName,
      // The DSRM password: the lab admin password, sent as a protected parameter.
      safeModePassword: credentials.adminPassword,
      tags: forestStep.tags,
    },
    { parent: forestStep },
  );

  const ousStep = scopes.get("ad-ous");
  const directory = new AdDirectory(
    "ad",
    {
      vm: dc,
      domainFqdn: config.domain.fqdn,
      ous: config.domain.ous,
      usersOu: config.domain.usersOu,
      tenantDomain: config.tenant.domain,
      demoUserCount: config.domain.demoUsers,
      tags: ousStep.tags,
    },
    { parent: ousStep },
  );

  const scpStep = scopes.get("hybrid-join-scp");
  new HybridJoinScp(
    "hybrid-join",
    {
      vm: dc,
      forestFqdn: config.domain.fqdn,
      tenantDomain: config.tenant.domain,
      tenantId: entra.tenantId,
      tags: scpStep.tags,
    },
    { parent: scpStep },
  );

  return { directory };
}
