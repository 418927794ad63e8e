/**
 * Signatures: hybrid join (dsregcmd /status, User Device Registration events), including the lab's
 * own verdict on a device joined to another tenant. Part of the table in ../signatures.ts, in its order.
 */
import { DOC } from "./docs";
import type { Signature } from "./types";

/**
 * Where the wrong-tenant verdict comes from: Get-DsregMissedStep in scripts/vm/lib/dsreg.ps1 gives
 * the hint "joined to another tenant than <expected id>: the SCP's azureADId is wrong (step
 * hybrid-join-scp)" when dsregcmd shows AzureAdJoined YES with another TenantId. lab-verify-client.ps1
 * prints it as "  evidence: likely: <hint>" under "VERIFY <host> tenant FAIL", and wait-hybrid-join.ps1
 * ends its timeout message with "Likely: <hint>". The FAIL line alone names no step: a device not Entra
 * joined fails the same check (TenantId "(none: not Entra joined)") with another hint.
 */
const WRONG_TENANT_SOURCE = `the lab's own verdict, scripts/vm/lib/dsreg.ps1 (UNCONFIRMED wording: not Microsoft's); the SCP names the tenant: ${DOC.hybridJoinScp}`;

export const HYBRID_JOIN = [
  {
    id: "dsreg-device-object-not-found",
    step: "sync-scope",
    group: "device-join",
    causeKey: "device-not-synced",
    specificity: 2,
    pattern: /device object by the given id\b.{0,80}?(?:is not|isn't|not) found/i,
    hints: ["device object by the given id"],
    cause:
      "The device wrote its certificate to its AD computer object, but Entra Connect has not synced that object: its OU is outside the sync scope or no sync has run since.",
    fix: "Add the Workstations OU to the Entra Connect sync scope, run Start-ADSyncSyncCycle -PolicyType Delta, then rerun the Automatic-Device-Join task (or dsregcmd /join).",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-target-sid-verification",
    step: "sync-scope",
    group: "device-join",
    causeKey: "device-not-synced",
    pattern: /verification of the target computer'?s SID/i,
    hints: ["target computer"],
    cause: "The device's certificate in Entra ID does not match yet: the computer object has not finished syncing.",
    fix: "Make sure the Workstations OU is in the sync scope, run a delta sync, then rerun the Automatic-Device-Join task.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-directory-failure",
    step: "sync-scope",
    group: "device-join",
    weak: true,
    pattern: /DSREG_E_DIRECTORY_FAILURE|0x801c03f2\b/i,
    hints: ["dsreg_e_directory_failure", "801c03f2"],
    cause:
      "The device registration service answered DirectoryError; in a sync join this is most often a computer object not yet synced (read the server message next to it).",
    fix: "Check the sync scope and run a delta sync; if the server message names AADSTS90002, fix the tenant id in the SCP instead.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-tenant-not-found",
    step: "hybrid-join-scp",
    group: "device-join",
    context: "device-registration",
    pattern: /\bAADSTS90002\b|DSREG_DISCOVERY_TENANT_NOT_FOUND|0x801c003a\b/i,
    hints: ["aadsts90002", "tenant_not_found", "801c003a"],
    cause: "The Service Connection Point names a tenant id that Entra ID does not know (or a tenant without an active subscription).",
    fix: "Rewrite the SCP keywords with the right azureADId (tenant GUID) and azureADName, then rerun the Automatic-Device-Join task.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "verify-joined-other-tenant",
    step: "hybrid-join-scp",
    group: "device-join",
    // Exactly the library's hint (the id is the expected tenant, in the case it was passed).
    pattern: /\bjoined to another tenant than [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}: the SCP's azureADId is wrong \(step hybrid-join-scp\)/,
    hints: ["joined to another tenant than"],
    cause:
      "The lab's own check found the device Entra joined to another tenant than the lab's: a domain-joined device joins the tenant the hybrid-join Service Connection Point on the DC named when it joined, and a joined device stays in that tenant.",
    // dsregcmd /leave as administrator unjoins a hybrid-joined device (Entra device FAQ); that the
    // join task then rejoins it without a restart is UNCONFIRMED (the lab's steps retrigger the task).
    fix: "On the DC read the SCP's keywords (Get-ADObject on CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,CN=Configuration,... -Properties keywords): azureADId must be `pulumi stack output tenantId` and azureADName the domain in `cmg-lab:tenant`, a domain of that same tenant (if not, correct `cmg-lab:tenant`); where a keyword differs, re-run the hybrid-join-scp step (pulumi up --replace of its run command: hybrid-join-scp.ps1 rewrites both keywords and reads them back); then, since a joined device stays in its tenant, run dsregcmd /leave elevated on the client and rerun the device-registration step (it starts the Automatic-Device-Join task) before verifying again.",
    source: WRONG_TENANT_SOURCE,
    confirmed: false,
  },
  {
    id: "dsreg-scp-read-failed",
    step: "hybrid-join-scp",
    group: "device-join",
    causeKey: "scp-unreadable",
    specificity: 2,
    pattern: /DSREG_AUTOJOIN_ADCONFIG_READ_FAILED|0x801c001d\b|-2145648611\b/i,
    hints: ["adconfig_read_failed", "801c001d", "2145648611"],
    cause: "The device could not read the hybrid-join Service Connection Point from AD, so it does not know which tenant to join.",
    fix: "Create the SCP (CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,CN=Configuration,...) with azureADName and azureADId, and check AD replication.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-ad-configuration-test-failed",
    step: "hybrid-join-scp",
    group: "device-join",
    causeKey: "scp-unreadable",
    pattern: /^\s*AD Configuration Test\s*:\s*FAIL/i,
    hints: ["ad configuration test"],
    cause: "dsregcmd could not read a valid Service Connection Point from the domain.",
    fix: "Create or correct the hybrid-join SCP in the configuration partition (keywords azureADName and azureADId), then rerun the join task.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-discovery-failed",
    step: "network",
    group: "device-join",
    pattern:
      /DSREG_AUTOJOIN_DISC_(?:FAILED|WAIT_TIMEOUT)|DSREG_AUTOJOIN_USERREALM_DISCOVERY_FAILED|0x801c00(?:21|1f|3d)\b|^\s*DRS Discovery Test\s*:\s*FAIL/i,
    hints: ["dsreg_autojoin_", "801c0021", "801c001f", "801c003d", "drs discovery test"],
    cause:
      "The device found the SCP but could not reach the device registration service or the Entra realm endpoint from the SYSTEM context.",
    fix: "Give clients outbound HTTPS to enterpriseregistration.windows.net and login.microsoftonline.com (NAT or proxy usable by SYSTEM), then rerun the join task.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-azure-ad-joined-no",
    step: "sync-scope",
    group: "device-join",
    weak: true,
    pattern: /^\s*AzureAdJoined\s*:\s*NO\s*$/i,
    hints: ["azureadjoined"],
    cause:
      "The device is not (yet) hybrid-joined; on its own this says only that the join has not completed, most often because its computer object is not synced.",
    fix: "Check that the Workstations OU is in the sync scope and a sync has run, then rerun the Automatic-Device-Join task and read dsregcmd's Diagnostic Data for the error.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
  {
    id: "dsreg-domain-joined-no",
    step: "clients",
    group: "device-join",
    weak: true,
    pattern: /^\s*DomainJoined\s*:\s*NO\s*$/i,
    hints: ["domainjoined"],
    cause: "The client is not joined to the lab's AD domain, so hybrid join cannot start.",
    fix: "Join the client to the domain in the Workstations OU (the clients step) and sign in again.",
    source: DOC.hybridJoinTroubleshoot,
    confirmed: true,
  },
] as const satisfies readonly Signature[];
