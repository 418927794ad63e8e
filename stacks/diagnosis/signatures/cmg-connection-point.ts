/** Signatures: CMG connection point (SMS_Cloud_ProxyConnector.log). Part of the table in ../signatures.ts, in its order. */
import { DOC } from "./docs";
import type { Signature } from "./types";

export const CMG_CONNECTION_POINT = [
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
] as const satisfies readonly Signature[];
