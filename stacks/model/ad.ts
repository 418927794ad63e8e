/**
 * Pure logic of the AD steps (ad-forest, ad-ous, hybrid-join-scp): DNs, demo users and the
 * tenant id check. No resources, no Pulumi: table-tested in test/ad.test.ts. The SCP's keywords
 * are built, checked and read back by scripts/vm/hybrid-join-scp.ps1, and `dsregcmd /status` is
 * read only in the VMs (scripts/vm/lib/dsreg.ps1); both are tested with Pester.
 */
import { domainDn } from "./names";

/**
 * Azure-provided DNS, the platform's virtual public address. The DC forwards every name it is
 * not authoritative for to it, so VMs (which ask the DC) resolve internet names.
 * Source: https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16
 */
export const AZURE_DNS = "168.63.129.16";

/**
 * The hybrid-join Service Connection Point's fixed common name.
 * Source: https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join (and
 * ../shared/reference/tech-facts.md §5.3).
 */
export const SCP_NAME = "62a0ff2e-97b9-4513-943f-0d221bd30080";

/** Container of the SCP, created when missing. */
export const SCP_CONTAINER_NAME = "Device Registration Configuration";

/** The demo users' group (a security group in the users OU). */
export const DEMO_GROUP_NAME = "CMG Lab Users";

/** Default and limits of `domain.demoUsers`. */
export const DEMO_USERS_DEFAULT = 3;
export const DEMO_USERS_MAX = 50;

/** `CN=Services,CN=Configuration,DC=...`: the parent of the SCP's container in the forest root. */
export function servicesDn(forestFqdn: string): string {
  return `CN=Services,CN=Configuration,${domainDn(forestFqdn)}`;
}

/** `CN=Device Registration Configuration,CN=Services,CN=Configuration,DC=...`. */
export function scpContainerDn(forestFqdn: string): string {
  return `CN=${SCP_CONTAINER_NAME},${servicesDn(forestFqdn)}`;
}

/** Distinguished name of the hybrid-join SCP object. */
export function scpDn(forestFqdn: string): string {
  return `CN=${SCP_NAME},${scpContainerDn(forestFqdn)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant id in the canonical lowercase form, or an error naming what is wrong. */
export function normaliseTenantId(tenantId: string): string {
  const id = tenantId.trim().toLowerCase();
  if (!GUID.test(id)) throw new Error(`the Entra tenant id '${tenantId}' is not a GUID; the hybrid-join SCP needs the tenant's id (azureADId)`);
  return id;
}

export interface DemoUser {
  /** sAMAccountName (at most 20 characters). */
  readonly samAccountName: string;
  /** userPrincipalName with the tenant's domain as suffix, so the user signs in to Entra ID as-is. */
  readonly userPrincipalName: string;
}

/** `labuser01`, `labuser02`, ...: the demo users' account names. */
export function demoUserNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > DEMO_USERS_MAX) {
    throw new Error(`demo user count must be an integer from 1 to ${DEMO_USERS_MAX}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => `labuser${String(i + 1).padStart(2, "0")}`);
}

/** The demo users, their UPNs under the tenant's domain (added to the forest as a UPN suffix). */
export function demoUsers(count: number, tenantDomain: string): DemoUser[] {
  const suffix = tenantDomain.trim().toLowerCase();
  return demoUserNames(count).map((sam) => ({ samAccountName: sam, userPrincipalName: `${sam}@${suffix}` }));
}
