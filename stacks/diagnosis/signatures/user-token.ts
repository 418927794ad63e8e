/**
 * Signatures: user token through the CMG (MP's CCM_STS.log, connection analyzer) and the user
 * discoveries it needs, including the lab's own verdict on them (check-user-discovery.ps1). Part
 * of the table in ../signatures.ts, in its order.
 */
import type { StepId } from "../../model/runbook";
import { DOC } from "./docs";
import type { Signature } from "./types";

/** Mentions of Azure AD / Entra user discovery in a CCM_STS line (see `sts-user-not-completely-discovered`). */
const AAD_DISCOVERY_MENTION = /\b(?:azure\s*ad|aad|entra(?:\s*id)?)\s+user\s+discovery\b/i;
/** Mentions of Active Directory user discovery ("Azure AD user discovery" excluded). */
const AD_DISCOVERY_MENTION = /(?<!azure\s*)\b(?:active\s+directory|ad)\s+user\s+discovery\b/i;

/**
 * Where the lab's own verdict comes from. scripts/vm/check-user-discovery.ps1 (aad-user-discovery
 * and verify steps) ends a failed run with `missed step: <step> (<text>)`, or `missed steps:` with
 * both items joined by "; ", AD first; its per-record lines ("missing SID (ad-user-discovery)")
 * are not a verdict (a record without SID passes -Require entra; separate records name no step).
 */
const LAB_VERDICT_SOURCE = "the lab's own verdict, scripts/vm/check-user-discovery.ps1 (UNCONFIRMED wording: not Microsoft's)";

export const USER_TOKEN = [
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
    id: "check-user-discovery-missed-ad",
    step: "ad-user-discovery",
    group: "user-token",
    // The same cause as the CCM_STS lines the verdict quotes, and more specific than them.
    causeKey: "user-not-discovered",
    specificity: 3,
    pattern: /\bmissed steps?: ad-user-discovery \(Active Directory user discovery left SID empty\b/,
    hints: ["missed step"],
    cause:
      "The lab's own check found no ConfigMgr user record with an on-premises SID, so Active Directory user discovery has not discovered the user and the management point will refuse the user's CMG token.",
    fix: "Enable Active Directory User Discovery on the users OU and run it (Invoke-CMUserDiscovery), wait until adusrdis.log shows the cycle finished, then run the check again.",
    source: `${LAB_VERDICT_SOURCE}; requirement of both discoveries: ${DOC.deployClientsCmgAzure}`,
    confirmed: false,
  },
  {
    id: "check-user-discovery-missed-aad",
    step: "aad-user-discovery",
    group: "user-token",
    causeKey: "user-not-discovered",
    specificity: 3,
    // Alone after the label, or second after the AD item (whose text holds "); " itself).
    pattern: /\bmissed steps?: (?:ad-user-discovery \(.*\); )?aad-user-discovery \(Azure AD user discovery left AADUserID empty\b/,
    hints: ["missed step"],
    cause:
      "The lab's own check found no ConfigMgr user record with an Entra object id (AADUserID), so Azure AD user discovery is off, has not run yet, or could not read the tenant.",
    fix: "Enable Azure AD user discovery on the site's Azure service and run a full discovery, read SMS_AZUREAD_DISCOVERY_AGENT.log for the error if it finds nobody, then run the check again.",
    source: `${LAB_VERDICT_SOURCE}; requirement of both discoveries: ${DOC.deployClientsCmgAzure}`,
    confirmed: false,
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
] as const satisfies readonly Signature[];
