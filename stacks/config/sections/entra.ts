/** `cmg-lab:entra`: ConfigMgr's Entra apps (the server app secret's lifetime) and the CMG's Azure role. */
import { z } from "zod";
import { SECRET_GRACE_DAYS, serverSecretEndDate } from "../../model/entra";
import { isIsoDate } from "../config-util";
import type { ScheduleConfig } from "../lab-config";
import { dayText, fail, field, objectOf, oneOf, warn, wholeNumber } from "../schema";

/** Role of the ConfigMgr server app's service principal on the CMG resource group. */
export const CMG_ROLES = ["owner", "contributor"] as const;
export type CmgRole = (typeof CMG_ROLES)[number];
const MAX_SECRET_DAYS = 365;

export const entraFields = {
  secretDays: field({
    kind: "integer",
    doc: `maximum lifetime of the server app secret in days, 1-${MAX_SECRET_DAYS}, counted from secretIssuedOn`,
    default: 30,
    example: "30",
    expected: "a whole number of days",
    schema: (ctx) =>
      wholeNumber(1, MAX_SECRET_DAYS, {
        problem: `a lab's app secret lives 1 to ${MAX_SECRET_DAYS} days; a longer-lived secret outlives any lab and is a credential left lying around`,
        fix: `use 30 (the default) and rotate it with ${ctx.key("entra.secretIssuedOn")} when needed`,
      }),
  }),
  secretIssuedOn: field({
    kind: "string",
    doc: `the day (YYYY-MM-DD) the server app secret is counted from; change it to rotate the secret; unset: the secret ends ${SECRET_GRACE_DAYS} days after schedule.expiresOn`,
    defaultText: "(unset)",
    example: "2026-11-25",
    schema: () =>
      dayText()
        .superRefine((text, zctx) => {
          if (!isIsoDate(text)) fail(zctx, "must be a real date written YYYY-MM-DD: the day the current server app secret is counted from", { fix: "write secretIssuedOn: 2026-11-25 (today's date rotates the secret)" });
        })
        .optional(),
  }),
  cmgRole: field({
    kind: "string",
    doc: "role of the server app on the CMG resource group: owner (ConfigMgr 2409+ creates role assignments) or contributor",
    default: "owner",
    example: "owner",
    schema: (ctx) =>
      oneOf(CMG_ROLES, "owner").superRefine((role, zctx) => {
        if (role !== "contributor") return;
        warn(
          zctx,
          ctx,
          "Contributor cannot create role assignments (Microsoft.Authorization/*/Write is among its NotActions), and ConfigMgr 2409 and later create role assignments for the CMG's managed identity, so the CMG deployment can fail with an authorization error in CloudMgr.log",
          { fix: `keep ${ctx.key("entra.cmgRole")} at owner (the default) unless the site runs a ConfigMgr build older than 2409` },
        );
      }),
  }),
};

export const entra = field({
  kind: "object",
  doc: "ConfigMgr's Entra apps and the CMG's Azure role",
  default: {},
  pulumiDefault: {},
  example: "{ secretDays: 30, cmgRole: owner }",
  fields: entraFields,
  schema: (ctx) =>
    objectOf(entraFields, ctx)
      .transform((e) => ({ secretDays: e.secretDays, secretIssuedOn: e.secretIssuedOn ?? null, cmgRole: e.cmgRole }))
      .superRefine((e, zctx) => {
        const expiresOn = (ctx.parsed["schedule"] as ScheduleConfig | undefined)?.expiresOn;
        const issuedOn = e.secretIssuedOn;
        if (expiresOn === undefined || issuedOn === null) return;
        const at = { path: ["secretIssuedOn"] };
        if (issuedOn > expiresOn) {
          warn(zctx, ctx, `is after ${ctx.key("schedule.expiresOn")} (${expiresOn}); the server app secret ends ${SECRET_GRACE_DAYS} days after the lab's end date whatever this date says`, {
            ...at,
            fix: `move ${ctx.key("schedule.expiresOn")} if the lab lives longer, or set secretIssuedOn to the day you rotate the secret`,
          });
        }
        // An end date capped by the lab's own end only passes today once expiresOn has, which the
        // schedule's rule already reports; a secret capped by secretIssuedOn can end while the lab lives.
        const endDate = serverSecretEndDate({ expiresOn, secretDays: e.secretDays, issuedOn }).slice(0, 10);
        const labEndDate = serverSecretEndDate({ expiresOn, secretDays: e.secretDays, issuedOn: null }).slice(0, 10);
        const today = ctx.options.today;
        if (today !== undefined && endDate < labEndDate && endDate <= today) {
          warn(zctx, ctx, `the ConfigMgr server app secret ends on ${endDate}, ${e.secretDays} days after this date (today is ${today}): from then on Azure AD discovery and CMG deployments fail to authenticate`, {
            ...at,
            fix: `rotate it: pulumi config set --path '${ctx.key("entra.secretIssuedOn")}' ${today}`,
          });
        }
      }),
});
