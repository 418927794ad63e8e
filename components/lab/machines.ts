import { ADDRESSES, SERVER_COMPUTER_NAMES, type SubnetRole } from "../../stacks/model/names";
import type { LabCredentials } from "../lab-credentials";
import type { LabNetwork } from "../lab-network";
import type { LabStep } from "../lab-step";
import { WindowsVm, type WindowsOs } from "../windows-vm";
import type { LabContext } from "./context";

export interface Machines {
  readonly dc: WindowsVm;
  readonly siteServer: WindowsVm;
  readonly entraConnect: WindowsVm;
  /** In the order of `config.clients`. */
  readonly clients: WindowsVm[];
}

interface VmSpec {
  os: WindowsOs;
  size: string;
  subnet: SubnetRole;
  ip?: string;
  diskGb?: number;
  premium?: boolean;
  identity?: boolean;
  /** Keep the image the VM was created from (WindowsVmArgs.imageFixedAtCreation). */
  keepImage?: boolean;
}

/**
 * Steps dc-vm, server-vms, client-vms: every VM as soon as the network exists, in parallel with
 * each other; only in-guest work (promotion, joins) waits for the forest.
 */
export function buildMachines(
  { config, names, scopes }: LabContext,
  { network, credentials }: { network: LabNetwork; credentials: LabCredentials },
): Machines {
  const autoShutdown = config.schedule.autoShutdown
    ? { time: config.schedule.autoShutdown, timeZone: config.schedule.timeZone }
    : null;
  const vm = (step: LabStep, computerName: string, spec: VmSpec): WindowsVm =>
    new WindowsVm(
      computerName.toLowerCase(),
      {
        resourceGroupName: network.resourceGroupName,
        location: config.location,
        vmName: names.vm(computerName),
        computerName,
        os: spec.os,
        size: spec.size,
        subnetId: network.subnetIds[spec.subnet],
        ...(spec.ip ? { privateIpAddress: spec.ip } : {}),
        publicIp: config.admin.allowedSourceCidrs.length > 0,
        adminUsername: credentials.adminUsername,
        adminPassword: credentials.adminPassword,
        ...(spec.diskGb ? { osDiskSizeGb: spec.diskGb } : {}),
        osDiskType: spec.premium ? "Premium_LRS" : "StandardSSD_LRS",
        ...(spec.identity ? { systemAssignedIdentity: true } : {}),
        ...(spec.keepImage ? { imageFixedAtCreation: true } : {}),
        autoShutdown,
        timeZone: config.schedule.timeZone,
        parallelInGuest: config.build.parallelInGuest,
        tags: step.tags,
      },
      { parent: step },
    );

  const dcStep = scopes.get("dc-vm");
  const dc = vm(dcStep, SERVER_COMPUTER_NAMES.dc, {
    os: "windows-server-2022",
    size: config.domain.dcVmSize,
    subnet: "servers",
    ip: ADDRESSES.dc,
  });

  const serverStep = scopes.get("server-vms");
  const siteServer = vm(serverStep, SERVER_COMPUTER_NAMES.siteServer, {
    // site.sqlSource image: SQL Server comes with the image, checked by site-sql-image.ps1.
    os: config.site.sqlSource === "image" ? "windows-server-2022-sql2022-developer" : "windows-server-2022",
    // A lab built before site.sqlSource (CM01 from plain Windows Server) keeps its site server
    // instead of losing it to a replacement; its installed SQL Server passes site-sql-image.ps1 too.
    keepImage: true,
    size: config.site.vmSize,
    subnet: "servers",
    ip: ADDRESSES.siteServer,
    // SQL Server, the ADK, the ConfigMgr media and content libraries: the image's 127 GiB is too tight.
    diskGb: 256,
    premium: true,
  });
  const entraConnect = vm(serverStep, SERVER_COMPUTER_NAMES.entraConnect, {
    os: "windows-server-2022",
    size: config.sync.vmSize,
    subnet: "servers",
    ip: ADDRESSES.entraConnect,
    // Reads the uploaded Entra Connect MSI (sync.msiFile) from its private blob.
    identity: config.sync.msi.kind === "file",
  });

  const clientStep = scopes.get("client-vms");
  const clients = config.clients.map((c) =>
    vm(clientStep, c.name, {
      // Windows 7/8.1 are refused by the config loader: no marketplace image, no token auth.
      os: c.os === "windows-10" ? "windows-10" : "windows-11",
      size: c.vmSize,
      subnet: c.network === "internet" ? "internet" : "workstations",
    }),
  );

  return { dc, siteServer, entraConnect, clients };
}
