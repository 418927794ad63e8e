/** A `power` stack output (components/lab.ts LabPowerOutput) of a default-shaped lab, for the CLIs that read it. */
import type { LabPowerOutput } from "../../components/lab";

export function samplePower(overrides: Partial<LabPowerOutput> = {}): LabPowerOutput {
  return {
    resourceGroupName: "rg-cmglab-dev",
    dcVm: "vm-dc01",
    memberVms: ["vm-cm01", "vm-sync01", "vm-win11-01"],
    siteServerVm: "vm-cm01",
    siteCode: "PS1",
    cmgServiceFqdn: "cmglabab12.westeurope.cloudapp.azure.com",
    expiresOn: "2027-06-30",
    serverAppSecretEndDate: "2027-01-10T00:00:00Z",
    bastion: { mode: "basic", name: "bas-cmglab-dev", publicIpName: "pip-cmglab-dev-bastion", vnetName: "vnet-cmglab-dev", location: "westeurope", tags: { lab: "cmglab", step: "admin-access" } },
    siteInstallRunCommand: "site-install",
    verifyUrns: ["urn:a::verify-site", "urn:a::verify-user-discovery"],
    verifyRunCommands: [
      { vm: "vm-cm01", name: "verify-user-discovery" },
      { vm: "vm-cm01", name: "verify-site" },
    ],
    ...overrides,
  };
}
