/**
 * Every name the lab gives to something, derived from the prefix and the stack name. Pure: the
 * same config gives the same names on every evaluation. The validators below are used by the
 * config loader so that a derived name that Azure or Windows would reject is refused up front.
 */

/** Address plan of the lab's virtual network (fixed: the lab owns its VNet). */
export const ADDRESSES = {
  vnet: "10.42.0.0/16",
  servers: "10.42.1.0/24",
  workstations: "10.42.2.0/24",
  internet: "10.42.3.0/24",
  /** Azure Bastion needs a subnet of exactly this name, /26 or larger. */
  bastion: "10.42.250.0/26",
  /** Static private addresses of the servers (Azure reserves .0-.3 of every subnet). */
  dc: "10.42.1.4",
  siteServer: "10.42.1.5",
  entraConnect: "10.42.1.6",
} as const;

export type SubnetRole = "servers" | "workstations" | "internet";
export const SUBNET_ROLES: readonly SubnetRole[] = ["servers", "workstations", "internet"];

/** Server roles and their Windows computer names (unique in the lab's own forest). */
export const SERVER_COMPUTER_NAMES = { dc: "DC01", siteServer: "CM01", entraConnect: "SYNC01" } as const;
export type ServerRole = keyof typeof SERVER_COMPUTER_NAMES;

/** Lowercase letters/digits/hyphens form of the stack name, for names with tight rules. */
export function stackLabel(stack: string): string {
  const label = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return label.slice(0, 12).replace(/-+$/, "") || "stack";
}

export interface LabNames {
  readonly resourceGroup: string;
  readonly vnet: string;
  readonly subnet: (role: SubnetRole) => string;
  readonly nsg: (role: SubnetRole) => string;
  readonly bastion: string;
  readonly bastionIp: string;
  /** Azure VM resource name for a server role or a client. */
  readonly vm: (computerName: string) => string;
  readonly nic: (computerName: string) => string;
  readonly osDisk: (computerName: string) => string;
  readonly publicIp: (computerName: string) => string;
  /** Display-name stem for Entra objects, unique per project and stack. */
  readonly entraStem: string;
  /** Resource group the cloud management gateway is deployed into (the server app's role scope). */
  readonly cmgResourceGroup: string;
}

export function labNames(prefix: string, stack: string): LabNames {
  const s = stackLabel(stack);
  const vm = (computerName: string): string => `${prefix}-${s}-${computerName.toLowerCase()}`.slice(0, 64);
  return {
    resourceGroup: `rg-${prefix}-${s}`,
    vnet: `vnet-${prefix}-${s}`,
    subnet: (role) => `snet-${role}`,
    nsg: (role) => `nsg-${prefix}-${s}-${role}`,
    bastion: `bas-${prefix}-${s}`,
    bastionIp: `pip-${prefix}-${s}-bastion`,
    vm,
    nic: (c) => `nic-${vm(c)}`,
    osDisk: (c) => `osdisk-${vm(c)}`,
    publicIp: (c) => `pip-${vm(c)}`,
    entraStem: `cmg-lab ${prefix}-${s}`,
    cmgResourceGroup: `rg-${prefix}-${s}-cmg`,
  };
}

/** Length of the random suffix (kept in state) of the Entra Connect MSI storage account's name. */
export const MSI_STORAGE_SUFFIX_LENGTH = 6;

/**
 * The fixed part of the Entra Connect MSI storage account's name: `st`, the prefix and the stack's
 * letters and digits, cut so that a {@link MSI_STORAGE_SUFFIX_LENGTH}-character suffix still fits
 * Azure's 3-24 lowercase letters and digits. Storage account names are global, so the suffix
 * (random, kept in the stack's state) keeps two labs of the same prefix and stack apart.
 */
export function msiStorageAccountStem(prefix: string, stack: string): string {
  const stackPart = stack.toLowerCase().replace(/[^a-z0-9]/g, "");
  return `st${prefix}${stackPart}`.slice(0, 24 - MSI_STORAGE_SUFFIX_LENGTH);
}

/**
 * Storage account names: 3-24 characters, lowercase letters and digits only, unique across Azure
 * (https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-name).
 */
export function storageAccountNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 24) return "must be 3-24 characters";
  if (!/^[a-z0-9]+$/.test(name)) return "may contain only lowercase letters and digits";
  return null;
}

/** `corp.cmglab.example` -> `DC=corp,DC=cmglab,DC=example`. */
export function domainDn(fqdn: string): string {
  return fqdn
    .split(".")
    .map((label) => `DC=${label}`)
    .join(",");
}

/** Distinguished name of a top-level OU. */
export function ouDn(ou: string, fqdn: string): string {
  return `OU=${ou},${domainDn(fqdn)}`;
}

/** Name of the devtestlab auto-shutdown schedule: Azure accepts only this form (HTTP 400 otherwise). */
export function shutdownScheduleName(vmName: string): string {
  return `shutdown-computevm-${vmName}`;
}

/** `19:00` -> `1900`, the form devtestlab.GlobalSchedule takes. */
export function shutdownTime(hhmm: string): string {
  return hhmm.replace(":", "");
}

// --- validators: each returns null when valid, else what is wrong ------------------------------

/** Windows computer name as Azure accepts it in osProfile.computerName (NetBIOS, 15 characters). */
export function computerNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 15) return "must be 1-15 characters (NetBIOS limit)";
  if (!/^[A-Za-z0-9-]+$/.test(name)) return "may contain only letters, digits and hyphens";
  if (/^[0-9]+$/.test(name)) return "cannot be only digits";
  if (name.startsWith("-") || name.endsWith("-")) return "cannot start or end with a hyphen";
  return null;
}

/** A single DNS label: 1-63 characters, letters, digits, hyphens, not at either end. */
export function dnsLabelProblem(label: string): string | null {
  if (label.length < 1 || label.length > 63) return "each DNS label must be 1-63 characters";
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label)) {
    return "DNS labels contain letters, digits and hyphens, and do not start or end with a hyphen";
  }
  return null;
}

/** Azure resource group name: 1-90 characters of letters, digits, `_-.()`, not ending in a period. */
export function resourceGroupNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 90) return "must be 1-90 characters";
  if (!/^[-\w.()]+$/.test(name)) return "may contain only letters, digits, underscores, hyphens, periods and parentheses";
  if (name.endsWith(".")) return "cannot end with a period";
  return null;
}

/**
 * Names that Azure rejects for a VM's admin user (compute API error "The specified username is
 * not allowed"). Source: Azure VM FAQ, "What are the username requirements when creating a VM?"
 * https://learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/faq-for-windows#what-are-the-username-requirements-when-creating-a-vm-
 */
export const DISALLOWED_ADMIN_USERNAMES: ReadonlySet<string> = new Set([
  "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123",
  "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner",
  "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5",
]);

export function adminUsernameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 20) return "must be 1-20 characters (Windows user name limit)";
  if (name.endsWith(".")) return "cannot end with a period";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return "may contain only letters, digits, '.', '_' and '-'";
  if (DISALLOWED_ADMIN_USERNAMES.has(name.toLowerCase())) return "is a name Azure does not allow for a VM admin";
  return null;
}
