/** `cmg-lab:clients`: the client VMs. */
import { z } from "zod";
import { SERVER_COMPUTER_NAMES, computerNameProblem } from "../../model/names";
import { fail, field, objectOf, oneOf, warn } from "../schema";
import { vmSizeField } from "./vm-size";

/** Windows 7 and 8.1 are listed only to be refused with the reason (no image, no client PKI). */
export const CLIENT_OSES = ["windows-10", "windows-11", "windows-7", "windows-8.1"] as const;
export type ClientOs = (typeof CLIENT_OSES)[number];
/** `internet`: the client sits in a subnet that cannot reach the site server, so it must use the CMG. */
export const CLIENT_NETWORKS = ["internet", "intranet"] as const;
export type ClientNetwork = (typeof CLIENT_NETWORKS)[number];
export const MAX_CLIENTS = 50;
const SERVERS = Object.values(SERVER_COMPUTER_NAMES);
const EXAMPLE = "[{ name: win11-01, os: windows-11, network: internet }]";

export const clientFields = {
  name: field({
    kind: "string",
    doc: "Windows computer name (1-15 letters, digits or hyphens) and VM name suffix; unique, not a server's name",
    example: "win11-01",
    required: { why: "the client's computer name", fix: () => "add name: win11-01 (1-15 letters, digits or hyphens)" },
    schema: () =>
      z.string().superRefine((value, zctx) => {
        const problem = computerNameProblem(value);
        if (problem !== null) return fail(zctx, `is not a valid Windows computer name: it ${problem}`, { fix: "use 1-15 letters, digits or hyphens, e.g. win11-01" });
        if (SERVERS.some((s) => s.toLowerCase() === value.toLowerCase())) {
          fail(zctx, `is the name of one of the lab's servers (${SERVERS.join(", ")}); computer names must be unique in the domain`, { fix: "give the client another name, e.g. win11-01" });
        }
      }),
  }),
  os: field({
    kind: "string",
    doc: "windows-10 or windows-11 (Windows 7/8.1 are refused: no image, and no client PKI for the CMG)",
    example: "windows-11",
    required: { why: "the client's Windows version", fix: () => "add os: windows-11 (or windows-10)" },
    schema: () => oneOf(CLIENT_OSES, "windows-11"),
  }),
  network: field({ kind: "string", doc: "internet (reaches the site only through the CMG) or intranet", default: "internet", example: "internet", schema: () => oneOf(CLIENT_NETWORKS, "internet") }),
  pki: field({ kind: "boolean", doc: "the client has a PKI client-authentication certificate", default: false, example: "false", schema: () => z.boolean() }),
  vmSize: vmSizeField("Standard_B2ms", "client", "Client"),
};

export const clients = field({
  kind: "objects",
  doc: `Client VMs, at most ${MAX_CLIENTS}`,
  default: [{ name: "win11-01", os: "windows-11", network: "internet" }],
  pulumiDefault: [{ name: "win11-01", os: "windows-11", network: "internet" }],
  defaultText: "(one win11-01, Windows 11, internet side)",
  expected: "a list of clients",
  typeFix: (key) => `write it as a YAML list, e.g. ${key}: ${EXAMPLE}`,
  example: "{ name: win11-01, os: windows-11, network: internet }",
  fields: clientFields,
  schema: (ctx) => {
    const client = objectOf(clientFields, ctx).transform((c, zctx) => {
      if (c.os === "windows-7" || c.os === "windows-8.1") {
        // Refused with or without PKI: no marketplace image to create the VM from, and the lab issues no client certificates.
        const why = c.pki
          ? "this lab cannot build it: Azure Marketplace offers no Windows 7 or 8.1 image for new VMs, and the lab issues no PKI client certificates"
          : "it cannot use Entra ID token authentication, so through a CMG it needs a PKI client-authentication certificate, which it does not have (pki: false); and this lab cannot build it anyway: Azure Marketplace offers no Windows 7 or 8.1 image for new VMs";
        fail(zctx, `${c.os} is not supported by this lab: ${why}`, { path: ["os"], fix: "use os: windows-11 or windows-10 (token authentication through the CMG, no client PKI needed)" });
        return z.NEVER;
      }
      return c;
    });
    return z
      .array(z.unknown())
      .superRefine((list, zctx) => {
        if (list.length > MAX_CLIENTS) fail(zctx, `a lab has at most ${MAX_CLIENTS} clients`, { value: `(${list.length} clients)`, fix: `remove clients until at most ${MAX_CLIENTS} remain` });
        else if (list.length === 0) warn(zctx, ctx, "no client VMs: the lab builds, but there is nothing to hybrid-join or to manage through the CMG", { fix: `add one, e.g. ${ctx.key("clients")}: ${EXAMPLE}` });
      })
      .pipe(
        z.array(client).superRefine((list, zctx) => {
          const seen = new Map<string, number>();
          list.forEach((c, i) => {
            const first = seen.get(c.name.toLowerCase());
            if (first === undefined) seen.set(c.name.toLowerCase(), i);
            else fail(zctx, `repeats ${ctx.key(`clients[${first}].name`)}; computer names are case-insensitive and must be unique in the domain`, { path: [i, "name"], fix: "give every client its own name, e.g. win11-02" });
          });
        }),
      );
  },
});
