/**
 * Test PKI: generates roots, intermediates, server certificates and PKCS#12 files in memory, so
 * no binary certificate is committed. Keys come from Node's crypto (fast, native) and are handed
 * to node-forge, which builds and signs the certificates and writes the PFX.
 */
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface TestCert {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

const keyCache = new Map<number, forge.pki.rsa.PrivateKey[]>();
let serial = 1;

/** A fresh RSA key (a small pool per size keeps the suite fast). */
function rsaKey(bits: number, index: number): forge.pki.rsa.PrivateKey {
  const pool = keyCache.get(bits) ?? [];
  keyCache.set(bits, pool);
  while (pool.length <= index) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    pool.push(forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()));
  }
  const key = pool[index];
  if (!key) throw new Error("key pool");
  return key;
}

let keyIndex = 0;

export interface CertOptions {
  readonly cn: string;
  /** Issuer; omitted: self-signed. */
  readonly issuer?: TestCert;
  readonly ca?: boolean;
  readonly dnsNames?: readonly string[];
  /** Extended key usages by forge name (serverAuth, clientAuth); omitted: serverAuth for leaves, none for CAs. */
  readonly eku?: readonly string[] | null;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly bits?: number;
}

export function makeCert(o: CertOptions): TestCert {
  const key = rsaKey(o.bits ?? 2048, keyIndex++);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.rsa.setPublicKey(key.n, key.e);
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(`${o.notBefore ?? "2025-01-01"}T00:00:00Z`);
  cert.validity.notAfter = new Date(`${o.notAfter ?? "2030-01-01"}T00:00:00Z`);
  const subject = [{ name: "commonName", value: o.cn }];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const exts: object[] = [{ name: "basicConstraints", cA: o.ca === true }];
  const eku = o.eku === undefined ? (o.ca ? null : ["serverAuth"]) : o.eku;
  if (eku) exts.push({ name: "extKeyUsage", ...Object.fromEntries(eku.map((e) => [e, true])) });
  if (o.dnsNames) exts.push({ name: "subjectAltName", altNames: o.dnsNames.map((value) => ({ type: 2, value })) });
  cert.setExtensions(exts);
  cert.sign(o.issuer ? o.issuer.key : key, forge.md.sha256.create());
  return { cert, key };
}

/** A PKCS#12 file holding `key` (or none) and `certs`. */
export function makePfx(key: forge.pki.rsa.PrivateKey | null, certs: readonly forge.pki.Certificate[], password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [...certs], password, { algorithm: "3des" });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** A root, an intermediate under it and a server certificate for `name` under that. */
export function threeTier(name: string, leaf: Partial<CertOptions> = {}): { root: TestCert; intermediate: TestCert; server: TestCert } {
  const root = makeCert({ cn: "Test Root CA", ca: true });
  const intermediate = makeCert({ cn: "Test Issuing CA", ca: true, issuer: root });
  const server = makeCert({ cn: name, dnsNames: [name], issuer: intermediate, ...leaf });
  return { root, intermediate, server };
}
