/**
 * The lab runbook: one typed table of steps. Everything else derives from it: the Pulumi
 * dependency order (components/lab-step.ts), the offline plan's waves and timeline, the
 * preflight checks and the diagnosis of log lines (stacks/diagnosis/signatures.ts).
 *
 * The ids of the contract steps are read by checks outside the code (../shared/ARCHITECTURE.md):
 * never rename them. Steps may be added; `needs` may grow, never shrink.
 */

/** Contract step ids, in runbook order. */
export const CONTRACT_STEP_IDS = [
  "network",
  "entra-apps",
  "ad-forest",
  "ad-ous",
  "site-server",
  "enhanced-http",
  "ad-user-discovery",
  "azure-services",
  "aad-user-discovery",
  "entra-connect",
  "sync-scope",
  "hybrid-join-scp",
  "cmg-certificate",
  "cmg-azure-access",
  "cmg",
  "cmg-connection-point",
  "clients",
  "device-registration",
  "client-agent",
  "verify",
] as const;

/**
 * Steps this project adds to the contract table. `credentials` holds the lab's generated
 * secrets. The three `*-vm(s)` steps create the machines as soon as the network exists, so VM
 * provisioning of every role runs in parallel and only in-guest work (promotion, domain joins)
 * waits for the forest. `admin-access` holds Azure Bastion, apart from `network` because Bastion
 * takes about ten minutes to deploy and no VM needs it to exist. `site-media` downloads the
 * ConfigMgr site's media (SQL Server, ADK, ConfigMgr) as soon as the site server VM exists, so
 * the largest downloads leave the critical path.
 */
export const EXTRA_STEP_IDS = ["credentials", "admin-access", "dc-vm", "server-vms", "client-vms", "site-media"] as const;

export type ContractStepId = (typeof CONTRACT_STEP_IDS)[number];
export type StepId = ContractStepId | (typeof EXTRA_STEP_IDS)[number];

export interface StepDef {
  readonly id: StepId;
  /** What an admin would tick off. */
  readonly title: string;
  /** Steps whose resources must all exist before any resource of this step is created. */
  readonly needs: readonly StepId[];
  /** What breaks, and how it shows, when this step is missed. */
  readonly ifMissed: string;
  /**
   * What the step leaves outside Pulumi's state (objects another system creates), which
   * `pulumi destroy` therefore does not remove, and how to clean it up. The plan lists these.
   */
  readonly outsideState?: string;
}

type StepTable = readonly StepDef[];

const TABLE = [
  {
    id: "credentials",
    title: "Generate the lab's admin credential (random, kept as a Pulumi secret)",
    needs: [],
    ifMissed: "No VM can be created without an admin password; a fixed password in a repository is how labs get taken over.",
  },
  {
    id: "network",
    title: "Resource group, virtual network, subnets and NSGs (no VM port open to the internet)",
    needs: [],
    ifMissed: "Nothing else can be placed; an open RDP port instead of Bastion invites brute force within minutes.",
  },
  {
    id: "admin-access",
    title: "Admin path without public RDP: Azure Bastion (or only the listed admin source addresses)",
    needs: ["network"],
    ifMissed: "Presenters open RDP to the internet to reach the VMs, or cannot reach them at all.",
  },
  {
    id: "entra-apps",
    title: "Entra ID: ConfigMgr server (web) app and client (native) app, service principals, Graph permissions with admin consent, app secret",
    needs: [],
    ifMissed: "The site cannot be onboarded to Azure Services; Azure AD user discovery fails without Directory.Read.All consent.",
  },
  {
    id: "dc-vm",
    title: "Domain controller VM created (static address; the VNet's DNS points at it)",
    needs: ["network", "credentials"],
    ifMissed: "There is no machine to promote to a domain controller.",
  },
  {
    id: "server-vms",
    title: "Site server and Entra Connect server VMs created, not yet joined (in parallel with the forest)",
    needs: ["network", "credentials"],
    ifMissed: "The ConfigMgr site and Entra Connect have no machine to run on.",
  },
  {
    id: "site-media",
    title:
      "Site server prepared before its domain join, side by side: Windows features installed; media downloaded (SQL Server 2022 unless the VM's image has it, Windows ADK and WinPE add-on, ConfigMgr evaluation media, setup prerequisites)",
    needs: ["server-vms"],
    ifMissed: "The site install waits for gigabytes of downloads after the forest, or fails on a missing or unsigned medium or a missing Windows feature.",
  },
  {
    id: "client-vms",
    title: "Client VMs created, not yet joined (in parallel with the forest)",
    needs: ["network", "credentials"],
    ifMissed: "There is no Windows client to join, hybrid-join or manage.",
  },
  {
    id: "ad-forest",
    title: "Domain controller VM, AD DS forest and DNS",
    needs: ["network", "dc-vm"],
    ifMissed: "Nothing can join the domain; there are no users to discover and no computers to hybrid-join.",
  },
  {
    id: "ad-ous",
    title: "OUs (Workstations, Servers, users OU) and demo users",
    needs: ["ad-forest"],
    ifMissed: "Clients land in the default Computers container, outside the sync scope; no users exist for discovery or sign-in.",
  },
  {
    id: "site-server",
    title: "Site server joined to the domain (Servers OU); side by side the AD schema and container, SQL Server (checked on the marketplace image, or installed) and the ADK with WinPE; ConfigMgr primary site installed",
    needs: ["ad-ous", "server-vms", "site-media"],
    ifMissed: "There is no site: no management point, no discovery, no CMG.",
  },
  {
    id: "enhanced-http",
    title: "Enhanced HTTP: ConfigMgr-generated certificates for HTTP site systems; MP on HTTP; SMS Role SSL certificate on 443",
    needs: ["site-server"],
    ifMissed: "Clients over the CMG fail with CCM_E_NO_CLIENT_PKI_CERT or 0x87d00231; the CMG connection point needs a client certificate.",
  },
  {
    id: "ad-user-discovery",
    title: "Active Directory User Discovery enabled on the users OU, and run",
    needs: ["site-server"],
    ifMissed: "The CMG token request fails with CMGConnector_Un-authorizedrequest; CCM_STS.log says the AAD user \"is not completely discovered\".",
  },
  {
    id: "azure-services",
    title: "Site onboarded to Entra ID for Cloud Management with the two apps imported",
    needs: ["site-server", "entra-apps"],
    ifMissed: "No Azure AD authentication for clients, no Azure AD user discovery, and no CMG can be created.",
  },
  {
    id: "aad-user-discovery",
    title: "Azure AD user discovery enabled, and run",
    // Beyond the contract's minimum: its check requires both sides of discovery on one user
    // record (the user the CMG's token request looks up), so AD discovery must have run.
    needs: ["azure-services", "ad-user-discovery"],
    ifMissed: "Users lack their Entra object id in ConfigMgr: CCM_STS.log says the AAD user \"is not completely discovered\".",
  },
  {
    id: "entra-connect",
    title: "Entra Connect Sync server joined to the domain, Entra Connect installed and configured (password hash sync)",
    needs: ["ad-ous", "server-vms"],
    ifMissed: "No user or device reaches Entra ID: no hybrid join, no Azure AD user discovery results.",
    outsideState:
      "Entra Connect creates its own directory synchronization account (Sync_<server>_...) in the tenant; delete it in the Entra admin center after pulumi destroy.",
  },
  {
    id: "sync-scope",
    title: "OU filtering: the Workstations OU and the users OU are in the sync scope; a sync cycle has run",
    needs: ["entra-connect"],
    ifMissed: "dsregcmd /status shows AzureAdJoined NO with \"The device object by the given ID is not found\".",
    outsideState:
      "Synced users and computers stay in Entra ID after the forest is gone; delete them (or turn directory synchronization off for the tenant) before reusing the tenant.",
  },
  {
    id: "hybrid-join-scp",
    title: "Service Connection Point for hybrid join (azureADName, azureADId) in the AD configuration partition",
    needs: ["ad-forest"],
    ifMissed: "Devices never try to join: dsregcmd reports the SCP could not be read (0x801c001d) and AzureAdJoined NO.",
  },
  {
    id: "cmg-certificate",
    title: "CMG server-authentication certificate (lab CA or a supplied PFX, chain checked)",
    needs: ["ad-forest"],
    ifMissed: "The CMG cannot be created, or clients reject it: missing intermediates (KB954755) or an untrusted root.",
  },
  {
    id: "cmg-azure-access",
    title: "Resource providers registered; the server app's role on the CMG resource group",
    needs: ["entra-apps"],
    ifMissed: "The CMG deployment fails with an authorization error in CloudMgr.log.",
  },
  {
    id: "cmg",
    title: "Cloud management gateway deployed (virtual machine scale set)",
    needs: ["azure-services", "enhanced-http", "cmg-certificate", "cmg-azure-access"],
    ifMissed: "Internet clients have no management point to talk to.",
    outsideState:
      "The site creates the CMG's scale set, storage account and key vault itself; they go with the CMG resource group when Pulumi deletes it, and the key vault then stays soft-deleted for its retention period.",
  },
  {
    id: "cmg-connection-point",
    title: "CMG connection point; the management point allows CMG traffic",
    needs: ["cmg"],
    ifMissed: "The CMG is up but forwards nothing: clients get 403/500 from the CMG and never reach the MP.",
  },
  {
    id: "clients",
    title: "Windows 10/11 clients joined to the domain in the Workstations OU",
    needs: ["ad-ous", "client-vms"],
    ifMissed: "There is no device to hybrid-join or manage.",
  },
  {
    id: "device-registration",
    title: "Clients hybrid-joined (device synced, registered)",
    needs: ["clients", "sync-scope", "hybrid-join-scp"],
    ifMissed: "No device token: the client falls back to a user token, and device-based Entra ID features fail.",
    outsideState: "Hybrid-joined device objects stay in Entra ID; delete the lab's devices in the Entra admin center.",
  },
  {
    id: "client-agent",
    title: "ConfigMgr client installed so that it works over the CMG with Enhanced HTTP",
    // Beyond the contract's minimum: both user discoveries first, so that the first CMG token
    // requests meet a completely discovered user (on the site server they now run beside the CMG,
    // not before it).
    needs: ["clients", "cmg-connection-point", "ad-user-discovery", "aad-user-discovery"],
    ifMissed: "No client to show online through the CMG.",
  },
  {
    id: "verify",
    title: "End-to-end checks: user discovered by both discoveries, device hybrid-joined, client online through the CMG",
    needs: [
      "admin-access",
      "site-media",
      "network",
      "entra-apps",
      "ad-forest",
      "ad-ous",
      "site-server",
      "enhanced-http",
      "ad-user-discovery",
      "azure-services",
      "aad-user-discovery",
      "entra-connect",
      "sync-scope",
      "hybrid-join-scp",
      "cmg-certificate",
      "cmg-azure-access",
      "cmg",
      "cmg-connection-point",
      "clients",
      "device-registration",
      "client-agent",
    ],
    ifMissed: "The lab may look finished and fail in front of an audience.",
  },
] as const satisfies StepTable;

/** The runbook in a valid build order (every step after the steps it needs). */
export const RUNBOOK: StepTable = TABLE;

const BY_ID: ReadonlyMap<StepId, StepDef> = new Map(RUNBOOK.map((s) => [s.id, s]));

export function stepDef(id: StepId): StepDef {
  const def = BY_ID.get(id);
  if (!def) throw new Error(`unknown runbook step '${id}'`);
  return def;
}

export function isStepId(value: string): value is StepId {
  return BY_ID.has(value as StepId);
}

/** Every step `id` needs, directly or transitively. */
export function transitiveNeeds(id: StepId): ReadonlySet<StepId> {
  const seen = new Set<StepId>();
  const visit = (s: StepId): void => {
    for (const n of stepDef(s).needs) {
      if (!seen.has(n)) {
        seen.add(n);
        visit(n);
      }
    }
  };
  visit(id);
  return seen;
}

/**
 * Waves: wave 0 holds the steps that need nothing, wave n the steps whose needs all sit in
 * earlier waves. Steps of one wave can run in parallel.
 */
export function runbookWaves(steps: StepTable = RUNBOOK): StepId[][] {
  const level = new Map<StepId, number>();
  for (const s of steps) {
    const l = s.needs.length === 0 ? 0 : Math.max(...s.needs.map((n) => (level.get(n) ?? 0) + 1));
    level.set(s.id, l);
  }
  const waves: StepId[][] = [];
  for (const s of steps) {
    const l = level.get(s.id) ?? 0;
    (waves[l] ??= []).push(s.id);
  }
  return waves;
}

/**
 * Checks the table's own invariants: unique ids, known needs, order (needs come first, so there
 * is no cycle), every contract id present, verify needing every other contract step.
 * Returns the problems found; an empty list means the table is sound.
 */
export function validateRunbook(steps: StepTable = RUNBOOK): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    if (seen.has(s.id)) problems.push(`step '${s.id}' appears twice`);
    for (const n of s.needs) {
      if (!seen.has(n)) problems.push(`step '${s.id}' needs '${n}', which is unknown or not listed before it`);
    }
    seen.add(s.id);
  }
  for (const id of CONTRACT_STEP_IDS) {
    if (!seen.has(id)) problems.push(`contract step '${id}' is missing`);
  }
  const verify = steps.find((s) => s.id === "verify");
  if (verify) {
    for (const id of CONTRACT_STEP_IDS) {
      if (id !== "verify" && !verify.needs.includes(id)) problems.push(`'verify' does not need '${id}'`);
    }
  }
  return problems;
}
