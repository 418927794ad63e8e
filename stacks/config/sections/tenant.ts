/** `cmg-lab:tenant`: the Entra tenant. */
import { z } from "zod";
import { fail, field, objectOf } from "../schema";
import { dnsNameProblems } from "./domain";

export const tenantFields = {
  domain: field({
    kind: "string",
    doc: "the tenant's initial (contoso.onmicrosoft.com) or a verified domain: azureADName of the hybrid-join SCP and the demo users' UPN suffix",
    example: "contoso.onmicrosoft.com",
    required: {
      why: "written as azureADName into the hybrid-join SCP and used as the demo users' UPN suffix",
      fix: (key) => `pulumi config set --path '${key}' contoso.onmicrosoft.com (your tenant's initial or a verified domain)`,
    },
    schema: () =>
      z.string().transform((value, zctx) => {
        const domain = value.toLowerCase();
        const problems = domain.includes(".") ? dnsNameProblems(domain) : ["it has a single label; a tenant domain looks like contoso.onmicrosoft.com"];
        if (domain.length > 253) problems.push("it is longer than 253 characters");
        if (problems.length === 0) return domain;
        fail(zctx, `is not a valid domain name: ${problems.join("; ")}`, { fix: "use the tenant's initial domain (<name>.onmicrosoft.com) or a verified custom domain" });
        return z.NEVER;
      }),
  }),
};

export const tenant = field({
  kind: "object",
  doc: "The Entra tenant the lab's users and devices sync to",
  example: "{ domain: contoso.onmicrosoft.com }",
  required: { why: "the Entra tenant the lab's users and devices sync to", fix: (key, ctx) => `add to ${ctx.file}: ${key}: { domain: contoso.onmicrosoft.com }` },
  fields: tenantFields,
  schema: (ctx) => objectOf(tenantFields, ctx),
});
