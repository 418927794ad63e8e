/** `cmg-lab:prefix`: the short name every resource name starts with. */
import { field, fail, text } from "../schema";

const PREFIX = /^[a-z][a-z0-9]{2,7}$/;

export const prefix = field({
  kind: "string",
  doc: "3-8 lowercase letters or digits, starting with a letter; prefixes every resource name",
  example: "cmglab",
  required: { why: "it prefixes every resource name of the lab", fix: (key) => `pulumi config set ${key} cmglab` },
  schema: (ctx) =>
    text((value, zctx) => {
      if (PREFIX.test(value)) return;
      const cleaned = value.toLowerCase().replace(/[^a-z0-9]/g, "").replace(/^[0-9]+/, "").slice(0, 8);
      fail(zctx, "must be 3-8 lowercase letters or digits starting with a letter (it prefixes names with tight rules, such as storage accounts: lowercase letters and digits only)", {
        fix: `pulumi config set ${ctx.key("prefix")} ${PREFIX.test(cleaned) ? cleaned : "cmglab"}`,
      });
    }),
});
