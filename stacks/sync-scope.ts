/**
 * The Entra Connect sync scope (OU filtering) as pure data: the distinguished names the AD
 * connector's container inclusion list must hold, and the comparison of what Entra Connect
 * reports against them. `scripts/vm/sync-scope-apply.ps1` performs the same comparison in the VM
 * with the same wording; the table tests in test/entra-connect.test.ts pin that wording here.
 */
import { domainDn, ouDn } from "./names";

/** What `sync-scope-apply.ps1` is told about the scope. */
export interface SyncScopeSpec {
  /** The partition (the domain) whose scope is set, e.g. `DC=corp,DC=cmglab,DC=example`. */
  readonly domainDn: string;
  /** The exact container inclusion list, in `sync.ous` order. */
  readonly ouDns: readonly string[];
  /** The OU clients are joined into; missing it breaks hybrid join. */
  readonly workstationsOuDn: string;
  /** The OU holding the demo users; missing it breaks Azure AD user discovery. */
  readonly usersOuDn: string;
}

/** Separator of the DN list passed to the script; never part of a lab OU DN (checked). */
export const DN_LIST_SEPARATOR = ";";

/** The inclusion list for `sync.ous` under the domain `fqdn`, with the roles the messages name. */
export function syncScopeSpec(args: {
  readonly fqdn: string;
  readonly syncOus: readonly string[];
  readonly workstationsOu: string;
  readonly usersOu: string;
}): SyncScopeSpec {
  if (args.syncOus.length === 0) throw new Error("sync scope: sync.ous is empty, so nothing would reach Entra ID");
  const ouDns = args.syncOus.map((ou) => ouDn(ou, args.fqdn));
  for (const dn of ouDns) {
    if (dn.includes(DN_LIST_SEPARATOR)) throw new Error(`sync scope: the DN '${dn}' contains '${DN_LIST_SEPARATOR}', which separates the list`);
  }
  return {
    domainDn: domainDn(args.fqdn),
    ouDns,
    workstationsOuDn: ouDn(args.workstationsOu, args.fqdn),
    usersOuDn: ouDn(args.usersOu, args.fqdn),
  };
}

/** The DN list as the script parameter `ExpectedOuDns`. */
export function joinDns(dns: readonly string[]): string {
  return dns.join(DN_LIST_SEPARATOR);
}

/** AD compares DNs case-insensitively; the sync engine may space RDNs differently. */
export function normaliseDn(dn: string): string {
  return dn
    .split(",")
    .map((rdn) => rdn.trim().replace(/\s*=\s*/, "="))
    .join(",")
    .toLowerCase();
}

/** True when `dn` is `container` or lies under it. */
function isAtOrUnder(dn: string, container: string): boolean {
  const d = normaliseDn(dn);
  const c = normaliseDn(container);
  return d === c || d.endsWith(`,${c}`);
}

export const CONSEQUENCE_WORKSTATIONS =
  "devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'";
export const CONSEQUENCE_USERS =
  "the demo users never reach Entra ID; Azure AD user discovery cannot find them and CCM_STS.log says the AAD user is not completely discovered";
export const CONSEQUENCE_OTHER = "its objects never reach Entra ID";
export const CONSEQUENCE_EXTRA = "objects outside cmg-lab:sync.ous are synced to the tenant";
export const CONSEQUENCE_ROOT = "the whole domain is synced to the tenant (admin accounts and servers included)";

/** What differs between the expected scope and what Entra Connect reports. */
export interface SyncScopeComparison {
  /** Expected DNs absent from the inclusion list. */
  readonly missing: readonly string[];
  /** Inclusion-list DNs that are not expected (the domain root among them, if present). */
  readonly extra: readonly string[];
  /** Exclusion-list DNs at or under an expected DN (they cut objects out of the scope). */
  readonly excluded: readonly string[];
  /** One line naming every difference and its consequence; null when the scope is exact. */
  readonly message: string | null;
}

/**
 * Compares the AD connector partition's inclusion and exclusion lists with the expected scope.
 * The inclusion list must equal the expected set (as DNs, case-insensitive); no exclusion may
 * cut into an expected OU. The message is the one `sync-scope-apply.ps1` prints.
 */
export function compareSyncScope(
  spec: SyncScopeSpec,
  inclusion: readonly string[],
  exclusion: readonly string[] = [],
): SyncScopeComparison {
  const has = (list: readonly string[], dn: string): boolean => list.some((x) => normaliseDn(x) === normaliseDn(dn));
  const missing = spec.ouDns.filter((dn) => !has(inclusion, dn));
  const extra = inclusion.filter((dn) => !has(spec.ouDns, dn));
  const excluded = exclusion.filter((dn) => spec.ouDns.some((ou) => isAtOrUnder(dn, ou)));
  const problems: string[] = [
    ...missing.map((dn) => `missing ${dn}: ${missingConsequence(spec, dn)}`),
    ...extra.map((dn) => `extra ${dn}: ${normaliseDn(dn) === normaliseDn(spec.domainDn) ? CONSEQUENCE_ROOT : CONSEQUENCE_EXTRA}`),
    ...excluded.map((dn) => `excluded ${dn}: ${missingConsequence(spec, spec.ouDns.find((ou) => isAtOrUnder(dn, ou)) ?? dn)}`),
  ];
  return {
    missing,
    extra,
    excluded,
    message: problems.length === 0 ? null : `Entra Connect sync scope of ${spec.domainDn} differs from cmg-lab:sync.ous: ${problems.join("; ")}`,
  };
}

function missingConsequence(spec: SyncScopeSpec, dn: string): string {
  if (normaliseDn(dn) === normaliseDn(spec.workstationsOuDn)) return CONSEQUENCE_WORKSTATIONS;
  if (normaliseDn(dn) === normaliseDn(spec.usersOuDn)) return CONSEQUENCE_USERS;
  return CONSEQUENCE_OTHER;
}
