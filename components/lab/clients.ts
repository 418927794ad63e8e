import { ADDRESSES, ouDn } from "../../stacks/model/names";
import { DeviceJoinSync } from "../device-join-sync";
import { DeviceRegistration } from "../device-registration";
import { DomainMember } from "../domain-member";
import type { EntraApps } from "../entra-apps";
import type { WindowsVm } from "../windows-vm";
import type { DomainAdmin, LabContext } from "./context";

/**
 * Steps clients, device-registration. The VMs exist already (client-vms, in parallel with the
 * forest); only the joins wait, for ad-ous (and so for the forest and the Workstations OU).
 */
export function buildClients(
  { config, scopes }: LabContext,
  deps: { clients: WindowsVm[]; entraConnect: WindowsVm; entra: EntraApps; domainAdmin: DomainAdmin },
): { members: DomainMember[] } {
  const { clients, entraConnect, entra, domainAdmin } = deps;
  const clientsStep = scopes.get("clients");
  const members = clients.map(
    (client) =>
      new DomainMember(
        client.computerName.toLowerCase(),
        {
          vm: client,
          domainFqdn: config.domain.fqdn,
          ouDn: ouDn(config.domain.workstationsOu, config.domain.fqdn),
          dcAddress: ADDRESSES.dc,
          joinUser: domainAdmin.user,
          joinPassword: domainAdmin.password,
          tags: clientsStep.tags,
        },
        { parent: clientsStep },
      ),
  );

  // device-registration starts once the scope is synced. Each client then writes its device
  // certificate to AD, one delta sync carries the computer objects to Entra ID, and only then
  // do the join waits start.
  const registrationStep = scopes.get("device-registration");
  const deviceSync = new DeviceJoinSync(
    "device",
    { clients, syncServer: entraConnect, forestFqdn: config.domain.fqdn, runAs: domainAdmin, tags: registrationStep.tags },
    { parent: registrationStep },
  );
  clients.forEach(
    (client) =>
      new DeviceRegistration(
        client.computerName.toLowerCase(),
        { vm: client, tenantId: entra.tenantId, afterSync: [deviceSync.synced], tags: registrationStep.tags },
        { parent: registrationStep },
      ),
  );

  return { members };
}
