/** `cmg-lab:site`: the ConfigMgr primary site. */
import { z } from "zod";
import { defaultSiteMedia } from "../../model/site";
import { RESERVED_SITE_CODES } from "../config-data";
import { fail, field, objectOf, oneOf } from "../schema";
import { vmSizeField } from "./vm-size";

/**
 * SQL Server editions the lab installs: free for non-production use and feature-equal to
 * Enterprise. ConfigMgr supports Standard and Enterprise for a primary site's database, Express only
 * for a secondary site ("Supported SQL Server versions",
 * https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions):
 * `evaluation` is Enterprise for 180 days; `developer` installs (setup's prerequisite check blocks
 * only Express) but is not on the support list: fine for a lab, not a supported configuration.
 */
export const SQL_EDITIONS = ["developer", "evaluation"] as const;
export type SqlEdition = (typeof SQL_EDITIONS)[number];
const REFUSED_SQL_EDITIONS: Readonly<Record<string, string>> = {
  express: "SQL Server Express hosts only a secondary site's database; a primary site needs a full SQL Server (Supported SQL Server versions)",
  web: "SQL Server Web is not a supported edition for a ConfigMgr site database (Supported SQL Server versions lists Standard and Enterprise)",
  standard: "Standard needs your own licence and product key, which this lab does not take",
  enterprise: "Enterprise needs your own licence and product key, which this lab does not take",
};

/**
 * Where the site server's SQL Server comes from. `image`: the VM starts from the SQL Server 2022
 * Developer on Windows Server 2022 marketplace image, and site-sql-image.ps1 checks (and where it
 * can, fixes) what ConfigMgr needs of it: no SQL download, no 20-minute install. `download`: SQL
 * Server is downloaded with the other media and installed by site-sql.ps1 (the only way to the
 * Evaluation edition).
 */
export const SQL_SOURCES = ["image", "download"] as const;
export type SqlSource = (typeof SQL_SOURCES)[number];

const MEDIA = {
  sqlUrl: "SQL Server 2022 installer bootstrapper (SSEI) for sqlEdition",
  adkUrl: "Windows ADK bootstrapper (adksetup.exe)",
  winpeUrl: "Windows PE add-on bootstrapper (adkwinpesetup.exe)",
  configMgrUrl: "ConfigMgr current branch evaluation media",
} as const;
type MediaName = keyof typeof MEDIA;

const isHttps = (value: string): boolean => {
  try {
    return new URL(value).protocol === "https:" && !/\s/.test(value);
  } catch {
    return false;
  }
};

const mediaField = (name: MediaName) =>
  field({
    kind: "string",
    doc: `${MEDIA[name]}, https`,
    defaultText: "(see stacks/model/site.ts)",
    example: "https://...",
    schema: () => z.string().optional(),
  });

export const siteMediaFields = { sqlUrl: mediaField("sqlUrl"), adkUrl: mediaField("adkUrl"), winpeUrl: mediaField("winpeUrl"), configMgrUrl: mediaField("configMgrUrl") };

export const siteFields = {
  siteCode: field({
    kind: "string",
    doc: "3 letters/digits, not AUX, CON, NUL, PRN, SMS (uppercased)",
    example: "PS1",
    required: { why: "the three-character ConfigMgr site code", fix: (key) => `pulumi config set --path '${key}' PS1` },
    schema: () =>
      z.string().transform((value, zctx) => {
        if (!/^[A-Za-z0-9]{3}$/.test(value)) {
          fail(zctx, "a site code is exactly three characters, letters A-Z and digits 0-9 (ConfigMgr setup refuses anything else)", { fix: "use a code such as PS1" });
          return z.NEVER;
        }
        const code = value.toUpperCase();
        if (RESERVED_SITE_CODES.has(code)) {
          fail(zctx, `${code} is reserved: ConfigMgr uses the site code as a folder name, and ${code} is a Windows device name or SMS's own name (KB 279868)`, { fix: "use another code, e.g. PS1" });
          return z.NEVER;
        }
        return code;
      }),
  }),
  enhancedHttp: field({
    kind: "boolean",
    doc: "site option \"Use Configuration Manager-generated certificates for HTTP site systems\"; must stay true",
    default: true,
    example: "true",
    schema: (ctx) =>
      z.boolean().transform((value, zctx): true => {
        if (value) return true;
        fail(
          zctx,
          "the lab's CMG uses Entra ID authentication without client PKI certificates, which needs Enhanced HTTP; without it clients through the CMG fail with CCM_E_NO_CLIENT_PKI_CERT and the CMG connection point needs a client certificate",
          { fix: `set ${ctx.key("site.enhancedHttp")} to true (or remove it: true is the default)` },
        );
        return z.NEVER;
      }),
  }),
  vmSize: vmSizeField("Standard_D4s_v5", "siteServer", "Site server (ConfigMgr with SQL on one box)"),
  sqlEdition: field({
    kind: "string",
    doc: "SQL Server 2022 edition: developer (installs, not on ConfigMgr's support list) or evaluation (Enterprise for 180 days)",
    default: "developer",
    example: "developer",
    schema: () =>
      z
        .string()
        .superRefine((value, zctx) => {
          const refused = REFUSED_SQL_EDITIONS[value.toLowerCase()];
          if (refused !== undefined) {
            fail(zctx, refused, {
              fix: `use ${SQL_EDITIONS.join(" or ")} (default developer): both carry the Enterprise feature set and are free for a lab (developer installs but is not on ConfigMgr's support list, which names Standard and Enterprise)`,
            });
          }
        })
        .pipe(oneOf(SQL_EDITIONS, "developer")),
  }),
  sqlSource: field({
    kind: "string",
    doc: "image (the SQL Server 2022 Developer marketplace image; faster) or download (SQL Server downloaded and installed; needed for sqlEdition evaluation)",
    default: "image",
    example: "image",
    schema: () => z.string().pipe(oneOf(SQL_SOURCES, "image")),
  }),
  media: field({
    kind: "object",
    doc: "download URLs of the site media",
    default: {},
    example: "{ configMgrUrl: https://... }",
    fields: siteMediaFields,
    schema: (ctx) => objectOf(siteMediaFields, ctx),
  }),
};

export const site = field({
  kind: "object",
  doc: "The ConfigMgr primary site",
  example: "{ siteCode: PS1, enhancedHttp: true }",
  required: { why: "it names the ConfigMgr primary site", fix: (key, ctx) => `add to ${ctx.file}: ${key}: { siteCode: PS1, enhancedHttp: true }` },
  fields: siteFields,
  schema: (ctx) =>
    objectOf(siteFields, ctx).transform((s, zctx) => {
      if (s.sqlSource === "image" && s.sqlEdition !== "developer") {
        fail(zctx, `the SQL Server marketplace image carries the Developer edition, not ${s.sqlEdition}`, {
          path: ["sqlSource"],
          fix: `set ${ctx.key("site.sqlSource")} to download for the ${s.sqlEdition} edition, or ${ctx.key("site.sqlEdition")} to developer`,
        });
      }
      // The media defaults depend on the SQL edition; an explicit URL must be https.
      const defaults = defaultSiteMedia(s.sqlEdition);
      const media = {} as Record<MediaName, string>;
      for (const name of Object.keys(MEDIA) as MediaName[]) {
        const value = s.media[name] ?? defaults[name];
        if (!isHttps(value)) fail(zctx, "is not an https URL; the site server downloads the medium from it", { path: ["media", name], fix: `use an https URL, or remove it for the default ${defaults[name]}` });
        media[name] = value;
      }
      return { ...s, media };
    }),
});
