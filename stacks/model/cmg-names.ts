/**
 * Names of the cloud management gateway (CMG), and the Azure region it is deployed in. Pure.
 *
 * Facts relied on (MicrosoftDocs/memdocs, configmgr/core/clients/manage/cmg/server-auth-cert.md,
 * https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/server-auth-cert):
 * - the *service name* is the common name of the CMG's server-authentication certificate;
 * - a virtual machine scale set CMG (2107+) has the *deployment name*
 *   `<prefix>.<region>.cloudapp.azure.com` (e.g. `GraniteFalls.WestUS.CloudApp.Azure.Com`);
 *   using the deployment name as the service name needs no DNS CNAME;
 * - the prefix is 3-24 lowercase letters and digits, and the deployment also creates a key vault
 *   (and, with content, a storage account) with that name, which must be globally unique.
 */

/** Longest CMG prefix: it names a storage account and a key vault (24 characters each). */
export const CMG_PREFIX_MAX = 24;

/** Length of the per-deployment suffix (lowercase letters and digits: 36^4 ≈ 1.7 million values). */
export const CMG_SUFFIX_LENGTH = 4;

/**
 * The CMG prefix: the configured name, shortened if needed, plus the per-deployment suffix.
 *
 * Why a suffix: deleting the CMG soft-deletes its key vault, which keeps the name reserved for
 * the retention period (7-90 days), and storage account and DNS names are global. A lab that is
 * destroyed and rebuilt under the same name would collide with its own leftovers. The suffix is a
 * `random.RandomString` kept in the stack's state: stable across `pulumi up`, new after
 * `pulumi destroy`, so every rebuild gets fresh names.
 */
export function cmgPrefix(name: string, suffix: string): string {
  if (!/^[a-z0-9]*$/.test(suffix)) throw new Error(`cmgPrefix: suffix '${suffix}' must be lowercase letters and digits`);
  if (suffix.length >= CMG_PREFIX_MAX - 2) throw new Error(`cmgPrefix: suffix '${suffix}' leaves no room for the name`);
  return `${name.slice(0, CMG_PREFIX_MAX - suffix.length)}${suffix}`;
}

/** The deployment name of a scale-set CMG, used as its service name (no CNAME needed). */
export function cmgServiceFqdn(prefix: string, location: string): string {
  return `${prefix}.${location}.cloudapp.azure.com`;
}

/**
 * Azure locations (programmatic names) to the `AzureRegion` values `New-CMCloudManagementGateway
 * -Region` accepts. Only the values listed as accepted in the current cmdlet help are here
 * (sccm-ps/ConfigurationManager/New-CMCloudManagementGateway.md, ms.date 2020-11-20,
 * https://learn.microsoft.com/powershell/module/configurationmanager/new-cmcloudmanagementgateway).
 * The 2019 (classic CMG) help listed some 45 values; whether the current enum still accepts them
 * for a scale-set CMG is UNCONFIRMED, so they are refused rather than guessed. To add one, read
 * `[enum]::GetNames((Get-Command New-CMCloudManagementGateway).Parameters['Region'].ParameterType)`
 * on the site server and add the pair here.
 */
export const CMG_REGIONS: Readonly<Record<string, string>> = {
  eastus: "EastUS",
  southcentralus: "SouthCentralUS",
  westeurope: "WestEurope",
  southeastasia: "SoutheastAsia",
  westus2: "WestUS2",
  westcentralus: "WestCentralUS",
};

/** The `AzureRegion` value for a location, or undefined when it is not a confirmed CMG region. */
export function cmgRegion(location: string): string | undefined {
  return CMG_REGIONS[location.toLowerCase()];
}
