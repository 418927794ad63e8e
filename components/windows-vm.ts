import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as devtestlab from "@pulumi/azure-native/devtestlab";
import * as network from "@pulumi/azure-native/network";
import type * as inputs from "@pulumi/azure-native/types/input";
import { shutdownScheduleName, shutdownTime } from "../stacks/model/names";

/** Managed run commands Azure allows on one VM (learn.microsoft.com/azure/virtual-machines/run-command-overview). */
export const MAX_RUN_COMMANDS_PER_VM = 25;

/** Operating systems a lab VM can run, by name. */
export type WindowsOs = "windows-server-2022" | "windows-server-2022-sql2022-developer" | "windows-server-2025" | "windows-11" | "windows-10";

/**
 * Marketplace images by OS name. All are generation 2 images, so every VM gets Trusted Launch.
 * Windows 10/11 client images need eligible licensing (for example a Visual Studio subscription);
 * see the README. `latest` is a fixed input string, so it causes no diff on its own.
 */
export const WINDOWS_IMAGES: Readonly<Record<WindowsOs, inputs.compute.ImageReferenceArgs>> = {
  "windows-server-2022": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2022-datacenter-azure-edition",
    version: "latest",
  },
  // SQL Server 2022 Developer preinstalled (default instance; the site server with site.sqlSource
  // image): Developer bills only the VM (learn.microsoft.com/azure/azure-sql/virtual-machines/windows/pricing-guidance).
  // The URN is the one public templates use; Microsoft lists it only through `az vm image list
  // --publisher MicrosoftSQLServer --offer sql2022-ws2022`, and Trusted Launch support of this
  // Gen2 image is UNCONFIRMED (az vm image show ... --query features shows its SecurityType).
  "windows-server-2022-sql2022-developer": {
    publisher: "MicrosoftSQLServer",
    offer: "sql2022-ws2022",
    sku: "sqldev-gen2",
    version: "latest",
  },
  "windows-server-2025": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2025-datacenter-azure-edition",
    version: "latest",
  },
  "windows-11": { publisher: "MicrosoftWindowsDesktop", offer: "windows-11", sku: "win11-24h2-pro", version: "latest" },
  "windows-10": { publisher: "MicrosoftWindowsDesktop", offer: "Windows-10", sku: "win10-22h2-pro-g2", version: "latest" },
};

export interface AutoShutdown {
  /** Daily time, `HH:MM` 24-hour. */
  readonly time: string;
  /** Windows time zone id, e.g. `UTC` or `W. Europe Standard Time`. */
  readonly timeZone: string;
}

export interface WindowsVmArgs {
  /** Required. Resource group of the VM and its NIC, disk and schedule. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Required. Azure region. */
  readonly location: pulumi.Input<string>;
  /** Required. Azure VM resource name (up to 64 characters). */
  readonly vmName: string;
  /** Required. Windows computer name, up to 15 characters (validated by the config loader). */
  readonly computerName: string;
  /** Required. Operating system, picks the marketplace image. */
  readonly os: WindowsOs;
  /** Required. VM size, e.g. Standard_B2ms. */
  readonly size: string;
  /** Required. Subnet the NIC is placed in. */
  readonly subnetId: pulumi.Input<string>;
  /** Optional. Static private IP address; dynamic when omitted. */
  readonly privateIpAddress?: string;
  /** Optional. Give the VM a Standard public IP (only when admin source CIDRs are configured). Default false. */
  readonly publicIp?: boolean;
  /** Required. Local admin user name. */
  readonly adminUsername: string;
  /** Required. Local admin password; must be a Pulumi secret. */
  readonly adminPassword: pulumi.Input<string>;
  /** Optional. OS disk size in GiB; the image default (127 GiB) when omitted. */
  readonly osDiskSizeGb?: number;
  /** Optional. OS disk SKU. Default StandardSSD_LRS. */
  readonly osDiskType?: "StandardSSD_LRS" | "Premium_LRS" | "Standard_LRS";
  /** Optional. Windows time zone id of the guest clock. Default UTC. */
  readonly timeZone?: string;
  /** Optional. Nightly shutdown; none when null. */
  readonly autoShutdown: AutoShutdown | null;
  /** Optional. Give the VM a system-assigned managed identity (SYNC01 reads the Entra Connect MSI blob with it). Default false. */
  readonly systemAssignedIdentity?: boolean;
  /**
   * Optional. Keep the image the VM was created from when the program's image changes (no
   * replacement). Default false: a changed image replaces the VM.
   */
  readonly imageFixedAtCreation?: boolean;
  /**
   * Optional. Let in-guest commands given a lane run side by side ({@link WindowsVm.sequence});
   * false runs every command one after another. Default true (`cmg-lab:build.parallelInGuest`).
   */
  readonly parallelInGuest?: boolean;
  /** Required. Tags for every child (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A Windows VM of the lab: NIC (optionally a public IP), the VM with a managed OS disk, boot
 * diagnostics and Trusted Launch, and its nightly auto-shutdown. Run commands on it are
 * ordered through {@link WindowsVm.sequence}: one after another, or side by side in lanes.
 */
export class WindowsVm extends pulumi.ComponentResource {
  /** The VM resource. */
  public readonly vm: compute.VirtualMachine;
  /** Azure VM name (resolves once the VM exists, so using it orders after the VM). */
  public readonly vmName: pulumi.Output<string>;
  /** Azure resource id of the VM. */
  public readonly vmId: pulumi.Output<string>;
  /** Windows computer name. */
  public readonly computerName: string;
  /** Private IP address of the NIC. */
  public readonly privateIpAddress: pulumi.Output<string>;
  /** Resource group name, for run commands on this VM. */
  public readonly resourceGroupName: pulumi.Input<string>;
  /** Region, for run commands on this VM. */
  public readonly location: pulumi.Input<string>;
  /** Object id of the VM's system-assigned managed identity; undefined without one. */
  public readonly principalId: pulumi.Output<string> | undefined;

  /** The last exclusive in-guest command: every later command waits for it. */
  private barrier: pulumi.Resource | undefined;
  /** The last command of each lane opened since {@link barrier}. */
  private lanes = new Map<string, pulumi.Resource>();
  private inGuestSteps = 0;
  private readonly parallelInGuest: boolean;

  constructor(name: string, args: WindowsVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:vm:WindowsVm", name, {}, opts);
    const tags = { ...args.tags };
    this.computerName = args.computerName;
    this.parallelInGuest = args.parallelInGuest ?? true;
    this.resourceGroupName = args.resourceGroupName;
    this.location = args.location;

    const publicIp = args.publicIp
      ? new network.PublicIPAddress(
          `${name}-pip`,
          {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            publicIpAddressName: `pip-${args.vmName}`,
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            tags,
          },
          { parent: this },
        )
      : undefined;

    const nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        networkInterfaceName: `nic-${args.vmName}`,
        ipConfigurations: [
          {
            name: "ipconfig1",
            subnet: { id: args.subnetId },
            privateIPAllocationMethod: args.privateIpAddress ? "Static" : "Dynamic",
            ...(args.privateIpAddress ? { privateIPAddress: args.privateIpAddress } : {}),
            ...(publicIp ? { publicIPAddress: { id: publicIp.id } } : {}),
          },
        ],
        tags,
      },
      { parent: this },
    );

    this.vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vmName: args.vmName,
        hardwareProfile: { vmSize: args.size },
        osProfile: {
          computerName: args.computerName,
          adminUsername: args.adminUsername,
          adminPassword: pulumi.secret(args.adminPassword),
          // No Windows Update installs or restarts during a multi-hour build: automatic updates
          // with no patch settings mean AutomaticByOS, which restarts on its own, and a pending
          // restart fails ConfigMgr's and SQL Server's setup checks. Manual requires
          // enableAutomaticUpdates false (azure-compute-docs automatic-vm-guest-patching.md).
          windowsConfiguration: {
            enableAutomaticUpdates: false,
            patchSettings: { patchMode: "Manual" },
            provisionVMAgent: true,
            timeZone: args.timeZone ?? "UTC",
          },
        },
        storageProfile: {
          imageReference: WINDOWS_IMAGES[args.os],
          osDisk: {
            name: `osdisk-${args.vmName}`,
            createOption: "FromImage",
            caching: "ReadWrite",
            deleteOption: "Delete",
            managedDisk: { storageAccountType: args.osDiskType ?? "StandardSSD_LRS" },
            ...(args.osDiskSizeGb ? { diskSizeGB: args.osDiskSizeGb } : {}),
          },
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Delete" }] },
        securityProfile: {
          securityType: "TrustedLaunch",
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        },
        // Managed boot diagnostics: no storage account to name, create or delete.
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        ...(args.systemAssignedIdentity ? { identity: { type: "SystemAssigned" } } : {}),
        tags,
      },
      {
        parent: this,
        // Azure refuses to change a VM's time zone after creation (PropertyChangeNotAllowed), which
        // a preview would show as a plain update: the guest keeps the zone it was created with,
        // and a new schedule.timeZone moves only the shutdown schedule.
        // The update settings are set at creation only: an existing lab (created with automatic
        // updates on) keeps its own, because whether azure-native would update or replace a
        // running VM for this osProfile change is UNCONFIRMED, and a replaced VM loses the lab.
        // imageFixedAtCreation: the image too (see the site server in components/lab/machines.ts).
        ignoreChanges: [
          "osProfile.windowsConfiguration.timeZone",
          "osProfile.windowsConfiguration.enableAutomaticUpdates",
          "osProfile.windowsConfiguration.patchSettings",
          ...(args.imageFixedAtCreation ? ["storageProfile.imageReference"] : []),
        ],
      },
    );

    if (args.autoShutdown) {
      new devtestlab.GlobalSchedule(
        `${name}-shutdown`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          name: shutdownScheduleName(args.vmName),
          taskType: "ComputeVmShutdownTask",
          dailyRecurrence: { time: shutdownTime(args.autoShutdown.time) },
          timeZoneId: args.autoShutdown.timeZone,
          status: "Enabled",
          targetResourceId: this.vm.id,
          notificationSettings: { status: "Disabled", timeInMinutes: 30 },
          tags,
        },
        { parent: this },
      );
    }

    this.principalId = args.systemAssignedIdentity
      ? this.vm.identity.apply((i) => {
          if (!i?.principalId) throw new Error(`WindowsVm ${args.computerName}: Azure returned no principalId for its system-assigned identity`);
          return i.principalId;
        })
      : undefined;
    this.vmName = this.vm.name;
    this.vmId = this.vm.id;
    this.privateIpAddress = nic.ipConfigurations.apply((c) => c?.[0]?.privateIPAddress ?? args.privateIpAddress ?? "");
    this.registerOutputs({ vmId: this.vmId, vmName: this.vmName, privateIpAddress: this.privateIpAddress });
  }

  /**
   * Orders in-guest work on this VM. `create` receives the in-guest resources to depend on, and
   * the resource it returns takes its place in the order.
   *
   * Without a lane a command is exclusive: it waits for every earlier command, and every later
   * command waits for it. A command that reboots the VM (or must not overlap anything) stays
   * exclusive, so no script is ever cut by a reboot.
   *
   * With a lane, a command waits only for the last exclusive command and for the previous command
   * of its own lane, so commands of different lanes run side by side. Microsoft documents
   * managed run commands on one Windows VM running simultaneously unless `dependsOn` orders them
   * (learn.microsoft.com/azure/virtual-machines/windows/run-command-managed: "Parallel execution of
   * multiple scripts"; "if you deploy multiple RunCommand resources ... they will be executed
   * simultaneously on the VM"). The lab's reference notes say they conflict when sent in parallel
   * (`Conflict`); Microsoft's page is the source followed here, UNCONFIRMED on a real VM. Give a
   * lane only to scripts that reboot nothing and share no files with the other lanes. With
   * `parallelInGuest: false` lanes are ignored and every command is exclusive.
   */
  public sequence<T extends pulumi.Resource>(create: (previous: readonly pulumi.Resource[]) => T, requestedLane?: string): T {
    const lane = this.parallelInGuest ? requestedLane : undefined;
    if (this.inGuestSteps >= MAX_RUN_COMMANDS_PER_VM) {
      throw new Error(
        `WindowsVm ${this.computerName}: more than ${MAX_RUN_COMMANDS_PER_VM} run commands on one VM, the most Azure allows (learn.microsoft.com/azure/virtual-machines/run-command-overview); merge steps or move work to another VM`,
      );
    }
    const laneTail = lane === undefined ? undefined : this.lanes.get(lane);
    const previous =
      lane === undefined
        ? [...(this.barrier ? [this.barrier] : []), ...this.lanes.values()]
        : laneTail
          ? [laneTail]
          : this.barrier
            ? [this.barrier]
            : [];
    const created = create(previous);
    if (lane === undefined) {
      this.barrier = created;
      this.lanes.clear();
    } else {
      this.lanes.set(lane, created);
    }
    this.inGuestSteps++;
    return created;
  }
}
