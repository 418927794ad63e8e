/** The config rules, one case each: every refusal names the key, the value and the fix. */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER, formatConfigIssues, parseLabConfig, type ParseOptions, type RawStackConfig } from "../stacks/config/config";
import type { ConfigIssue, LabConfig } from "../stacks/config/lab-config";
import { defaultSiteMedia } from "../stacks/model/site";
import { base, DELETE, FIXTURES, MSI_URL, parse, pfxOk, TODAY, type Edits } from "./support/config-cases";

interface BadCase {
  readonly name: string;
  readonly edits: Edits;
  readonly key: string;
  readonly severity: "error" | "warning";
  /** The rendered value the issue must carry. */
  readonly value: string;
  /** A substring the fix must contain. */
  readonly fix?: string;
  /** A substring the problem must contain. */
  readonly problem?: string;
  readonly options?: ParseOptions;
  readonly extra?: Partial<RawStackConfig>;
}

const BAD: readonly BadCase[] = [
  // prefix
  { name: "prefix missing", edits: { prefix: DELETE }, key: "cmg-lab:prefix", severity: "error", value: "(not set)", fix: "pulumi config set cmg-lab:prefix" },
  { name: "prefix with capitals and a hyphen", edits: { prefix: "CMG-Lab" }, key: "cmg-lab:prefix", severity: "error", value: "CMG-Lab", fix: "cmglab" },
  { name: "prefix too short", edits: { prefix: "ab" }, key: "cmg-lab:prefix", severity: "error", value: "ab" },
  { name: "prefix too long", edits: { prefix: "abcdefghi" }, key: "cmg-lab:prefix", severity: "error", value: "abcdefghi", fix: "abcdefgh" },
  { name: "prefix starting with a digit", edits: { prefix: "1lab" }, key: "cmg-lab:prefix", severity: "error", value: "1lab" },
  { name: "prefix as a number", edits: { prefix: 123 }, key: "cmg-lab:prefix", severity: "error", value: "123", problem: "expected text" },
  // location
  { name: "location as display name", edits: { location: "West Europe" }, key: "cmg-lab:location", severity: "error", value: "West Europe", fix: "westeurope" },
  { name: "location unknown", edits: { location: "marsnorth" }, key: "cmg-lab:location", severity: "error", value: "marsnorth", fix: "westeurope" },
  { name: "location typo", edits: { location: "swedencentrl" }, key: "cmg-lab:location", severity: "error", value: "swedencentrl", fix: "swedencentral" },
  // domain
  { name: "domain missing", edits: { domain: DELETE }, key: "cmg-lab:domain", severity: "error", value: "(not set)", fix: "fqdn" },
  { name: "domain as text", edits: { domain: "corp.cmglab.example" }, key: "cmg-lab:domain", severity: "error", value: "corp.cmglab.example", problem: "expected an object" },
  { name: "domain unknown field", edits: { "domain.netbios": "CORP" }, key: "cmg-lab:domain.netbios", severity: "error", value: "CORP", fix: "netbiosName" },
  { name: "fqdn missing", edits: { "domain.fqdn": DELETE }, key: "cmg-lab:domain.fqdn", severity: "error", value: "(not set)", fix: "corp.cmglab.example" },
  { name: "fqdn single label", edits: { "domain.fqdn": "corp" }, key: "cmg-lab:domain.fqdn", severity: "error", value: "corp", problem: "single-label", fix: "corp.cmglab.example" },
  { name: "fqdn bad label", edits: { "domain.fqdn": "-corp.cmglab.example" }, key: "cmg-lab:domain.fqdn", severity: "error", value: "-corp.cmglab.example", problem: "-corp" },
  { name: "fqdn empty label", edits: { "domain.fqdn": "corp..example" }, key: "cmg-lab:domain.fqdn", severity: "error", value: "corp..example", problem: "empty label" },
  { name: "fqdn numeric TLD", edits: { "domain.fqdn": "corp.123" }, key: "cmg-lab:domain.fqdn", severity: "error", value: "corp.123", problem: "all digits" },
  { name: "fqdn longer than 64", edits: { "domain.fqdn": `${"a".repeat(60)}.example` }, key: "cmg-lab:domain.fqdn", severity: "error", value: `${"a".repeat(60)}.example`, problem: "64" },
  { name: "fqdn with a public TLD", edits: { "domain.fqdn": "corp.contoso.com" }, key: "cmg-lab:domain.fqdn", severity: "warning", value: "corp.contoso.com", fix: ".example" },
  { name: "fqdn in .local", edits: { "domain.fqdn": "corp.lab.local" }, key: "cmg-lab:domain.fqdn", severity: "warning", value: "corp.lab.local", problem: "multicast DNS" },
  { name: "netbiosName missing", edits: { "domain.netbiosName": DELETE }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "(not set)", fix: "CORP" },
  { name: "netbiosName reserved", edits: { "domain.netbiosName": "SYSTEM" }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "SYSTEM", problem: "reserved" },
  { name: "netbiosName too long", edits: { "domain.netbiosName": "ABCDEFGHIJKLMNOP" }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "ABCDEFGHIJKLMNOP", problem: "15" },
  { name: "netbiosName all digits", edits: { "domain.netbiosName": "1234" }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "1234", problem: "digits" },
  { name: "netbiosName dotted", edits: { "domain.netbiosName": "CORP.LAB" }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "CORP.LAB" },
  { name: "netbiosName equals a server name", edits: { "domain.netbiosName": "CM01" }, key: "cmg-lab:domain.netbiosName", severity: "error", value: "CM01", problem: "computer name CM01" },
  { name: "ous as text", edits: { "domain.ous": "Workstations" }, key: "cmg-lab:domain.ous", severity: "error", value: "Workstations", problem: "expected a list" },
  { name: "ous empty", edits: { "domain.ous": [] }, key: "cmg-lab:domain.ous", severity: "error", value: "[]" },
  { name: "ou with a comma", edits: { "domain.ous": ["Workstations", "Servers", "LabUsers", "A,B"] }, key: "cmg-lab:domain.ous[3]", severity: "error", value: '"A,B"', problem: '","' },
  { name: "ou with a leading space", edits: { "domain.ous": ["Workstations", "Servers", "LabUsers", " Spare"] }, key: "cmg-lab:domain.ous[3]", severity: "error", value: '" Spare"', problem: "space" },
  { name: "ou longer than 64", edits: { "domain.ous": ["Workstations", "Servers", "LabUsers", "x".repeat(65)] }, key: "cmg-lab:domain.ous[3]", severity: "error", value: "x".repeat(65), problem: "1-64" },
  { name: "ous repeated case-insensitively", edits: { "domain.ous": ["Workstations", "Servers", "LabUsers", "servers"] }, key: "cmg-lab:domain.ous[3]", severity: "error", value: "servers", problem: "repeats" },
  { name: "workstationsOu not in ous", edits: { "domain.workstationsOu": "Clients" }, key: "cmg-lab:domain.workstationsOu", severity: "error", value: "Clients", fix: "add Clients" },
  { name: "serversOu not in ous", edits: { "domain.serversOu": "MemberServers" }, key: "cmg-lab:domain.serversOu", severity: "error", value: "MemberServers" },
  { name: "usersOu not in ous", edits: { "domain.usersOu": "People" }, key: "cmg-lab:domain.usersOu", severity: "error", value: "People" },
  { name: "dcVmSize below minimum", edits: { "domain.dcVmSize": "Standard_B1ms" }, key: "cmg-lab:domain.dcVmSize", severity: "error", value: "Standard_B1ms", fix: "Standard_B2ms" },
  { name: "dcVmSize not a size name", edits: { "domain.dcVmSize": "B2ms" }, key: "cmg-lab:domain.dcVmSize", severity: "error", value: "B2ms", problem: "VM size name" },
  { name: "dcVmSize unknown", edits: { "domain.dcVmSize": "Standard_D2pls_v5" }, key: "cmg-lab:domain.dcVmSize", severity: "warning", value: "Standard_D2pls_v5", problem: "cannot be checked" },
  { name: "demoUsers zero", edits: { "domain.demoUsers": 0 }, key: "cmg-lab:domain.demoUsers", severity: "error", value: "0", problem: "discovery", fix: "3" },
  { name: "demoUsers over 50", edits: { "domain.demoUsers": 51 }, key: "cmg-lab:domain.demoUsers", severity: "error", value: "51", fix: "50" },
  { name: "demoUsers as text", edits: { "domain.demoUsers": "3" }, key: "cmg-lab:domain.demoUsers", severity: "error", value: "3", problem: "whole number" },
  { name: "demoUsers fractional", edits: { "domain.demoUsers": 2.5 }, key: "cmg-lab:domain.demoUsers", severity: "error", value: "2.5", problem: "whole number" },
  { name: "demoUsers as a list of names", edits: { "domain.demoUsers": ["alice"] }, key: "cmg-lab:domain.demoUsers", severity: "error", value: "[alice]", problem: "whole number" },
  { name: "domain unknown field near demoUsers", edits: { "domain.demoUser": 3 }, key: "cmg-lab:domain.demoUser", severity: "error", value: "3", fix: "demoUsers" },
  { name: "admin username is a demo user's name", edits: { "admin.username": "labuser01" }, key: "cmg-lab:admin.username", severity: "error", value: "labuser01", problem: "demo users" },
  // tenant
  { name: "tenant missing", edits: { tenant: DELETE }, key: "cmg-lab:tenant", severity: "error", value: "(not set)", fix: "contoso.onmicrosoft.com" },
  { name: "tenant.domain missing", edits: { "tenant.domain": DELETE }, key: "cmg-lab:tenant.domain", severity: "error", value: "(not set)", fix: "onmicrosoft.com" },
  { name: "tenant.domain single label", edits: { "tenant.domain": "contoso" }, key: "cmg-lab:tenant.domain", severity: "error", value: "contoso", problem: "single label" },
  { name: "tenant.domain bad label", edits: { "tenant.domain": "con_toso.onmicrosoft.com" }, key: "cmg-lab:tenant.domain", severity: "error", value: "con_toso.onmicrosoft.com" },
  // site
  { name: "site missing", edits: { site: DELETE }, key: "cmg-lab:site", severity: "error", value: "(not set)", fix: "PS1" },
  { name: "siteCode missing", edits: { "site.siteCode": DELETE }, key: "cmg-lab:site.siteCode", severity: "error", value: "(not set)", fix: "PS1" },
  { name: "siteCode four characters", edits: { "site.siteCode": "PS12" }, key: "cmg-lab:site.siteCode", severity: "error", value: "PS12", problem: "three characters" },
  { name: "siteCode with a hyphen", edits: { "site.siteCode": "P-1" }, key: "cmg-lab:site.siteCode", severity: "error", value: "P-1" },
  { name: "siteCode reserved SMS", edits: { "site.siteCode": "SMS" }, key: "cmg-lab:site.siteCode", severity: "error", value: "SMS", problem: "reserved" },
  { name: "siteCode reserved lowercase con", edits: { "site.siteCode": "con" }, key: "cmg-lab:site.siteCode", severity: "error", value: "con", problem: "CON is reserved" },
  { name: "siteCode as a YAML number", edits: { "site.siteCode": 123 }, key: "cmg-lab:site.siteCode", severity: "error", value: "123", fix: '"123"' },
  { name: "enhancedHttp false", edits: { "site.enhancedHttp": false }, key: "cmg-lab:site.enhancedHttp", severity: "error", value: "false", fix: "true" },
  { name: "enhancedHttp as text", edits: { "site.enhancedHttp": "true" }, key: "cmg-lab:site.enhancedHttp", severity: "error", value: "true", problem: "expected true or false" },
  { name: "site vmSize with 2 vCPU", edits: { "site.vmSize": "Standard_D2s_v5" }, key: "cmg-lab:site.vmSize", severity: "error", value: "Standard_D2s_v5", problem: "4 vCPU and 16 GB" },
  { name: "site vmSize with 14 GB", edits: { "site.vmSize": "Standard_DS3_v2" }, key: "cmg-lab:site.vmSize", severity: "error", value: "Standard_DS3_v2", problem: "14 GB" },
  { name: "site vmSize memory-rich but 2 vCPU", edits: { "site.vmSize": "Standard_E2s_v5" }, key: "cmg-lab:site.vmSize", severity: "error", value: "Standard_E2s_v5" },
  { name: "site vmSize unknown", edits: { "site.vmSize": "Standard_D4pls_v5" }, key: "cmg-lab:site.vmSize", severity: "warning", value: "Standard_D4pls_v5" },
  { name: "site vmSize B2s (below SQL + site)", edits: { "site.vmSize": "Standard_B2s" }, key: "cmg-lab:site.vmSize", severity: "error", value: "Standard_B2s", problem: "site server" },
  { name: "siteCode reserved AUX", edits: { "site.siteCode": "AUX" }, key: "cmg-lab:site.siteCode", severity: "error", value: "AUX", problem: "reserved" },
  { name: "siteCode two characters", edits: { "site.siteCode": "P1" }, key: "cmg-lab:site.siteCode", severity: "error", value: "P1", problem: "three characters" },
  { name: "siteCode with an underscore", edits: { "site.siteCode": "P_1" }, key: "cmg-lab:site.siteCode", severity: "error", value: "P_1" },
  { name: "sqlEdition express (secondary sites only)", edits: { "site.sqlEdition": "express" }, key: "cmg-lab:site.sqlEdition", severity: "error", value: "express", problem: "secondary site", fix: "developer or evaluation" },
  { name: "sqlEdition web", edits: { "site.sqlEdition": "Web" }, key: "cmg-lab:site.sqlEdition", severity: "error", value: "Web", problem: "not a supported edition" },
  { name: "sqlEdition standard (needs a licence)", edits: { "site.sqlEdition": "standard" }, key: "cmg-lab:site.sqlEdition", severity: "error", value: "standard", problem: "licence" },
  { name: "sqlEdition unknown", edits: { "site.sqlEdition": "datacenter" }, key: "cmg-lab:site.sqlEdition", severity: "error", value: "datacenter", problem: "one of developer, evaluation" },
  { name: "sqlEdition evaluation from the image (the image is Developer)", edits: { "site.sqlEdition": "evaluation" }, key: "cmg-lab:site.sqlSource", severity: "error", value: "(not set)", problem: "Developer edition, not evaluation", fix: "set cmg-lab:site.sqlSource to download for the evaluation edition, or cmg-lab:site.sqlEdition to developer" },
  { name: "build.parallelInGuest not a boolean", edits: { build: { parallelInGuest: "sometimes" } }, key: "cmg-lab:build.parallelInGuest", severity: "error", value: "sometimes" },
  { name: "sqlSource unknown", edits: { "site.sqlSource": "iso" }, key: "cmg-lab:site.sqlSource", severity: "error", value: "iso", problem: "one of image, download", fix: "(default image)" },
  { name: "sqlEdition wrong case", edits: { "site.sqlEdition": "Developer" }, key: "cmg-lab:site.sqlEdition", severity: "error", value: "Developer", fix: "write developer" },
  { name: "site media URL over http", edits: { "site.media": { configMgrUrl: "http://example.com/cm.exe" } }, key: "cmg-lab:site.media.configMgrUrl", severity: "error", value: '"http://example.com/cm.exe"', problem: "https" },
  { name: "site media URL not a URL", edits: { "site.media": { sqlUrl: "sql.exe" } }, key: "cmg-lab:site.media.sqlUrl", severity: "error", value: "sql.exe", problem: "https" },
  { name: "site media unknown field", edits: { "site.media": { sqlURL: "https://example.com/a.exe" } }, key: "cmg-lab:site.media.sqlURL", severity: "error", value: '"https://example.com/a.exe"', problem: "no field", fix: "sqlUrl" },
  { name: "site media as text", edits: { "site.media": "https://example.com" }, key: "cmg-lab:site.media", severity: "error", value: '"https://example.com"', problem: "expected an object" },
  // discovery
  { name: "azureAdUsers off", edits: { "discovery.azureAdUsers": false }, key: "cmg-lab:discovery.azureAdUsers", severity: "error", value: "false", problem: "not completely discovered" },
  {
    name: "AD user discovery off while Azure AD user discovery on",
    edits: { "discovery.activeDirectoryUsers": false },
    key: "cmg-lab:discovery.activeDirectoryUsers",
    severity: "error",
    value: "false",
    problem: "CMGConnector_Un-authorizedrequest",
    fix: "true",
  },
  { name: "discovery flag as text", edits: { "discovery.azureAdUsers": "yes" }, key: "cmg-lab:discovery.azureAdUsers", severity: "error", value: "yes" },
  // sync
  {
    name: "sync scope without the Workstations OU",
    edits: { "sync.ous": ["LabUsers"] },
    key: "cmg-lab:sync.ous",
    severity: "error",
    value: "[LabUsers]",
    problem: "The device object by the given ID is not found",
    fix: "add Workstations to cmg-lab:sync.ous",
  },
  { name: "sync scope without the users OU", edits: { "sync.ous": ["Workstations"] }, key: "cmg-lab:sync.ous", severity: "error", value: "[Workstations]", fix: "add LabUsers to cmg-lab:sync.ous" },
  { name: "sync OU not in the domain", edits: { "sync.ous": ["Workstations", "LabUsers", "Kiosks"] }, key: "cmg-lab:sync.ous[2]", severity: "error", value: "Kiosks", fix: "add Kiosks to cmg-lab:domain.ous" },
  { name: "sync OU repeated", edits: { "sync.ous": ["Workstations", "LabUsers", "workstations"] }, key: "cmg-lab:sync.ous[2]", severity: "error", value: "workstations" },
  { name: "sync ous as text", edits: { "sync.ous": "Workstations,LabUsers" }, key: "cmg-lab:sync.ous", severity: "error", value: '"Workstations,LabUsers"', problem: "expected a list" },
  { name: "sync configuration unknown", edits: { "sync.configuration": "manual" }, key: "cmg-lab:sync.configuration", severity: "error", value: "manual", fix: "scripted" },
  { name: "sync configuration wrong case", edits: { "sync.configuration": "Wizard" }, key: "cmg-lab:sync.configuration", severity: "error", value: "Wizard", fix: "write wizard" },
  { name: "sync vmSize too small", edits: { "sync.vmSize": "Standard_B1s" }, key: "cmg-lab:sync.vmSize", severity: "error", value: "Standard_B1s" },
  { name: "sync msiUrl over http", edits: { "sync.msiUrl": "http://download.microsoft.com/AzureADConnect.msi" }, key: "cmg-lab:sync.msiUrl", severity: "error", value: '"http://download.microsoft.com/AzureADConnect.msi"', fix: "https" },
  { name: "sync msiUrl not a URL", edits: { "sync.msiUrl": "AzureADConnect.msi" }, key: "cmg-lab:sync.msiUrl", severity: "error", value: "AzureADConnect.msi", problem: "not a URL" },
  { name: "sync msiUrl with a space", edits: { "sync.msiUrl": "https://example.com/Azure AD Connect.msi" }, key: "cmg-lab:sync.msiUrl", severity: "error", value: '"https://example.com/Azure AD Connect.msi"', problem: "not a URL" },
  { name: "sync msiUrl as a number", edits: { "sync.msiUrl": 42 }, key: "cmg-lab:sync.msiUrl", severity: "error", value: "42", problem: "expected text" },
  { name: "sync msiUrl with user:password, never printed", edits: { "sync.msiUrl": "https://lab:Hunter2!@files.example.com/AzureADConnect.msi" }, key: "cmg-lab:sync.msiUrl", severity: "error", value: "[secret]", fix: "without user:password" },
  {
    name: "sync msiUrl with a SAS token in plain text, never printed",
    edits: { "sync.msiUrl": "https://cmglabfiles.blob.core.windows.net/install/AzureADConnect.msi?sv=2024-05-04&sp=r&sig=abc" },
    key: "cmg-lab:sync.msiUrl",
    severity: "error",
    value: "[secret]",
    fix: "pulumi config set --secret --path 'cmg-lab:sync.msiUrl'",
  },
  { name: "sync msiUrl and msiFile both set", edits: { "sync.msiFile": "media/AzureADConnect.msi" }, key: "cmg-lab:sync.msiUrl", severity: "error", value: "[secret]", fix: "remove one" },
  { name: "sync msiFile absolute", edits: { "sync.msiUrl": DELETE, "sync.msiFile": "/home/me/AzureADConnect.msi" }, key: "cmg-lab:sync.msiFile", severity: "error", value: "/home/me/AzureADConnect.msi", problem: "relative to the project directory" },
  { name: "sync msiFile not an msi", edits: { "sync.msiUrl": DELETE, "sync.msiFile": "media/AzureADConnect.exe" }, key: "cmg-lab:sync.msiFile", severity: "error", value: "media/AzureADConnect.exe", problem: "not an .msi" },
  {
    name: "sync msiFile missing on disk",
    edits: { "sync.msiUrl": DELETE, "sync.msiFile": "media/missing.msi" },
    options: { today: TODAY, projectDir: FIXTURES },
    key: "cmg-lab:sync.msiFile",
    severity: "error",
    value: "media/missing.msi",
    problem: "no readable file",
  },
  {
    name: "sync msiFile that is not a Windows Installer package",
    edits: { "sync.msiUrl": DELETE, "sync.msiFile": "not-an-msi.msi" },
    options: { today: TODAY, projectDir: FIXTURES },
    key: "cmg-lab:sync.msiFile",
    severity: "error",
    value: "not-an-msi.msi",
    problem: "not a Windows Installer package",
  },
  {
    name: "no MSI at all: refused for pulumi up, naming msiFile and the admin center",
    edits: { "sync.msiUrl": DELETE },
    key: "cmg-lab:sync.msiFile",
    severity: "error",
    value: "(not set)",
    fix: "Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)",
  },
  {
    name: "no MSI at all: a warning in the offline plan",
    edits: { "sync.msiUrl": DELETE },
    options: { today: TODAY, offlinePlan: true },
    key: "cmg-lab:sync.msiFile",
    severity: "warning",
    value: "(not set)",
    problem: "pulumi up refuses to start without it",
  },
  {
    name: "the removed downloadUrl names its replacement, value never printed",
    edits: { "sync.msiUrl": DELETE, "sync.downloadUrl": "https://download.microsoft.com/download/B/0/0/B00291D0-5A83-4DE7-86F5-980BC00DE05A/AzureADConnect.msi" },
    key: "cmg-lab:sync.downloadUrl",
    severity: "error",
    value: "[secret]",
    fix: "rename it to cmg-lab:sync.msiUrl",
  },
  { name: "sync field misspelt", edits: { "sync.msiURL": "https://example.com/a.msi" }, key: "cmg-lab:sync.msiURL", severity: "error", value: '"https://example.com/a.msi"', fix: "msiUrl" },
  // cmg
  { name: "cmg missing", edits: { cmg: DELETE }, key: "cmg-lab:cmg", severity: "error", value: "(not set)", fix: "name" },
  { name: "cmg name missing", edits: { "cmg.name": DELETE }, key: "cmg-lab:cmg.name", severity: "error", value: "(not set)", problem: "globally unique" },
  { name: "cmg name with a hyphen", edits: { "cmg.name": "cmglab-dev" }, key: "cmg-lab:cmg.name", severity: "error", value: "cmglab-dev", fix: "cmglabdev" },
  { name: "cmg name too short", edits: { "cmg.name": "cm" }, key: "cmg-lab:cmg.name", severity: "error", value: "cm" },
  { name: "cmg name too long", edits: { "cmg.name": "a".repeat(25) }, key: "cmg-lab:cmg.name", severity: "error", value: "a".repeat(25) },
  { name: "cmg name starting with a digit", edits: { "cmg.name": "1cmglab" }, key: "cmg-lab:cmg.name", severity: "error", value: "1cmglab" },
  { name: "cmg vmSize not offered", edits: { "cmg.vmSize": "Standard_D2s_v5" }, key: "cmg-lab:cmg.vmSize", severity: "error", value: "Standard_D2s_v5", fix: "Standard_B2s" },
  { name: "cmg instances zero", edits: { "cmg.instances": 0 }, key: "cmg-lab:cmg.instances", severity: "error", value: "0", problem: "1 to 16" },
  { name: "cmg instances seventeen", edits: { "cmg.instances": 17 }, key: "cmg-lab:cmg.instances", severity: "error", value: "17" },
  { name: "cmg instances fractional", edits: { "cmg.instances": 1.5 }, key: "cmg-lab:cmg.instances", severity: "error", value: "1.5", problem: "whole number" },
  { name: "cmg instances as text", edits: { "cmg.instances": "2" }, key: "cmg-lab:cmg.instances", severity: "error", value: "2", problem: "whole number" },
  { name: "certificate unknown string", edits: { "cmg.certificate": "letsencrypt" }, key: "cmg-lab:cmg.certificate", severity: "error", value: "letsencrypt", fix: "lab-ca" },
  { name: "certificate as a list", edits: { "cmg.certificate": ["lab-ca"] }, key: "cmg-lab:cmg.certificate", severity: "error", value: "[lab-ca]" },
  {
    name: "pfxFile missing on disk",
    edits: { "cmg.certificate": { pfxFile: "certs/missing.pfx", pfxPassword: SECRET_PLACEHOLDER } },
    key: "cmg-lab:cmg.certificate.pfxFile",
    severity: "error",
    value: "certs/missing.pfx",
    problem: "no file",
    options: { today: TODAY, projectDir: FIXTURES },
  },
  { name: "pfxFile absolute", edits: { "cmg.certificate": { pfxFile: "/etc/cmg.pfx", pfxPassword: SECRET_PLACEHOLDER } }, key: "cmg-lab:cmg.certificate.pfxFile", severity: "error", value: "/etc/cmg.pfx", problem: "relative" },
  { name: "pfxFile missing", edits: { "cmg.certificate": { pfxPassword: SECRET_PLACEHOLDER } }, key: "cmg-lab:cmg.certificate.pfxFile", severity: "error", value: "(not set)" },
  {
    name: "pfxPassword in plain text",
    edits: { "cmg.certificate": { pfxFile: "certs/cmg.pfx", pfxPassword: "Hunter2-plain" } },
    key: "cmg-lab:cmg.certificate.pfxPassword",
    severity: "error",
    value: "[secret]",
    fix: "pulumi config set --secret",
  },
  { name: "pfxPassword missing", edits: { "cmg.certificate": { pfxFile: "certs/cmg.pfx" } }, key: "cmg-lab:cmg.certificate.pfxPassword", severity: "error", value: "(not set)", fix: "--secret" },
  { name: "pfx object with a typo", edits: { "cmg.certificate": { ...pfxOk, pfxPasword: "x" } }, key: "cmg-lab:cmg.certificate.pfxPasword", severity: "error", value: "x", fix: "pfxPassword" },
  // clients
  { name: "clients as an object", edits: { clients: { name: "win11-01" } }, key: "cmg-lab:clients", severity: "error", value: "{ name: win11-01 }", problem: "expected a list" },
  {
    name: "more than 50 clients",
    edits: { clients: Array.from({ length: 51 }, (_, i) => ({ name: `win11-${i}`, os: "windows-11" })) },
    key: "cmg-lab:clients",
    severity: "error",
    value: "(51 clients)",
    problem: "at most 50",
  },
  { name: "no clients", edits: { clients: [] }, key: "cmg-lab:clients", severity: "warning", value: "[]", problem: "nothing" },
  { name: "client name missing", edits: { "clients[0].name": DELETE }, key: "cmg-lab:clients[0].name", severity: "error", value: "(not set)" },
  { name: "client name invalid", edits: { "clients[0].name": "win_11" }, key: "cmg-lab:clients[0].name", severity: "error", value: "win_11", problem: "letters, digits and hyphens" },
  { name: "client name too long", edits: { "clients[0].name": "workstation-0001" }, key: "cmg-lab:clients[0].name", severity: "error", value: "workstation-0001", problem: "1-15" },
  { name: "client named like a server", edits: { "clients[0].name": "dc01" }, key: "cmg-lab:clients[0].name", severity: "error", value: "dc01", problem: "servers" },
  {
    name: "duplicate client names",
    edits: { clients: [{ name: "win11-01", os: "windows-11" }, { name: "WIN11-01", os: "windows-10" }] },
    key: "cmg-lab:clients[1].name",
    severity: "error",
    value: "WIN11-01",
    problem: "repeats",
  },
  { name: "client os missing", edits: { "clients[0].os": DELETE }, key: "cmg-lab:clients[0].os", severity: "error", value: "(not set)", fix: "windows-11" },
  { name: "client os unknown", edits: { "clients[0].os": "windows-12" }, key: "cmg-lab:clients[0].os", severity: "error", value: "windows-12" },
  { name: "Windows 7 without PKI", edits: { "clients[0].os": "windows-7" }, key: "cmg-lab:clients[0].os", severity: "error", value: "windows-7", problem: "PKI client-authentication certificate", fix: "windows-11" },
  { name: "Windows 8.1 with PKI", edits: { "clients[0].os": "windows-8.1", "clients[0].pki": true }, key: "cmg-lab:clients[0].os", severity: "error", value: "windows-8.1", problem: "not supported by this lab" },
  { name: "client network unknown", edits: { "clients[0].network": "dmz" }, key: "cmg-lab:clients[0].network", severity: "error", value: "dmz", fix: "internet" },
  { name: "client pki as text", edits: { "clients[0].pki": "no" }, key: "cmg-lab:clients[0].pki", severity: "error", value: "no" },
  { name: "client vmSize too small", edits: { "clients[0].vmSize": "Standard_B1ms" }, key: "cmg-lab:clients[0].vmSize", severity: "error", value: "Standard_B1ms" },
  { name: "client field typo", edits: { "clients[0].nmae": "x" }, key: "cmg-lab:clients[0].nmae", severity: "error", value: "x", fix: "did you mean name" },
  { name: "client not an object", edits: { clients: ["win11-01"] }, key: "cmg-lab:clients[0]", severity: "error", value: "win11-01", problem: "expected an object" },
  // admin
  { name: "admin username Azure refuses", edits: { "admin.username": "admin" }, key: "cmg-lab:admin.username", severity: "error", value: "admin", fix: "labadmin" },
  { name: "admin username equals NetBIOS domain", edits: { "admin.username": "corp" }, key: "cmg-lab:admin.username", severity: "error", value: "corp", problem: "NetBIOS" },
  { name: "admin username krbtgt", edits: { "admin.username": "krbtgt" }, key: "cmg-lab:admin.username", severity: "error", value: "krbtgt" },
  { name: "CIDRs as text", edits: { "admin.allowedSourceCidrs": "203.0.113.7/32" }, key: "cmg-lab:admin.allowedSourceCidrs", severity: "error", value: "203.0.113.7/32", problem: "expected a list" },
  { name: "CIDR 0.0.0.0/0", edits: { "admin.allowedSourceCidrs": ["0.0.0.0/0"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "0.0.0.0/0", problem: "whole internet" },
  { name: "CIDR broader than /16", edits: { "admin.allowedSourceCidrs": ["8.0.0.0/8"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "8.0.0.0/8", problem: "/8" },
  { name: "CIDR private", edits: { "admin.allowedSourceCidrs": ["10.1.0.0/16"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "10.1.0.0/16", problem: "private" },
  { name: "CIDR private host", edits: { "admin.allowedSourceCidrs": ["192.168.1.10/32"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "192.168.1.10/32", problem: "private" },
  { name: "CIDR loopback", edits: { "admin.allowedSourceCidrs": ["127.0.0.1/32"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "127.0.0.1/32", problem: "loopback" },
  { name: "address without prefix", edits: { "admin.allowedSourceCidrs": ["203.0.113.7"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "203.0.113.7", fix: "203.0.113.7/32" },
  { name: "IPv6 CIDR", edits: { "admin.allowedSourceCidrs": ["2001:db8::/48"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: '"2001:db8::/48"', problem: "IPv6" },
  { name: "CIDR with host bits", edits: { "admin.allowedSourceCidrs": ["203.0.113.7/24"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "203.0.113.7/24", fix: "203.0.113.0/24" },
  { name: "CIDR octet out of range", edits: { "admin.allowedSourceCidrs": ["203.0.113.300/32"] }, key: "cmg-lab:admin.allowedSourceCidrs[0]", severity: "error", value: "203.0.113.300/32" },
  { name: "CIDR repeated", edits: { "admin.allowedSourceCidrs": ["203.0.113.7/32", "203.0.113.7/32"] }, key: "cmg-lab:admin.allowedSourceCidrs[1]", severity: "error", value: "203.0.113.7/32", problem: "repeats" },
  { name: "bastion unknown", edits: { "admin.bastion": "standard" }, key: "cmg-lab:admin.bastion", severity: "error", value: "standard", fix: "basic" },
  { name: "no bastion and no CIDRs", edits: { "admin.bastion": "none" }, key: "cmg-lab:admin.bastion", severity: "warning", value: "none", problem: "run commands" },
  // schedule
  { name: "schedule missing", edits: { schedule: DELETE }, key: "cmg-lab:schedule", severity: "error", value: "(not set)", fix: "expiresOn" },
  { name: "autoShutdown 7pm", edits: { "schedule.autoShutdown": "7pm" }, key: "cmg-lab:schedule.autoShutdown", severity: "error", value: "7pm", fix: "19:00" },
  { name: "autoShutdown without colon", edits: { "schedule.autoShutdown": "1900" }, key: "cmg-lab:schedule.autoShutdown", severity: "error", value: "1900", fix: '"19:00"' },
  { name: "autoShutdown 24:00", edits: { "schedule.autoShutdown": "24:00" }, key: "cmg-lab:schedule.autoShutdown", severity: "error", value: '"24:00"' },
  { name: "autoShutdown as YAML 1.1 sexagesimal", edits: { "schedule.autoShutdown": 1140 }, key: "cmg-lab:schedule.autoShutdown", severity: "error", value: "1140", fix: 'quote it: autoShutdown: "19:00"' },
  { name: "timeZone IANA with mapping", edits: { "schedule.timeZone": "Europe/Berlin" }, key: "cmg-lab:schedule.timeZone", severity: "error", value: "Europe/Berlin", fix: "W. Europe Standard Time" },
  { name: "timeZone IANA without mapping", edits: { "schedule.timeZone": "Mars/Olympus" }, key: "cmg-lab:schedule.timeZone", severity: "error", value: "Mars/Olympus", fix: "tzutil" },
  { name: "timeZone typo", edits: { "schedule.timeZone": "Pacific Standard Tme" }, key: "cmg-lab:schedule.timeZone", severity: "error", value: "Pacific Standard Tme", fix: "Pacific Standard Time" },
  { name: "expiresOn missing", edits: { "schedule.expiresOn": DELETE }, key: "cmg-lab:schedule.expiresOn", severity: "error", value: "(not set)", fix: "expiresOn" },
  { name: "expiresOn not ISO", edits: { "schedule.expiresOn": "31.12.2026" }, key: "cmg-lab:schedule.expiresOn", severity: "error", value: "31.12.2026", fix: "2026-12-31" },
  { name: "expiresOn impossible date", edits: { "schedule.expiresOn": "2026-02-30" }, key: "cmg-lab:schedule.expiresOn", severity: "error", value: "2026-02-30" },
  { name: "expiresOn in the past", edits: { "schedule.expiresOn": "2026-01-31" }, key: "cmg-lab:schedule.expiresOn", severity: "warning", value: "2026-01-31", problem: "expired", fix: "pulumi destroy" },
  // keys and types
  { name: "unknown key near a known one", edits: { prefx: "cmglab" }, key: "cmg-lab:prefx", severity: "error", value: "cmglab", fix: "did you mean cmg-lab:prefix" },
  { name: "unknown key far from any", edits: { colour: "blue" }, key: "cmg-lab:colour", severity: "error", value: "blue", fix: "remove it" },
  { name: "site as text", edits: { site: "PS1" }, key: "cmg-lab:site", severity: "error", value: "PS1", problem: "expected an object" },
  { name: "secure value in a plain field", edits: { "site.siteCode": SECRET_PLACEHOLDER }, key: "cmg-lab:site.siteCode", severity: "error", value: "[secret]", fix: "plain text" },
  // entra
  { name: "entra as text", edits: { entra: "owner" }, key: "cmg-lab:entra", severity: "error", value: "owner", problem: "expected an object" },
  { name: "entra unknown field", edits: { entra: { secretDay: 30 } }, key: "cmg-lab:entra.secretDay", severity: "error", value: "30", fix: "secretDays" },
  { name: "secretDays zero", edits: { entra: { secretDays: 0 } }, key: "cmg-lab:entra.secretDays", severity: "error", value: "0", fix: "30" },
  { name: "secretDays over a year", edits: { entra: { secretDays: 400 } }, key: "cmg-lab:entra.secretDays", severity: "error", value: "400", problem: "365" },
  { name: "secretDays fractional", edits: { entra: { secretDays: 2.5 } }, key: "cmg-lab:entra.secretDays", severity: "error", value: "2.5", problem: "whole number" },
  { name: "secretIssuedOn not ISO", edits: { entra: { secretIssuedOn: "25.11.2026" } }, key: "cmg-lab:entra.secretIssuedOn", severity: "error", value: "25.11.2026", fix: "secretIssuedOn: 2026-11-25" },
  { name: "secretIssuedOn impossible date", edits: { entra: { secretIssuedOn: "2026-02-30" } }, key: "cmg-lab:entra.secretIssuedOn", severity: "error", value: "2026-02-30" },
  { name: "secretIssuedOn after the lab's end", edits: { entra: { secretIssuedOn: "2027-02-01" } }, key: "cmg-lab:entra.secretIssuedOn", severity: "warning", value: "2027-02-01", problem: "after cmg-lab:schedule.expiresOn" },
  { name: "secret already ended", edits: { entra: { secretIssuedOn: "2026-10-01", secretDays: 30 } }, key: "cmg-lab:entra.secretIssuedOn", severity: "warning", value: "2026-10-01", problem: "ends on 2026-10-31", fix: `'cmg-lab:entra.secretIssuedOn' ${TODAY}` },
  { name: "cmgRole unknown", edits: { entra: { cmgRole: "reader" } }, key: "cmg-lab:entra.cmgRole", severity: "error", value: "reader", fix: "owner" },
  { name: "cmgRole capitalised", edits: { entra: { cmgRole: "Owner" } }, key: "cmg-lab:entra.cmgRole", severity: "error", value: "Owner", fix: "write owner" },
  { name: "cmgRole contributor", edits: { entra: { cmgRole: "contributor" } }, key: "cmg-lab:entra.cmgRole", severity: "warning", value: "contributor", problem: "2409" },
];

describe("parseLabConfig: one invalid case per rule", () => {
  it.each(BAD.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = parse(c.edits, c.options ?? { today: TODAY }, c.extra);
    const matching = result.issues.filter((i) => i.key === c.key);
    expect(matching, `issues: ${JSON.stringify(result.issues, null, 1)}`).toHaveLength(1);
    const issue = matching[0] as ConfigIssue;
    expect(issue.severity).toBe(c.severity);
    expect(issue.value).toBe(c.value);
    expect(issue.fix.length).toBeGreaterThan(5);
    if (c.fix !== undefined) expect(issue.fix).toContain(c.fix);
    if (c.problem !== undefined) expect(issue.problem).toContain(c.problem);
    const text = formatConfigIssues([issue]);
    expect(text).toContain(`${c.key} = ${c.value}: `);
    expect(text).toContain(" Fix: ");
    expect(text.split("\n")).toHaveLength(1);
    if (c.severity === "error") expect(result.config).toBeUndefined();
    else expect(result.issues.filter((i) => i.severity === "error")).toEqual([]);
  });
});

interface GoodCase {
  readonly name: string;
  readonly edits: Edits;
  readonly check?: (config: LabConfig) => void;
  /** Keys whose warnings this case expects. */
  readonly warns?: readonly string[];
  readonly options?: ParseOptions;
  readonly extra?: Partial<RawStackConfig>;
}

const GOOD: readonly GoodCase[] = [
  { name: "the shipped dev lab", edits: {} },
  { name: "prefix of 3 characters", edits: { prefix: "lab" }, check: (c) => expect(c.prefix).toBe("lab") },
  { name: "prefix of 8 characters with digits", edits: { prefix: "lab2024x" } },
  { name: "location absent defaults to westeurope", edits: { location: DELETE }, check: (c) => expect(c.location).toBe("westeurope") },
  // Another region the CMG cmdlet accepts (stacks/model/cmg-names.ts CMG_REGIONS; swedencentral is refused there).
  { name: "another region", edits: { location: "eastus" }, check: (c) => expect(c.location).toBe("eastus") },
  { name: "fqdn in .test", edits: { "domain.fqdn": "corp.cmglab.test" } },
  { name: "fqdn in .internal", edits: { "domain.fqdn": "lab.internal" } },
  { name: "fqdn under home.arpa", edits: { "domain.fqdn": "lab.home.arpa" } },
  { name: "fqdn lowercased", edits: { "domain.fqdn": "Corp.CMGLab.Example" }, check: (c) => expect(c.domain.fqdn).toBe("corp.cmglab.example") },
  { name: "netbiosName uppercased", edits: { "domain.netbiosName": "lab-01" }, check: (c) => expect(c.domain.netbiosName).toBe("LAB-01") },
  { name: "domain.ous absent takes the defaults", edits: { "domain.ous": DELETE }, check: (c) => expect(c.domain.ous).toEqual(["Workstations", "Servers", "LabUsers"]) },
  {
    name: "custom OUs with matching roles",
    edits: {
      "domain.ous": ["Clients", "Member Servers", "People"],
      "domain.workstationsOu": "clients",
      "domain.serversOu": "Member Servers",
      "domain.usersOu": "People",
      "sync.ous": ["Clients", "People"],
    },
    check: (c) => {
      expect(c.domain.workstationsOu).toBe("Clients");
      expect(c.sync.ous).toEqual(["Clients", "People"]);
    },
  },
  { name: "bigger DC", edits: { "domain.dcVmSize": "standard_d2s_v5" }, check: (c) => expect(c.domain.dcVmSize).toBe("Standard_D2s_v5") },
  { name: "demoUsers absent defaults to 3", edits: {}, check: (c) => expect(c.domain.demoUsers).toBe(3) },
  { name: "demoUsers 1", edits: { "domain.demoUsers": 1 }, check: (c) => expect(c.domain.demoUsers).toBe(1) },
  { name: "demoUsers 50", edits: { "domain.demoUsers": 50 }, check: (c) => expect(c.domain.demoUsers).toBe(50) },
  { name: "tenant with a custom domain", edits: { "tenant.domain": "Lab.Contoso.Com" }, check: (c) => expect(c.tenant.domain).toBe("lab.contoso.com") },
  { name: "siteCode lowercase is uppercased", edits: { "site.siteCode": "ps1" }, check: (c) => expect(c.site.siteCode).toBe("PS1") },
  { name: "siteCode all digits (allowed by ConfigMgr)", edits: { "site.siteCode": "123" }, check: (c) => expect(c.site.siteCode).toBe("123") },
  {
    name: "site defaults",
    edits: { site: { siteCode: "PS1" } },
    check: (c) =>
      expect(c.site).toEqual({ siteCode: "PS1", enhancedHttp: true, vmSize: "Standard_D4s_v5", sqlEdition: "developer", sqlSource: "image", media: defaultSiteMedia("developer") }),
  },
  {
    name: "sqlEdition evaluation (downloaded) takes its own SQL default URL",
    edits: { "site.sqlEdition": "evaluation", "site.sqlSource": "download" },
    check: (c) => expect(c.site.media).toEqual(defaultSiteMedia("evaluation")),
  },
  { name: "sqlSource download", edits: { "site.sqlSource": "download" }, check: (c) => expect(c.site.sqlSource).toBe("download") },
  { name: "build absent: in-guest lanes on", edits: {}, check: (c) => expect(c.build).toEqual({ parallelInGuest: true }) },
  { name: "build.parallelInGuest false", edits: { build: { parallelInGuest: false } }, check: (c) => expect(c.build.parallelInGuest).toBe(false) },
  {
    name: "site media URL overridden, others default",
    edits: { "site.media": { configMgrUrl: "https://example.com/ConfigMgr_2509.exe" } },
    check: (c) => expect(c.site.media).toEqual({ ...defaultSiteMedia("developer"), configMgrUrl: "https://example.com/ConfigMgr_2509.exe" }),
  },
  { name: "site on B4ms (exactly the floor)", edits: { "site.vmSize": "Standard_B4ms" } },
  { name: "site on D4as_v5", edits: { "site.vmSize": "Standard_D4as_v5" } },
  { name: "discovery absent takes the defaults", edits: { discovery: DELETE }, check: (c) => expect(c.discovery).toEqual({ activeDirectoryUsers: true, azureAdUsers: true }) },
  {
    name: "sync with only the MSI takes the other defaults",
    edits: { sync: { msiUrl: MSI_URL } },
    check: (c) => expect(c.sync).toEqual({ ous: ["Workstations", "LabUsers"], configuration: "scripted", vmSize: "Standard_B2ms", msi: { kind: "url", url: MSI_URL, secret: false } }),
  },
  {
    name: "sync absent: planned offline with the missing MSI as the only warning",
    edits: { sync: DELETE },
    options: { today: TODAY, offlinePlan: true },
    warns: ["cmg-lab:sync.msiFile"],
    check: (c) => expect(c.sync).toEqual({ ous: ["Workstations", "LabUsers"], configuration: "scripted", vmSize: "Standard_B2ms", msi: { kind: "none" } }),
  },
  { name: "sync may include Servers too", edits: { "sync.ous": ["Workstations", "LabUsers", "Servers"] } },
  { name: "sync in wizard mode (warned: pulumi up stops for the wizard)", edits: { "sync.configuration": "wizard" }, check: (c) => expect(c.sync.configuration).toBe("wizard"), warns: ["cmg-lab:sync.configuration"] },
  {
    name: "sync msiFile: a Windows Installer package in the project",
    edits: { "sync.msiUrl": DELETE, "sync.msiFile": "media\\AzureADConnect.msi" },
    options: { today: TODAY, projectDir: FIXTURES },
    check: (c) => expect(c.sync.msi).toEqual({ kind: "file", file: "media/AzureADConnect.msi" }),
  },
  {
    name: "sync msiUrl with a SAS token set as a secret stays a secret",
    edits: { "sync.msiUrl": SECRET_PLACEHOLDER },
    check: (c) => {
      expect(c.sync.msi.kind).toBe("url");
      expect(c.sync.msi.kind === "url" && c.sync.msi.secret).toBe(true);
      expect(c.sync.msi.kind === "url" && pulumi.Output.isInstance(c.sync.msi.url)).toBe(true);
    },
  },
  { name: "no clients: Workstations may be left out of the sync scope", edits: { clients: [], "sync.ous": ["LabUsers"] }, warns: ["cmg-lab:clients"] },
  { name: "cmg Standard size, 16 instances", edits: { "cmg.vmSize": "standard_a2_v2", "cmg.instances": 16 }, check: (c) => expect(c.cmg.vmSize).toBe("Standard_A2_v2") },
  { name: "cmg defaults", edits: { cmg: { name: "cmglabdev" } }, check: (c) => expect(c.cmg).toEqual({ name: "cmglabdev", vmSize: "Standard_B2s", instances: 1, certificate: { kind: "lab-ca" } }) },
  {
    name: "cmg with a PFX that exists",
    edits: { "cmg.certificate": pfxOk },
    options: { today: TODAY, projectDir: FIXTURES },
    check: (c) => expect(c.cmg.certificate.kind === "pfx" && c.cmg.certificate.pfxFile).toBe("certs/cmg.pfx"),
  },
  {
    name: "two clients, Windows 10 on the intranet",
    edits: { clients: [{ name: "win11-01", os: "windows-11" }, { name: "win10-01", os: "windows-10", network: "intranet", vmSize: "Standard_B2s" }] },
    check: (c) => expect(c.clients[1]).toEqual({ name: "win10-01", os: "windows-10", network: "intranet", pki: false, vmSize: "Standard_B2s" }),
  },
  { name: "clients absent takes the default client", edits: { clients: DELETE }, check: (c) => expect(c.clients.map((x) => x.name)).toEqual(["win11-01"]) },
  { name: "50 clients", edits: { clients: Array.from({ length: 50 }, (_, i) => ({ name: `win11-${i}`, os: "windows-11" })) } },
  { name: "admin with public CIDRs", edits: { "admin.allowedSourceCidrs": ["203.0.113.7/32", "198.51.0.0/16"] }, check: (c) => expect(c.admin.allowedSourceCidrs).toEqual(["203.0.113.7/32", "198.51.0.0/16"]) },
  { name: "admin another username", edits: { "admin.username": "labops" } },
  { name: "no bastion but a CIDR", edits: { "admin.bastion": "none", "admin.allowedSourceCidrs": ["203.0.113.7/32"] } },
  { name: "bastion developer", edits: { "admin.bastion": "developer" } },
  { name: "autoShutdown off", edits: { "schedule.autoShutdown": "off" }, check: (c) => expect(c.schedule.autoShutdown).toBeNull() },
  { name: "autoShutdown null", edits: { "schedule.autoShutdown": null }, check: (c) => expect(c.schedule.autoShutdown).toBeNull() },
  { name: "autoShutdown absent defaults to 19:00", edits: { "schedule.autoShutdown": DELETE }, check: (c) => expect(c.schedule.autoShutdown).toBe("19:00") },
  { name: "autoShutdown 23:59", edits: { "schedule.autoShutdown": "23:59" } },
  { name: "timeZone Windows id", edits: { "schedule.timeZone": "W. Europe Standard Time" } },
  { name: "timeZone case-insensitive", edits: { "schedule.timeZone": "utc" }, check: (c) => expect(c.schedule.timeZone).toBe("UTC") },
  { name: "expiresOn in the past without today: not checked", edits: { "schedule.expiresOn": "2020-01-01" }, options: {} },
  { name: "expiresOn today", edits: { "schedule.expiresOn": TODAY } },
  { name: "other namespaces are ignored", edits: {}, extra: { values: { ...base(), "azure-native:subscriptionId": "x", "azuread:tenantId": "y" } } },
  { name: "odd stack names still give valid derived names", edits: {}, extra: { stack: "Feature_Branch.With.A-Very-Long-Name" } },
  { name: "entra absent takes the defaults", edits: {}, check: (c) => expect(c.entra).toEqual({ secretDays: 30, secretIssuedOn: null, cmgRole: "owner" }) },
  {
    name: "entra with every field",
    edits: { entra: { secretDays: 14, secretIssuedOn: "2026-11-20", cmgRole: "owner" } },
    check: (c) => expect(c.entra).toEqual({ secretDays: 14, secretIssuedOn: "2026-11-20", cmgRole: "owner" }),
  },
  { name: "secretIssuedOn as a YAML date", edits: { entra: { secretIssuedOn: new Date("2026-11-20T00:00:00Z") } }, check: (c) => expect(c.entra.secretIssuedOn).toBe("2026-11-20") },
  { name: "secretDays of a year", edits: { entra: { secretDays: 365 } } },
  { name: "secret ended but not checked without today", edits: { entra: { secretIssuedOn: "2020-01-01" } }, options: {} },
];

describe("parseLabConfig: valid cases", () => {
  it.each(GOOD.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = parse(c.edits, c.options ?? { today: TODAY }, c.extra);
    expect(
      result.issues.map((i) => `${i.severity} ${i.key}`),
      formatConfigIssues(result.issues),
    ).toEqual((c.warns ?? []).map((k) => `warning ${k}`));
    expect(result.config).toBeDefined();
    if (c.check !== undefined && result.config !== undefined) c.check(result.config);
  });
});

