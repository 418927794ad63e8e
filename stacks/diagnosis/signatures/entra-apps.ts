/** Signatures: Entra apps (CloudMgr.log, SMS_AZUREAD_DISCOVERY_AGENT.log). Part of the table in ../signatures.ts, in its order. */
import { DOC } from "./docs";
import type { Signature } from "./types";

export const ENTRA_APPS = [
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
] as const satisfies readonly Signature[];
