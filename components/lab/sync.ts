import * as path from "node:path";
import { ADDRESSES, msiStorageAccountStem, ouDn } from "../../stacks/model/names";
import { syncScopeSpec } from "../../stacks/model/sync-scope";
import type { EntraApps } from "../entra-apps";
import { EntraConnect } from "../entra-connect";
import type { LabNetwork } from "../lab-network";
import { SyncScope } from "../sync-scope";
import type { WindowsVm } from "../windows-vm";
import { PROJECT_DIR, type DomainAdmin, type LabContext } from "./context";

/**
 * Steps entra-connect, sync-scope on SYNC01. Never waits for the ConfigMgr site: only for the
 * OUs (ad-ous) and the SYNC01 VM.
 */
export function buildSync(
  { config, scopes }: LabContext,
  deps: { entraConnect: WindowsVm; network: LabNetwork; entra: EntraApps; domainAdmin: DomainAdmin },
): void {
  const { entraConnect, network, entra, domainAdmin } = deps;
  const connectStep = scopes.get("entra-connect");
  const syncScopeDns = syncScopeSpec({
    fqdn: config.domain.fqdn,
    syncOus: config.sync.ous,
    workstationsOu: config.domain.workstationsOu,
    usersOu: config.domain.usersOu,
  });
  const connect = new EntraConnect(
    "sync01",
    {
      vm: entraConnect,
      domainFqdn: config.domain.fqdn,
      serversOuDn: ouDn(config.domain.serversOu, config.domain.fqdn),
      dcAddress: ADDRESSES.dc,
      join: domainAdmin,
      admin: domainAdmin,
      msi:
        config.sync.msi.kind === "file"
          ? {
              kind: "blob",
              file: path.resolve(PROJECT_DIR, config.sync.msi.file),
              resourceGroupName: network.resourceGroupName,
              accountNameStem: msiStorageAccountStem(config.prefix, config.stack),
            }
          : config.sync.msi,
      syncOuDns: syncScopeDns.ouDns,
      setupUpn: entra.connectSetupUpn,
      tags: connectStep.tags,
    },
    { parent: connectStep },
  );

  const syncScopeStep = scopes.get("sync-scope");
  new SyncScope(
    "sync-scope",
    {
      vm: entraConnect,
      mode: config.sync.configuration,
      forestFqdn: config.domain.fqdn,
      scope: syncScopeDns,
      admin: domainAdmin,
      after: [connect.ready],
      tags: syncScopeStep.tags,
    },
    { parent: syncScopeStep },
  );
}
