/** Shared by the config tests: the shipped dev lab as parsed values, and edits of it. */
import * as path from "path";
import { parseLabConfig, SECRET_PLACEHOLDER, type ParseOptions, type RawStackConfig } from "../../stacks/config/config";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(__dirname, "..", "fixtures", "config");
export const TODAY = "2026-11-25";

/** A hosted MSI URL: the shipped dev lab has none (the plan warns), a deployable config has one. */
export const MSI_URL = "https://files.example.com/AzureADConnect.msi";

/** The shipped dev lab, as parsed values (what readStackConfigFile gives for Pulumi.dev.yaml), plus an MSI URL. */
export function base(): Record<string, unknown> {
  return {
    "azure-native:location": "westeurope",
    "cmg-lab:prefix": "cmglab",
    "cmg-lab:domain": { fqdn: "corp.cmglab.example", netbiosName: "CORP", ous: ["Workstations", "Servers", "LabUsers"] },
    "cmg-lab:tenant": { domain: "contoso.onmicrosoft.com" },
    "cmg-lab:site": { siteCode: "PS1", enhancedHttp: true },
    "cmg-lab:discovery": { activeDirectoryUsers: true, azureAdUsers: true },
    "cmg-lab:sync": { ous: ["Workstations", "LabUsers"], msiUrl: MSI_URL },
    "cmg-lab:cmg": { name: "cmglabdev", vmSize: "Standard_B2s", instances: 1, certificate: "lab-ca" },
    "cmg-lab:clients": [{ name: "win11-01", os: "windows-11", network: "internet" }],
    "cmg-lab:admin": { username: "labadmin", allowedSourceCidrs: [] },
    "cmg-lab:schedule": { autoShutdown: "19:00", timeZone: "UTC", expiresOn: "2026-12-31" },
  };
}

export const DELETE = Symbol("delete");
export type Edits = Record<string, unknown>;

/** Applies `{ "domain.fqdn": x, "clients[0].name": y, "prefix": DELETE }` to the base values. */
export function edit(values: Record<string, unknown>, edits: Edits): Record<string, unknown> {
  const out = structuredClone(values);
  for (const [p, value] of Object.entries(edits)) {
    const parts = p.split(/\.|(?=\[)/).map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
    const [top, ...rest] = parts;
    const key = `cmg-lab:${String(top)}`;
    if (rest.length === 0) {
      if (value === DELETE) delete out[key];
      else out[key] = value;
      continue;
    }
    let node = out[key] as Record<string | number, unknown>;
    for (const seg of rest.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
    const last = rest[rest.length - 1] as string | number;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return out;
}

export function raw(values: Record<string, unknown>, extra: Partial<RawStackConfig> = {}): RawStackConfig {
  return { stack: "dev", project: "cmg-lab", values, ...extra };
}

export function parse(edits: Edits = {}, options: ParseOptions = { today: TODAY }, extra: Partial<RawStackConfig> = {}) {
  return parseLabConfig(raw(edit(base(), edits), extra), options);
}

export const pfxOk = { pfxFile: "certs/cmg.pfx", pfxPassword: SECRET_PLACEHOLDER };
