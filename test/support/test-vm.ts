import * as pulumi from "@pulumi/pulumi";
import { WindowsVm, type WindowsVmArgs } from "../../components/windows-vm";

/** A Windows Server VM for component tests: a server in the servers subnet, no shutdown schedule. */
export function testVm(computerName: string, overrides: Partial<WindowsVmArgs> = {}): WindowsVm {
  return new WindowsVm(computerName.toLowerCase(), {
    resourceGroupName: "rg-cmglab-dev",
    location: "westeurope",
    vmName: `cmglab-dev-${computerName.toLowerCase()}`,
    computerName,
    os: "windows-server-2022",
    size: "Standard_B2ms",
    subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-servers",
    adminUsername: "labadmin",
    adminPassword: pulumi.secret("Sample-Passw0rd!"),
    autoShutdown: null,
    tags: {},
    ...overrides,
  });
}
