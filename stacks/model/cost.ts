/**
 * A cost estimate for the plan, from the resources the program would create plus the CMG that
 * the site deploys itself. Prices are approximate pay-as-you-go list prices in USD for
 * West Europe, Windows licence included, as read from the Azure pricing pages; they are
 * planning figures (UNCONFIRMED to the cent; check https://azure.microsoft.com/pricing/calculator/).
 */

export const PRICES_AS_OF = "2025-06 (approximate list prices, USD, West Europe, Windows licence included)";

/** USD per hour by VM size (Windows). */
export const VM_HOURLY_USD: Readonly<Record<string, number>> = {
  Standard_B2s: 0.05,
  Standard_B2ms: 0.1,
  Standard_B4ms: 0.2,
  Standard_B8ms: 0.4,
  Standard_D2s_v5: 0.19,
  Standard_D4s_v5: 0.38,
  Standard_D8s_v5: 0.75,
  Standard_D2s_v3: 0.19,
  Standard_D4s_v3: 0.38,
  Standard_D8s_v3: 0.75,
  Standard_E4s_v5: 0.44,
  Standard_A2_v2: 0.13,
  Standard_A4_v2: 0.27,
};
/** Used for a size without a row, and flagged. */
export const VM_HOURLY_UNKNOWN_USD = 0.4;

/**
 * USD per month of a managed OS disk by SKU and size tier (GiB up to): the disk tiers E6/E10/E15/E20
 * (Standard SSD), P6/P10/P15/P20 (Premium SSD), S6/S10/S15/S20 (Standard HDD) of
 * https://azure.microsoft.com/pricing/details/managed-disks/ (approximate list prices, see
 * {@link PRICES_AS_OF}). A managed disk bills its provisioned tier whether the VM runs or is
 * deallocated (same page: "billed on the provisioned size"), so these lines are what a paused lab costs.
 */
const DISK_MONTHLY_USD: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>> = {
  StandardSSD_LRS: [[64, 5], [128, 9.6], [256, 19.2], [512, 38.4]],
  Premium_LRS: [[64, 10.2], [128, 19.7], [256, 38], [512, 73.2]],
  Standard_LRS: [[64, 3], [128, 5.9], [256, 11.3], [512, 21.8]],
};
export const HOURS_PER_MONTH = 730;
/** Windows marketplace images have a 127 GiB OS disk unless sized otherwise. */
const DEFAULT_OS_DISK_GB = 127;

export const BASTION_HOURLY_USD: Readonly<Record<string, number>> = { Basic: 0.19, Standard: 0.29, Developer: 0 };
export const PUBLIC_IP_HOURLY_USD = 0.005;
/**
 * A stopped CMG: "a stopped CMG still costs (storage, IP)" (checked-facts.md, Stop-CMCloudManagementGateway);
 * planned as one public IP plus a little storage (UNCONFIRMED: the CMG's own resources are not itemised by Microsoft).
 */
export const CMG_STOPPED_HOURLY_USD = PUBLIC_IP_HOURLY_USD + 1 / HOURS_PER_MONTH;
/** Blob storage, Standard LRS, hot tier: USD per GiB and month (list price, approximate). */
export const BLOB_HOT_LRS_GB_MONTHLY_USD = 0.02;
/** Size the Entra Connect Sync MSI is planned with (the 2.x MSIs are a few hundred MB; UNCONFIRMED per build). */
export const ENTRA_CONNECT_MSI_GB = 0.3;
/** A conference day: VMs run this many hours before the nightly shutdown; the rest bills all day. */
export const CONFERENCE_DAY_RUNNING_HOURS = 10;

export interface CostResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface CostLine {
  readonly item: string;
  /** USD per hour while VMs run. */
  readonly runningHourly: number;
  /** USD per hour that keeps billing when the VMs are shut down (disks, Bastion, IPs). */
  readonly alwaysHourly: number;
  /** USD per hour while the lab is paused (npm run pause: VMs deallocated, CMG stopped, a Basic Bastion deleted). */
  readonly pausedHourly: number;
  readonly note?: string;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  /** USD per hour with everything running. */
  readonly perRunningHour: number;
  /** USD for one conference day: running hours plus 24 hours of what bills regardless. */
  readonly perConferenceDay: number;
  /** USD per month (730 h) with everything running around the clock. */
  readonly perRunningMonth: number;
  /** USD per month while paused (npm run pause): disks, public IPs, the stopped CMG's leftovers. */
  readonly perPausedMonth: number;
  /** The most expensive lines, with why. */
  readonly flags: readonly string[];
  readonly pricesAsOf: string;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function diskHourly(sku: string, sizeGb: number): number {
  const tiers = DISK_MONTHLY_USD[sku] ?? DISK_MONTHLY_USD.StandardSSD_LRS ?? [];
  const tier = tiers.find(([gb]) => sizeGb <= gb) ?? tiers[tiers.length - 1];
  return (tier?.[1] ?? 0) / HOURS_PER_MONTH;
}

export function estimateCost(resources: readonly CostResource[], cmg: { vmSize: string; instances: number }): CostEstimate {
  const lines: CostLine[] = [];
  const flags: string[] = [];
  for (const r of resources) {
    if (r.type === "azure-native:compute:VirtualMachine") {
      const size = String(get(r.inputs, "hardwareProfile.vmSize") ?? "");
      const known = VM_HOURLY_USD[size];
      const sku = String(get(r.inputs, "storageProfile.osDisk.managedDisk.storageAccountType") ?? "StandardSSD_LRS");
      const gb = Number(get(r.inputs, "storageProfile.osDisk.diskSizeGB") ?? DEFAULT_OS_DISK_GB);
      const name = String(get(r.inputs, "vmName") ?? r.name);
      lines.push({
        item: `VM ${name} (${size})`,
        runningHourly: known ?? VM_HOURLY_UNKNOWN_USD,
        alwaysHourly: 0,
        pausedHourly: 0,
        ...(known === undefined ? { note: "size not in the price table; assumed" } : {}),
      });
      const disk = diskHourly(sku, gb);
      lines.push({ item: `OS disk of ${name} (${sku}, ${gb} GiB)`, runningHourly: 0, alwaysHourly: disk, pausedHourly: disk });
    } else if (r.type === "azure-native:network:BastionHost") {
      const sku = String(get(r.inputs, "sku.name") ?? "Basic");
      const hourly = BASTION_HOURLY_USD[sku] ?? BASTION_HOURLY_USD.Basic ?? 0;
      // npm run pause deletes a Basic host (it bills by the hour) and npm run resume recreates it.
      lines.push({ item: `Azure Bastion (${sku})`, runningHourly: 0, alwaysHourly: hourly, pausedHourly: sku === "Basic" ? 0 : hourly });
      if (hourly > 0) {
        flags.push(
          `Azure Bastion ${sku} bills every hour, also while the VMs are shut down (~$${(hourly * 24).toFixed(2)}/day): ` +
            "set cmg-lab:admin.bastion to developer (free) or destroy the lab between events.",
        );
      }
    } else if (r.type === "azure-native:storage:StorageAccount") {
      // The only blob is the Entra Connect MSI (sync.msiFile); transactions are a handful of requests.
      lines.push({
        item: `Storage account ${String(get(r.inputs, "accountName") ?? r.name)} (Entra Connect MSI blob)`,
        runningHourly: 0,
        alwaysHourly: (BLOB_HOT_LRS_GB_MONTHLY_USD * ENTRA_CONNECT_MSI_GB) / HOURS_PER_MONTH,
        // A paused lab keeps the blob (storage bills whether the VMs run or not).
        pausedHourly: (BLOB_HOT_LRS_GB_MONTHLY_USD * ENTRA_CONNECT_MSI_GB) / HOURS_PER_MONTH,
        note: `about $${(BLOB_HOT_LRS_GB_MONTHLY_USD * ENTRA_CONNECT_MSI_GB).toFixed(3)} a month for a ${ENTRA_CONNECT_MSI_GB} GB MSI; deleted with the lab's resource group on pulumi destroy`,
      });
    } else if (r.type === "azure-native:network:PublicIPAddress") {
      lines.push({
        item: `Public IP ${String(get(r.inputs, "publicIpAddressName") ?? r.name)}`,
        runningHourly: 0,
        alwaysHourly: PUBLIC_IP_HOURLY_USD,
        pausedHourly: PUBLIC_IP_HOURLY_USD,
      });
    }
  }
  const cmgHourly = (VM_HOURLY_USD[cmg.vmSize] ?? VM_HOURLY_UNKNOWN_USD) * cmg.instances;
  lines.push({
    item: `CMG: ${cmg.instances} x ${cmg.vmSize} (deployed by the site; not shut down nightly)`,
    runningHourly: 0,
    alwaysHourly: cmgHourly,
    pausedHourly: CMG_STOPPED_HOURLY_USD,
    // scripts/vm/cmg-create.ps1 passes the size under the name the site's cmdlet offers, or fails.
    note: "size passed as -VMSSVMSize where the site's cmdlet takes it (else the site's default); plus outbound data transfer",
  });

  const perRunningHour = lines.reduce((s, l) => s + l.runningHourly + l.alwaysHourly, 0);
  const perConferenceDay = lines.reduce(
    (s, l) => s + l.runningHourly * CONFERENCE_DAY_RUNNING_HOURS + l.alwaysHourly * 24,
    0,
  );
  const perRunningMonth = perRunningHour * HOURS_PER_MONTH;
  const perPausedMonth = lines.reduce((s, l) => s + l.pausedHourly, 0) * HOURS_PER_MONTH;
  const top = [...lines]
    .filter((l) => l.runningHourly > 0)
    .sort((a, b) => b.runningHourly - a.runningHourly)
    .slice(0, 1);
  for (const l of top) flags.unshift(`Most expensive while running: ${l.item} at ~$${l.runningHourly.toFixed(2)}/h.`);
  return { lines, perRunningHour, perConferenceDay, perRunningMonth, perPausedMonth, flags, pricesAsOf: PRICES_AS_OF };
}
