/** `cmg-lab:discovery`: the two user discoveries the CMG's token authentication needs. */
import { z } from "zod";
import type { Ctx } from "../config-issues";
import { fail, field, objectOf } from "../schema";

const mustBeOn = (ctx: Ctx, name: string, problem: string) =>
  z.boolean().transform((value, zctx): true => {
    if (value) return true;
    fail(zctx, problem, { fix: `set ${ctx.key(`discovery.${name}`)} to true (or remove it: true is the default)` });
    return z.NEVER;
  });

export const discoveryFields = {
  activeDirectoryUsers: field({
    kind: "boolean",
    doc: "Active Directory user discovery on the users OU; must stay on while Azure AD user discovery is on",
    default: true,
    example: "true",
    schema: (ctx) =>
      mustBeOn(
        ctx,
        "activeDirectoryUsers",
        `a user is only "completely discovered" when both Active Directory user discovery and Azure AD user discovery found it; with AD user discovery off, CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails with CMGConnector_Un-authorizedrequest`,
      ),
  }),
  azureAdUsers: field({
    kind: "boolean",
    doc: "Azure AD user discovery; must stay on (the CMG authenticates users with Entra ID tokens)",
    default: true,
    example: "true",
    schema: (ctx) =>
      mustBeOn(
        ctx,
        "azureAdUsers",
        "the CMG demo authenticates users with Entra ID tokens; without Azure AD user discovery ConfigMgr never learns the users' Entra object ids and CCM_STS.log says the AAD user \"is not completely discovered\"",
      ),
  }),
};

export const discovery = field({
  kind: "object",
  doc: "User discovery: both must stay on, or the CMG token request fails",
  default: {},
  pulumiDefault: {},
  example: "{ activeDirectoryUsers: true, azureAdUsers: true }",
  fields: discoveryFields,
  schema: (ctx) => objectOf(discoveryFields, ctx),
});
