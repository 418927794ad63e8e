import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeParameterValue, encodeParameterValue, wrapForRunCommand } from "../stacks/model/run-command-transport";
import { initPsLint, parsePowerShell, declaredParameters } from "../scripts/cli/pslint";
import { readScript, SCRIPTS_DIR } from "../components/run-step";

beforeAll(async () => {
  await initPsLint();
});

describe("parameter values on the run command's command line", () => {
  it.each([
    ["PS1", "PS1"],
    ["OU=Workstations,DC=corp,DC=cmglab,DC=example", "OU=Workstations,DC=corp,DC=cmglab,DC=example"],
    ["CORP\\labadmin", "CORP\\labadmin"],
    ["https://download.microsoft.com/x/AzureADConnect.msi", "https://download.microsoft.com/x/AzureADConnect.msi"],
  ])("sends the safe value %j as it is", (value, sent) => {
    expect(encodeParameterValue(value)).toBe(sent);
  });

  it.each(["CMG Lab Users", "Pa%ss^w&rd!#*", '/mp:"x" y', "https://go.microsoft.com/fwlink/?linkid=1&x=2", "", "b64:looks-encoded", "Zürich"])(
    "encodes %j and decodes it back exactly",
    (value) => {
      const sent = encodeParameterValue(value);
      expect(sent).toMatch(/^b64:[A-Za-z0-9+/=]*$/);
      expect(decodeParameterValue(sent)).toBe(value);
    },
  );
});

describe("the wrapper sent as the run command's script", () => {
  it("parses, declares exactly the passed parameters, and carries the script verbatim", () => {
    const inner = "[CmdletBinding()]\nparam(\n    [string] $A\n)\n$ErrorActionPreference = 'Stop'\nWrite-Output \"a=$A\"\nexit 0\n";
    const wrapped = wrapForRunCommand(inner, ["A", "Secret"]);
    expect(declaredParameters(wrapped).names).toEqual(["A", "Secret"]);
    expect(wrapped).toContain(inner.trimEnd());
    const tree = parsePowerShell(wrapped);
    try {
      expect(tree.rootNode.hasError).toBe(false);
    } finally {
      tree.delete();
    }
  });

  it("parses around every real script", () => {
    const files = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".ps1"));
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const file of files) {
      const names = declaredParameters(readScript(file)).names;
      const tree = parsePowerShell(wrapForRunCommand(readScript(file), names));
      try {
        expect(tree.rootNode.hasError, file).toBe(false);
      } finally {
        tree.delete();
      }
    }
  });

  it("refuses a script that would end the here-string early, and odd parameter names", () => {
    expect(() => wrapForRunCommand("x\n'@\ny\n", [])).toThrow(/'@/);
    expect(() => wrapForRunCommand("x\n", ["a b"])).toThrow(/letters and digits/);
  });
});
