/** `cmg-lab:cmg`: the cloud management gateway. */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Ctx } from "../config-issues";
import { CMG_VM_SIZES } from "../config-data";
import { describeType, isPlainObject, isSecretPlaceholder } from "../config-util";
import { fail, field, objectOf, wholeNumber } from "../schema";

export type CmgCertificateConfig =
  | { readonly kind: "lab-ca" }
  | {
      readonly kind: "pfx";
      /** Path of the PFX, relative to the project directory. */
      readonly pfxFile: string;
      /** The PFX password, a Pulumi secret. */
      readonly pfxPassword: pulumi.Output<string>;
    };

const NAME = /^[a-z][a-z0-9]{2,23}$/;

export const pfxFields = {
  pfxFile: field({
    kind: "string",
    doc: "path of the CMG's PFX, relative to the project directory",
    example: "certs/cmg.pfx",
    required: {
      why: "with a supplied certificate: the path of the CMG's PFX, relative to the project directory",
      fix: (key) => `pulumi config set --path '${key}' certs/cmg.pfx, or use certificate: lab-ca`,
    },
    schema: (ctx) =>
      z.string().transform((text, zctx) => {
        if (text === "" || path.isAbsolute(text) || path.win32.isAbsolute(text)) {
          fail(zctx, "must be a path relative to the project directory (the stack must build the same on any machine)", { fix: "copy the PFX into the project (outside git: add it to .gitignore) and use its relative path, e.g. certs/cmg.pfx" });
          return z.NEVER;
        }
        const dir = ctx.options.projectDir;
        if (dir !== undefined && !fs.existsSync(path.resolve(dir, text))) {
          fail(zctx, `no file at ${path.resolve(dir, text)}`, { fix: "put the PFX there, or correct the path (relative to the project directory)" });
          return z.NEVER;
        }
        return text.split(path.win32.sep).join("/");
      }),
  }),
  pfxPassword: field({
    kind: "string",
    doc: "the PFX's password, set with pulumi config set --secret",
    example: "<secret>",
    required: { why: "the PFX's password", fix: (key) => `pulumi config set --secret --path '${key}' <password>` },
    schema: (ctx) =>
      z.unknown().transform((value, zctx): pulumi.Output<string> => {
        const key = ctx.key("cmg.certificate.pfxPassword");
        const setIt = `pulumi config set --secret --path '${key}' <password>`;
        if (value === undefined) {
          fail(zctx, "is required with a supplied certificate: the PFX's password", { fix: setIt });
          return z.NEVER;
        }
        if (isSecretPlaceholder(value)) return pulumi.secret("[secret]");
        if (typeof value === "string") {
          if (ctx.isEngineSecret("cmg")) return pulumi.secret(value);
          fail(zctx, `is stored in plain text in ${ctx.file}; a password must be encrypted`, { masked: true, fix: `remove it from the file and ${setIt}` });
          return z.NEVER;
        }
        fail(zctx, `expected the password as an encrypted secret, got ${describeType(value)}`, { masked: true, fix: setIt });
        return z.NEVER;
      }),
  }),
};

export const cmgFields = {
  name: field({
    kind: "string",
    doc: "CMG service name: 3-24 lowercase letters/digits starting with a letter, globally unique (DNS label, storage account and key vault names)",
    example: "cmglabdev",
    required: { why: "the CMG's service name, which must be globally unique", fix: (key) => `pulumi config set --path '${key}' <3-24 lowercase letters and digits, e.g. your prefix and stack: cmglabdev>` },
    schema: () =>
      z.string().superRefine((text, zctx) => {
        if (NAME.test(text)) return;
        const cleaned = text.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 24);
        fail(zctx, "must be 3-24 lowercase letters and digits, starting with a letter: it becomes the CMG's DNS label and also names the CMG's storage account and key vault, which allow no hyphens or capitals", {
          fix: NAME.test(cleaned) ? `use ${cleaned}` : "use a name such as cmglabdev",
        });
      }),
  }),
  vmSize: field({
    kind: "string",
    doc: `CMG scale set size: ${Object.entries(CMG_VM_SIZES).map(([s, label]) => `${s} (${label})`).join(", ")}`,
    default: "Standard_B2s",
    example: "Standard_B2s",
    schema: () =>
      z.string().transform((text, zctx) => {
        const sizes = Object.keys(CMG_VM_SIZES);
        const canonical = sizes.find((s) => s.toLowerCase() === text.toLowerCase());
        if (canonical !== undefined) return canonical;
        fail(zctx, `the CMG only offers the sizes ${sizes.map((s) => `${s} (${CMG_VM_SIZES[s] ?? ""})`).join(", ")}`, { fix: "use Standard_B2s for a lab" });
        return z.NEVER;
      }),
  }),
  instances: field({ kind: "integer", doc: "VM scale set instances, 1-16", default: 1, example: "1", schema: () => wholeNumber(1, 16, { problem: "a CMG has 1 to 16 VM instances", fix: "use 1 for a lab" }) }),
  certificate: field({
    kind: "string-or-object",
    doc: "lab-ca (the lab's CA issues it), or { pfxFile, pfxPassword } with the password set by pulumi config set --secret",
    default: "lab-ca",
    example: "lab-ca",
    fields: pfxFields,
    schema: (ctx: Ctx) => {
      const pfx = objectOf(pfxFields, ctx);
      return z.unknown().transform((value, zctx): CmgCertificateConfig => {
        if (value === "lab-ca") return { kind: "lab-ca" };
        if (typeof value === "string") {
          fail(zctx, "must be lab-ca or an object { pfxFile, pfxPassword }", { fix: "use lab-ca (the lab's own CA issues the CMG certificate) or { pfxFile: certs/cmg.pfx, pfxPassword: <secret> }" });
          return z.NEVER;
        }
        if (!isPlainObject(value)) {
          fail(zctx, `expected lab-ca or an object { pfxFile, pfxPassword }, got ${describeType(value)}`, { fix: "use lab-ca, or a map with pfxFile and pfxPassword" });
          return z.NEVER;
        }
        const r = pfx.safeParse(value);
        if (!r.success) {
          for (const issue of r.error.issues) zctx.addIssue({ ...issue, input: undefined } as z.core.$ZodRawIssue);
          return z.NEVER;
        }
        return { kind: "pfx", pfxFile: r.data.pfxFile, pfxPassword: r.data.pfxPassword };
      });
    },
  }),
};

export const cmg = field({
  kind: "object",
  doc: "The cloud management gateway",
  example: "{ name: cmglabdev, vmSize: Standard_B2s, instances: 1, certificate: lab-ca }",
  required: { why: "it names the cloud management gateway", fix: (key, ctx) => `add to ${ctx.file}: ${key}: { name: cmglabdev, vmSize: Standard_B2s, instances: 1, certificate: lab-ca }` },
  fields: cmgFields,
  schema: (ctx) => objectOf(cmgFields, ctx),
});
