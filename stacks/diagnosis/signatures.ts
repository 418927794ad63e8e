/**
 * Known error signatures, kept next to the runbook: each one names the runbook step whose miss
 * most likely produced it, with the cause and the fix in a sentence each. `npm run diagnose`
 * (scripts/cli/diagnose.ts, matcher in stacks/diagnosis/diagnose.ts) reads ConfigMgr, Entra Connect and
 * `dsregcmd /status` output against this table; the verify step's report is fed to the same table.
 *
 * Rules for an entry:
 * - `pattern` matches the *shape* of one log message (ids, GUIDs, SIDs, host names and codes vary),
 *   never one literal line. No `g`/`y` flag: patterns are reused on every line.
 * - `hints` are lower-case literals of which every match contains at least one; the matcher
 *   skips a line that holds none of them (the cheap pre-filter that keeps a 100 MB log fast).
 * - `source` is the Microsoft page that documents the message or code. Where the wording is not
 *   in Microsoft's documentation, `confirmed` is false and `source` says "UNCONFIRMED wording"
 *   (and names the page that documents the underlying requirement, if any).
 * - Causes and fixes are our own words.
 *
 * Precision over recall (how stacks/diagnosis/diagnose.ts combines the table, per input: one file or text):
 * - A `weak` signature is real evidence but not specific (for example `AzureAdJoined : NO` says
 *   the join has not finished, not why). One weak signal on its own reports nothing; two or more
 *   different weak signatures pointing at the same step make one finding of `medium` confidence.
 *   A weak signal also yields to a specific finding of its `group` or step in the same input.
 * - A signature with a `context` counts only when the same input shows that context (a ConfigMgr
 *   log, dsregcmd or device-registration output; see CONTEXT_MARKERS): an Entra error code in
 *   another product's log says nothing about the lab.
 * - Findings of one input that share a `causeKey` and a step are one cause: only the most
 *   specific one (highest `specificity`, then table order) is reported.
 *
 * This module is pure: no I/O, no top-level side effects.
 */
import { isStepId, type StepId } from "../model/runbook";

/** Symptoms that explain one another; precedence (see above) works within a group. */
export type SignatureGroup =
  | "user-token"
  | "cmg-client"
  | "cmg-site"
  | "device-join"
  | "domain-join"
  | "entra-connect"
  | "entra-apps";

/** A kind of input in which a message is evidence about the lab (see CONTEXT_MARKERS). */
export type SignatureContext = "configmgr" | "device-registration";

/**
 * What shows that an input is of a given kind, besides its format (a CMTrace or SMS-trace record
 * is always ConfigMgr). Tested against every message of an input.
 */
export const CONTEXT_MARKERS: Readonly<Record<SignatureContext, RegExp>> = {
  configmgr:
    /\bConfigMgr|Configuration Manager|\bCMG(?:Connector|Service)_|\bSMS_[A-Z]|\bCCM(?:_[A-Z]|Setup|Exec|Messaging|HTTP\b)|\bCMG\b|CloudMgr|ADALOperationProvider|ClientIDManager|LocationServices|\bSMS (?:Server|CCM|Provider)\b|\bAAD (?:USER|GROUP|SYSTEM) (?:delta|full) sync\b/i,
  "device-registration":
    /dsregcmd|\bAzureAdJoined\b|\bDomainJoined\b|Device Registration|\bDSREG_|^\s*(?:Registration Type|Error Phase|Client ErrorCode)\s*:|DRS Discovery Test|Workplace Join|Automatic-Device-Join|enterpriseregistration\./i,
};

export interface Signature {
  /** Stable kebab-case id, printed as `signature` in the diagnosis output. */
  readonly id: string;
  /** The runbook step that was most likely missed. */
  readonly step: StepId;
  readonly group: SignatureGroup;
  /** Matches the shape of one message (see the module comment). */
  readonly pattern: RegExp;
  /** Lower-case literals; every line `pattern` matches contains at least one of them. */
  readonly hints: readonly string[];
  /** Why this shows up, in one sentence. */
  readonly cause: string;
  /** What to do, in one sentence. */
  readonly fix: string;
  /** Microsoft documentation URL, or an "UNCONFIRMED wording" note (see the module comment). */
  readonly source: string;
  /** True when the message or code itself is in Microsoft's documentation. */
  readonly confirmed: boolean;
  /**
   * Generic evidence: silent on its own, one `medium` finding with a second weak signature of
   * the same step, and explained away by a specific finding of the same group or step.
   */
  readonly weak?: boolean;
  /** Evidence only in an input that shows this context (see the module comment). */
  readonly context?: SignatureContext;
  /** Signatures with the same key and step are one cause (default: the signature's own id). */
  readonly causeKey?: string;
  /** Among findings of one cause, the highest is reported (default 1). */
  readonly specificity?: number;
  /**
   * Some messages name the missed step more precisely than the default `step`; given the
   * matched line, returns the step to report. Pure.
   */
  readonly refineStep?: (line: string) => StepId;
}

const DOC = {
  hybridJoinTroubleshoot: "https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current",
  dsregcmd: "https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd",
  cmgClientErrors: "https://learn.microsoft.com/troubleshoot/mem/configmgr/client-management/cmg-communication-error-403",
  cmgContent: "https://learn.microsoft.com/troubleshoot/mem/configmgr/client-management/cannot-download-content-from-cmg",
  deployClientsCmgAzure: "https://learn.microsoft.com/mem/configmgr/core/clients/deploy/deploy-clients-cmg-azure",
  armProviderErrors: "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider",
  cmgSecurity: "https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/security-and-privacy-for-cloud-management-gateway",
  adsyncStops: "https://support.microsoft.com/help/2882421",
  adDsConnectorAccount: "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-configure-ad-ds-connector-account",
  intermediateCerts:
    "https://learn.microsoft.com/troubleshoot/developer/webapps/iis/www-authentication-authorization/configure-intermediate-certificates",
  aadstsCodes: "https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
  proxySupport: "https://learn.microsoft.com/mem/configmgr/core/plan-design/network/proxy-server-support",
  domainJoin: "https://learn.microsoft.com/troubleshoot/windows-server/active-directory/active-directory-domain-join-troubleshooting-guidance",
} as const;

/** Mentions of Azure AD / Entra user discovery in a CCM_STS line (see `sts-user-not-completely-discovered`). */
const AAD_DISCOVERY_MENTION = /\b(?:azure\s*ad|aad|entra(?:\s*id)?)\s+user\s+discovery\b/i;
/** Mentions of Active Directory user discovery ("Azure AD user discovery" excluded). */
const AD_DISCOVERY_MENTION = /(?<!azure\s*)\b(?:active\s+directory|ad)\s+user\s+discovery\b/i;

const TABLE = [
  // ---- user token through the CMG (MP's CCM_STS.log, connection analyzer) ----
  {
    id: "cmg-token-unauthorized-request",
    step: "ad-user-discovery",
    group: "user-token",
    causeKey: "user-not-discovered",
    pattern: /CMGConnector_Un-?authori[sz]ed-?request/i,
    hints: ["cmgconnector_un"],
    cause:
      "The management point validated the Entra token but could not tie it to a ConfigMgr user record, so it refused to issue a ConfigMgr token; in the reference lab AD user discovery was off.",
    fix: "Enable Active Directory User Discovery on the users OU and run it (Invoke-CMUserDiscovery), make sure Azure AD user discovery has run as well, then retry the token request.",
    source: `reference story (UNCONFIRMED wording); requirement of both discoveries: ${DOC.deployClientsCmgAzure}`,
    confirmed: false,
  },
  {
    id: "sts-user-not-completely-discovered",
    step: "ad-user-discovery",
    group: "user-token",
    causeKey: "user-not-discovered",
    specificity: 2,
    pattern: /\bis not completely discovered\b/i,
    hints: ["completely discovered"],
    cause:
      "The user in the token lacks a ConfigMgr record carrying both the on-premises SID and the Entra object id; a synced user needs both AD user discovery and Azure AD user discovery.",
    fix: "Run Active Directory User Discovery on the users OU (and Azure AD user discovery if the line names it), wait for the cycle to finish, then retry.",
    source: `reference story (UNCONFIRMED wording); requirement of both discoveries: ${DOC.deployClientsCmgAzure}`,
    confirmed: false,
    // The message does not say which half is missing. The reference story's cause (AD user
    // discovery off) is the default; only a line that names Azure AD / Entra user discovery and
    // not AD user discovery points at aad-user-discovery (naming both is no evidence either way).
    refineStep: (line: string): StepId =>
      AAD_DISCOVERY_MENTION.test(line) && !AD_DISCOVERY_MENTION.test(line) ? "aad-user-discovery" : "ad-user-discovery",
  },
  {
    id: "cmg-invalid-token",
    step: "client-agent",
    group: "cmg-client",
    pattern: /CMGService_Invalid_Token|PreAuth token validation failed/i,
    hints: ["cmgservice_invalid_token", "preauth token"],
    cause:
      "The client presented an expired or missing registration token: it was installed with a stale bulk registration token or has not talked to the site for over 30 days.",
    fix: "Reinstall the client with a fresh bulk registration token (or connect it once to the intranet MP) so it gets a valid token.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "mp-mise-token-validation",
    step: "network",
    group: "user-token",
    pattern: /\bMISE12034\b/i,
    hints: ["mise12034"],
    cause:
      "On ConfigMgr 2603+ the management point validates Entra tokens itself and could not reach Entra ID to do so.",
    fix: "Give the management point (SYSTEM context) outbound HTTPS to login.microsoftonline.com, through the proxy if there is one.",
    source: `UNCONFIRMED here (tech-facts section 7 cites ${DOC.proxySupport}; not re-read)`,
    confirmed: false,
  },

  // ---- client to CMG / MP communication (LocationServices.log, CcmMessaging.log, ccmsetup.log) ----
  {
    id: "cmg-client-certificate-required",
    step: "enhanced-http",
    group: "cmg-client",
    pattern: /CMGConnector_Client\s*certificate\s*required/i,
    hints: ["cmgconnector_client"],
    cause:
      "The CMG connection point had no client-authentication certificate for an HTTPS management point; with an Enhanced HTTP management point and token authentication it needs none.",
    fix: "Turn on Enhanced HTTP (Set-CMSite -UseSmsGeneratedCert $true) with the management point on HTTP, or give the connection point a client-authentication certificate.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "cmg-forbidden-iis-binding",
    step: "enhanced-http",
    group: "cmg-client",
    pattern: /CMGConnector_Forbidden\b/i,
    hints: ["cmgconnector_forbidden"],
    cause:
      "The management point's IIS 443 binding does not match its mode: for Enhanced HTTP it must use the SMS Role SSL Certificate, not a stale, expired or revoked certificate.",
    fix: "In IIS, bind Default Web Site port 443 to the SMS Role SSL Certificate (or re-apply Enhanced HTTP so the site rebinds it) and retry.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "ccm-no-client-pki-cert",
    step: "enhanced-http",
    group: "cmg-client",
    causeKey: "client-without-token-or-certificate",
    specificity: 3,
    pattern: /CCM_E_NO_CLIENT_PKI_CERT/i,
    hints: ["ccm_e_no_client_pki_cert"],
    cause:
      "The client tried an HTTPS request through the CMG with neither a PKI client certificate nor a site-issued token, which is what Enhanced HTTP provides.",
    fix: "Enable Enhanced HTTP on the site (ConfigMgr-generated certificates for HTTP site systems) with the management point on HTTP, then let the client re-register.",
    source: DOC.cmgContent,
    confirmed: true,
  },
  {
    id: "ccm-get-directory-list-87d00454",
    step: "enhanced-http",
    group: "cmg-client",
    causeKey: "client-without-token-or-certificate",
    pattern: /0x87d00454\b/i,
    hints: ["87d00454"],
    cause:
      "Listing content over HTTPS from the CMG failed without a usable client certificate or token (HRESULT 0x87d00454).",
    fix: "Make token authentication work (Enhanced HTTP on the site, client registered through the CMG) and check the CMG certificate name matches the service name.",
    source: DOC.cmgContent,
    confirmed: true,
  },
  {
    id: "ccmhttp-post-failed-87d00231",
    step: "enhanced-http",
    group: "cmg-client",
    weak: true,
    pattern: /0x87d00231\b/i,
    hints: ["87d00231"],
    cause:
      "A client message to the management point failed with the generic 0x87d00231; through a CMG this usually means the client could not authenticate (no Enhanced HTTP token, no PKI certificate).",
    fix: "Enable Enhanced HTTP on the site and check CCM_STS.log on the management point for why no token was issued.",
    source: "reference story (UNCONFIRMED wording)",
    confirmed: false,
  },
  {
    id: "ccmhttp-mutualauth-code-87",
    step: "enhanced-http",
    group: "cmg-client",
    causeKey: "client-without-token-or-certificate",
    specificity: 2,
    pattern: /\[CCMHTTP\]\s*ERROR:\s*URL=\S*CCM_Proxy_MutualAuth\S*.*\bCode=87\b/i,
    hints: ["ccm_proxy_mutualauth"],
    cause:
      "The client could not build the mutual-auth request to the management point through the CMG (Code=87): it has no certificate or token to sign it with.",
    fix: "Enable Enhanced HTTP on the site (management point on HTTP, ConfigMgr-generated certificates) and let the client re-register.",
    source: "reference story (UNCONFIRMED wording)",
    confirmed: false,
  },
  {
    id: "winhttp-secure-failure",
    step: "cmg-certificate",
    group: "cmg-client",
    weak: true,
    pattern: /\bCode=12175\b|ERROR_WINHTTP_SECURE_FAILURE|WINHTTP_CALLBACK_STATUS_SECURE_FAILURE/i,
    hints: ["12175", "secure_failure"],
    cause:
      "The client rejected the CMG's TLS certificate; the WINHTTP_CALLBACK_STATUS_FLAG_* lines around it say why.",
    fix: "Read the flag lines: trust the lab root CA on the client, fix the certificate name, or stop the revocation check.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "winhttp-invalid-ca",
    step: "cmg-certificate",
    group: "cmg-client",
    pattern: /WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA\b/i,
    hints: ["flag_invalid_ca"],
    cause: "The client does not trust the root CA that issued the CMG's server-authentication certificate.",
    fix: "Import the lab CA root certificate into the client's Trusted Root Certification Authorities store (the cmg-certificate step distributes it).",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "winhttp-cert-cn-invalid",
    step: "cmg-certificate",
    group: "cmg-client",
    pattern: /WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID\b/i,
    hints: ["flag_cert_cn_invalid"],
    cause: "The CMG certificate's name does not match the host name the client connected to.",
    fix: "Issue the CMG certificate for the CMG service name (and add a CNAME if a custom domain is used), then update the CMG with it.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "winhttp-cert-rev-failed",
    step: "client-agent",
    group: "cmg-client",
    pattern: /WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED\b/i,
    hints: ["flag_cert_rev_failed"],
    cause: "The client had to check revocation of the CMG certificate, but the lab CA's CRL is not reachable from the internet.",
    fix: "Install internet clients with ccmsetup /NoCRLCheck and clear the site's \"Clients check the CRL for site systems\" option.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },

  // ---- CMG connection point (SMS_Cloud_ProxyConnector.log) ----
  {
    id: "cmg-cp-forward-http-error",
    step: "cmg-connection-point",
    group: "cmg-client",
    weak: true,
    pattern: /Web exception for message\b.*\(\d{3}\)/i,
    hints: ["web exception for message"],
    cause:
      "The CMG connection point forwarded a client request and the management point answered with an HTTP error, typically because it does not accept CMG traffic.",
    fix: "Allow CMG traffic on the management point (Set-CMManagementPoint -EnableCloudGateway $true) and check the CMGConnector_* status text on the client for the precise reason.",
    source: DOC.cmgClientErrors,
    confirmed: true,
  },
  {
    id: "cmg-cp-connection-failed",
    step: "network",
    group: "cmg-site",
    pattern: /Failed to build (?:Tcp|Http) connection\b/i,
    hints: ["failed to build"],
    cause:
      "The CMG connection point cannot open its channel to the CMG service: outbound TCP 443, or 10124-10156 when the CMG has several instances, is blocked by a firewall or network security group, or a proxy is in the way.",
    fix: "Allow the connection point outbound TCP 443 and 10124-10156 to the CMG in the lab's NSGs (and any proxy), then restart SMS_EXECUTIVE and watch SMS_Cloud_ProxyConnector.log.",
    source: "UNCONFIRMED wording (field logs, not in Microsoft docs); ports: https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/data-flow",
    confirmed: false,
  },

  {
    id: "cmg-cp-missing-role-certificate",
    step: "cmg-connection-point",
    group: "cmg-site",
    pattern: /\bmissing role certificate\b/i,
    hints: ["role certificate"],
    cause:
      "The CMG connection point has no role certificate yet, so it cannot authenticate to the CMG and stays disconnected.",
    fix: "Let the site finish installing the connection point role (SMS_Cloud_ProxyConnector.log should stop repeating the message), reinstall the role if it persists, and keep the management point on the same site.",
    source: "UNCONFIRMED wording (field logs, not in Microsoft docs)",
    confirmed: false,
  },

  // ---- CMG deployment (CloudMgr.log, pulumi output) ----
  {
    id: "azure-authorization-failed",
    step: "cmg-azure-access",
    group: "cmg-site",
    pattern: /\b(?:Linked)?AuthorizationFailed\b|does not have authorization to perform action/i,
    hints: ["authorizationfailed", "does not have authorization"],
    cause:
      "The identity deploying the CMG (the server app's service principal) lacks an Azure role on the CMG's subscription or resource group.",
    fix: "Give the server app's service principal the role the cmg-azure-access step grants on the CMG resource group (Contributor, Owner where role assignments are created), then retry the deployment.",
    source: `${DOC.armProviderErrors} (message shape); role: ${DOC.cmgSecurity}`,
    confirmed: true,
  },
  {
    id: "azure-provider-not-registered",
    step: "cmg-azure-access",
    group: "cmg-site",
    pattern: /MissingSubscriptionRegistration|NoRegisteredProviderFound|not registered to use namespace/i,
    hints: ["missingsubscriptionregistration", "noregisteredproviderfound", "not registered to use namespace"],
    cause: "A resource provider the CMG needs (Microsoft.Compute, .Network, .Storage, .KeyVault) is not registered on the subscription.",
    fix: "Register the four providers (az provider register --namespace Microsoft.Compute etc.) and retry the deployment.",
    source: DOC.armProviderErrors,
    confirmed: true,
  },
  {
    id: "cmg-certificate-private-key",
    step: "cmg-certificate",
    group: "cmg-site",
    pattern: /private key for the (?:remote desktop )?certificate cannot be accessed|\bCNG certificates? (?:that )?(?:are|is) not supported\b/i,
    hints: ["private key", "cng certificate"],
    cause:
      "The CMG server certificate's private key cannot be used by the deployment: it is not exportable, or the certificate was made from a CNG (key storage provider) template.",
    fix: "Issue the CMG certificate from a template with a legacy CSP and an exportable private key, export it as a PFX with the key and full chain, and update the CMG with it.",
    source: "UNCONFIRMED wording (field logs); requirement: https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/server-auth-cert",
    confirmed: false,
  },
  {
    id: "site-dotnet-type-load",
    step: "site-server",
    group: "cmg-site",
    pattern: /\bSystem\.TypeLoadException\b[^\n]*Could not load type '[^']+' from assembly 'System\./i,
    hints: ["typeloadexception"],
    cause:
      "A site component failed to load a type from a .NET Framework assembly: the site server's .NET Framework is older than the site needs, a missing setup prerequisite.",
    fix: "Install the .NET Framework version the ConfigMgr setup prerequisites require on the site server (the site-server step), restart SMS_EXECUTIVE, then retry the operation.",
    source: "UNCONFIRMED wording (field logs); prerequisites: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/site-and-site-system-prerequisites",
    confirmed: false,
  },
  {
    id: "certificate-chain-incomplete",
    step: "cmg-certificate",
    group: "cmg-site",
    pattern: /certificates? in the certificate chain (?:are|is) missing|\bKB ?954755\b|\/kb\/954755\b/i,
    hints: ["certificate chain", "954755"],
    cause: "The CMG server certificate was supplied without its intermediate CA certificates, so clients cannot build the chain.",
    fix: "Export the PFX with the full chain (or install the intermediates on the server) and update the CMG certificate.",
    source: `reference story (UNCONFIRMED wording); topic: ${DOC.intermediateCerts}`,
    confirmed: false,
  },

  // ---- Entra apps (CloudMgr.log, SMS_AZUREAD_DISCOVERY_AGENT.log) ----
  {
    id: "entra-consent-missing",
    step: "entra-apps",
    group: "entra-apps",
    context: "configmgr",
    pattern: /\bAADSTS65001\b/i,
    hints: ["aadsts65001"],
    cause: "A permission of the ConfigMgr apps has not been consented (for example Directory.Read.All or the client app's user_impersonation).",
    fix: "Grant admin consent for the server app's Graph permission and the client app's delegated permission (the entra-apps step does this), then retry.",
    source: DOC.aadstsCodes,
    confirmed: true,
  },
  {
    id: "entra-client-secret-invalid",
    step: "entra-apps",
    group: "entra-apps",
    context: "configmgr",
    pattern: /\bAADSTS7000(?:215|222)\b/i,
    hints: ["aadsts7000"],
    cause: "The server app's client secret held by the site is wrong or has expired.",
    fix: "Create a new secret for the server app and update it in the site's Azure Services (or rerun the entra-apps step and re-import).",
    source: DOC.aadstsCodes,
    confirmed: true,
  },

  {
    id: "entra-app-not-found",
    step: "entra-apps",
    group: "entra-apps",
    context: "configmgr",
    pattern: /\bAADSTS(?:50001|700016)\b|\bapplication (?:named|with identifier) \S+ was not found in the (?:tenant|directory)\b/i,
    hints: ["aadsts50001", "aadsts700016", "was not found in the"],
    cause:
      "The ConfigMgr client asked Entra ID for a token for an application (the server app's ID URI or the client app's id) that the tenant does not know: the app is missing, or the site imported it with another identifier.",
    fix: "Check that the server app's Application ID URI and the client app's id in the site's Azure Services match the app registrations the entra-apps step created, then re-import or update them.",
    source: DOC.aadstsCodes,
    confirmed: true,
  },
  {
    id: "entra-graph-insufficient-privileges",
    step: "entra-apps",
    group: "entra-apps",
    context: "configmgr",
    weak: true,
    pattern: /\bAuthorization_RequestDenied\b|Insufficient privileges to complete the operation/i,
    hints: ["authorization_requestdenied", "insufficient privileges"],
    cause:
      "A Microsoft Graph call was refused for lack of privileges; for the site this is the server app without consented Directory.Read.All, but the signed-in admin's own role gives the same message.",
    fix: "Grant admin consent for the server app's Microsoft Graph Directory.Read.All application permission (the entra-apps step), then run Azure AD user discovery again.",
    source: `${DOC.aadstsCodes} (Graph error shape)`,
    confirmed: true,
  },

  // ---- AD domain join (NetSetup.log, dsregcmd /join, nslookup, join dialogs) ----
  {
    id: "ad-dc-not-located",
    step: "ad-forest",
    group: "domain-join",
    pattern:
      /No domain controller is available for the specified domain|domain controller (?:\(AD DC\) for the domain \S+ )?(?:could not|couldn't|cannot|can not) be (?:located|contacted)|failed to find a DC in the specified domain|used to locate an Active Directory Domain Controller|specified domain either does not exist or could not be contacted|\bERROR_NO_SUCH_DOMAIN\b|\b0x8007054b\b|NetpCheckDomainNameIsValid\b.*\breturned 0x54b\b/i,
    hints: ["domain controller", "find a dc", "specified domain", "no_such_domain", "8007054b", "0x54b"],
    cause:
      "The machine could not locate a domain controller of the lab's domain: its DNS server does not answer for the domain (the VNet's DNS is not the DC, or the DC has not registered its records) or the DC is not up.",
    fix: "Point the VNet's (and the machine's) DNS at the domain controller, check that _ldap._tcp.dc._msdcs.<domain> resolves and nltest /dsgetdc:<domain> finds the DC, then retry the join.",
    source: DOC.domainJoin,
    confirmed: true,
  },
  {
    id: "ad-join-rpc-blocked",
    step: "network",
    group: "domain-join",
    pattern: /\bNetp\w+\b[^\n]*:\s*0x(?:6bf|6ba|6d9|40|35|c002001c)\b/i,
    hints: ["0x6bf", "0x6ba", "0x6d9", "0x40", "0x35", "0xc002001c"],
    cause:
      "The machine found the domain controller, but the join's RPC, SMB or Kerberos traffic to it was blocked or cut on the way (a network security group or firewall between the subnets).",
    fix: "Allow the domain join ports between the subnets (TCP/UDP 53, 88, 389, TCP 135, 445 and 49152-65535) in the lab's NSGs, test with Test-NetConnection, then retry the join.",
    source: DOC.domainJoin,
    confirmed: true,
  },
  {
    id: "dns-query-timed-out",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /\bDNS request timed out\b|\bRequest to \S+ timed[- ]out\b/i,
    hints: ["timed out", "timed-out"],
    cause: "The DNS server the machine uses did not answer the query; for the lab domain that is the domain controller's DNS.",
    fix: "Check that the machine's DNS server is the domain controller and that the DC's DNS service runs and holds the domain's zones.",
    source: `${DOC.domainJoin} (nslookup output)`,
    confirmed: true,
  },
  {
    id: "dns-server-unknown",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /^\s*Server:\s*UnKnown\s*$/i,
    hints: ["unknown"],
    cause: "nslookup could not name its own DNS server: the server holds no reverse record for itself, as a domain controller's DNS that is not fully set up.",
    fix: "Check the DNS server the machine uses (it should be the domain controller) and that its zones are loaded.",
    source: "UNCONFIRMED wording (nslookup output, field logs)",
    confirmed: false,
  },
  {
    id: "dns-nonexistent-domain",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /can't find \S+: Non-existent domain/i,
    hints: ["non-existent domain"],
    cause: "The DNS server answered that the name does not exist: the zone or record the domain needs is missing.",
    fix: "Check that the domain controller's DNS holds the domain's forward zone and the _msdcs records, and that the machine uses that DNS server.",
    source: "UNCONFIRMED wording (nslookup output, field logs)",
    confirmed: false,
  },

  // ---- hybrid join (dsregcmd /status, User Device Registration events) ----
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

  // ---- Entra Connect Sync (Synchronization Service Manager, event log, run profile results) ----
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

/** The table, in the order it is written (grouped by area). */
export const SIGNATURES: readonly Signature[] = TABLE;

/** The signatures that point at `step`. */
export function signaturesForStep(step: StepId): readonly Signature[] {
  return SIGNATURES.filter((s) => s.step === step);
}

/**
 * Checks the table's own invariants: unique kebab-case ids, known steps, patterns without
 * stateful flags, lower-case non-empty hints, one-sentence cause and fix, and a source that is
 * a Microsoft URL when confirmed or says UNCONFIRMED when not. Returns the problems found.
 */
export function validateSignatures(table: readonly Signature[] = SIGNATURES): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const s of table) {
    if (ids.has(s.id)) problems.push(`signature '${s.id}' appears twice`);
    ids.add(s.id);
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s.id)) problems.push(`signature '${s.id}': id is not kebab-case`);
    if (!isStepId(s.step)) problems.push(`signature '${s.id}': unknown step '${s.step}'`);
    if (s.pattern.global || s.pattern.sticky) problems.push(`signature '${s.id}': pattern must not use the g or y flag`);
    if (s.hints.length === 0) problems.push(`signature '${s.id}': needs at least one hint`);
    for (const h of s.hints) {
      if (h.length === 0 || h !== h.toLowerCase()) problems.push(`signature '${s.id}': hint '${h}' must be non-empty lower case`);
    }
    for (const [name, text] of [
      ["cause", s.cause],
      ["fix", s.fix],
    ] as const) {
      if (text.trim().length < 20) problems.push(`signature '${s.id}': ${name} is too short`);
      if (!/[.!]$/.test(text.trim())) problems.push(`signature '${s.id}': ${name} should be one sentence ending with a full stop`);
    }
    if (s.context !== undefined && !(s.context in CONTEXT_MARKERS)) problems.push(`signature '${s.id}': unknown context '${s.context}'`);
    if (s.specificity !== undefined && !(Number.isInteger(s.specificity) && s.specificity > 0)) {
      problems.push(`signature '${s.id}': specificity must be a positive integer`);
    }
    if (s.confirmed && !/^https:\/\/(?:learn|support)\.microsoft\.com\//.test(s.source)) {
      problems.push(`signature '${s.id}': a confirmed signature needs a Microsoft documentation URL as source`);
    }
    if (!s.confirmed && !s.source.includes("UNCONFIRMED")) {
      problems.push(`signature '${s.id}': an unconfirmed signature's source must say UNCONFIRMED`);
    }
  }
  return problems;
}
