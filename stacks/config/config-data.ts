/**
 * Reference tables the config loader checks values against. Data only: no logic, no side effects.
 * Each table says where it comes from; where the source is an assumption, it says so.
 */

/**
 * Public Azure regions (programmatic names) that host virtual machines. Typo protection, not an
 * authority: a region Microsoft opens after this list was written is refused until it is added
 * here. Some (francesouth, germanynorth, norwaywest, switzerlandwest, uaecentral,
 * southafricawest, australiacentral2, brazilsoutheast, jioindiacentral, swedensouth) are
 * access-restricted: listed because a subscription with access can use them.
 */
export const AZURE_REGIONS: readonly string[] = [
  // Americas
  "eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus",
  "westus", "westus2", "westus3", "canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast",
  "mexicocentral", "chilecentral",
  // Europe
  "westeurope", "northeurope", "uksouth", "ukwest", "francecentral", "francesouth",
  "germanywestcentral", "germanynorth", "swedencentral", "swedensouth", "switzerlandnorth",
  "switzerlandwest", "norwayeast", "norwaywest", "polandcentral", "italynorth", "spaincentral",
  // Middle East and Africa
  "uaenorth", "uaecentral", "qatarcentral", "israelcentral", "southafricanorth", "southafricawest",
  // Asia Pacific
  "australiaeast", "australiasoutheast", "australiacentral", "australiacentral2", "southeastasia",
  "eastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "centralindia", "southindia",
  "westindia", "jioindiawest", "jioindiacentral", "newzealandnorth", "malaysiawest",
  "indonesiacentral",
];

/** A handful of regions to name in a fix. */
export const SUGGESTED_REGIONS: readonly string[] = ["westeurope", "northeurope", "uksouth", "eastus2", "swedencentral"];

export interface VmSizeSpec {
  readonly vcpus: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
}

/**
 * vCPU and memory of the VM sizes a lab is likely to use (Azure "Sizes for virtual machines"
 * pages, per series). Keyed by canonical name; lookups are case-insensitive. A size not listed
 * here is accepted with a warning: it cannot be checked against the role's minimum.
 */
export const VM_SIZES: Readonly<Record<string, VmSizeSpec>> = {
  Standard_B1s: { vcpus: 1, memoryGiB: 1 },
  Standard_B1ms: { vcpus: 1, memoryGiB: 2 },
  Standard_B2s: { vcpus: 2, memoryGiB: 4 },
  Standard_B2ms: { vcpus: 2, memoryGiB: 8 },
  Standard_B4ms: { vcpus: 4, memoryGiB: 16 },
  Standard_B8ms: { vcpus: 8, memoryGiB: 32 },
  Standard_B12ms: { vcpus: 12, memoryGiB: 48 },
  Standard_B16ms: { vcpus: 16, memoryGiB: 64 },
  Standard_B2ls_v2: { vcpus: 2, memoryGiB: 4 },
  Standard_B2s_v2: { vcpus: 2, memoryGiB: 8 },
  Standard_B4ls_v2: { vcpus: 4, memoryGiB: 8 },
  Standard_B4s_v2: { vcpus: 4, memoryGiB: 16 },
  Standard_B8s_v2: { vcpus: 8, memoryGiB: 32 },
  Standard_B2as_v2: { vcpus: 2, memoryGiB: 8 },
  Standard_B4as_v2: { vcpus: 4, memoryGiB: 16 },
  Standard_A1_v2: { vcpus: 1, memoryGiB: 2 },
  Standard_A2_v2: { vcpus: 2, memoryGiB: 4 },
  Standard_A4_v2: { vcpus: 4, memoryGiB: 8 },
  Standard_A8_v2: { vcpus: 8, memoryGiB: 16 },
  Standard_A2m_v2: { vcpus: 2, memoryGiB: 16 },
  Standard_A4m_v2: { vcpus: 4, memoryGiB: 32 },
  Standard_DS2_v2: { vcpus: 2, memoryGiB: 7 },
  Standard_DS3_v2: { vcpus: 4, memoryGiB: 14 },
  Standard_DS4_v2: { vcpus: 8, memoryGiB: 28 },
  Standard_D2_v3: { vcpus: 2, memoryGiB: 8 },
  Standard_D4_v3: { vcpus: 4, memoryGiB: 16 },
  Standard_D8_v3: { vcpus: 8, memoryGiB: 32 },
  Standard_D2s_v3: { vcpus: 2, memoryGiB: 8 },
  Standard_D4s_v3: { vcpus: 4, memoryGiB: 16 },
  Standard_D8s_v3: { vcpus: 8, memoryGiB: 32 },
  Standard_D16s_v3: { vcpus: 16, memoryGiB: 64 },
  Standard_D2s_v4: { vcpus: 2, memoryGiB: 8 },
  Standard_D4s_v4: { vcpus: 4, memoryGiB: 16 },
  Standard_D8s_v4: { vcpus: 8, memoryGiB: 32 },
  Standard_D2_v5: { vcpus: 2, memoryGiB: 8 },
  Standard_D4_v5: { vcpus: 4, memoryGiB: 16 },
  Standard_D8_v5: { vcpus: 8, memoryGiB: 32 },
  Standard_D2s_v5: { vcpus: 2, memoryGiB: 8 },
  Standard_D4s_v5: { vcpus: 4, memoryGiB: 16 },
  Standard_D8s_v5: { vcpus: 8, memoryGiB: 32 },
  Standard_D16s_v5: { vcpus: 16, memoryGiB: 64 },
  Standard_D2ds_v5: { vcpus: 2, memoryGiB: 8 },
  Standard_D4ds_v5: { vcpus: 4, memoryGiB: 16 },
  Standard_D8ds_v5: { vcpus: 8, memoryGiB: 32 },
  Standard_D2as_v5: { vcpus: 2, memoryGiB: 8 },
  Standard_D4as_v5: { vcpus: 4, memoryGiB: 16 },
  Standard_D8as_v5: { vcpus: 8, memoryGiB: 32 },
  Standard_D2ads_v5: { vcpus: 2, memoryGiB: 8 },
  Standard_D4ads_v5: { vcpus: 4, memoryGiB: 16 },
  Standard_D2s_v6: { vcpus: 2, memoryGiB: 8 },
  Standard_D4s_v6: { vcpus: 4, memoryGiB: 16 },
  Standard_D8s_v6: { vcpus: 8, memoryGiB: 32 },
  Standard_D2as_v6: { vcpus: 2, memoryGiB: 8 },
  Standard_D4as_v6: { vcpus: 4, memoryGiB: 16 },
  Standard_E2s_v3: { vcpus: 2, memoryGiB: 16 },
  Standard_E4s_v3: { vcpus: 4, memoryGiB: 32 },
  Standard_E8s_v3: { vcpus: 8, memoryGiB: 64 },
  Standard_E2s_v5: { vcpus: 2, memoryGiB: 16 },
  Standard_E4s_v5: { vcpus: 4, memoryGiB: 32 },
  Standard_E8s_v5: { vcpus: 8, memoryGiB: 64 },
  Standard_E2as_v5: { vcpus: 2, memoryGiB: 16 },
  Standard_E4as_v5: { vcpus: 4, memoryGiB: 32 },
  Standard_F2s_v2: { vcpus: 2, memoryGiB: 4 },
  Standard_F4s_v2: { vcpus: 4, memoryGiB: 8 },
  Standard_F8s_v2: { vcpus: 8, memoryGiB: 16 },
  Standard_F16s_v2: { vcpus: 16, memoryGiB: 32 },
};

export type VmRole = "dc" | "siteServer" | "entraConnect" | "client";

export interface VmMinimum extends VmSizeSpec {
  /** What the role is, for messages. */
  readonly label: string;
  /** Why this minimum, for messages. */
  readonly why: string;
}

/**
 * Smallest VM each role is allowed. The site server floor is this project's assumption for a lab
 * with SQL Server, the site, management point and distribution point on one box: ConfigMgr's
 * "Recommended hardware" page (learn.microsoft.com/mem/configmgr/core/plan-design/configs/recommended-hardware)
 * sizes sites for scale (16 cores / 96 GB for a stand-alone primary with its database on the same
 * server, 8 cores / 16 GB with a remote database) and says smaller environments need less; it gives
 * no lab minimum. Below 4 vCPU / 16 GB, SQL Server and setup's prerequisites starve each other.
 * The other floors are Windows' own minimums rounded to a usable machine (Windows 11: 2 cores, 4 GB).
 */
export const VM_MINIMUMS: Readonly<Record<VmRole, VmMinimum>> = {
  dc: { vcpus: 2, memoryGiB: 4, label: "domain controller", why: "AD DS, DNS and the lab CA share it" },
  siteServer: {
    vcpus: 4,
    memoryGiB: 16,
    label: "site server",
    why: "SQL Server and the ConfigMgr primary site run on one box (this lab's floor, far below ConfigMgr's recommended hardware for production)",
  },
  entraConnect: { vcpus: 2, memoryGiB: 4, label: "Entra Connect server", why: "Entra Connect Sync runs with its SQL LocalDB" },
  client: { vcpus: 2, memoryGiB: 4, label: "Windows client", why: "Windows 11 requires 2 cores and 4 GB" },
};

/**
 * The CMG VM sizes ConfigMgr offers (CMG "VM size" setting: Lab, Standard, Large). Source:
 * learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/setup-cloud-management-gateway
 * ("VM Size": Lab B2s, Standard A2_v2, Large A4_v2) and .../cmg/cost ("from 2107").
 */
export const CMG_VM_SIZES: Readonly<Record<string, string>> = {
  Standard_B2s: "Lab",
  Standard_A2_v2: "Standard",
  Standard_A4_v2: "Large",
};

/** The size the site deploys when none is passed: the setup wizard's default, Standard (A2_v2). */
export const CMG_DEFAULT_VM_SIZE = "Standard_A2_v2";

const CMG_TIER_NAMES: Readonly<Record<string, string>> = { Lab: "Small", Standard: "Medium", Large: "Large" };

/**
 * The names `New-CMCloudManagementGateway -VMSSVMSize` may know a size by, most specific first.
 * The parameter is named only in the 2207 PowerShell release notes; its type and values are
 * documented nowhere (UNCONFIRMED), so scripts/vm/cmg-create.ps1 reads the accepted values from the
 * installed cmdlet and picks the first of these it offers. Besides the Azure SKU and the console's
 * labels, "Small"/"Medium"/"Large" are the tier names one source (a stored copy of the 2609
 * "what's new", not found again) gives for these sizes: single-source, kept only as a match.
 */
export function cmgVmSizeNames(size: string): readonly string[] {
  const label = CMG_VM_SIZES[size];
  if (label === undefined) throw new Error(`cmgVmSizeNames: ${size} is not a CMG size (${Object.keys(CMG_VM_SIZES).join(", ")})`);
  const tier = CMG_TIER_NAMES[label];
  return [...new Set([size, size.replace(/^Standard_/, ""), label, ...(tier ? [tier] : [])])];
}

/**
 * ConfigMgr site codes that are Windows reserved device names or SMS's own name. Sources:
 * Microsoft KB 279868 "Reserved site code names in SMS 2003 and Configuration Manager" (AUX, CON,
 * NUL, PRN, SMS; applies to current branch), and ConfigMgr "Prepare to install sites", section on
 * site codes (learn.microsoft.com/mem/configmgr/core/servers/deploy/install/prepare-to-install-sites):
 * three alphanumeric characters, A-Z and 0-9 in any combination.
 */
export const RESERVED_SITE_CODES: ReadonlySet<string> = new Set(["AUX", "CON", "NUL", "PRN", "SMS"]);

/**
 * NetBIOS domain names AD refuses or that break trusts, from the single-word entries of the
 * "Table of reserved words" in "Naming conventions in Active Directory for computers, domains,
 * sites, and OUs" (KB 909264): these are names of well-known security principals and groups.
 */
export const RESERVED_NETBIOS_NAMES: ReadonlySet<string> = new Set([
  "ANONYMOUS", "BATCH", "BUILTIN", "DIALUP", "INTERACTIVE", "INTERNET", "LOCAL", "NETWORK",
  "NULL", "PROXY", "RESTRICTED", "SELF", "SERVER", "SERVICE", "SYSTEM", "USERS", "WORLD",
]);

/**
 * Top-level domains a lab forest can use without shadowing a real internet name: the RFC 2606 /
 * RFC 6761 reserved names (example, test, invalid), `internal` (reserved by ICANN for private use,
 * 2024), `corp`, `home`, `mail` (ICANN resolved never to delegate them, 2018) and `lan` (not
 * delegated; common in labs). `home.arpa` (RFC 8375) is handled as a suffix. Any other TLD gets a
 * warning; `local` gets its own (it is multicast DNS's, RFC 6762).
 */
export const PRIVATE_TLDS: ReadonlySet<string> = new Set(["example", "test", "invalid", "internal", "corp", "home", "mail", "lan"]);

/** Characters AD rejects unescaped in an OU name (an RDN value): `,+"\<>;=` plus `/` and `#`. */
export const OU_FORBIDDEN_CHARS = ',+"\\<>;=/#';
