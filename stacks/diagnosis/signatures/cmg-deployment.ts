/** Signatures: CMG deployment (CloudMgr.log, pulumi output). Part of the table in ../signatures.ts, in its order. */
import { DOC } from "./docs";
import type { Signature } from "./types";

export const CMG_DEPLOYMENT = [
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
] as const satisfies readonly Signature[];
