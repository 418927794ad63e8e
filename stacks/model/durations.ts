/**
 * How long each kind of resource takes to create, for the offline plan's timeline. Figures are
 * estimates for planning a stand-up before a talk, not promises; each says where it comes from.
 * Run commands are keyed by their script (scripts/*.ps1), because a domain join and a site install
 * differ by an hour.
 */

export interface Duration {
  /** Minutes from "create" to "created". */
  readonly minutes: number;
  /** Where the figure comes from. */
  readonly source: string;
}

const GRAPH_WRITE =
  "Microsoft Graph create plus the azuread provider's wait for replication; typically seconds to half a minute (planning estimate)";
const ARM_FAST = "ARM control-plane create; typically seconds (Azure Resource Manager, observed in deployments)";

/** Minutes per resource type (Pulumi type token). */
export const TYPE_MINUTES: Readonly<Record<string, Duration>> = {
  "azure-native:resources:ResourceGroup": { minutes: 0.1, source: ARM_FAST },
  "azure-native:network:NetworkSecurityGroup": { minutes: 0.3, source: ARM_FAST },
  "azure-native:network:VirtualNetwork": { minutes: 0.5, source: ARM_FAST },
  "azure-native:network:PublicIPAddress": { minutes: 0.3, source: ARM_FAST },
  "azure-native:network:NetworkInterface": { minutes: 0.3, source: ARM_FAST },
  "azure-native:network:BastionHost": {
    minutes: 10,
    source: "Azure Bastion quickstart: the Bastion resource takes about 10 minutes to create and deploy (learn.microsoft.com/azure/bastion/quickstart-host-portal)",
  },
  "azure-native:compute:VirtualMachine": {
    minutes: 5,
    source: "Windows marketplace VM with the guest agent ready: commonly 3-6 minutes (UNCONFIRMED: Azure publishes no figure; planning estimate)",
  },
  "azure-native:devtestlab:GlobalSchedule": { minutes: 0.1, source: ARM_FAST },
  "azure-native:authorization:RoleAssignment": {
    minutes: 0.5,
    source: "Role assignments take effect after replication, usually within minutes (learn.microsoft.com/azure/role-based-access-control/troubleshooting)",
  },
  "random:index/randomPassword:RandomPassword": { minutes: 0, source: "computed locally by the random provider" },
  // Entra ID objects: one Microsoft Graph call each, but the azuread provider waits for each new
  // object to replicate before reporting it created (Graph is eventually consistent).
  "azuread:index/application:Application": { minutes: 0.5, source: GRAPH_WRITE },
  "azuread:index/applicationRegistration:ApplicationRegistration": { minutes: 0.5, source: GRAPH_WRITE },
  "azuread:index/applicationRedirectUris:ApplicationRedirectUris": { minutes: 0.2, source: GRAPH_WRITE },
  "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient": { minutes: 0.2, source: GRAPH_WRITE },
  "azuread:index/applicationApiAccess:ApplicationApiAccess": { minutes: 0.2, source: GRAPH_WRITE },
  "azuread:index/applicationPassword:ApplicationPassword": { minutes: 0.3, source: GRAPH_WRITE },
  "azuread:index/servicePrincipal:ServicePrincipal": { minutes: 0.5, source: GRAPH_WRITE },
  "azuread:index/appRoleAssignment:AppRoleAssignment": { minutes: 0.2, source: GRAPH_WRITE },
  "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": { minutes: 0.2, source: GRAPH_WRITE },
  "azuread:index/user:User": { minutes: 0.5, source: GRAPH_WRITE },
  "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": { minutes: 0.3, source: GRAPH_WRITE },
  "random:index/randomString:RandomString": { minutes: 0, source: "computed locally by the random provider" },
  "random:index/randomUuid:RandomUuid": { minutes: 0, source: "computed locally by the random provider" },
};

/** Figure for a run command whose script has no row below. */
export const RUN_COMMAND_DEFAULT: Duration = {
  minutes: 3,
  source: "managed run command overhead plus a short script (planning estimate)",
};

/** Minutes per in-VM script; each step adds rows for its scripts. */
export const SCRIPT_MINUTES: Readonly<Record<string, Duration>> = {
  "domain-join.ps1": {
    minutes: 2,
    source: "Add-Computer against a DC in the same VNet; typically under a minute plus run-command overhead (planning estimate)",
  },
  "site-media.ps1": {
    minutes: 35,
    source: "about 6 GB (SQL Server CAB, ADK and WinPE layouts, ConfigMgr media, setup prerequisites) from Microsoft's CDN plus extraction; planning estimate (the script uses Azure DNS until the DC answers, so it does not wait for the forest)",
  },
  "site-prereqs.ps1": { minutes: 8, source: "Install-WindowsFeature for IIS, BITS, RDC, .NET 3.5 (from Windows Update); planning estimate" },
  "site-ad-prep.ps1": { minutes: 3, source: "extadsch.exe and one container with an ACE; planning estimate" },
  "site-sql.ps1": { minutes: 20, source: "SQL Server 2022 Database Engine unattended install on a D4s_v5; planning estimate" },
  "site-sql-image.ps1": {
    minutes: 3,
    source:
      "reads of the preinstalled SQL Server's collation, logins, memory, server name and TCP settings, fixing what differs with at most two service restarts; planning estimate",
  },
  "site-adk.ps1": { minutes: 12, source: "ADK Deployment Tools, USMT and WinPE add-on from local layouts; planning estimate" },
  "site-install.ps1": {
    minutes: 55,
    source: "ConfigMgr primary site setup with SQL on the same box: most of an hour (lab builders report 40-60 minutes); planning estimate",
  },
  "enhanced-http.ps1": {
    minutes: 20,
    source: "site option read back twice plus the SMS Role SSL Certificate binding; the enhanced-http docs allow up to 30 minutes",
  },
  "site-discovery.ps1": { minutes: 8, source: "AD user and system discovery of a few OUs, then the read-back; planning estimate" },
  "azure-services.ps1": { minutes: 3, source: "two app imports and the Cloud Management service; planning estimate" },
  "check-user-discovery.ps1": {
    minutes: 15,
    source: "first Azure AD user discovery through a 5-minute delta interval (UNCONFIRMED whether the first delta runs a full discovery); planning estimate",
  },
  "device-join-trigger.ps1": {
    minutes: 3,
    source: "the Automatic-Device-Join task writing the device certificate to the computer object, started at once (planning estimate)",
  },
  "wait-domain-member.ps1": {
    minutes: 4,
    source: "reboot of a Windows VM on Azure until the guest agent answers again: commonly 2-4 minutes (planning estimate)",
  },
  "entra-connect-prerequisites.ps1": {
    minutes: 1,
    source: "eight registry values and a .NET version read, plus run-command overhead (planning estimate)",
  },
  "entra-connect-install.ps1": {
    minutes: 6,
    source: "download of the Entra Connect MSI (on the order of 150 MB) inside Azure plus msiexec laying down binaries only; the configuration is not part of it (planning estimate, UNCONFIRMED: Microsoft publishes no figure)",
  },
  "entra-connect-configure.ps1": {
    minutes: 15,
    source: "waits for the presenter to complete the one-time Entra Connect wizard (about 10 minutes of clicks once prompted) plus the read-only check; a human step, so a planning estimate",
  },
  "entra-connect-verify.ps1": {
    minutes: 1,
    source: "read-only ADSync checks (connectors, password hash sync, staging) plus run-command overhead (planning estimate)",
  },
  "sync-scope-apply.ps1": {
    minutes: 1,
    source: "read, write and read back of one connector's partition scope (planning estimate)",
  },
  "entra-sync-cycle.ps1": {
    minutes: 4,
    source: "an Entra Connect sync cycle over a lab forest of a few dozen objects: a few minutes for Initial, less for Delta (planning estimate; Microsoft documents the 30-minute schedule, not cycle length)",
  },
  "ad-forest-promote.ps1": {
    minutes: 12,
    source: "Install-WindowsFeature AD-Domain-Services+DNS (a few minutes) plus Install-ADDSForest; Microsoft gives no figure (UNCONFIRMED: planning estimate, ~10 minutes plus run-command overhead)",
  },
  "wait-ad-forest.ps1": {
    minutes: 7,
    source: "reboot after promotion; a new DC's first boot applies its settings before AD Web Services answers, longer than a member's reboot (UNCONFIRMED: planning estimate)",
  },
  "ad-dns-forwarder.ps1": { minutes: 1, source: "Set-DnsServerForwarder on the local DNS server plus run-command overhead (planning estimate)" },
  "ad-directory.ps1": {
    minutes: 2,
    source: "a few OUs, users and a group written on the DC through AD Web Services; seconds plus run-command overhead (planning estimate)",
  },
  "hybrid-join-scp.ps1": { minutes: 1, source: "two AD objects written on the DC; seconds plus run-command overhead (planning estimate)" },
  // CMG area (issue 7)
  "cmg-ca-install.ps1": { minutes: 5, source: "AD CS role install plus Install-AdcsCertificationAuthority (enterprise root); a few minutes (planning estimate)" },
  "cmg-certificate-enroll.ps1": { minutes: 2, source: "certreq against the lab CA in the same VNet, PFX export (planning estimate)" },
  "cmg-certificate-import.ps1": { minutes: 1, source: "writes a PFX of a few KB (planning estimate)" },
  "cmg-create.ps1": {
    minutes: 30,
    source: "VMSS CMG deployment: docs only say it varies (a 2018 classic-CMG doc said 5-15 min); UNCONFIRMED, planned at 30 (tech-facts 4.5)",
  },
  "cmg-client-share.ps1": { minutes: 1, source: "creates a folder and an SMB share (planning estimate)" },
  "cmg-connection-point.ps1": {
    minutes: 15,
    source: "connection point install and the MP's CMG route published (site component polling cycles, minutes; UNCONFIRMED), plus copying the client files",
  },
  "client-agent-install.ps1": { minutes: 15, source: "ccmsetup over the CMG with Entra ID auth: install plus registration; commonly 10-20 min (planning estimate)" },
  "lab-verify-client.ps1": { minutes: 10, source: "bounded wait until hybrid join, CMG route and registration read back (planning estimate)" },
  "lab-verify-site.ps1": { minutes: 10, source: "bounded wait until the clients are online in the site (client policy/heartbeat cycles; planning estimate)" },
  "wait-hybrid-join.ps1": {
    minutes: 8,
    source:
      "the join completes at the first Automatic-Device-Join run after the computer's certificate reached Entra ID; the device-registration step forces that sync (DeviceJoinSync) and the task every 5 minutes, so no 30-minute cycle is waited for (UNCONFIRMED: planning estimate; bounded at 60)",
  },
};

/** Figure for any other custom resource type without a row (Entra ID objects and the like). */
export const UNKNOWN_TYPE: Duration = { minutes: 0.5, source: "no figure recorded for this type; planning estimate" };

export const RUN_COMMAND_TYPE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";

/**
 * A later round of a step that runs in rounds (components/run-step.ts): the first round's figure
 * covers the whole expected work, and a later round returns at once when the work is done.
 */
export const LATER_ROUND: Duration = {
  minutes: 0.5,
  source: "later round of a step in rounds: the script finds the work done and exits (planning estimate); it only takes longer when the first round ran out of time",
};

/**
 * A check the build already passed once, run again by the verify step (RunStepArgs.recheck): the
 * state it waits for is there, so it reads it back at once. Not its first-wait figure above.
 */
export const RECHECK: Duration = {
  minutes: RUN_COMMAND_DEFAULT.minutes,
  source:
    "a check run again after an earlier step of the same build waited for the same state (check-user-discovery.ps1 in aad-user-discovery and ad-user-discovery's read-back, then in verify): it reads the state back at once; managed run command overhead plus a short script (planning estimate)",
};

/** Which figure a run command gets: its script's (first), LATER_ROUND or RECHECK. */
export type DurationKind = "first" | "later-round" | "recheck";

/** A later round before a re-check: a re-checked later round still finds its work done. */
export function durationKind(round: number, recheck: boolean): DurationKind {
  if (round > 1) return "later-round";
  if (recheck) return "recheck";
  return "first";
}

/** The estimated creation time of one resource. Components take no time of their own. */
export function resourceDuration(type: string, custom: boolean, script: string | undefined, round = 1, recheck = false): Duration {
  if (!custom) return { minutes: 0, source: "component (no cloud resource)" };
  if (type !== RUN_COMMAND_TYPE) return TYPE_MINUTES[type] ?? UNKNOWN_TYPE;
  switch (durationKind(round, recheck)) {
    case "later-round":
      return LATER_ROUND;
    case "recheck":
      return RECHECK;
    case "first":
      return (script && SCRIPT_MINUTES[script]) || RUN_COMMAND_DEFAULT;
  }
}
