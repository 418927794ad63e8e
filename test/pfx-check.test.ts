import { describe, expect, it } from "vitest";
import { checkPfx, dnsNameMatches, type PfxCheckInput } from "../stacks/config/pfx-check";
import { cmgPrefix, cmgRegion, cmgServiceFqdn } from "../stacks/model/cmg-names";
import { makeCert, makePfx, threeTier } from "./support/pki";

const NAME = "cmglabab12.westeurope.cloudapp.azure.com";
const PASSWORD = "Pfx-Test-Password-1";
const base = { password: PASSWORD, serviceName: NAME, today: "2026-06-01", expiresOn: "2026-12-31" };

function check(pfx: Buffer, over: Partial<PfxCheckInput> = {}) {
  return checkPfx({ pfx, ...base, ...over });
}
function codes(pfx: Buffer, over: Partial<PfxCheckInput> = {}): string[] {
  return check(pfx, over).findings.map((f) => `${f.severity}:${f.code}`);
}

describe("dnsNameMatches", () => {
  it.each([
    ["cmg.westeurope.cloudapp.azure.com", "cmg.westeurope.cloudapp.azure.com", true],
    ["CMG.WestEurope.CloudApp.Azure.Com", "cmg.westeurope.cloudapp.azure.com", true],
    ["*.westeurope.cloudapp.azure.com", "cmg.westeurope.cloudapp.azure.com", true],
    ["*.cloudapp.azure.com", "cmg.westeurope.cloudapp.azure.com", false],
    ["*.com", "cmg.com", false],
    ["other.westeurope.cloudapp.azure.com", "cmg.westeurope.cloudapp.azure.com", false],
    ["cmg.westeurope.cloudapp.azure.com.", "cmg.westeurope.cloudapp.azure.com", true],
  ])("%s covers %s: %s", (pattern, name, expected) => {
    expect(dnsNameMatches(pattern, name)).toBe(expected);
  });
});

describe("CMG names", () => {
  it("appends the per-deployment suffix within 24 characters", () => {
    expect(cmgPrefix("cmglabdev", "ab12")).toBe("cmglabdevab12");
    expect(cmgPrefix("a".repeat(24), "ab12")).toBe(`${"a".repeat(20)}ab12`);
    expect(cmgPrefix("a".repeat(24), "ab12")).toHaveLength(24);
    expect(() => cmgPrefix("cmg", "AB-1")).toThrow(/lowercase/);
  });
  it("builds the scale-set deployment name", () => {
    expect(cmgServiceFqdn("cmglabdevab12", "westeurope")).toBe("cmglabdevab12.westeurope.cloudapp.azure.com");
  });
  it.each([
    ["westeurope", "WestEurope"],
    ["eastus", "EastUS"],
    ["WESTUS2", "WestUS2"],
    ["swedencentral", undefined],
    ["northeurope", undefined],
  ])("region %s -> %s", (location, region) => {
    expect(cmgRegion(location)).toBe(region);
  });
});

describe("checkPfx", () => {
  const good = threeTier(NAME);
  const goodChain = [good.server.cert, good.intermediate.cert, good.root.cert];

  it("accepts a complete, valid PFX and summarises it", () => {
    const result = check(makePfx(good.server.key, goodChain, PASSWORD));
    expect(result.findings).toEqual([]);
    expect(result.summary?.commonName).toBe(NAME);
    expect(result.summary?.chain).toEqual([`CN=${NAME}`, "CN=Test Issuing CA", "CN=Test Root CA"]);
  });

  it("accepts a wildcard certificate for the region's cloudapp domain", () => {
    const { root, intermediate, server } = threeTier("*.westeurope.cloudapp.azure.com");
    expect(codes(makePfx(server.key, [server.cert, intermediate.cert, root.cert], PASSWORD))).toEqual([]);
  });

  it("refuses a PFX without the intermediate, naming the missing issuer and KB954755", () => {
    const result = check(makePfx(good.server.key, [good.server.cert, good.root.cert], PASSWORD));
    expect(result.findings.map((f) => f.code)).toEqual(["chain-incomplete"]);
    expect(result.findings[0]?.problem).toContain("CN=Test Issuing CA");
    expect(result.findings[0]?.problem).toContain("KB954755");
    expect(result.findings[0]?.fix).toMatch(/intermediate/);
  });

  it("refuses a certificate without Server Authentication", () => {
    const { root, intermediate, server } = threeTier(NAME, { eku: ["clientAuth"] });
    const result = check(makePfx(server.key, [server.cert, intermediate.cert, root.cert], PASSWORD));
    expect(result.findings.map((f) => f.code)).toEqual(["no-server-auth"]);
    expect(result.findings[0]?.problem).toContain("1.3.6.1.5.5.7.3.1");
  });

  it("refuses a certificate with no Enhanced Key Usage at all", () => {
    const { root, intermediate, server } = threeTier(NAME, { eku: null });
    expect(codes(makePfx(server.key, [server.cert, intermediate.cert, root.cert], PASSWORD))).toEqual(["error:no-server-auth"]);
  });

  it("refuses an expired certificate, and one that ends before the lab", () => {
    const expired = threeTier(NAME, { notBefore: "2024-01-01", notAfter: "2025-06-01" });
    const r1 = check(makePfx(expired.server.key, [expired.server.cert, expired.intermediate.cert, expired.root.cert], PASSWORD));
    expect(r1.findings.map((f) => f.code)).toEqual(["expires-too-soon"]);
    expect(r1.findings[0]?.problem).toContain("expired on 2025-06-01");

    const short = threeTier(NAME, { notAfter: "2026-09-30" });
    const r2 = check(makePfx(short.server.key, [short.server.cert, short.intermediate.cert, short.root.cert], PASSWORD));
    expect(r2.findings.map((f) => f.code)).toEqual(["expires-too-soon"]);
    expect(r2.findings[0]?.problem).toContain("before the lab's schedule.expiresOn (2026-12-31)");
  });

  it("refuses a certificate that is not valid yet", () => {
    const future = threeTier(NAME, { notBefore: "2026-07-01" });
    expect(codes(makePfx(future.server.key, [future.server.cert, future.intermediate.cert, future.root.cert], PASSWORD))).toEqual([
      "error:not-yet-valid",
    ]);
  });

  it("refuses a certificate for another name", () => {
    const other = threeTier("cmg.contoso.com");
    const result = check(makePfx(other.server.key, [other.server.cert, other.intermediate.cert, other.root.cert], PASSWORD));
    expect(result.findings.map((f) => f.code)).toEqual(["wrong-name"]);
    expect(result.findings[0]?.problem).toContain("cmg.contoso.com");
    expect(result.findings[0]?.problem).toContain(NAME);
  });

  it("only warns about more CA certificates than ConfigMgr 1902 and earlier accepted", () => {
    const extraRoots = [1, 2].map((i) => makeCert({ cn: `Extra Root ${i}`, ca: true }).cert);
    const result = check(makePfx(good.server.key, [...goodChain, ...extraRoots], PASSWORD));
    expect(result.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(["warning:too-many-cas"]);
    expect(result.findings[0]?.problem).toContain("3 root");
    expect(result.findings[0]?.problem).toContain("1902 and earlier");
  });

  it("refuses a wrong password without echoing either password", () => {
    const result = check(makePfx(good.server.key, goodChain, PASSWORD), { password: "Not-The-Password" });
    expect(result.findings.map((f) => f.code)).toEqual(["wrong-password"]);
    expect(JSON.stringify(result)).not.toContain("Not-The-Password");
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it("refuses a PFX without the private key, and one with somebody else's key", () => {
    expect(codes(makePfx(null, goodChain, PASSWORD))).toEqual(["error:no-private-key"]);
    const stranger = makeCert({ cn: "stranger" });
    expect(codes(makePfx(stranger.key, goodChain, PASSWORD))).toEqual(["error:key-mismatch"]);
  });

  it("refuses a key shorter than 2048 bits", () => {
    const weak = threeTier(NAME, { bits: 1024 });
    expect(codes(makePfx(weak.server.key, [weak.server.cert, weak.intermediate.cert, weak.root.cert], PASSWORD))).toEqual([
      "error:weak-key",
    ]);
  });

  it("refuses a file that is not PKCS#12", () => {
    expect(codes(Buffer.from("not a real PFX"))).toEqual(["error:unreadable"]);
  });

  it("reports every problem at once", () => {
    const bad = makeCert({ cn: "wrong.example.com", eku: ["clientAuth"], notAfter: "2026-08-01", issuer: good.intermediate });
    expect(codes(makePfx(bad.key, [bad.cert], PASSWORD)).sort()).toEqual(
      ["error:chain-incomplete", "error:expires-too-soon", "error:no-server-auth", "error:wrong-name"].sort(),
    );
  });
});
