import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseLabConfig, SECRET_PLACEHOLDER, type RawStackConfig } from "../stacks/config/config";
import { makePfx, threeTier } from "./support/pki";

const TODAY = "2026-11-25";
const PASSWORD = "Engine-Decrypted-Pfx-1";
const SERVICE = "pfxlabcmg.westeurope.cloudapp.azure.com";

function values(certificate: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "cmg-lab:prefix": "pfxlab",
    "cmg-lab:domain": { fqdn: "corp.pfxlab.example", netbiosName: "PFXLAB" },
    "cmg-lab:tenant": { domain: "contoso.onmicrosoft.com" },
    "cmg-lab:site": { siteCode: "PS2" },
    "cmg-lab:cmg": { name: "pfxlabcmg", certificate },
    "cmg-lab:schedule": { expiresOn: "2026-12-31" },
    "cmg-lab:sync": { msiUrl: "https://files.example.com/AzureADConnect.msi" },
    ...extra,
  };
}

function engine(v: Record<string, unknown>): RawStackConfig {
  return { stack: "dev", project: "cmg-lab", values: v, secretKeys: ["cmg-lab:cmg"] };
}

/** A project directory holding certs/cmg.pfx. */
function projectWith(pfx: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-pfx-"));
  fs.mkdirSync(path.join(dir, "certs"));
  fs.writeFileSync(path.join(dir, "certs", "cmg.pfx"), pfx);
  return dir;
}

describe("config loader: CMG region", () => {
  it("refuses a location the CMG cmdlet is not documented to accept, naming the accepted ones", () => {
    const result = parseLabConfig(engine(values("lab-ca", { "cmg-lab:location": "swedencentral" })), { today: TODAY });
    expect(result.config).toBeUndefined();
    const issue = result.issues.find((i) => i.key === "cmg-lab:location");
    expect(issue?.severity).toBe("error");
    expect(issue?.fix).toContain("westeurope");
  });
  it("accepts westeurope (the default)", () => {
    expect(parseLabConfig(engine(values("lab-ca")), { today: TODAY }).issues).toEqual([]);
  });
});

describe("config loader: supplied PFX", () => {
  const good = threeTier(SERVICE);
  const goodPfx = makePfx(good.server.key, [good.server.cert, good.intermediate.cert, good.root.cert], PASSWORD);
  const cert = { pfxFile: "certs/cmg.pfx", pfxPassword: PASSWORD };

  it("accepts a good PFX checked with the engine's decrypted password", () => {
    const result = parseLabConfig(engine(values(cert)), { today: TODAY, projectDir: projectWith(goodPfx), checkPfx: true });
    expect(result.issues).toEqual([]);
    expect(result.config?.cmg.certificate.kind).toBe("pfx");
  });

  it("refuses a PFX without its intermediate before any resource, without printing the password", () => {
    const pfx = makePfx(good.server.key, [good.server.cert, good.root.cert], PASSWORD);
    const result = parseLabConfig(engine(values(cert)), { today: TODAY, projectDir: projectWith(pfx), checkPfx: true });
    expect(result.config).toBeUndefined();
    expect(result.issues.map((i) => `${i.severity} ${i.key}`)).toEqual(["error cmg-lab:cmg.certificate.pfxFile"]);
    const text = formatConfigIssues(result.issues);
    expect(text).toContain("certs/cmg.pfx");
    expect(text).toContain("KB954755");
    expect(text).not.toContain(PASSWORD);
  });

  it("refuses a wrong password", () => {
    const result = parseLabConfig(engine(values({ ...cert, pfxPassword: "Wrong-Password-9" })), {
      today: TODAY,
      projectDir: projectWith(goodPfx),
      checkPfx: true,
    });
    expect(result.issues.map((i) => i.problem)).toEqual([expect.stringContaining("cannot be opened with the configured password")]);
    expect(formatConfigIssues(result.issues)).not.toContain("Wrong-Password-9");
  });

  it("says the checks run at pulumi preview/up when the password is still encrypted (offline plan)", () => {
    const result = parseLabConfig(
      { stack: "dev", project: "cmg-lab", values: values({ ...cert, pfxPassword: SECRET_PLACEHOLDER }) },
      { today: TODAY, projectDir: projectWith(goodPfx), checkPfx: true },
    );
    expect(result.config).toBeDefined();
    expect(result.issues.map((i) => `${i.severity} ${i.key}`)).toEqual(["warning cmg-lab:cmg.certificate.pfxFile"]);
    expect(result.issues[0]?.problem).toContain("pulumi preview/up");
  });

  it("does not read the PFX unless asked (checkPfx off)", () => {
    const pfx = Buffer.from("garbage");
    expect(parseLabConfig(engine(values(cert)), { today: TODAY, projectDir: projectWith(pfx) }).issues).toEqual([]);
    expect(parseLabConfig(engine(values(cert)), { today: TODAY, projectDir: projectWith(pfx), checkPfx: true }).issues).toHaveLength(1);
  });
});
