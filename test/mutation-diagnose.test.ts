/**
 * The diagnosis engine (stacks/diagnosis/diagnose.ts) where mutation testing (npm run mutate) found
 * it loose, over a small hand-made signature table (independent of stacks/diagnosis/signatures.ts):
 * the human report's exact text, encoding detection at its edges, CMTrace and SMS-trace records,
 * the reported line's cap, byte streams cut inside a character, precedence and merging.
 * Expected values are written here.
 */
import { describe, expect, it } from "vitest";
import {
  decodeBytes,
  detectEncoding,
  diagnoseStreamDetailed,
  diagnoseText,
  diagnoseTextDetailed,
  formatHuman,
  mergeDiagnoses,
  messageOf,
  sortFindings,
  type Finding,
} from "../stacks/diagnosis/diagnose";
import type { Signature } from "../stacks/diagnosis/signatures";

const sig = (id: string, step: string, word: string, extra: Record<string, unknown> = {}): Signature =>
  ({
    id,
    step,
    group: `group-${id}`,
    pattern: new RegExp(word),
    hints: [word],
    cause: `cause ${id}`,
    fix: `fix ${id}`,
    source: "test",
    confirmed: true,
    ...extra,
  }) as unknown as Signature;

const TABLE: readonly Signature[] = [
  sig("a", "ad-user-discovery", "ALPHA failed"),
  sig("b", "sync-scope", "BRAVO"),
  sig("c", "cmg", "CHARLIE"),
  sig("d3", "cmg", "DELTA3", { causeKey: "delta" }),
  sig("d4", "cmg", "DELTA4", { causeKey: "delta" }),
  sig("e1", "cmg", "ECHO1", { causeKey: "echo", specificity: 1 }),
  sig("e2", "cmg", "ECHO2", { causeKey: "echo", specificity: 2 }),
  sig("w1", "cmg", "WEAK1", { weak: true, group: "weak-group" }),
  sig("w2", "cmg", "WEAK2", { weak: true, group: "weak-group" }),
  sig("x", "verify", "XRAY", { group: "weak-group" }),
];
const run = (lines: string[], file?: string) => diagnoseTextDetailed(lines.join("\n"), { signatures: TABLE, ...(file !== undefined ? { file } : {}) });

describe("formatHuman, exactly", () => {
  it("groups findings by step in runbook order, with count, line, cause, fix, and the weak signals", () => {
    const d = run(["ALPHA failed once", "BRAVO here", "ALPHA failed again", "WEAK1 seen"], "x.log");
    expect(formatHuman(d, 1)).toBe(
      [
        "diagnose: 2 findings in 1 input, in runbook order",
        "",
        "[ad-user-discovery] Active Directory User Discovery enabled on the users OU, and run",
        "  - a (high confidence) at x.log:1, 2 times",
        "      ALPHA failed once",
        "    cause: cause a",
        "    fix:   fix a",
        "",
        "[sync-scope] OU filtering: the Workstations OU and the users OU are in the sync scope; a sync cycle has run",
        "  - b (high confidence) at x.log:2",
        "      BRAVO here",
        "    cause: cause b",
        "    fix:   fix b",
        "",
        "Weak signals seen, not enough on their own to name a step:",
        "  - w1 (cmg) at x.log:4",
        "",
      ].join("\n"),
    );
  });

  it("names a medium finding's weak signals, one step header for two findings, and what was superseded", () => {
    expect(formatHuman(run(["WEAK2 first", "WEAK1 second"]), 2)).toBe(
      [
        "diagnose: 1 finding in 2 inputs, in runbook order",
        "",
        "[cmg] Cloud management gateway deployed (virtual machine scale set)",
        "  - w1+w2 (medium confidence: 2 weak signals) at <input>:1, 2 times",
        "      WEAK2 first",
        "    cause: cause w1",
        "    fix:   fix w1",
        "",
      ].join("\n"),
    );
    expect(formatHuman(run(["WEAK1 a", "WEAK2 b", "CHARLIE c", "DELTA3 d"]), 1)).toBe(
      [
        "diagnose: 2 findings in 1 input, in runbook order",
        "",
        "[cmg] Cloud management gateway deployed (virtual machine scale set)",
        "  - c (high confidence) at <input>:3",
        "      CHARLIE c",
        "    cause: cause c",
        "    fix:   fix c",
        "",
        "  - d3 (high confidence) at <input>:4",
        "      DELTA3 d",
        "    cause: cause d3",
        "    fix:   fix d3",
        "",
        "Also seen, explained by a more specific finding in the same input:",
        "  - w1+w2 (cmg) at <input>:1",
        "",
      ].join("\n"),
    );
  });

  it("says when nothing was found, with or without weak signals", () => {
    expect(formatHuman(run(["nothing here"]), 1)).toBe("diagnose: no known error signature found in 1 input.\n");
    expect(formatHuman(run(["WEAK1 a"], "y.log"), 3)).toBe(
      ["diagnose: no known error signature found in 3 inputs.", "", "Weak signals seen, not enough on their own to name a step:", "  - w1 (cmg) at y.log:1", ""].join("\n"),
    );
  });
});

describe("precedence", () => {
  it("lets a specific finding of a weak signal's group explain the weak finding, in another step", () => {
    const d = run(["WEAK1 a", "WEAK2 b", "XRAY c"]);
    expect(d.findings.map((f) => f.signature)).toEqual(["x"]);
    expect(d.superseded.map((f) => f.signature)).toEqual(["w1+w2"]);
  });

  it("collapses one cause to the highest specificity, then to the earlier table row", () => {
    const d = run(["ECHO2 a", "ECHO1 b", "DELTA4 c", "DELTA3 d"]);
    expect(d.findings.map((f) => f.signature)).toEqual(["e2", "d3"]);
    expect(d.superseded.map((f) => f.signature).sort()).toEqual(["d4", "e1"]);
    const d2 = run(["ECHO1 b", "ECHO2 a"]);
    expect(d2.findings.map((f) => f.signature)).toEqual(["e2"]);
  });

  it("marks specific findings as not weak, and leaves file out when there is none", () => {
    const [f] = diagnoseText("CHARLIE", { signatures: TABLE });
    expect(f?.weak).toBe(false);
    expect(f?.confidence).toBe("high");
    expect(f !== undefined && "file" in f).toBe(false);
  });
});

describe("detectEncoding at its edges", () => {
  const le = { encoding: "utf-16le", bomLength: 0 };
  const utf8 = { encoding: "utf-8", bomLength: 0 };
  it.each([
    [[0xef, 0xbb, 0xbf], { encoding: "utf-8", bomLength: 3 }],
    [[0xef, 0xbb], utf8],
    [[0xef, 0xbb, 0x41], utf8],
    [[0xef, 0x41, 0xbf], utf8],
    [[0x41, 0xbb, 0xbf], utf8],
    [[0xff, 0xfe], { encoding: "utf-16le", bomLength: 2 }],
    [[0xff, 0x41], utf8],
    [[0x41, 0xfe], utf8],
    [[0xff], utf8],
    [[0xfe, 0xff], { encoding: "utf-16be", bomLength: 2 }],
    [[0xfe, 0x41], utf8],
    [[0x41, 0xff], utf8],
    [[], utf8],
    [[0x41, 0x00], le],
    [[0x00, 0x41], { encoding: "utf-16be", bomLength: 0 }],
    [[0x41, 0x00, 0x00], le],
    [[0x41, 0x00, 0x41, 0x41], le],
    [[0x41, 0x00, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41], le],
    [[0x00, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41], { encoding: "utf-16be", bomLength: 0 }],
    [[0x41, 0x00, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41], utf8],
    [[0x00, 0x00, 0x00, 0x00], utf8],
    [[0x00, 0x00, ...Array.from({ length: 19 }, () => [0x41, 0x00]).flat()], utf8],
    [[0x00, 0x00, ...Array.from({ length: 19 }, () => [0x00, 0x41]).flat()], utf8],
  ] as const)("%j -> %j", (bytes, expected) => {
    expect(detectEncoding(Uint8Array.from(bytes))).toEqual(expected);
  });

  it("decodes after skipping one BOM only", () => {
    expect(decodeBytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41]))).toBe("\ufeffA");
    expect(decodeBytes(Uint8Array.from([0xff, 0xfe, 0xff, 0xfe, 0x41, 0x00]))).toBe("\ufeffA");
  });
});

describe("records", () => {
  it.each([
    ['<![LOG[ hello ]LOG]!><time="1">', "hello"],
    ["  <![LOG[hello]LOG]!>", "hello"],
    ["x <![LOG[hello]LOG]!>", "x <![LOG[hello]LOG]!>"],
    ["<![LOG[unclosed ", "unclosed"],
    ["]LOG]!><![LOG[late", "]LOG]!><![LOG[late"],
    ["msg $$<Comp><time><thread=1>", "msg"],
    ["msg$$<Comp><time><thread=1>", "msg"],
    ["msg $$<Comp><time><thread=1>   ", "msg"],
    ["a $$<C><t><thread=1> b $$<C><t><thread=2>", "a $$<C><t><thread=1> b"],
    ["msg $$<Comp><time><thread=1> tail", "msg $$<Comp><time><thread=1> tail"],
  ])("messageOf(%j) = %j", (record, message) => {
    expect(messageOf(record)).toBe(message);
  });

  const found = (lines: string[]): [string, string, number][] => diagnoseText(lines.join("\n"), { signatures: TABLE }).map((f) => [f.signature, f.line, f.lineNumber]);

  it("joins a CMTrace message over lines, and closes it at a new record or at the end", () => {
    expect(found(["<![LOG[ALPHA failed", "   continued]LOG]!><time>"])).toEqual([["a", "ALPHA failed continued", 1]]);
    expect(found(["   <![LOG[ALPHA failed", "x]LOG]!>"])).toEqual([["a", "ALPHA failed x", 1]]);
    expect(found(["<![LOG[ALPHA failed", "  <![LOG[BRAVO x]LOG]!>"])).toEqual([
      ["a", "ALPHA failed", 1],
      ["b", "BRAVO x", 2],
    ]);
    expect(found(["<![LOG[ALPHA failed", "more"])).toEqual([["a", "ALPHA failed more", 1]]);
  });

  it("closes a message after 2000 lines", () => {
    const lines = ["<![LOG[open", ...Array.from({ length: 1999 }, () => "filler"), "BRAVO alone", "ALPHA failed]LOG]!>"];
    // Runbook order: ad-user-discovery (a) before sync-scope (b).
    expect(found(lines)).toEqual([
      ["a", "ALPHA failed]LOG]!>", 2002],
      ["b", "BRAVO alone", 2001],
    ]);
  });

  it("caps the reported line at 500 characters", () => {
    const long = `ALPHA failed ${"x".repeat(600)}`;
    const [f] = diagnoseText(long, { signatures: TABLE });
    expect(f?.line).toBe(`${long.slice(0, 497)}...`);
    const exact = `ALPHA failed ${"y".repeat(487)}`;
    expect(exact).toHaveLength(500);
    expect(diagnoseText(exact, { signatures: TABLE })[0]?.line).toBe(exact);
  });

  it("numbers CRLF lines and keeps a line after a lone CR", () => {
    expect(found(["one\r", "two\r", "BRAVO z\r", ""])).toEqual([["b", "BRAVO z", 3]]);
    expect(found(["x", "BRAVO\rALPHA failed"])).toEqual([
      ["a", "BRAVO\rALPHA failed", 2],
      ["b", "BRAVO\rALPHA failed", 2],
    ]);
  });
});

describe("byte and string streams", () => {
  async function* chunks(parts: readonly (Uint8Array | string)[]): AsyncIterable<Uint8Array | string> {
    for (const p of parts) yield p;
  }

  it("decodes UTF-8 cut inside a character, at the sniffing boundary and after it", async () => {
    const text = `${"a".repeat(4080)}\nALPHA failed Zürich\nBRAVO Zürich\n`;
    const bytes = Buffer.from(text, "utf8");
    expect(bytes[4095]).toBe(0xc3); // the first byte of ü ends the first chunk
    const parts = [bytes.subarray(0, 4096), ...Array.from(bytes.subarray(4096), (b) => Uint8Array.of(b))];
    const d = await diagnoseStreamDetailed(chunks(parts), { signatures: TABLE });
    expect(d.findings.map((f) => [f.signature, f.line, f.lineNumber])).toEqual([
      ["a", "ALPHA failed Zürich", 2],
      ["b", "BRAVO Zürich", 3],
    ]);
  });

  it("reads a short UTF-16 input once the stream ends", async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("x\r\nBRAVO ü\r\n", "utf16le")]);
    const d = await diagnoseStreamDetailed(chunks([bytes.subarray(0, 5), bytes.subarray(5)]), { signatures: TABLE });
    expect(d.findings.map((f) => [f.signature, f.line, f.lineNumber])).toEqual([["b", "BRAVO ü", 2]]);
  });

  it("drops a BOM only at the start of the first string chunk", async () => {
    const d = await diagnoseStreamDetailed(chunks(["\ufeffBRAVO", "\ufeff tail\n"]), { signatures: TABLE });
    expect(d.findings.map((f) => f.line)).toEqual(["BRAVO\ufeff tail"]);
  });
});

describe("merging and sorting", () => {
  const f = (step: string, file: string, lineNumber: number): Finding => ({ step, file, lineNumber, signature: `${file}:${lineNumber}` }) as unknown as Finding;

  it("sorts by runbook step, then line within a file, else keeps input order", () => {
    const sorted = sortFindings([f("sync-scope", "x", 9), f("sync-scope", "x", 2), f("ad-user-discovery", "y", 5)]);
    expect(sorted.map((s) => s.signature)).toEqual(["y:5", "x:2", "x:9"]);
    expect(sortFindings([f("cmg", "b", 9), f("cmg", "a", 1)]).map((s) => s.signature)).toEqual(["b:9", "a:1"]);
  });

  it("merges the lists of several inputs", () => {
    const one = run(["BRAVO 1", "WEAK1"], "one.log");
    const two = run(["WEAK1 x", "WEAK2 y", "CHARLIE", "ALPHA failed"], "two.log");
    const merged = mergeDiagnoses([one, two]);
    expect(merged.findings.map((x) => [x.signature, x.file])).toEqual([
      ["a", "two.log"],
      ["b", "one.log"],
      ["c", "two.log"],
    ]);
    expect(merged.superseded.map((x) => [x.signature, x.file])).toEqual([["w1+w2", "two.log"]]);
    expect(merged.withheld.map((x) => [x.signature, x.file])).toEqual([["w1", "one.log"]]);
  });
});
