import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { expandIncludes } from "../stacks/model/script-text";
import { lintFiles } from "../scripts/cli/pslint";
import { readScript, SCRIPTS_DIR } from "../components/run-step";

const libs: Record<string, string> = { "lib/a.ps1": "function A {\n    1\n}\n", "lib/nested.ps1": "#include lib/a.ps1\n" };
const read = (p: string): string => {
  const key = path.relative("/s", p).replace(/\\/g, "/");
  const text = libs[key];
  if (text === undefined) throw new Error(`no ${key}`);
  return text;
};

describe("#include lib/...", () => {
  it("inlines a library and maps every line back to its file", () => {
    const e = expandIncludes("x.ps1", "param()\n#include lib/a.ps1\nA\n", "/s", read);
    expect(e.text).toBe("param()\nfunction A {\n    1\n}\nA\n");
    expect(e.origin(1)).toEqual({ file: "x.ps1", line: 1 });
    expect(e.origin(3)).toEqual({ file: "lib/a.ps1", line: 2 });
    expect(e.origin(5)).toEqual({ file: "x.ps1", line: 3 });
  });

  it("refuses a library included twice or a library that includes another", () => {
    expect(() => expandIncludes("x.ps1", "#include lib/a.ps1\n#include lib/a.ps1\n", "/s", read)).toThrow(/included twice/);
    expect(() => expandIncludes("x.ps1", "#include lib/nested.ps1\n", "/s", read)).toThrow(/cannot include another library/);
  });

  it("sends the same text from a CRLF checkout as from an LF one", () => {
    const lf = expandIncludes("x.ps1", "param()\n#include lib/a.ps1\nA\n", "/s", read).text;
    const crlf = expandIncludes("x.ps1", "param()\r\n#include lib/a.ps1\r\nA\r\n", "/s", (p) => read(p).replace(/\n/g, "\r\n")).text;
    expect(crlf).toBe(lf);
    expect(crlf).not.toContain("\r");
  });

  it("leaves a script without includes as it is", () => {
    expect(expandIncludes("x.ps1", "param()\n# include is not a directive\n", "/s", read).text).toBe("param()\n# include is not a directive\n");
  });

  it("gates what is sent: a problem inside a library is reported at the library's own line", async () => {
    const fixture = path.join(__dirname, "fixtures", "ps-include", "uses-lib.ps1");
    const problems = await lintFiles([fixture], path.join(__dirname, "fixtures", "ps-include"));
    expect(problems.map((p) => `${p.file}:${p.line}:${p.rule}`)).toEqual([`${path.join("lib", "helper.ps1")}:3:unknown-cmdlet`]);
  });

  it("sends scripts with their libraries inlined", () => {
    const text = readScript("enhanced-http.ps1", SCRIPTS_DIR);
    expect(text).toContain("function Connect-CMSite {");
    expect(text).not.toMatch(/^#include /m);
  });
});
