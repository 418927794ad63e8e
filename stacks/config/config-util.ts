/**
 * Small pure helpers for the config loader: rendering values for messages, "did you mean"
 * suggestions, dates, IPv4 CIDRs and deep freezing. No side effects.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * Stands for a secret the caller could not or did not decrypt (a `secure:` value read straight
 * from `Pulumi.<stack>.yaml`). Compared by identity.
 */
export const SECRET_PLACEHOLDER: Readonly<{ secret: true }> = Object.freeze({ secret: true as const });

export function isSecretPlaceholder(value: unknown): boolean {
  return value === SECRET_PLACEHOLDER;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isSecretPlaceholder(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What a value is, in a user's words: for "expected a list, got text". */
export function describeType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (isSecretPlaceholder(value)) return "an encrypted (secure) value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  if (typeof value === "boolean") return "true/false";
  if (typeof value === "object") return "an object";
  return typeof value;
}

const MAX_RENDER = 160;

/**
 * Renders a config value for a message: `[a, b]`, `{ k: v }`, plain text for simple strings.
 * Secrets (the placeholder, and any field named in `secretFields`) render as `[secret]`.
 */
export function renderValue(value: unknown, secretFields: ReadonlySet<string> = SECRET_FIELDS): string {
  const text = render(value, secretFields);
  return text.length > MAX_RENDER ? `${text.slice(0, MAX_RENDER - 3)}...` : text;
}

/** Field names whose values are never rendered, wherever they appear. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(["pfxPassword"]);

function render(value: unknown, secretFields: ReadonlySet<string>): string {
  if (value === undefined) return "(not set)";
  if (value === null) return "null";
  if (isSecretPlaceholder(value)) return "[secret]";
  if (typeof value === "string") {
    return value === "" || /^\s|\s$|[,[\]{}:#"]/.test(value) ? JSON.stringify(value) : value;
  }
  if (Array.isArray(value)) return `[${value.map((v) => render(v, secretFields)).join(", ")}]`;
  if (isPlainObject(value)) {
    const parts = Object.entries(value).map(([k, v]) => `${k}: ${secretFields.has(k) ? "[secret]" : render(v, secretFields)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `(${describeType(value)})`;
}

/** Edit distance counting insertions, deletions, substitutions and adjacent swaps; case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row !== undefined) row[j] = best;
    }
  }
  return at(s.length, t.length);
}

/** The closest candidate within a distance that scales with the word's length, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 4)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `YYYY-MM-DD` that names a real calendar day. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The `YYYY-MM-DD` date `days` days after `isoDate` (a `YYYY-MM-DD` date), in UTC. */
export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  if (y === undefined || m === undefined || d === undefined || [y, m, d].some((n) => !Number.isInteger(n))) {
    throw new Error(`addDays: ${JSON.stringify(isoDate)} is not a YYYY-MM-DD date`);
  }
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export interface Ipv4Cidr {
  /** The address as a 32-bit unsigned number. */
  readonly address: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n` strictly (no leading zeros, octets 0-255, n 0-32); undefined otherwise. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = [m[1], m[2], m[3], m[4]].map((o) => (o !== undefined && (o === "0" || !o.startsWith("0")) ? Number(o) : NaN));
  const prefix = m[5] !== undefined && (m[5] === "0" || !m[5].startsWith("0")) ? Number(m[5]) : NaN;
  if (octets.some((o) => !(o >= 0 && o <= 255)) || !(prefix >= 0 && prefix <= 32)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  return { address: ((a << 24) >>> 0) + (b << 16) + (c << 8) + d, prefix };
}

export function ipv4ToString(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".");
}

/** The network address of a CIDR (host bits cleared). */
export function networkAddress(cidr: Ipv4Cidr): number {
  const mask = cidr.prefix === 0 ? 0 : (0xffffffff << (32 - cidr.prefix)) >>> 0;
  return (cidr.address & mask) >>> 0;
}

/** Address blocks that are not public unicast internet addresses (RFC 1918, 6598, 5735, 3927, 5771). */
const NON_PUBLIC_BLOCKS: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network' (0.0.0.0/8)" },
  { cidr: "10.0.0.0/8", what: "private (RFC 1918)" },
  { cidr: "100.64.0.0/10", what: "carrier-grade NAT (RFC 6598)" },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local" },
  { cidr: "172.16.0.0/12", what: "private (RFC 1918)" },
  { cidr: "192.168.0.0/16", what: "private (RFC 1918)" },
  { cidr: "224.0.0.0/4", what: "multicast" },
  { cidr: "240.0.0.0/4", what: "reserved" },
];

/** What kind of non-public block the CIDR falls in, or undefined when it is public. */
export function nonPublicKind(cidr: Ipv4Cidr): string | undefined {
  for (const block of NON_PUBLIC_BLOCKS) {
    const b = parseIpv4Cidr(block.cidr);
    if (!b) continue;
    const probe: Ipv4Cidr = { address: networkAddress(cidr), prefix: b.prefix };
    if (cidr.prefix >= b.prefix && networkAddress(probe) === b.address) return block.what;
  }
  return undefined;
}

/**
 * Freezes an object graph in place and returns it. Pulumi Outputs are left alone: they are
 * opaque handles with internal state, not config data.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || pulumi.Output.isInstance(value)) return value;
  for (const key of Object.keys(value)) {
    deepFreeze((value as Record<string, unknown>)[key]);
  }
  return Object.freeze(value);
}
