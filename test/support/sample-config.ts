import type { LabConfig } from "../../stacks/config/lab-config";
import { defaultSiteMedia } from "../../stacks/model/site";

/** A hand-built valid LabConfig, independent of the loader, for component and graph tests. */
export function sampleConfig(overrides: Partial<LabConfig> = {}): LabConfig {
  return {
    stack: "dev",
    prefix: "cmglab",
    location: "westeurope",
    domain: {
      fqdn: "corp.cmglab.example",
      netbiosName: "CORP",
      ous: ["Workstations", "Servers", "LabUsers"],
      workstationsOu: "Workstations",
      serversOu: "Servers",
      usersOu: "LabUsers",
      dcVmSize: "Standard_B2ms",
      demoUsers: 3,
    },
    tenant: { domain: "contoso.onmicrosoft.com" },
    site: {
      siteCode: "PS1",
      enhancedHttp: true,
      vmSize: "Standard_D4s_v5",
      sqlEdition: "developer",
      sqlSource: "image",
      media: defaultSiteMedia("developer"),
    },
    discovery: { activeDirectoryUsers: true, azureAdUsers: true },
    sync: {
      ous: ["Workstations", "LabUsers"],
      configuration: "scripted",
      vmSize: "Standard_B2ms",
      msi: { kind: "url", url: "https://files.example.com/AzureADConnect.msi", secret: false },
    },
    cmg: { name: "cmglabdev", vmSize: "Standard_B2s", instances: 1, certificate: { kind: "lab-ca" } },
    clients: [{ name: "win11-01", os: "windows-11", network: "internet", pki: false, vmSize: "Standard_B2ms" }],
    admin: { username: "labadmin", allowedSourceCidrs: [], bastion: "basic" },
    schedule: { autoShutdown: "19:00", timeZone: "UTC", expiresOn: "2026-12-31" },
    entra: { secretDays: 30, secretIssuedOn: null, cmgRole: "owner" },
    build: { parallelInGuest: true },
    ...overrides,
  };
}
