/** `cmg-lab:domain`: the lab's AD forest. */
import { z } from "zod";
import { DEMO_USERS_DEFAULT, DEMO_USERS_MAX } from "../../model/ad";
import { computerNameProblem, dnsLabelProblem } from "../../model/names";
import { OU_FORBIDDEN_CHARS, PRIVATE_TLDS, RESERVED_NETBIOS_NAMES } from "../config-data";
import { renderValue } from "../config-util";
import { fail, field, names, objectOf, text, warn, wholeNumber } from "../schema";
import { vmSizeField } from "./vm-size";

/** Problems of a dotted DNS name, one per bad label (shared with tenant.domain). */
export function dnsNameProblems(name: string): string[] {
  const problems: string[] = [];
  for (const label of name.split(".")) {
    const problem = dnsLabelProblem(label);
    if (problem !== null) problems.push(label === "" ? "it has an empty label (two dots in a row, or a dot at an end)" : `label "${label}": ${problem}`);
  }
  const tld = name.split(".").pop() ?? "";
  if (/^[0-9]+$/.test(tld)) problems.push(`the top-level label "${tld}" is all digits, which DNS does not allow`);
  return problems;
}

function ouProblem(name: string): string | null {
  if (name.length < 1 || name.length > 64) return "must be 1-64 characters";
  if (name !== name.trim()) return "cannot start or end with a space";
  const bad = [...name].filter((ch) => OU_FORBIDDEN_CHARS.includes(ch));
  if (bad.length > 0) return `contains ${[...new Set(bad)].map((ch) => `"${ch}"`).join(" ")}, which AD does not accept unescaped in an OU name`;
  return null;
}

const ROLES = {
  workstationsOu: { def: "Workstations", role: "workstations (clients are joined into it)", doc: "the OU clients are joined into" },
  serversOu: { def: "Servers", role: "servers (member servers are joined into it)", doc: "the OU member servers are joined into" },
  usersOu: { def: "LabUsers", role: "users (demo users, target of AD user discovery)", doc: "the OU of the demo users, target of AD user discovery" },
} as const;

const roleField = (name: keyof typeof ROLES) =>
  field({ kind: "string", doc: `${ROLES[name].doc}; one of domain.ous`, default: ROLES[name].def, example: ROLES[name].def, schema: () => z.string() });

export const domainFields = {
  fqdn: field({
    kind: "string",
    doc: "AD forest root DNS name, at least two labels, e.g. corp.cmglab.example (lowercased)",
    example: "corp.cmglab.example",
    required: { why: "the DNS name of the lab's AD forest root", fix: (key) => `pulumi config set --path '${key}' corp.cmglab.example` },
    schema: (ctx) =>
      z.string().transform((value, zctx) => {
        const fqdn = value.toLowerCase();
        if (!fqdn.includes(".")) {
          fail(zctx, "is a single-label domain name; new forests need at least two labels (single-label domains break DNS registration, Entra Connect and hybrid join)", { fix: `use a name like ${fqdn || "corp"}.cmglab.example` });
          return z.NEVER;
        }
        const problems = dnsNameProblems(fqdn);
        if (fqdn.length > 64) problems.push(`it is ${fqdn.length} characters; an AD domain's DNS name is limited to 64`);
        if (problems.length > 0) {
          fail(zctx, `is not a valid AD domain name: ${problems.join("; ")}`, { fix: "use letters, digits and hyphens in dot-separated labels, e.g. corp.cmglab.example" });
          return z.NEVER;
        }
        const tld = fqdn.split(".").pop() ?? "";
        if (fqdn.endsWith(".home.arpa") || PRIVATE_TLDS.has(tld)) return fqdn;
        if (tld === "local") {
          warn(zctx, ctx, "ends in .local, which multicast DNS (Bonjour, Avahi) owns; name resolution becomes unreliable on clients that use mDNS", { fix: "use a reserved name such as corp.cmglab.example or corp.cmglab.internal" });
        } else {
          warn(zctx, ctx, `.${tld} is a public top-level domain; unless you own this name the lab's DNS shadows the real one, and nothing in the lab needs a routable name (users get the tenant's UPN suffix)`, {
            fix: "use a reserved name such as corp.cmglab.example, corp.cmglab.test or corp.cmglab.internal",
          });
        }
        return fqdn;
      }),
  }),
  netbiosName: field({
    kind: "string",
    doc: "NetBIOS (pre-Windows 2000) domain name, 1-15 characters, not a reserved word (uppercased)",
    example: "CORP",
    required: { why: "the NetBIOS (pre-Windows 2000) name of the domain", fix: (key) => `pulumi config set --path '${key}' CORP` },
    schema: () =>
      z.string().transform((value, zctx) => {
        const problem = computerNameProblem(value);
        if (problem !== null) {
          fail(zctx, `is not a valid NetBIOS domain name: it ${problem} (and Entra Connect does not support dotted NetBIOS names)`, { fix: "use 1-15 letters, digits or hyphens, e.g. CORP" });
          return z.NEVER;
        }
        const upper = value.toUpperCase();
        if (RESERVED_NETBIOS_NAMES.has(upper)) {
          fail(zctx, `${upper} is a reserved word in AD (the name of a well-known security principal or group)`, { fix: "choose another name, e.g. CORP or LAB" });
          return z.NEVER;
        }
        return upper;
      }),
  }),
  ous: field({
    kind: "list",
    doc: "top-level OUs created under the domain root, in order",
    default: ["Workstations", "Servers", "LabUsers"],
    example: "[Workstations, Servers, LabUsers]",
    schema: () =>
      names().superRefine((list, zctx) => {
        if (list.length === 0) {
          fail(zctx, "is empty; the lab needs at least an OU for workstations, one for servers and one for users", { fix: "remove the key to get [Workstations, Servers, LabUsers], or list your OUs" });
          return;
        }
        const seen = new Map<string, number>();
        list.forEach((ou, i) => {
          const problem = ouProblem(ou);
          if (problem !== null) return fail(zctx, `is not a valid OU name: it ${problem}`, { path: [i], fix: "use letters, digits, spaces inside the name, hyphens or underscores" });
          const first = seen.get(ou.toLowerCase());
          if (first !== undefined) return fail(zctx, `repeats domain.ous[${first}] (OU names are case-insensitive in AD)`, { path: [i], fix: "list each OU once" });
          seen.set(ou.toLowerCase(), i);
        });
      }),
  }),
  workstationsOu: roleField("workstationsOu"),
  serversOu: roleField("serversOu"),
  usersOu: roleField("usersOu"),
  dcVmSize: vmSizeField("Standard_B2ms", "dc", "Domain controller"),
  demoUsers: field({
    kind: "integer",
    doc: `how many demo users (labuser01...) are created in the users OU, 1-${DEMO_USERS_MAX}; UPN <name>@<tenant.domain>`,
    default: DEMO_USERS_DEFAULT,
    example: String(DEMO_USERS_DEFAULT),
    schema: () =>
      wholeNumber(1, DEMO_USERS_MAX, {
        problem: `the lab creates 1 to ${DEMO_USERS_MAX} demo users; with none, AD and Azure AD user discovery find nobody and no one can sign in through the CMG`,
        fix: `use ${DEMO_USERS_DEFAULT} (the default), or at most ${DEMO_USERS_MAX}`,
      }),
  }),
};

export const domain = field({
  kind: "object",
  doc: "The AD forest",
  example: "{ fqdn: corp.cmglab.example, netbiosName: CORP }",
  required: { why: "it describes the lab's AD forest", fix: (key, ctx) => `add to ${ctx.file}: ${key}: { fqdn: corp.cmglab.example, netbiosName: CORP }` },
  fields: domainFields,
  schema: (ctx) =>
    objectOf(domainFields, ctx).transform((d, zctx) => {
      const pick = (name: keyof typeof ROLES): string => {
        const found = d.ous.find((ou) => ou.toLowerCase() === d[name].toLowerCase());
        if (found === undefined) {
          fail(zctx, `the ${ROLES[name].role} OU must be one of ${ctx.key("domain.ous")} = ${renderValue(d.ous)}`, {
            path: [name],
            value: d[name],
            fix: `add ${d[name]} to ${ctx.key("domain.ous")}, or set ${name} to one of ${d.ous.join(", ")}`,
          });
        }
        return found ?? d[name];
      };
      return { ...d, workstationsOu: pick("workstationsOu"), serversOu: pick("serversOu"), usersOu: pick("usersOu") };
    }),
});
