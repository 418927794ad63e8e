/** Signatures: Entra Connect Sync (Synchronization Service Manager, event log, run profile results). Part of the table in ../signatures.ts, in its order. */
import { DOC } from "./docs";
import type { Signature } from "./types";

export const ENTRA_CONNECT = [
  {
    id: "adsync-permission-issue",
    step: "entra-connect",
    group: "entra-connect",
    weak: true,
    pattern: /\bpermission-issue\b|insufficient access rights to perform the operation|\bINSUFF_ACCESS_RIGHTS\b/i,
    hints: ["permission-issue", "insufficient access rights", "insuff_access_rights"],
    cause:
      "The AD DS connector account Entra Connect uses lacks rights on some objects (error 8344): on its own this is as often a protected admin account or a writeback feature outside the lab as a missed permission of the entra-connect step.",
    fix: "Grant the connector account its permissions again (Entra Connect wizard, or the ADSyncConfig module's Set-ADSync*Permissions cmdlets; find blocked OUs with Get-ADSyncObjectsWithInheritanceDisabled), then run a delta sync.",
    source: `UNCONFIRMED wording (Synchronization Service Manager status, not re-read in Microsoft docs); fix: ${DOC.adDsConnectorAccount}`,
    confirmed: false,
  },
  {
    id: "adsync-run-stopped",
    step: "entra-connect",
    group: "entra-connect",
    pattern: /\bstopped-(?:server-down|extension-dll-exception|bad-server-credentials)\b/i,
    hints: ["stopped-"],
    cause:
      "An Entra Connect run profile stopped: the sync service or its accounts are broken (disabled, deleted or expired password) or the directory cannot be reached.",
    fix: "Check that the ADSync service runs, that its account and the connector accounts are enabled with valid passwords (rerun the Entra Connect wizard to reset them), then start a sync cycle.",
    source: DOC.adsyncStops,
    confirmed: true,
  },
] as const satisfies readonly Signature[];
