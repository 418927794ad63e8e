/**
 * Pure logic of the AD steps (ad-forest, ad-ous, hybrid-join-scp, device-registration): DNs,
 * demo users, the tenant id check and the reading of `dsregcmd /status`. No resources, no
 * Pulumi: table-tested in test/ad.test.ts. The SCP's keywords are built, checked and read back
 * by scripts/vm/hybrid-join-scp.ps1 (Pester: scripts/vm/tests/hybrid-join-scp.Tests.ps1).
 */
import { domainDn } from "./names";
import type { StepId } from "./runbook";

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

// --- dsregcmd /status ---------------------------------------------------------------------------

/**
 * `dsregcmd /status` as fields: `Name : value` lines, keyed by the name as printed (spaces kept,
 * e.g. `Client ErrorCode`); the first occurrence wins. Box lines and section titles are skipped.
 * scripts/vm/wait-hybrid-join.ps1 (`ConvertFrom-DsregStatus`) parses the same way, line by line.
 * Format: https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd
 */
export function parseDsregStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][A-Za-z0-9 \-]*?)\s*:\s?(.*)$/.exec(line);
    if (!m) continue;
    const name = (m[1] as string).trim();
    if (!(name in fields)) fields[name] = (m[2] as string).trim();
  }
  return fields;
}

/** Hybrid joined: `AzureAdJoined : YES` and `DomainJoined : YES`. */
export function isHybridJoined(fields: Readonly<Record<string, string>>): boolean {
  return /^YES$/i.test(fields.AzureAdJoined ?? "") && /^YES$/i.test(fields.DomainJoined ?? "");
}

export interface DsregVerdict {
  /** True when the device is hybrid joined (to the expected tenant, when one is given). */
  readonly joined: boolean;
  /** The runbook step most likely missed, when not joined. */
  readonly step?: StepId;
  /** What to check, for a human. */
  readonly hint: string;
}

/**
 * Reads the state a device is in and names the step most likely missed. The order matters:
 * the first matching rule wins. scripts/vm/wait-hybrid-join.ps1 (`Get-MissedStepHint`) applies the
 * same rules; the error codes are from Microsoft's hybrid join troubleshooting page
 * (https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current).
 */
export function dsregVerdict(fields: Readonly<Record<string, string>>, expectedTenantId?: string): DsregVerdict {
  const get = (k: string): string => fields[k] ?? "";
  const diagnostics = [get("Client ErrorCode"), get("Server ErrorCode"), get("Server Message"), get("Error Phase")].join(" ");
  if (!/^YES$/i.test(get("DomainJoined"))) {
    return { joined: false, step: "clients", hint: "the computer is not domain joined (step clients: domain join into the Workstations OU)" };
  }
  if (isHybridJoined(fields)) {
    const tenant = get("TenantId").toLowerCase();
    if (expectedTenantId !== undefined && tenant !== "" && tenant !== expectedTenantId.toLowerCase()) {
      return { joined: false, step: "hybrid-join-scp", hint: `joined to tenant ${tenant}, not ${expectedTenantId}: the SCP's azureADId is wrong (step hybrid-join-scp)` };
    }
    return { joined: true, hint: "hybrid joined" };
  }
  if (/^FAIL/i.test(get("AD Configuration Test")) || /0x801c001d/i.test(diagnostics)) {
    return { joined: false, step: "hybrid-join-scp", hint: "the device cannot read the Service Connection Point (step hybrid-join-scp)" };
  }
  if (/AADSTS90002|0x801c003a/i.test(diagnostics)) {
    return { joined: false, step: "hybrid-join-scp", hint: "the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)" };
  }
  if (/device object by the given id\b.{0,80}?(?:is not|isn't|not) found|0x801c03f2|DirectoryError/i.test(diagnostics)) {
    return {
      joined: false,
      step: "sync-scope",
      hint: "the device object is not in Entra ID: the Workstations OU is not in the sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)",
    };
  }
  if (/^FAIL/i.test(get("DRS Discovery Test")) || /^FAIL/i.test(get("DRS Connectivity Test")) || /0x801c0021|0x801c001f|0x801c003d/i.test(diagnostics)) {
    return {
      joined: false,
      step: "network",
      hint: "the device cannot reach the device registration service: outbound HTTPS to enterpriseregistration.windows.net and login.microsoftonline.com (step network)",
    };
  }
  return {
    joined: false,
    step: "sync-scope",
    hint: "no join error recorded yet: the Automatic-Device-Join task has not completed, or the computer object has not been synced (step sync-scope)",
  };
}
