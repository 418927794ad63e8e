/**
 * The Entra Connect sync scope (OU filtering) as pure data: the distinguished names the AD
 * connector's container inclusion list must hold. `scripts/vm/sync-scope-apply.ps1` compares
 * what Entra Connect reports against them in the VM; that comparison and its messages are
 * tested on the script itself (scripts/vm/tests/sync-scope-apply.Tests.ps1).
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
