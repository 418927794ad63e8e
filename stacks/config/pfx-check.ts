/**
 * Checks a supplied CMG server-authentication certificate (a PKCS#12 / PFX file) before any
 * resource is created. Pure: bytes, password and dates in, findings out. Nothing here logs or
 * returns the password.
 *
 * Why node-forge: Node's `crypto` reads X.509 (`X509Certificate`) but not PKCS#12, so it cannot
 * open a .pfx, decrypt its bags or match the private key to the certificate.
 *
 * What is checked, and where the rule comes from:
 * - the file is PKCS#12 and the password opens it (MAC verified);
 * - a private key is present and matches the certificate's public key: the CMG needs the PFX
 *   "with private key and password" (cmg/server-auth-cert.md, certificates-for-cloud-management-gateway.md);
 * - RSA, at least 2048 bits: "2048-bit or 4096-bit key length" (cmg/server-auth-cert.md);
 * - Enhanced Key Usage lists Server Authentication, 1.3.6.1.5.5.7.3.1 (RFC 5280 id-kp-serverAuth;
 *   the certificate is the CMG's HTTPS server certificate);
 * - the common name or a DNS subject alternative name covers the service name (a wildcard for
 *   one leftmost label is allowed: "The CMG server authentication certificate supports wildcards");
 * - every certificate of the chain is valid from today until the lab's `expiresOn`;
 * - the chain is complete: every issuer up to a self-signed root is in the PFX. Clients fail with
 *   "one or more certificates in the certificate chain are missing" when a server lacks its
 *   intermediates (KB954755, https://learn.microsoft.com/troubleshoot/developer/webapps/iis/www-authentication-authorization/configure-intermediate-certificates).
 *   Decision: the root is required too. A TLS server may omit the root, but offline a missing root
 *   cannot be told apart from a missing intermediate, and the default Windows export
 *   (`Export-PfxCertificate`, "Include all certificates in the certification path") includes it;
 * - at most 2 root and 4 intermediate CA certificates, as a warning only: that limit applied to
 *   ConfigMgr 1902 and earlier (certificates-for-cloud-management-gateway.md, note on older
 *   versions); current sites accept more.
 */
import forge from "node-forge";

export const SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";
/** ConfigMgr 1902 and earlier: trusted root / intermediate CA certificates a CMG accepts. */
export const OLD_SITE_MAX_ROOTS = 2;
export const OLD_SITE_MAX_INTERMEDIATES = 4;
export const MIN_RSA_BITS = 2048;

/** One problem with the PFX. */
export interface PfxFinding {
  readonly severity: "error" | "warning";
  /** Stable id, for tests and tooling. */
  readonly code:
    | "unreadable"
    | "wrong-password"
    | "not-rsa"
    | "no-certificate"
    | "no-private-key"
    | "key-mismatch"
    | "weak-key"
    | "no-server-auth"
    | "wrong-name"
    | "not-yet-valid"
    | "expires-too-soon"
    | "chain-incomplete"
    | "too-many-cas";
  readonly problem: string;
  readonly fix: string;
}

export interface PfxCheckInput {
  /** The PFX file's bytes. */
  readonly pfx: Uint8Array;
  /** The PFX password (plaintext; never echoed). */
  readonly password: string;
  /** The name the certificate must cover, e.g. `cmglab1a2b.westeurope.cloudapp.azure.com`. */
  readonly serviceName: string;
  /** Today, `YYYY-MM-DD`; without it, "not valid yet" and "expired" are not told apart from "ends too soon". */
  readonly today?: string;
  /** The lab's last day, `YYYY-MM-DD`: the certificate must still be valid then. */
  readonly expiresOn: string;
}

/** What was found in the PFX (no secret in it). */
export interface PfxSummary {
  /** Subject common name of the server certificate. */
  readonly commonName: string | undefined;
  /** DNS subject alternative names of the server certificate. */
  readonly dnsNames: readonly string[];
  /** Subjects of the chain, server certificate first. */
  readonly chain: readonly string[];
  readonly notAfter: string;
}

export interface PfxCheckResult {
  readonly findings: readonly PfxFinding[];
  /** Present when the PFX could be opened. */
  readonly summary: PfxSummary | undefined;
}

interface ExtKeyUsageExtension {
  readonly serverAuth?: boolean;
  readonly [oid: string]: unknown;
}
interface SubjectAltNameExtension {
  readonly altNames?: readonly { readonly type: number; readonly value?: string }[];
}
interface BasicConstraintsExtension {
  readonly cA?: boolean;
}

const EXPORT_FIX =
  "re-export it on Windows with the private key, 'Include all certificates in the certification path if possible' and a password (Export-PfxCertificate -ChainOption BuildChain), or use certificate: lab-ca";

/** True when `pattern` (a certificate DNS name, possibly `*.x.y`) covers `name`. */
export function dnsNameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const n = name.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === n;
  const rest = p.slice(2);
  const dot = n.indexOf(".");
  // A wildcard covers exactly one leftmost label, and never a bare registrable suffix.
  return dot > 0 && n.slice(dot + 1) === rest && rest.includes(".");
}

function dateOnly(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function subjectText(cert: forge.pki.Certificate): string {
  const cn = cert.subject.getField("CN") as { value?: unknown } | null;
  if (cn && typeof cn.value === "string") return `CN=${cn.value}`;
  return cert.subject.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(", ") || "(empty subject)";
}

function isSelfSigned(cert: forge.pki.Certificate): boolean {
  if (!cert.isIssuer(cert)) return false;
  try {
    return cert.verify(cert);
  } catch {
    return false;
  }
}

function isCa(cert: forge.pki.Certificate): boolean {
  const bc = cert.getExtension("basicConstraints") as BasicConstraintsExtension | undefined;
  return bc?.cA === true;
}

function sameRsaKey(key: forge.pki.rsa.PrivateKey, cert: forge.pki.Certificate): boolean {
  const pub = cert.publicKey as forge.pki.rsa.PublicKey;
  return pub.n !== undefined && pub.n.equals(key.n) && pub.e.equals(key.e);
}

/** Opens the PFX; a finding instead when it cannot be opened. */
function open(pfx: Uint8Array, password: string): forge.pkcs12.Pkcs12Pfx | PfxFinding {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(pfx).toString("binary")));
  } catch {
    return {
      severity: "error",
      code: "unreadable",
      problem: "is not a PKCS#12 (.pfx) file",
      fix: `point pfxFile at the PFX export of the CMG certificate (not a .cer or .pem); ${EXPORT_FIX}`,
    };
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/password|MAC/i.test(message)) {
      return {
        severity: "error",
        code: "wrong-password",
        problem: "cannot be opened with the configured password (the PKCS#12 integrity check fails)",
        fix: "set the PFX's password: pulumi config set --secret --path 'cmg-lab:cmg.certificate.pfxPassword' <password>",
      };
    }
    if (/not RSA|OID is not RSA/i.test(message)) {
      return {
        severity: "error",
        code: "not-rsa",
        problem: "holds a certificate whose key is not RSA; the CMG supports 2048-bit or 4096-bit RSA keys",
        fix: "issue the CMG certificate with an RSA 2048 or 4096 key",
      };
    }
    return {
      severity: "error",
      code: "unreadable",
      problem: `cannot be read as PKCS#12 (${message.split("\n")[0] ?? "parse error"})`,
      fix: EXPORT_FIX,
    };
  }
}

/**
 * Checks the PFX for a CMG whose service name is `input.serviceName`. Every problem is reported
 * (not only the first), each with a fix.
 */
export function checkPfx(input: PfxCheckInput): PfxCheckResult {
  const opened = open(input.pfx, input.password);
  if (!("getBags" in opened)) return { findings: [opened], summary: undefined };
  const findings: PfxFinding[] = [];
  const add = (f: PfxFinding): void => {
    findings.push(f);
  };

  const certs: forge.pki.Certificate[] = bags(opened, BAG_OIDS.cert)
    .map((b) => b.cert)
    .filter((c): c is forge.pki.Certificate => c !== undefined);
  const keys: forge.pki.rsa.PrivateKey[] = [...bags(opened, BAG_OIDS.shroudedKey), ...bags(opened, BAG_OIDS.key)]
    .map((b) => b.key)
    .filter((k): k is forge.pki.rsa.PrivateKey => k !== undefined && k !== null);

  const endEntities = certs.filter((c) => !isCa(c));
  if (certs.length === 0 || endEntities.length === 0) {
    add({
      severity: "error",
      code: "no-certificate",
      problem: certs.length === 0 ? "holds no certificate" : "holds only CA certificates, no server certificate",
      fix: EXPORT_FIX,
    });
    return { findings, summary: undefined };
  }

  // The server certificate: the end-entity certificate whose key is in the PFX; otherwise the
  // one that covers the service name; otherwise the first.
  const withKey = endEntities.find((c) => keys.some((k) => sameRsaKey(k, c)));
  const leaf =
    withKey ?? endEntities.find((c) => certificateNames(c).some((n) => dnsNameMatches(n, input.serviceName))) ?? endEntities[0];
  if (leaf === undefined) return { findings, summary: undefined };

  if (keys.length === 0) {
    add({
      severity: "error",
      code: "no-private-key",
      problem: `holds the certificate ${subjectText(leaf)} without its private key; the CMG needs the key to serve HTTPS`,
      fix: `export the certificate with its private key ('Yes, export the private key'): ${EXPORT_FIX}`,
    });
  } else if (withKey === undefined) {
    add({
      severity: "error",
      code: "key-mismatch",
      problem: `holds a private key that does not belong to the certificate ${subjectText(leaf)}`,
      fix: `export the certificate together with its own private key: ${EXPORT_FIX}`,
    });
  }

  const bits = (leaf.publicKey as forge.pki.rsa.PublicKey).n?.bitLength() ?? 0;
  if (bits < MIN_RSA_BITS) {
    add({
      severity: "error",
      code: "weak-key",
      problem: `has a ${bits}-bit RSA key; the CMG supports 2048-bit or 4096-bit keys`,
      fix: "issue the certificate with a 2048-bit or 4096-bit RSA key",
    });
  }

  const eku = leaf.getExtension("extKeyUsage") as ExtKeyUsageExtension | undefined;
  if (eku?.serverAuth !== true) {
    add({
      severity: "error",
      code: "no-server-auth",
      problem: eku
        ? `the certificate's Enhanced Key Usage does not list Server Authentication (${SERVER_AUTH_OID})`
        : `the certificate has no Enhanced Key Usage extension; the CMG certificate must list Server Authentication (${SERVER_AUTH_OID})`,
      fix: "issue it from a template with Server Authentication, such as the Web Server template",
    });
  }

  const names = certificateNames(leaf);
  if (!names.some((n) => dnsNameMatches(n, input.serviceName))) {
    add({
      severity: "error",
      code: "wrong-name",
      problem: `the certificate is issued for ${names.length > 0 ? names.join(", ") : "no DNS name"}, not for the CMG service name ${input.serviceName}`,
      fix: `issue it with the common name ${input.serviceName} (or a DNS name *.${input.serviceName.split(".").slice(1).join(".")}), or set cmg.name to the certificate's first label; custom domain service names (with a CNAME) are not supported by this lab; use certificate: lab-ca`,
    });
  }

  // Chain from the server certificate up to a self-signed root.
  const chain: forge.pki.Certificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 10; depth++) {
    if (isSelfSigned(current)) break;
    const child = current;
    const issuer = certs.find((c) => c !== child && child.isIssuer(c) && safeVerify(c, child));
    if (issuer === undefined) {
      add({
        severity: "error",
        code: "chain-incomplete",
        problem: `the chain is incomplete: the issuer of ${subjectText(current)} (${issuerText(current)}) is not in the PFX. Clients and the CMG then report "one or more certificates in the certificate chain are missing" (KB954755)`,
        fix: `include every intermediate CA certificate and the root: ${EXPORT_FIX}`,
      });
      break;
    }
    chain.push(issuer);
    current = issuer;
  }

  for (const cert of chain) {
    const notBefore = dateOnly(cert.validity.notBefore);
    const notAfter = dateOnly(cert.validity.notAfter);
    const which = cert === leaf ? "the certificate" : `the CA certificate ${subjectText(cert)}`;
    if (input.today !== undefined && notBefore > input.today) {
      add({
        severity: "error",
        code: "not-yet-valid",
        problem: `${which} is not valid before ${notBefore} (today is ${input.today})`,
        fix: "wait until it is valid, or issue one that is valid now",
      });
    }
    if (notAfter < input.expiresOn) {
      add({
        severity: "error",
        code: "expires-too-soon",
        problem: input.today !== undefined && notAfter < input.today
          ? `${which} expired on ${notAfter}`
          : `${which} expires on ${notAfter}, before the lab's schedule.expiresOn (${input.expiresOn})`,
        fix: "issue a certificate valid until after schedule.expiresOn, or bring schedule.expiresOn forward",
      });
    }
  }

  const roots = certs.filter((c) => isSelfSigned(c));
  const intermediates = certs.filter((c) => isCa(c) && !isSelfSigned(c));
  if (roots.length > OLD_SITE_MAX_ROOTS || intermediates.length > OLD_SITE_MAX_INTERMEDIATES) {
    add({
      severity: "warning",
      code: "too-many-cas",
      problem: `holds ${roots.length} root and ${intermediates.length} intermediate CA certificates; ConfigMgr 1902 and earlier accept at most ${OLD_SITE_MAX_ROOTS} root and ${OLD_SITE_MAX_INTERMEDIATES} intermediate CA certificates on a CMG (current sites accept more)`,
      fix: "ignore this on a current-branch site; for an old site export only the server certificate's own chain",
    });
  }

  return {
    findings,
    summary: {
      commonName: commonName(leaf),
      dnsNames: dnsAltNames(leaf),
      chain: chain.map(subjectText),
      notAfter: dateOnly(leaf.validity.notAfter),
    },
  };
}

/** PKCS#12 bag types (RFC 7292 §4.2). */
const BAG_OIDS = {
  key: "1.2.840.113549.1.12.10.1.1",
  shroudedKey: "1.2.840.113549.1.12.10.1.2",
  cert: "1.2.840.113549.1.12.10.1.3",
} as const;

function bags(p12: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return p12.getBags({ bagType })[bagType] ?? [];
}

function safeVerify(issuer: forge.pki.Certificate, child: forge.pki.Certificate): boolean {
  try {
    return issuer.verify(child);
  } catch {
    return false;
  }
}

function issuerText(cert: forge.pki.Certificate): string {
  const cn = cert.issuer.getField("CN") as { value?: unknown } | null;
  return cn && typeof cn.value === "string" ? `CN=${cn.value}` : "unnamed issuer";
}

function commonName(cert: forge.pki.Certificate): string | undefined {
  const cn = cert.subject.getField("CN") as { value?: unknown } | null;
  return cn && typeof cn.value === "string" ? cn.value : undefined;
}

function dnsAltNames(cert: forge.pki.Certificate): string[] {
  const san = cert.getExtension("subjectAltName") as SubjectAltNameExtension | undefined;
  return (san?.altNames ?? []).filter((a) => a.type === 2 && typeof a.value === "string").map((a) => a.value as string);
}

/** The certificate's DNS names: the subject alternative names, then the common name. */
export function certificateNames(cert: forge.pki.Certificate): string[] {
  const cn = commonName(cert);
  const sans = dnsAltNames(cert);
  return cn !== undefined && !sans.includes(cn) ? [...sans, cn] : sans;
}
