/**
 * `npm run credentials -- [--stack NAME] [--file EXPORT.json]`
 *
 * Prints the lab's generated credentials: the admin account (local admin of every VM, domain
 * admin of the forest), the demo users' password, and the Entra Connect setup identity that the
 * one-time Entra Connect wizard signs in with. No secret is a stack output (outputs end up in
 * logs and dashboards); the values live in the stack's state as Pulumi secrets, which Pulumi
 * checkpoints as an update goes, so this works while the first `pulumi up` is still running.
 * It reads `pulumi stack export --show-secrets` (or `--file`) and prints to the terminal only.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { runCli } from "./cli";
import { isSecretEnvelope } from "./offline/wire";

/**
 * Room for `pulumi stack export`: Node's default (1 MiB) is about a lab's export before any
 * run-command output is in it. V8 strings end a little above 512 MiB.
 */
export const EXPORT_MAX_BYTES = 512 * 1024 * 1024;

export const NO_PULUMI_CLI =
  "the Pulumi CLI (pulumi) is not on the PATH: install it (https://www.pulumi.com/docs/install/, e.g. curl -fsSL https://get.pulumi.com | sh), or pass --file EXPORT.json";

/** `pulumi stack export --show-secrets` of the current (or the named) stack. */
function exportStack(stack: string | undefined): string {
  try {
    return execFileSync("pulumi", ["stack", "export", "--show-secrets", ...(stack ? ["--stack", stack] : [])], {
      encoding: "utf8",
      maxBuffer: EXPORT_MAX_BYTES,
      stdio: ["ignore", "pipe", "inherit"],
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(NO_PULUMI_CLI);
    throw e;
  }
}

/** A value from a stack export: plain, or a secret envelope with `plaintext` (JSON-encoded). */
function reveal(value: unknown): unknown {
  if (isSecretEnvelope(value)) {
    const plaintext = (value as Record<string, unknown>).plaintext;
    if (typeof plaintext !== "string") throw new Error("the export holds the secrets encrypted: run pulumi stack export with --show-secrets");
    return JSON.parse(plaintext) as unknown;
  }
  return value;
}

interface ExportedResource {
  urn?: string;
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** Logical-name endings of the resources that hold the credentials (see the components). */
export const CREDENTIAL_SOURCES = {
  adminPassword: { type: "random:index/randomPassword:RandomPassword", suffix: "::admin-admin-password" },
  demoUserPassword: { type: "random:index/randomPassword:RandomPassword", suffix: "-demo-user-password" },
  connectSetupPassword: { type: "random:index/randomPassword:RandomPassword", suffix: "-connect-setup-password" },
  connectSetupUser: { type: "azuread:index/user:User", suffix: "-connect-setup-user" },
} as const;

export interface LabCredentialsFound {
  readonly admin?: { readonly user: string; readonly password: string };
  readonly demoUsers?: { readonly users: readonly string[]; readonly password: string };
  readonly connectSetup?: { readonly upn: string; readonly password: string };
}

/** The credentials present in a `pulumi stack export --show-secrets` document (those created so far). */
export function findCredentials(exported: unknown): LabCredentialsFound {
  const resources = ((exported as { deployment?: { resources?: ExportedResource[] } })?.deployment?.resources ?? []) as ExportedResource[];
  const find = (src: { type: string; suffix: string }): ExportedResource | undefined =>
    resources.find((r) => r.type === src.type && r.urn?.endsWith(src.suffix));
  const str = (v: unknown): string | undefined => (typeof reveal(v) === "string" ? (reveal(v) as string) : undefined);

  const found: { -readonly [K in keyof LabCredentialsFound]: LabCredentialsFound[K] } = {};
  const adminPassword = str(find(CREDENTIAL_SOURCES.adminPassword)?.outputs?.result);
  const vm = resources.find((r) => r.type === "azure-native:compute:VirtualMachine");
  const adminUser = str((vm?.inputs?.osProfile as Record<string, unknown> | undefined)?.adminUsername);
  if (adminPassword && adminUser) found.admin = { user: adminUser, password: adminPassword };

  const demoPassword = str(find(CREDENTIAL_SOURCES.demoUserPassword)?.outputs?.result);
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const demoUsers = reveal(stack?.outputs?.demoUsers);
  if (demoPassword) found.demoUsers = { users: Array.isArray(demoUsers) ? demoUsers.map(String) : [], password: demoPassword };

  const setupPassword = str(find(CREDENTIAL_SOURCES.connectSetupPassword)?.outputs?.result);
  const setupUpn = str(find(CREDENTIAL_SOURCES.connectSetupUser)?.outputs?.userPrincipalName);
  if (setupPassword && setupUpn) found.connectSetup = { upn: setupUpn, password: setupPassword };
  return found;
}

export function renderCredentials(found: LabCredentialsFound): string {
  const lines: string[] = [];
  if (found.admin) lines.push(`Admin (every VM; domain admin once the forest exists)`, `  user:     ${found.admin.user}`, `  password: ${found.admin.password}`);
  if (found.demoUsers) {
    lines.push(`Demo users`, `  users:    ${found.demoUsers.users.join(", ") || "(listed in the demoUsers stack output after the first pulumi up)"}`, `  password: ${found.demoUsers.password}`);
  }
  if (found.connectSetup) {
    lines.push(`Entra Connect setup identity (the wizard's "Connect to Microsoft Entra ID" page)`, `  user:     ${found.connectSetup.upn}`, `  password: ${found.connectSetup.password}`);
  }
  if (lines.length === 0) lines.push("No credentials in the stack's state yet: run pulumi up first.");
  return lines.join("\n") + "\n";
}

const USAGE = `usage: npm run credentials -- [--stack NAME] [--file EXPORT.json]

Prints the lab's generated credentials (admin account, demo users, the Entra Connect setup
identity) from \`pulumi stack export --show-secrets\` of the current or the named stack, or from
a saved export. Prints to the terminal only; nothing is written.

  --stack NAME        the stack to export (default: the selected stack)
  --file EXPORT.json  read this export instead of running pulumi
  -h, --help          show this help
`;

function main(values: { stack?: string; file?: string }): number {
  const text = values.file ? fs.readFileSync(values.file, "utf8") : exportStack(values.stack);
  process.stdout.write(renderCredentials(findCredentials(JSON.parse(text))));
  return 0;
}

if (require.main === module) {
  runCli({ name: "credentials", usage: USAGE, options: { stack: { type: "string" }, file: { type: "string" } } }, process.argv.slice(2), main);
}
