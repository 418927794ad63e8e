/** The command-line tools' shared argument handling (scripts/cli/cli.ts): --help exits 0, a usage error 2. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli } from "../scripts/cli/cli";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const spec = { name: "t", usage: "usage: t\n", positionals: true, options: { json: { type: "boolean" }, stack: { type: "string" } } } as const;

describe("parseCli", () => {
  it("parses options and positionals", () => {
    const r = parseCli(spec, ["--json", "--stack", "prod", "a.log", "-"]);
    expect(r).toEqual({ kind: "ok", values: { json: true, stack: "prod" }, positionals: ["a.log", "-"] });
  });
  it("answers help for -h and --help wherever they stand", () => {
    expect(parseCli(spec, ["-h"])).toEqual({ kind: "help" });
    expect(parseCli(spec, ["a.log", "--help"])).toEqual({ kind: "help" });
  });
  it("names an unknown option, a missing value and an unexpected argument", () => {
    expect(parseCli(spec, ["--jsn"])).toEqual({ kind: "error", message: "Unknown option '--jsn'" });
    expect(parseCli(spec, ["--stack"])).toMatchObject({ kind: "error", message: expect.stringContaining("--stack") });
    expect(parseCli({ ...spec, positionals: false }, ["x"])).toEqual({ kind: "error", message: "unexpected argument 'x'" });
  });
  it("takes arguments after -- as positionals", () => {
    expect(parseCli(spec, ["--", "--json"])).toEqual({ kind: "ok", values: {}, positionals: ["--json"] });
  });
});

describe.each([
  ["plan.ts", "usage: npm run plan"],
  ["diagnose.ts", "usage: npm run diagnose"],
  ["credentials.ts", "usage: npm run credentials"],
  ["lint-scripts.ts", "usage: npm run lint:scripts"],
  ["test-powershell.ts", "usage: npm run test:ps"],
  ["lab-power.ts", "usage: npm run pause|resume"],
  ["timings.ts", "usage: npm run timings"],
  ["bench.ts", "usage: npm run bench"],
  ["readme.ts", "usage: npm run readme"],
])("scripts/cli/%s", (tool, usage) => {
  const run = (...args: string[]) => spawnSync(process.execPath, [TSX, path.join(ROOT, "scripts", "cli", tool), ...args], { cwd: ROOT, encoding: "utf8" });
  it("prints its usage for --help and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
  });
  it("exits 2 on an unknown option, naming it, with the usage on stderr", () => {
    const r = run("--no-such-option");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--no-such-option'");
    expect(r.stderr).toContain(usage);
    expect(r.stdout).toBe("");
  });
});
