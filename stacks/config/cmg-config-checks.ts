/**
 * The config loader's CMG checks that need more than one key: the CMG region (from `location`)
 * and, for a supplied certificate, the PFX itself (stacks/config/pfx-check.ts). Called by
 * `parseLabConfig`; kept here so the loader stays a list of rules.
 *
 * The PFX needs its password. The Pulumi engine hands the program its config decrypted
 * (`rawConfigFromPulumi`), so the real program checks the PFX before any resource is registered
 * (`stacks/index.ts` sets `checkPfx`). The offline plan reads the stack file, where the password
 * is still encrypted: it reports that the PFX checks run at `pulumi preview`/`up` instead.
 * The password never leaves this module: findings name the file, never the secret.
 */
import * as fs from "fs";
import * as path from "path";
import { cmgServiceFqdn, cmgRegion, CMG_REGIONS } from "../model/cmg-names";
import { isSecretPlaceholder, isPlainObject } from "./config-util";
import type { CmgConfig } from "./lab-config";
import { checkPfx } from "./pfx-check";

/** One issue for the loader to record (path relative to the namespace, e.g. `cmg.certificate.pfxFile`). */
export interface CmgConfigIssue {
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
  readonly severity: "error" | "warning";
}

export interface CmgConfigCheckArgs {
  /** The raw `cmg` value as read (holds the decrypted PFX password when the engine supplied it). */
  readonly rawCmg: unknown;
  /** The parsed `cmg`, when it had no error. */
  readonly cmg: CmgConfig | undefined;
  /** The parsed location, when valid. */
  readonly location: string | undefined;
  /** The parsed `schedule.expiresOn`, when valid. */
  readonly expiresOn: string | undefined;
  readonly today?: string;
  readonly projectDir?: string;
  /** Read and check a supplied PFX (default false). */
  readonly checkPfx?: boolean;
}

/** The raw PFX password: a string when decrypted, undefined when absent or still encrypted. */
function rawPfxPassword(rawCmg: unknown): string | undefined {
  if (!isPlainObject(rawCmg)) return undefined;
  const cert = rawCmg["certificate"];
  if (!isPlainObject(cert)) return undefined;
  const pw = cert["pfxPassword"];
  return typeof pw === "string" && !isSecretPlaceholder(pw) ? pw : undefined;
}

export function cmgConfigIssues(args: CmgConfigCheckArgs): CmgConfigIssue[] {
  const issues: CmgConfigIssue[] = [];
  if (args.location !== undefined && cmgRegion(args.location) === undefined) {
    issues.push({
      path: "location",
      value: args.location,
      severity: "error",
      problem: `the CMG is deployed in the lab's region, and ${args.location} is not among the regions New-CMCloudManagementGateway -Region is documented to accept`,
      fix: `use one of ${Object.keys(CMG_REGIONS).join(", ")}; to use another, confirm its AzureRegion value on the site server and add it to CMG_REGIONS in stacks/model/cmg-names.ts`,
    });
  }

  const cert = args.cmg?.certificate;
  if (cert?.kind !== "pfx" || args.checkPfx !== true || args.projectDir === undefined) return issues;
  if (args.location === undefined || args.expiresOn === undefined || args.cmg === undefined) return issues;
  const password = rawPfxPassword(args.rawCmg);
  const p = "cmg.certificate.pfxFile";
  if (password === undefined) {
    issues.push({
      path: p,
      value: cert.pfxFile,
      severity: "warning",
      problem: "the PFX's password is encrypted in the stack file, so the certificate checks (password, private key, Server Authentication, name, dates, chain) run at pulumi preview/up, where the engine decrypts it",
      fix: "nothing to change; run pulumi preview to check the PFX before deploying",
    });
    return issues;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.resolve(args.projectDir, cert.pfxFile));
  } catch {
    return issues; // existence is reported by the loader's pfxFile rule
  }
  // A supplied certificate fixes the service name: no per-deployment suffix (see cmg-names.ts).
  const serviceName = cmgServiceFqdn(args.cmg.name, args.location);
  const result = checkPfx({
    pfx: bytes,
    password,
    serviceName,
    ...(args.today !== undefined ? { today: args.today } : {}),
    expiresOn: args.expiresOn,
  });
  for (const f of result.findings) {
    issues.push({ path: p, value: cert.pfxFile, severity: f.severity, problem: `the PFX ${f.problem}`, fix: f.fix });
  }
  return issues;
}
