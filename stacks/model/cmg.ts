/**
 * Pure logic of the CMG steps: the ccmsetup command line of an internet client, the verify
 * step's checks and the command that reads its report back (the report itself is printed by
 * lab-verify-*.ps1 and pinned by their Pester tests). No resources, no I/O.
 */
import type { StepId } from "./runbook";

/** Token in the ccmsetup arguments that the client replaces with the MP's CMG route (`CCM_Proxy_MutualAuth/<id>`), read from the site. */
export const MP_PATH_TOKEN = "{MpPath}";

export interface CcmsetupInput {
  /** UNC of the client source share, e.g. `\\DC01.corp.cmglab.example\CmgLabClient`. */
  readonly source: string;
  /** CMG service FQDN. */
  readonly cmgFqdn: string;
  readonly siteCode: string;
  readonly tenantId: string;
  readonly clientAppId: string;
  /** The server app's Application ID URI (AADRESOURCEURI). */
  readonly resourceUri: string;
  /**
   * Where the client sits: `internet` clients install through the CMG and stay internet-only;
   * `intranet` clients install from the intranet management point (the site server, `intranetMp`)
   * and roam to the CMG only when they leave the network.
   */
  readonly network: "internet" | "intranet";
  /** FQDN of the intranet management point (the site server). */
  readonly intranetMp: string;
}

/**
 * ccmsetup arguments; for an internet-side client: internet-only over the CMG with Entra ID auth
 * (deploy-clients-cmg-azure; about-client-installation-properties): `/mp` and CCMHOSTNAME point
 * at the CMG route, the AAD* properties give the token audience, CCMALWAYSINF=1 keeps the client
 * on the internet side, `/NoCRLCheck` because the lab CA's CRL is not published on the internet.
 */
export function ccmsetupArguments(i: CcmsetupInput): string {
  for (const [k, v] of Object.entries(i)) {
    if (/[\s"]/.test(v) || v === "") throw new Error(`ccmsetupArguments: ${k} must be a non-empty value without spaces or quotes, got ${JSON.stringify(v)}`);
  }
  const route = `${i.cmgFqdn}/${MP_PATH_TOKEN}`;
  const aad = [`AADTENANTID=${i.tenantId}`, `AADCLIENTAPPID=${i.clientAppId}`, `AADRESOURCEURI=${i.resourceUri}`];
  if (i.network === "intranet") {
    // An intranet client finds the CMG from the site once it roams; it is not internet-only.
    return [`/source:${i.source}`, `/mp:http://${i.intranetMp}`, "/NoCRLCheck", `SMSSITECODE=${i.siteCode}`, ...aad].join(" ");
  }
  return [`/source:${i.source}`, `/mp:https://${route}`, "/NoCRLCheck", `CCMHOSTNAME=${route}`, `SMSSITECODE=${i.siteCode}`, ...aad, "CCMALWAYSINF=1"].join(" ");
}

/** One end-to-end check of the verify step, and the step a failure points at. */
export interface VerifyCheck {
  readonly id: string;
  /** Where it runs: the site server or each client. */
  readonly on: "site" | "client";
  readonly what: string;
  /** The runbook step most likely missed when it fails (when no log signature says more). */
  readonly step: StepId;
}

export const VERIFY_CHECKS: readonly VerifyCheck[] = [
  { id: "user-discovered", on: "site", what: "a demo user is discovered by AD user discovery and by Azure AD user discovery (check-user-discovery.ps1)", step: "ad-user-discovery" },
  { id: "cmg-ready", on: "site", what: "Get-CMCloudManagementGateway reports the CMG ready (State 0 and StatusDetails 1; a missing value is not ready)", step: "cmg" },
  { id: "client-online", on: "site", what: "each client is an active, online ConfigMgr client (Get-CMDevice)", step: "client-agent" },
  { id: "hybrid-join", on: "client", what: "dsregcmd /status: AzureAdJoined YES, DomainJoined YES", step: "device-registration" },
  { id: "cmg-route", on: "client", what: "the active management point is the CMG (SMS_ActiveMPCandidate Type Internet)", step: "cmg-connection-point" },
  { id: "registered", on: "client", what: "ClientIDManagerStartup.log: registered (Approval status 3, Entra ID)", step: "client-agent" },
];

/**
 * The command that prints a verify run command's report. The lab reads the reports of a green
 * run back itself (LabVerify's `report`, from the run commands' instance view); when a check
 * fails, the deployment stops before any stack output is written, so this command line is
 * exported too and prints the failing report.
 */
export function verifyReportCommand(resourceGroup: string, vmName: string, runCommandName: string): string {
  return `az vm run-command show --resource-group ${resourceGroup} --vm-name ${vmName} --run-command-name ${runCommandName} --instance-view --query "instanceView.[output, error]" -o tsv`;
}

/** Common name of the lab's enterprise root CA (issuer of the CMG certificate in lab-ca mode). */
export function labCaCommonName(netbiosName: string): string {
  return `${netbiosName} Lab Root CA`;
}
