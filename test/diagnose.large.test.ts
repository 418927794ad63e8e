import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { diagnoseStreamDetailed } from "../stacks/diagnosis/diagnose";

/**
 * A 100 MB CMTrace log generated on the fly (never written to disk or committed), read as a
 * stream. Checks the findings and that the heap does not grow with the input.
 */
const MB = 1 << 20;
const NOISE = `<![LOG[[CCMHTTP] OK: URL=https://cmglab-dev.westeurope.cloudapp.azure.com/CCM_Proxy_ServerAuth/72057594037928017/ping, Port=443, Options=480, Code=0, Text=CCM_E_NO_ERROR]LOG]!><time="10:41:07.512+000" date="11-18-2024" component="LocationServices" context="" type="1" thread="4736 (0x1280)" file="ccmhttp.cpp:1234">\r\n`;
const PKI = `<![LOG[[CCMHTTP] ERROR: URL=http://PS1SITE.corp.cmglab.example/SMS_MP/.sms_aut?SITESIGNCERT, Port=80, Options=1088, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT]LOG]!><time="10:41:08.000+000" date="11-18-2024" component="LocationServices" context="" type="3" thread="4736 (0x1280)" file="">\r\n`;
const MULTI = `<![LOG[Raising event:\r\ninstance of CCM_CcmHttp_Status\r\n{\r\n\tHRESULT = "0x87d00454";\r\n};\r\n]LOG]!><time="10:41:09.000+000" date="11-18-2024" component="CcmMessaging" context="" type="2" thread="1" file="">\r\n`;
const DSREG = "             AzureAdJoined : NO\r\n";

describe("large input", () => {
  it("streams a 100 MB log in bounded memory and finds what it holds", async () => {
    const linesPerChunk = Math.floor(MB / NOISE.length);
    const noiseChunk = Buffer.from(NOISE.repeat(linesPerChunk));
    const chunks = 100;
    let bytes = 0;
    let line = 1;
    const pkiLines: number[] = [];
    let multiLine = 0;
    let dsregLine = 0;
    const heapBase = process.memoryUsage().heapUsed;
    let heapPeak = heapBase;

    function* generate(): Generator<Buffer> {
      for (let i = 0; i < chunks; i++) {
        if (i % 10 === 0) {
          pkiLines.push(line);
          line += 1;
          bytes += PKI.length;
          yield Buffer.from(PKI);
        }
        if (i === 50) {
          multiLine = line;
          line += 6;
          bytes += MULTI.length;
          yield Buffer.from(MULTI);
        }
        if (i === chunks - 1) {
          dsregLine = line;
          line += 1;
          bytes += DSREG.length;
          yield Buffer.from(DSREG);
        }
        line += linesPerChunk;
        bytes += noiseChunk.length;
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        yield noiseChunk;
      }
    }

    const d = await diagnoseStreamDetailed(Readable.from(generate()), { file: "LocationServices.log" });
    expect(bytes).toBeGreaterThanOrEqual(100 * 1000 * 1000);
    expect(d.findings.map((f) => [f.signature, f.step, f.count, f.lineNumber])).toEqual([["ccm-no-client-pki-cert", "enhanced-http", 10, pkiLines[0]]]);
    // The multi-line record in the middle is found (same cause, so superseded) and so is the last line (weak alone, withheld).
    expect(d.superseded.map((f) => [f.signature, f.lineNumber])).toEqual([["ccm-get-directory-list-87d00454", multiLine]]);
    expect(d.withheld.map((f) => [f.signature, f.lineNumber])).toEqual([["dsreg-azure-ad-joined-no", dsregLine]]);
    expect(pkiLines[0]).toBe(1);
    // Heap growth while streaming stays far below the input size (one chunk of 1 MB is
    // shared by the generator; garbage collection timing varies, hence the generous bound).
    expect(heapPeak - heapBase).toBeLessThan(bytes / 4);
  }, 30_000);
});
