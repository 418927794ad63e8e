/** Microsoft pages the signatures cite as their `source`. */
export const DOC = {
  hybridJoinTroubleshoot: "https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current",
  dsregcmd: "https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd",
  hybridJoinScp: "https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join",
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
