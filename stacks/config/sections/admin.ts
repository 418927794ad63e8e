/** `cmg-lab:admin`: the admin account and the admin path to the VMs. */
import { z } from "zod";
import { adminUsernameProblem } from "../../model/names";
import { ipv4ToString, networkAddress, nonPublicKind, parseIpv4Cidr } from "../config-util";
import type { DomainConfig } from "../lab-config";
import { fail, field, names, objectOf, oneOf, warn } from "../schema";

export const BASTION_MODES = ["basic", "developer", "none"] as const;
export type BastionMode = (typeof BASTION_MODES)[number];

export const adminFields = {
  username: field({
    kind: "string",
    doc: "local and domain admin; not a name Azure rejects (administrator, admin, ...); set at creation: Azure refuses to change it on an existing VM",
    default: "labadmin",
    example: "labadmin",
    schema: (ctx) =>
      z.string().superRefine((text, zctx) => {
        const fix = "use another name, e.g. labadmin";
        const problem = adminUsernameProblem(text);
        const netbios = (ctx.parsed["domain"] as DomainConfig | undefined)?.netbiosName;
        if (problem !== null) fail(zctx, `is not a usable admin name: it ${problem}`, { fix });
        else if (text.toLowerCase() === "krbtgt") fail(zctx, "krbtgt is the AD Kerberos service account", { fix });
        else if (/^labuser\d+$/i.test(text)) fail(zctx, "is the name pattern of the demo users (labuser01, ...) the ad-ous step creates in the users OU", { fix });
        else if (netbios !== undefined && text.toUpperCase() === netbios) fail(zctx, `equals the domain's NetBIOS name ${netbios}; DOMAIN\\user logons and account lookups become ambiguous`, { fix });
      }),
  }),
  allowedSourceCidrs: field({
    kind: "list",
    doc: "public IPv4 CIDRs (/16 or narrower) allowed to RDP to the VMs; none opens nothing",
    default: [],
    example: "[203.0.113.7/32]",
    schema: (ctx) =>
      names().transform((list, zctx) => {
        const out: string[] = [];
        const seen = new Map<string, number>();
        list.forEach((text, i) => {
          const no = (problem: string, fix: string): void => fail(zctx, problem, { path: [i], fix });
          const cidr = parseIpv4Cidr(text);
          if (cidr === undefined) {
            if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return no("is an address without a prefix length", `write ${text}/32 for this one address`);
            if (text.includes(":")) return no("is IPv6; the lab's NSG rules take IPv4 CIDRs", "use your public IPv4 address with /32");
            return no("is not an IPv4 CIDR (a.b.c.d/n)", "use your public IPv4 address with /32, e.g. 203.0.113.7/32");
          }
          if (cidr.prefix === 0) return no("opens RDP to the whole internet; the lab must not be reachable from everywhere", "list only your own public address with /32, or leave the list empty and use Bastion");
          if (cidr.prefix < 16) return no(`a /${cidr.prefix} is too broad (more than 65,536 addresses); the lab must not be open to large parts of the internet`, "use your own public address with /32 (or your network, /16 or narrower)");
          const network = networkAddress(cidr);
          if (network !== cidr.address) {
            return no(`has host bits set; the network of this prefix is ${ipv4ToString(network)}/${cidr.prefix}`, `write ${ipv4ToString(network)}/${cidr.prefix}, or ${ipv4ToString(cidr.address)}/32 for the one address`);
          }
          const kind = nonPublicKind(cidr);
          if (kind !== undefined) return no(`is a ${kind} range; traffic from the internet never comes from it, so the rule would do nothing (inside the VNet, use Bastion)`, "use your public IPv4 address with /32 (what https://ifconfig.me shows)");
          const canonical = `${ipv4ToString(network)}/${cidr.prefix}`;
          const first = seen.get(canonical);
          if (first !== undefined) return no(`repeats ${ctx.key(`admin.allowedSourceCidrs[${first}]`)}`, "list each CIDR once");
          seen.set(canonical, i);
          out.push(canonical);
        });
        return out;
      }),
  }),
  bastion: field({ kind: "string", doc: "Azure Bastion SKU: basic, developer (free, shared) or none", default: "basic", example: "basic", schema: () => oneOf(BASTION_MODES, "basic") }),
};

export const admin = field({
  kind: "object",
  doc: "The admin account and how admins reach the VMs",
  default: {},
  pulumiDefault: {},
  example: "{ username: labadmin, allowedSourceCidrs: [], bastion: basic }",
  fields: adminFields,
  schema: (ctx) =>
    objectOf(adminFields, ctx).superRefine((a, zctx) => {
      if (a.bastion === "none" && a.allowedSourceCidrs.length === 0) {
        warn(zctx, ctx, "no Bastion and no admin source CIDRs: nothing can RDP to the VMs; only run commands (az vm run-command) reach them", {
          path: ["bastion"],
          fix: `set ${ctx.key("admin.bastion")} to basic or developer, or list your public address in ${ctx.key("admin.allowedSourceCidrs")}`,
        });
      }
    }),
});
