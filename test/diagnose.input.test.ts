import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  decodeBytes,
  detectEncoding,
  diagnoseStream,
  diagnoseStreamDetailed,
  diagnoseText,
  formatHuman,
  formatJson,
  messageOf,
  type Finding,
} from "../stacks/diagnosis/diagnose";

const ROOT = resolve(__dirname, "..");
const FIXTURES = join(ROOT, "test", "fixtures", "logs");
const fixture = (name: string): string => join(FIXTURES, name);

function utf16le(text: string, bom: boolean): Buffer {
  const body = Buffer.from(text, "utf16le");
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

function utf16be(text: string, bom: boolean): Buffer {
  const le = Buffer.from(text, "utf16le");
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1] ?? 0;
    be[i + 1] = le[i] ?? 0;
  }
  return bom ? Buffer.concat([Buffer.from([0xfe, 0xff]), be]) : be;
}

/** A stream that hands out `bytes` in chunks of `size` (odd sizes split UTF-16 code units). */
function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts);
}

const summary = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.step}/${f.signature}@${f.lineNumber}`);

const DSREG = [
  "+----------------------------------------------------------------------+",
  "| Device State                                                         |",
  "+----------------------------------------------------------------------+",
  "",
  "             AzureAdJoined : NO",
  "              DomainJoined : YES",
  "          Client ErrorCode : 0x801c03f2",
  "            Server Message : The device object by the given id (4b9d5c0e-8f7a-4c3b-9e21-0d6f5a7b8c9d) is not found.",
  "",
].join("\r\n");
const DSREG_EXPECTED = ["sync-scope/dsreg-device-object-not-found@8"];

describe("encodings and line endings", () => {
  const variants: readonly [string, Buffer][] = [
    ["UTF-8", Buffer.from(DSREG, "utf8")],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(DSREG, "utf8")])],
    ["UTF-8, LF only", Buffer.from(DSREG.replace(/\r\n/g, "\n"), "utf8")],
    ["UTF-16LE with BOM", utf16le(DSREG, true)],
    ["UTF-16LE without BOM", utf16le(DSREG, false)],
    ["UTF-16BE with BOM", utf16be(DSREG, true)],
    ["UTF-16BE without BOM", utf16be(DSREG, false)],
  ];

  it.each(variants)("%s: decodes and finds the same", async (_name, bytes) => {
    expect(decodeBytes(bytes).replace(/\r\n/g, "\n")).toBe(DSREG.replace(/\r\n/g, "\n"));
    expect(summary(diagnoseText(decodeBytes(bytes)))).toEqual(DSREG_EXPECTED);
    for (const size of [1, 3, 7, 64, 1 << 16]) {
      expect(summary(await diagnoseStream(chunked(bytes, size))), `chunk size ${size}`).toEqual(DSREG_EXPECTED);
    }
  });

  it("detects encodings from the first bytes", () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ encoding: "utf-8", bomLength: 3 });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]))).toEqual({ encoding: "utf-16le", bomLength: 2 });
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]))).toEqual({ encoding: "utf-16be", bomLength: 2 });
    expect(detectEncoding(Buffer.from("AzureAdJoined", "utf16le"))).toEqual({ encoding: "utf-16le", bomLength: 0 });
    expect(detectEncoding(utf16be("AzureAdJoined", false))).toEqual({ encoding: "utf-16be", bomLength: 0 });
    expect(detectEncoding(Buffer.from("plain ASCII text, é ü", "utf8"))).toEqual({ encoding: "utf-8", bomLength: 0 });
    expect(detectEncoding(new Uint8Array(0))).toEqual({ encoding: "utf-8", bomLength: 0 });
  });

  it("reads strings as well as bytes, and an empty stream", async () => {
    expect(summary(await diagnoseStream(Readable.from(["\ufeff" + DSREG.slice(0, 100), DSREG.slice(100)])))).toEqual(DSREG_EXPECTED);
    expect(await diagnoseStream(Readable.from([]))).toEqual([]);
  });

  it("a last line without a line ending is read", () => {
    expect(summary(diagnoseText("x\r\nServer Message : The device object by the given id (x) is not found."))).toEqual([
      "sync-scope/dsreg-device-object-not-found@2",
    ]);
  });
});

describe("CMTrace records", () => {
  it("takes the message out of a CMTrace record and an SMS trace line", () => {
    expect(messageOf('<![LOG[Hello world]LOG]!><time="1" date="2" component="x" context="" type="1" thread="1" file="">')).toBe("Hello world");
    expect(messageOf("Deployment failed  $$<SMS_CLOUD_SERVICES_MANAGER><11-18-2024 10:02:11.200+00><thread=5120 (0x1400)>")).toBe("Deployment failed");
    expect(messageOf("  plain text  ")).toBe("plain text");
  });

  it("joins a message that spans lines and reports its first line", () => {
    const text = [
      '<![LOG[first record]LOG]!><time="1" date="2" component="CcmMessaging" context="" type="1" thread="1" file="">',
      "<![LOG[Raising event:",
      "instance of CCM_CcmHttp_Status",
      "{",
      '\tHRESULT = "0x87d00454";',
      '};]LOG]!><time="1" date="2" component="CcmMessaging" context="" type="2" thread="1" file="">',
      '<![LOG[Status code is \'403\' and status description is \'CMGConnector_Un-authorizedrequest\'.]LOG]!><time="1" date="2" component="CCM_STS" context="" type="3" thread="1" file="">',
    ].join("\r\n");
    const findings = diagnoseText(text, { file: "x.log" });
    expect(summary(findings)).toEqual(["enhanced-http/ccm-get-directory-list-87d00454@2", "ad-user-discovery/cmg-token-unauthorized-request@7"]);
    expect(findings[0]?.line).toBe('Raising event: instance of CCM_CcmHttp_Status { HRESULT = "0x87d00454"; };');
  });

  it("closes an unterminated record when the next one opens", () => {
    const text = ["<![LOG[CCM_E_NO_CLIENT_PKI_CERT (record never closed)", '<![LOG[AADSTS65001 consent]LOG]!><time="1">'].join("\n");
    expect(summary(diagnoseText(text))).toEqual(["entra-apps/entra-consent-missing@2", "enhanced-http/ccm-no-client-pki-cert@1"]);
  });
});

describe("fixtures", () => {
  const cases: readonly [string, readonly string[]][] = [
    [
      "ccm-client-cmg.log",
      // Code=87 and 0x87d00454 are the same cause as CCM_E_NO_CLIENT_PKI_CERT: only the most specific is reported.
      ["enhanced-http/ccm-no-client-pki-cert@2", "enhanced-http/cmg-forbidden-iis-binding@6"],
    ],
    ["CCM_STS.log", ["ad-user-discovery/sts-user-not-completely-discovered@2"]],
    ["dsregcmd-not-synced.txt", ["sync-scope/dsreg-device-object-not-found@30"]],
    ["dsregcmd-no-scp.txt", ["hybrid-join-scp/dsreg-scp-read-failed@19"]],
    ["dsregcmd-joined.txt", []],
    ["clean-client.log", []],
    // permission-issue alone is weak evidence (withheld); the stopped run is specific.
    ["entra-connect-runs.txt", ["entra-connect/adsync-run-stopped@13"]],
    ["CloudMgr.log", ["cmg-azure-access/azure-authorization-failed@1"]],
    ["SMS_Cloud_ProxyConnector.log", ["network/cmg-cp-connection-failed@1"]],
  ];

  it.each(cases)("%s", async (name, expected) => {
    const findings = await diagnoseStream(Readable.from([readFileSync(fixture(name))]), { file: name });
    expect(summary(findings)).toEqual(expected);
    for (const f of findings) expect(f.file).toBe(name);
  });

  it("the dsregcmd fixture is UTF-16LE with a BOM and CRLF, as PowerShell 5 writes it", () => {
    const bytes = readFileSync(fixture("dsregcmd-not-synced.txt"));
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    expect(decodeBytes(bytes)).toContain("AzureAdJoined : NO\r\n");
  });

  it("the lone weak 0x87d00231 in the client log is withheld; the same-cause findings are superseded", async () => {
    const d = await diagnoseStreamDetailed(Readable.from([readFileSync(fixture("ccm-client-cmg.log"))]), { file: "c" });
    expect(d.withheld.map((f) => [f.signature, f.count, f.lineNumber])).toEqual([["ccmhttp-post-failed-87d00231", 2, 3]]);
    expect(d.superseded.map((f) => [f.signature, f.lineNumber])).toEqual([
      ["ccmhttp-mutualauth-code-87", 2],
      ["ccm-get-directory-list-87d00454", 7],
    ]);
  });
});

describe("output", () => {
  const findings = diagnoseText("x\nAzureAdJoined : NO\nAADSTS90002: Tenant 'abc' not found.\n", { file: "d.txt" });

  it("JSON keeps the contract keys plus confidence, file and lineNumber", () => {
    const parsed = JSON.parse(formatJson(findings)) as { findings: Record<string, unknown>[] };
    expect(parsed.findings).toHaveLength(1);
    expect(Object.keys(parsed.findings[0] ?? {}).sort()).toEqual(["cause", "confidence", "file", "fix", "line", "lineNumber", "signature", "step"]);
    expect(parsed.findings[0]).toMatchObject({ step: "hybrid-join-scp", signature: "dsreg-tenant-not-found", file: "d.txt", lineNumber: 3, confidence: "high" });
    expect(JSON.parse(formatJson([]))).toEqual({ findings: [] });
  });

  it("human output groups by step in runbook order with cause, fix and file:line", () => {
    const text = formatHuman(
      {
        findings: diagnoseText("AADSTS65001 x\nStatusText=CMGConnector_Forbidden\nMissingSubscriptionRegistration\n", { file: "a.log" }),
        superseded: [],
        withheld: [],
      },
      1,
    );
    const order = ["[entra-apps]", "[enhanced-http]", "[cmg-azure-access]"].map((h) => text.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain("at a.log:2");
    expect(text).toContain("cause: ");
    expect(text).toContain("fix:   ");
    expect(text).toContain("(high confidence)");
    expect(formatHuman({ findings: [], superseded: [], withheld: [] }, 2)).toBe("diagnose: no known error signature found in 2 inputs.\n");
  });
});

// ------------------------------------------------------------------------------------------
// The CLI, end to end (stdin, files, unreadable files, usage errors).
// ------------------------------------------------------------------------------------------

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], stdin?: Buffer): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "cli", "diagnose.ts"), ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

describe("npm run diagnose (CLI)", () => {
  it("reads stdin with '-' (UTF-16LE dsregcmd output) and prints JSON", async () => {
    const run = await cli(["--json", "-"], utf16le(DSREG, true));
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as { findings: { step: string; signature: string; file: string; lineNumber: number }[] };
    expect(parsed.findings.map((f) => [f.step, f.signature, f.file, f.lineNumber])).toEqual([["sync-scope", "dsreg-device-object-not-found", "-", 8]]);
  });

  it("reports an unreadable file on stderr and still reads the others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diagnose-"));
    const missing = join(dir, "missing.log");
    const run = await cli(["--json", missing, dir, fixture("CCM_STS.log")]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`cannot read '${missing}': no such file`);
    expect(run.stderr).toContain(`cannot read '${dir}': is a directory`);
    const parsed = JSON.parse(run.stdout) as { findings: { signature: string }[] };
    expect(parsed.findings.map((f) => f.signature)).toEqual(["sts-user-not-completely-discovered"]);
  });

  it("a clean log gives an empty list and exit code 0; human output too", async () => {
    const json = await cli(["--json", fixture("clean-client.log")]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ findings: [] });
    const dir = mkdtempSync(join(tmpdir(), "diagnose-"));
    const file = join(dir, "LocationServices.log");
    writeFileSync(file, utf16be("StatusCode=403 StatusText=CMGConnector_Clientcertificaterequired\r\n", false));
    const human = await cli([file, fixture("clean-client.log")]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("[enhanced-http]");
    expect(human.stdout).toContain(`${file}:1`);
  });

  it.each([[[]], [["--bogus", "x.log"]], [["-", "-"]]] as const)("usage error %j exits 2", async (args) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("usage: npm run diagnose");
  });

  it("exits 1 only when no input at all could be read", async () => {
    const run = await cli(["--json", join(tmpdir(), "surely-not-here-9f1c.log")]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ findings: [] });
  });
});
