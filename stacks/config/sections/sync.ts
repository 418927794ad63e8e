/** `cmg-lab:sync`: Entra Connect Sync: its OU scope, how it is configured, its server and its MSI. */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Ctx } from "../config-issues";
import { SECRET_PLACEHOLDER, describeType, isSecretPlaceholder, renderValue } from "../config-util";
import { fail, field, names, objectOf, oneOf, warn } from "../schema";
import type { ClientConfig, DomainConfig } from "../lab-config";
import { vmSizeField } from "./vm-size";

/**
 * The first Entra Connect Sync build the lab accepts. Builds below it stop synchronizing after
 * 30 September 2026, and from it on the MSI is published only in the Microsoft Entra admin center
 * (Learn, "Harden update ... Entra Connect Sync"; entra-docs reference-connect-version-history.md).
 * scripts/vm/entra-connect-install.ps1 reads the MSI's ProductVersion and refuses anything older.
 */
export const ENTRA_CONNECT_MIN_VERSION = "2.5.79.0";

/** Where a person downloads the Entra Connect Sync MSI (no URL the lab could fetch itself). */
export const ENTRA_CONNECT_MSI_SOURCE = "the Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)";

/** The key the missing-MSI issue names (the way most users will take); the loader puts its warning first. */
export const MSI_MISSING_KEY = "sync.msiFile";

export const ENTRA_CONNECT_CONFIG_MODES = ["scripted", "wizard"] as const;
export type EntraConnectConfigMode = (typeof ENTRA_CONNECT_CONFIG_MODES)[number];

/** The Entra Connect Sync MSI's source (`cmg-lab:sync.msiFile` / `cmg-lab:sync.msiUrl`). */
export type SyncMsiSource =
  /** A local file (relative to the project directory, `/`-separated), uploaded to a private blob; SYNC01 reads it with its managed identity. */
  | { readonly kind: "file"; readonly file: string }
  /** An https URL the user hosts; a secret (sent as a protected parameter) when set with --secret. */
  | { readonly kind: "url"; readonly url: pulumi.Input<string>; readonly secret: boolean }
  /** Not configured: only the offline plan gets this far (with a warning). */
  | { readonly kind: "none" };

const howToGet = (ctx: Ctx): string =>
  `download AzureADConnect.msi (${ENTRA_CONNECT_MIN_VERSION} or later) from ${ENTRA_CONNECT_MSI_SOURCE}, put it in the project directory (keep it out of git) and set ${ctx.key("sync.msiFile")} to its relative path: pulumi config set --path '${ctx.key("sync.msiFile")}' media/AzureADConnect.msi (or set ${ctx.key("sync.msiUrl")} to an https URL you host)`;

export const syncFields = {
  ous: field({
    kind: "list",
    doc: "OUs (from domain.ous) in the Entra Connect sync scope; must include the workstations and users OUs",
    default: ["Workstations", "LabUsers"],
    example: "[Workstations, LabUsers]",
    schema: (ctx) => names().transform((list, zctx) => scope(ctx, list, zctx) ?? z.NEVER),
  }),
  configuration: field({
    kind: "string",
    doc: "scripted (the lab writes the OU scope after the one-time wizard) or wizard (the scope picked in the wizard is only verified)",
    default: "scripted",
    example: "scripted",
    schema: (ctx) =>
      oneOf(ENTRA_CONNECT_CONFIG_MODES, "scripted").superRefine((mode, zctx) => {
        if (mode !== "wizard") return;
        warn(zctx, ctx, "the lab then only verifies the sync scope and never writes it: the OUs you pick on the wizard's Domain and OU filtering page must be exactly the sync OUs, or the sync-scope step fails.", {
          fix: `pick exactly the OUs of ${ctx.key("sync.ous")} in the Entra Connect wizard; or remove ${ctx.key("sync.configuration")} (default scripted: the lab writes the scope itself after the wizard)`,
        });
      }),
  }),
  vmSize: vmSizeField("Standard_B2ms", "entraConnect", "Entra Connect server"),
  msiFile: field({
    kind: "string",
    doc: `path of the Entra Connect Sync MSI (${ENTRA_CONNECT_MIN_VERSION} or later, from the Microsoft Entra admin center: Entra Connect > Get started / Manage > Download) relative to the project directory, uploaded to a private blob SYNC01 reads with its managed identity; this or msiUrl is required (the offline plan only warns)`,
    defaultText: "(required, or sync.msiUrl)",
    example: "media/AzureADConnect.msi",
    schema: (ctx) =>
      z
        .string()
        .transform((text, zctx): SyncMsiSource => {
          const file = msiFile(ctx, text, zctx);
          return file === undefined ? z.NEVER : { kind: "file", file };
        })
        .optional(),
  }),
  msiUrl: field({
    kind: "string",
    doc: "an https URL you host the MSI at; with a SAS token in it, set it with pulumi config set --secret --path (sent as a protected parameter, never printed)",
    defaultText: "(or sync.msiFile)",
    example: "https://files.example.com/AzureADConnect.msi",
    schema: (ctx) =>
      z.unknown().transform((v, zctx): SyncMsiSource | undefined => {
        if (v === undefined) return undefined;
        if (typeof v === "string" || isSecretPlaceholder(v)) return msiUrl(ctx, v as string | typeof SECRET_PLACEHOLDER, zctx) ?? z.NEVER;
        fail(zctx, `expected text, got ${describeType(v)}`, { fix: "set it to text, e.g. msiUrl: https://files.example.com/AzureADConnect.msi" });
        return z.NEVER;
      }).optional(),
  }),
  downloadUrl: field({ kind: "string", doc: "removed", removed: true, example: "", schema: () => z.unknown().optional() }),
};

/** `sync.msiFile`: a Windows Installer package inside the project, by relative path (as `cmg.certificate.pfxFile`). */
function msiFile(ctx: Ctx, text: string, zctx: z.core.$RefinementCtx): string | undefined {
  const at = {};
  if (text === "" || path.isAbsolute(text) || path.win32.isAbsolute(text)) {
    fail(zctx, "must be a path relative to the project directory (the stack must build the same on any machine, and the upload's input is this path)", {
      ...at,
      fix: "copy the MSI into the project (outside git: add it to .gitignore) and use its relative path, e.g. media/AzureADConnect.msi",
    });
    return undefined;
  }
  if (!/\.msi$/i.test(text)) {
    fail(zctx, "is not an .msi file", { ...at, fix: `point it at the Entra Connect Sync MSI (AzureADConnect.msi) from ${ENTRA_CONNECT_MSI_SOURCE}` });
    return undefined;
  }
  const relative = text.split(path.win32.sep).join("/");
  const dir = ctx.options.projectDir;
  if (dir === undefined) return relative;
  const full = path.resolve(dir, relative);
  let header: Buffer | undefined;
  try {
    const fd = fs.openSync(full, "r");
    try {
      header = Buffer.alloc(8);
      fs.readSync(fd, header, 0, 8, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    header = undefined;
  }
  if (header === undefined) {
    fail(zctx, `no readable file at ${full}`, { ...at, fix: `put the MSI there, or correct the path (relative to the project directory); get it from ${ENTRA_CONNECT_MSI_SOURCE}` });
    return undefined;
  }
  // Windows Installer packages are OLE compound files: D0 CF 11 E0 A1 B1 1A E1. A saved sign-in
  // page or an HTML notice is caught here, before anything is uploaded.
  if (!header.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    fail(zctx, `${full} is not a Windows Installer package (no compound-file header)`, { ...at, fix: `download the MSI again from ${ENTRA_CONNECT_MSI_SOURCE}` });
    return undefined;
  }
  return relative;
}

/**
 * `sync.msiUrl`: an https URL without user:password. A URL with a query string (a SAS token)
 * must be a secret; it then travels as a protected run-command parameter and is never printed.
 */
function msiUrl(ctx: Ctx, value: string | typeof SECRET_PLACEHOLDER, zctx: z.core.$RefinementCtx): SyncMsiSource | undefined {
  if (isSecretPlaceholder(value)) return { kind: "url", url: pulumi.secret("[secret]"), secret: true };
  const text = value as string;
  const at: string[] = [];
  const setSecret = `pulumi config set --secret --path '${ctx.key("sync.msiUrl")}' '<url>'`;
  const secret = ctx.isEngineSecret("sync");
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const shown = { value: secret ? SECRET_PLACEHOLDER : text, masked: secret, path: at };
  if (url === undefined || /\s/.test(text)) {
    fail(zctx, "is not a URL", { ...shown, fix: `set it to the https URL of the Entra Connect Sync MSI you host, or use ${ctx.key("sync.msiFile")}` });
    return undefined;
  }
  if (url.protocol !== "https:") {
    fail(zctx, `uses ${url.protocol.replace(":", "")}, so the installer could be altered on the way to SYNC01`, { ...shown, fix: "use an https URL" });
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    fail(zctx, "carries a user name or password, which would be sent to SYNC01 in the URL", {
      path: at,
      value: "[secret]",
      masked: true,
      fix: `use a URL without user:password (a read-only SAS token in the query string works, set with ${setSecret}), or use ${ctx.key("sync.msiFile")}`,
    });
    return undefined;
  }
  if (url.search !== "" && !secret) {
    fail(zctx, `has a query string (a SAS token?) stored in plain text in ${ctx.file}`, {
      path: at,
      value: "[secret]",
      masked: true,
      fix: `remove it from the file and ${setSecret}; or use ${ctx.key("sync.msiFile")} (no token at all: SYNC01 reads a private blob with its managed identity)`,
    });
    return undefined;
  }
  return secret ? { kind: "url", url: pulumi.secret(text), secret: true } : { kind: "url", url: text, secret: false };
}

/** The MSI: `msiFile` or `msiUrl`, exactly one; neither is an error for pulumi up, the first warning of the offline plan. */
function msi(ctx: Ctx, s: { msiFile?: SyncMsiSource | undefined; msiUrl?: SyncMsiSource | undefined; downloadUrl?: unknown }, zctx: z.core.$RefinementCtx): SyncMsiSource | undefined {
  if (s.downloadUrl !== undefined) {
    fail(zctx, `was removed: it defaulted to the Microsoft Download Center file, which can only be an Entra Connect Sync build older than ${ENTRA_CONNECT_MIN_VERSION} (those stop synchronizing after 30 September 2026)`, {
      path: ["downloadUrl"],
      value: "[secret]",
      masked: true,
      fix: `rename it to ${ctx.key("sync.msiUrl")} if it points at a current MSI you host; otherwise ${howToGet(ctx)}`,
    });
    return undefined;
  }
  if (s.msiFile !== undefined && s.msiUrl !== undefined) {
    fail(zctx, `is set together with ${ctx.key("sync.msiFile")}; the lab takes the MSI from one place`, { path: ["msiUrl"], value: "[set]", masked: true, fix: "remove one of them" });
    return undefined;
  }
  if (s.msiFile !== undefined) return s.msiFile;
  if (s.msiUrl !== undefined) return s.msiUrl;
  const problem = `no Entra Connect Sync MSI is configured, and the lab cannot download one: builds ${ENTRA_CONNECT_MIN_VERSION} and later are published only in the Microsoft Entra admin center, and older builds stop synchronizing after 30 September 2026. pulumi up refuses to start without it`;
  const at = { path: ["msiFile"], value: undefined, fix: howToGet(ctx) };
  if (ctx.options.offlinePlan === true) warn(zctx, ctx, problem, at);
  else fail(zctx, problem, at);
  return { kind: "none" };
}

/** The sync scope: OUs of the domain, each once, including the workstations OU (when there are clients) and the users OU. */
function scope(ctx: Ctx, list: readonly string[], zctx: z.core.$RefinementCtx): string[] | undefined {
  // Paths are relative to sync.ous.
  const domain = ctx.parsed["domain"] as DomainConfig | undefined;
  const clients = ctx.parsed["clients"] as readonly ClientConfig[] | undefined;
  if (domain === undefined) return undefined;
  const ous: string[] = [];
  let ok = true;
  list.forEach((name, i) => {
    const found = domain.ous.find((ou) => ou.toLowerCase() === name.toLowerCase());
    if (found === undefined) {
      ok = false;
      return fail(zctx, `is not one of the lab's OUs (${ctx.key("domain.ous")} = ${renderValue(domain.ous)}), so there is nothing to sync`, {
        path: [i],
        fix: `use one of ${domain.ous.join(", ")}, or add ${name} to ${ctx.key("domain.ous")}`,
      });
    }
    if (ous.some((o) => o.toLowerCase() === found.toLowerCase())) {
      ok = false;
      return fail(zctx, "is listed twice", { path: [i], fix: "list each OU once" });
    }
    ous.push(found);
  });
  if (!ok) return undefined;
  const has = (ou: string): boolean => ous.some((s) => s.toLowerCase() === ou.toLowerCase());
  const key = ctx.key("sync.ous");
  const w = domain.workstationsOu;
  if (clients !== undefined && clients.length > 0 && !has(w)) {
    ok = false;
    fail(zctx, `the ${w} OU, where clients are joined, is not in the Entra Connect sync scope, so devices never reach Entra ID and hybrid join fails ("The device object by the given ID is not found", dsregcmd shows AzureAdJoined : NO)`, {
      fix: `add ${w} to ${key}`,
    });
  }
  const u = domain.usersOu;
  if (!has(u)) {
    ok = false;
    fail(zctx, `the ${u} OU, which holds the demo users, is not in the Entra Connect sync scope, so the users never reach Entra ID, Azure AD user discovery cannot find them and the CMG token request fails (the AAD user "is not completely discovered")`, {
      fix: `add ${u} to ${key}`,
    });
  }
  return ok ? ous : undefined;
}

export const sync = field({
  kind: "object",
  doc: "Entra Connect Sync (the first pulumi up stops once for its wizard's connection, printing the choices)",
  default: {},
  pulumiDefault: {},
  example: "{ ous: [Workstations, LabUsers], msiFile: media/AzureADConnect.msi }",
  fields: syncFields,
  schema: (ctx) =>
    objectOf(syncFields, ctx).transform((s, zctx) => {
      const source = msi(ctx, s, zctx);
      if (source === undefined) return z.NEVER;
      return { ous: s.ous, configuration: s.configuration, vmSize: s.vmSize, msi: source };
    }),
});
