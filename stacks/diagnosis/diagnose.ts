/**
 * Diagnosis: from log lines to the runbook step that was most likely missed.
 *
 * Reads ConfigMgr logs (CMTrace format `<![LOG[message]LOG]!><time=... component=...>`, messages
 * may span lines; or the older `message $$<component><time><thread>` format), Entra Connect output
 * and `dsregcmd /status` text, in UTF-8 or UTF-16 LE/BE with or without a BOM, CRLF or LF, and
 * matches every message against the signature table (stacks/diagnosis/signatures.ts).
 *
 * Within one input a signature is reported once (with the count of matching messages and the
 * first matching line). Precision over recall, per input (rules in stacks/diagnosis/signatures.ts):
 * - a signature with a context counts only if the input shows that context;
 * - one weak signal reports nothing; two or more weak signatures of one step make one finding of
 *   `medium` confidence; a specific finding of the same group or step explains them away;
 * - findings that share a cause (causeKey and step) collapse to the most specific one.
 * Every finding carries a `confidence`: `high` for a specific signature, `medium` for combined
 * weak signals. `diagnoseStream` holds at most one line (capped) and one finding per signature in
 * memory, so a log of any size is read in bounded memory.
 *
 * Pure module: no I/O of its own, no top-level side effects. The CLI is scripts/cli/diagnose.ts.
 */
import { TextDecoder } from "node:util";
import { RUNBOOK, stepDef, type StepId } from "../model/runbook";
import { CONTEXT_MARKERS, SIGNATURES, type Signature, type SignatureContext } from "./signatures";

/** How sure a finding is: `high` for a specific signature, `medium` for two or more weak ones. */
export type Confidence = "high" | "medium";

/** One known error signature found in one input. */
export interface Finding {
  /** The runbook step that was most likely missed. */
  readonly step: StepId;
  /** The signature id (stacks/diagnosis/signatures.ts). */
  readonly signature: string;
  /** The first matching message (CMTrace: the message text), trimmed and capped in length. */
  readonly line: string;
  readonly cause: string;
  readonly fix: string;
  /** Name of the input (file path, `-` for stdin), when known. */
  readonly file?: string;
  /** 1-based line number where the first matching message starts. */
  readonly lineNumber: number;
  /** How many messages of this input matched this signature (with this step). */
  readonly count: number;
  /** True for generic evidence (see `Signature.weak`); a reported weak finding combines signals. */
  readonly weak: boolean;
  /** `high`: a specific signature; `medium`: two or more weak signatures of the same step. */
  readonly confidence: Confidence;
  /** The signature ids behind the finding (one, or the weak ones combined). */
  readonly signals: readonly string[];
}

/**
 * What one or more inputs showed. `findings` is what is reported; `superseded` holds findings
 * that a more specific finding of the same input explains; `withheld` holds evidence too weak to
 * report (a single weak signal, or a signature whose context the input does not show).
 */
export interface Diagnosis {
  readonly findings: readonly Finding[];
  readonly superseded: readonly Finding[];
  readonly withheld: readonly Finding[];
}

export interface DiagnoseOptions {
  /** Name of the input, copied into each finding's `file`. */
  readonly file?: string;
  /** Signature table to use (default: SIGNATURES). */
  readonly signatures?: readonly Signature[];
}

export interface LineMatch {
  readonly signature: Signature;
  /** The step to report (the signature's step, refined by the line where the signature says so). */
  readonly step: StepId;
}

/** Longest `line` kept in a finding. */
export const MAX_REPORTED_LINE = 500;
/** A physical line longer than this is cut into pieces (bounded memory on binary junk). */
export const MAX_LINE_CHARS = 1 << 20;
/** A CMTrace message spanning more than this many lines is closed as it stands. */
export const MAX_RECORD_LINES = 2000;
/** Plain (non-CMTrace) records of an input tested against every context marker. */
export const CONTEXT_SNIFF_RECORDS = 1000;
/** Bytes looked at to tell BOM-less UTF-16 from UTF-8. */
const SNIFF_BYTES = 4096;

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

const PREFILTERS = new WeakMap<readonly Signature[], RegExp>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One case-insensitive alternation of every hint: a line without any hint cannot match. */
function prefilterFor(table: readonly Signature[]): RegExp {
  let re = PREFILTERS.get(table);
  if (!re) {
    const hints = [...new Set(table.flatMap((s) => s.hints))].sort((a, b) => b.length - a.length);
    re = hints.length === 0 ? /(?!)/ : new RegExp(hints.map(escapeRegExp).join("|"), "i");
    PREFILTERS.set(table, re);
  }
  return re;
}

/** The signatures one message matches, with the step each points at. */
export function matchLine(text: string, table: readonly Signature[] = SIGNATURES): LineMatch[] {
  if (!prefilterFor(table).test(text)) return [];
  const out: LineMatch[] = [];
  for (const signature of table) {
    if (signature.pattern.test(text)) {
      out.push({ signature, step: signature.refineStep ? signature.refineStep(text) : signature.step });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Records: CMTrace messages (possibly multi-line), SMS trace lines, plain lines
// ---------------------------------------------------------------------------------------------

const CMTRACE_OPEN = "<![LOG[";
const CMTRACE_CLOSE = "]LOG]!>";
const SMS_TRACE_SUFFIX = /\s*\$\$<[^>]*><[^>]*><thread=[^>]*>\s*$/;

/** The message text of one record, as a person would read it in CMTrace. */
export function messageOf(record: string): string {
  const start = record.indexOf(CMTRACE_OPEN);
  if (start >= 0 && record.slice(0, start).trim() === "") {
    const end = record.indexOf(CMTRACE_CLOSE, start);
    const body = end >= 0 ? record.slice(start + CMTRACE_OPEN.length, end) : record.slice(start + CMTRACE_OPEN.length);
    return body.trim();
  }
  return record.replace(SMS_TRACE_SUFFIX, "").trim();
}

/**
 * Joins the physical lines of a CMTrace message that spans lines into one record; any other
 * line is a record by itself.
 */
class RecordAssembler {
  private pending: string[] = [];
  private pendingLine = 0;

  constructor(private readonly emit: (record: string, lineNumber: number) => void) {}

  push(line: string, lineNumber: number): void {
    if (this.pending.length > 0) {
      if (line.trimStart().startsWith(CMTRACE_OPEN)) {
        // A new record opens before the previous one closed: close the previous as it stands.
        this.flush();
      } else {
        this.pending.push(line);
        if (line.includes(CMTRACE_CLOSE) || this.pending.length >= MAX_RECORD_LINES) this.flush();
        return;
      }
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith(CMTRACE_OPEN) && !trimmed.includes(CMTRACE_CLOSE)) {
      this.pending = [line];
      this.pendingLine = lineNumber;
      return;
    }
    this.emit(line, lineNumber);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const record = this.pending.join("\n");
    this.pending = [];
    this.emit(record, this.pendingLine);
  }
}

// ---------------------------------------------------------------------------------------------
// One input
// ---------------------------------------------------------------------------------------------

interface MutableFinding {
  step: StepId;
  signature: Signature;
  line: string;
  lineNumber: number;
  count: number;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s*\r?\n\s*/g, " ");
  return oneLine.length > MAX_REPORTED_LINE ? `${oneLine.slice(0, MAX_REPORTED_LINE - 3)}...` : oneLine;
}

/** Collects the findings of one input, one line at a time. */
export class DiagnosisSession {
  private readonly table: readonly Signature[];
  private readonly file: string | undefined;
  private readonly found = new Map<string, MutableFinding>();
  private readonly contexts = new Set<SignatureContext>();
  private plainRecords = 0;
  private readonly assembler: RecordAssembler;

  constructor(options: DiagnoseOptions = {}) {
    this.table = options.signatures ?? SIGNATURES;
    this.file = options.file;
    this.assembler = new RecordAssembler((record, lineNumber) => this.onRecord(record, lineNumber));
  }

  /** Feeds one physical line (without its line ending). */
  pushLine(line: string, lineNumber: number): void {
    this.assembler.push(line, lineNumber);
  }

  private onRecord(record: string, lineNumber: number): void {
    const message = messageOf(record);
    if (message === "") return;
    const text = message.includes("\n") ? message.replace(/\s*\n\s*/g, " ") : message;
    const matches = matchLine(text, this.table);
    this.noteContext(record, text, matches.length > 0);
    for (const m of matches) {
      const key = `${m.signature.id}\u0000${m.step}`;
      const seen = this.found.get(key);
      if (seen) seen.count += 1;
      else this.found.set(key, { step: m.step, signature: m.signature, line: clip(text), lineNumber, count: 1 });
    }
  }

  private noteContext(record: string, text: string, matched: boolean): void {
    if (this.contexts.size === CONTEXT_COUNT) return;
    // A CMTrace or SMS-trace record is ConfigMgr by its format, and carries no dsregcmd or
    // device-registration output. The markers (the costly part on a large plain log) are tested
    // on the first plain records, where a pasted or exported log shows what it is, and on every
    // record that matched a signature.
    if (record.trimStart().startsWith(CMTRACE_OPEN) || SMS_TRACE_SUFFIX.test(record)) {
      this.contexts.add("configmgr");
      return;
    }
    if (!matched && ++this.plainRecords > CONTEXT_SNIFF_RECORDS) return;
    for (const [context, marker] of CONTEXT_ENTRIES) {
      if (!this.contexts.has(context) && marker.test(text)) this.contexts.add(context);
    }
  }

  /** Ends the input and returns its findings, in runbook order, resolved as the module comment says. */
  finish(): Diagnosis {
    this.assembler.flush();
    const order = new Map(this.table.map((sig, i) => [sig.id, i] as const));
    const withheld: Finding[] = [];
    const strong: Finding[] = [];
    const weakByStep = new Map<StepId, MutableFinding[]>();
    for (const f of this.found.values()) {
      const inContext = f.signature.context === undefined || this.contexts.has(f.signature.context);
      if (!inContext) withheld.push(this.toFinding([f], "high"));
      else if (f.signature.weak !== true) strong.push(this.toFinding([f], "high"));
      else weakByStep.set(f.step, [...(weakByStep.get(f.step) ?? []), f]);
    }
    const combined: Finding[] = [];
    for (const signals of weakByStep.values()) {
      const sorted = [...signals].sort((a, b) => (order.get(a.signature.id) ?? 0) - (order.get(b.signature.id) ?? 0));
      if (sorted.length >= 2) combined.push(this.toFinding(sorted, "medium"));
      else withheld.push(...sorted.map((f) => this.toFinding([f], "medium")));
    }
    return resolveFindings([...strong, ...combined], withheld, this.table);
  }

  private toFinding(signals: readonly MutableFinding[], confidence: Confidence): Finding {
    const first = [...signals].sort((a, b) => a.lineNumber - b.lineNumber)[0] as MutableFinding;
    const lead = signals[0] as MutableFinding;
    return {
      step: lead.step,
      signature: signals.map((f) => f.signature.id).join("+"),
      line: first.line,
      cause: lead.signature.cause,
      fix: lead.signature.fix,
      lineNumber: first.lineNumber,
      count: signals.reduce((n, f) => n + f.count, 0),
      weak: lead.signature.weak === true,
      confidence,
      signals: signals.map((f) => f.signature.id),
      ...(this.file !== undefined ? { file: this.file } : {}),
    };
  }
}

const CONTEXT_ENTRIES = Object.entries(CONTEXT_MARKERS) as [SignatureContext, RegExp][];
const CONTEXT_COUNT = CONTEXT_ENTRIES.length;

/**
 * Resolves the findings of one input (they must come from one input): a weak (combined) finding
 * yields to a specific finding of the same step or of a group one of its signals belongs to; then
 * findings sharing a cause (causeKey and step) collapse to the most specific (high before medium,
 * then `specificity`, then table order). Returns every list in runbook order.
 */
export function resolveFindings(
  findings: readonly Finding[],
  withheld: readonly Finding[] = [],
  table: readonly Signature[] = SIGNATURES,
): Diagnosis {
  const byId = new Map(table.map((sig, i) => [sig.id, { sig, i }] as const));
  const groupsOf = (f: Finding): string[] => f.signals.map((id) => byId.get(id)?.sig.group ?? id);
  const strong = findings.filter((f) => f.confidence === "high");
  const strongSteps = new Set(strong.map((f) => f.step));
  const strongGroups = new Set(strong.flatMap(groupsOf));
  const superseded: Finding[] = [];
  const candidates: Finding[] = [];
  for (const f of findings) {
    const explained = f.confidence !== "high" && (strongSteps.has(f.step) || groupsOf(f).some((g) => strongGroups.has(g)));
    (explained ? superseded : candidates).push(f);
  }
  const rank = (f: Finding): [number, number, number] => {
    const lead = byId.get(f.signals[0] ?? "");
    return [f.confidence === "high" ? 1 : 0, lead?.sig.specificity ?? 1, -(lead?.i ?? 0)];
  };
  const better = (a: Finding, b: Finding): boolean => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    return false;
  };
  const causeOf = (f: Finding): string => {
    const lead = byId.get(f.signals[0] ?? "")?.sig;
    return `${f.step}\u0000${f.confidence === "high" ? lead?.causeKey ?? f.signature : `weak:${f.signature}`}`;
  };
  const best = new Map<string, Finding>();
  for (const f of candidates) {
    const key = causeOf(f);
    const seen = best.get(key);
    if (!seen) best.set(key, f);
    else if (better(f, seen)) {
      superseded.push(seen);
      best.set(key, f);
    } else superseded.push(f);
  }
  return { findings: sortFindings([...best.values()]), superseded: sortFindings(superseded), withheld: sortFindings(withheld) };
}

const STEP_ORDER: ReadonlyMap<StepId, number> = new Map(RUNBOOK.map((s, i) => [s.id, i]));

/** Runbook order, then input order (stable), then line number. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        (STEP_ORDER.get(a.f.step) ?? 0) - (STEP_ORDER.get(b.f.step) ?? 0) ||
        (a.f.file === b.f.file ? a.f.lineNumber - b.f.lineNumber : a.i - b.i),
    )
    .map((x) => x.f);
}

/** Merges the diagnoses of several inputs (precedence already applied per input). */
export function mergeDiagnoses(diagnoses: readonly Diagnosis[]): Diagnosis {
  return {
    findings: sortFindings(diagnoses.flatMap((d) => d.findings)),
    superseded: sortFindings(diagnoses.flatMap((d) => d.superseded)),
    withheld: sortFindings(diagnoses.flatMap((d) => d.withheld)),
  };
}

// ---------------------------------------------------------------------------------------------
// Text decoding
// ---------------------------------------------------------------------------------------------

export type TextEncodingName = "utf-8" | "utf-16le" | "utf-16be";

export interface DetectedEncoding {
  readonly encoding: TextEncodingName;
  /** Bytes of byte-order mark to skip (0 when there is none). */
  readonly bomLength: number;
}

/**
 * Tells the encoding from the first bytes: a BOM if there is one; otherwise UTF-16 shows as NUL
 * bytes in every other position for mostly-ASCII text (odd positions: LE, even: BE); else UTF-8.
 */
export function detectEncoding(head: Uint8Array): DetectedEncoding {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: "utf-8", bomLength: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", bomLength: 2 };
  const pairs = Math.floor(Math.min(head.length, SNIFF_BYTES) / 2);
  if (pairs === 0) return { encoding: "utf-8", bomLength: 0 };
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZeros++;
    if (head[2 * i + 1] === 0) oddZeros++;
  }
  if (oddZeros / pairs >= 0.25 && evenZeros / pairs < 0.05) return { encoding: "utf-16le", bomLength: 0 };
  if (evenZeros / pairs >= 0.25 && oddZeros / pairs < 0.05) return { encoding: "utf-16be", bomLength: 0 };
  return { encoding: "utf-8", bomLength: 0 };
}

/** Decodes a whole buffer (UTF-8 or UTF-16 LE/BE, BOM or not) to text without a BOM. */
export function decodeBytes(bytes: Uint8Array): string {
  const { encoding, bomLength } = detectEncoding(bytes);
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(bomLength));
}

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/** Cuts a stream of text into lines (LF or CRLF), numbering them; caps overlong lines. */
class LineSplitter {
  private carry = "";
  private lineNumber = 1;

  constructor(private readonly emit: (line: string, lineNumber: number) => void) {}

  push(text: string): void {
    let data = this.carry.length > 0 ? this.carry + text : text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && data.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.emit(data.slice(start, end), this.lineNumber++);
      start = nl + 1;
    }
    data = start === 0 ? data : data.slice(start);
    while (data.length > MAX_LINE_CHARS) {
      this.emit(data.slice(0, MAX_LINE_CHARS), this.lineNumber);
      data = data.slice(MAX_LINE_CHARS);
    }
    this.carry = data;
  }

  end(): void {
    if (this.carry.length > 0) {
      const line = this.carry.endsWith("\r") ? this.carry.slice(0, -1) : this.carry;
      this.emit(line, this.lineNumber);
    }
    this.carry = "";
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Diagnoses already-decoded text; returns findings and the weak findings they explain. */
export function diagnoseTextDetailed(text: string, options: DiagnoseOptions = {}): Diagnosis {
  const session = new DiagnosisSession(options);
  const splitter = new LineSplitter((line, n) => session.pushLine(line, n));
  splitter.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  splitter.end();
  return session.finish();
}

/** Diagnoses already-decoded text (one input). */
export function diagnoseText(text: string, options: DiagnoseOptions = {}): Finding[] {
  return [...diagnoseTextDetailed(text, options).findings];
}

/**
 * Diagnoses a stream of bytes (any supported encoding, detected from the first bytes) or of
 * strings (already decoded), such as a `fs.ReadStream` or `process.stdin`. Memory stays bounded
 * whatever the input size.
 */
export async function diagnoseStreamDetailed(
  source: AsyncIterable<Uint8Array | string>,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const session = new DiagnosisSession(options);
  const splitter = new LineSplitter((line, n) => session.pushLine(line, n));
  let decoder: TextDecoder | undefined;
  let head: Uint8Array[] = [];
  let headLength = 0;
  let first = true;

  const startDecoding = (): void => {
    const bytes = concat(head, headLength);
    head = [];
    const { encoding, bomLength } = detectEncoding(bytes);
    decoder = new TextDecoder(encoding, { ignoreBOM: true });
    splitter.push(decoder.decode(bytes.subarray(bomLength), { stream: true }));
  };

  for await (const chunk of source) {
    if (typeof chunk === "string") {
      splitter.push(first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk);
      first = false;
      continue;
    }
    first = false;
    if (decoder) {
      splitter.push(decoder.decode(chunk, { stream: true }));
      continue;
    }
    head.push(chunk);
    headLength += chunk.length;
    if (headLength >= SNIFF_BYTES) startDecoding();
  }
  if (!decoder && headLength > 0) startDecoding();
  if (decoder) splitter.push(decoder.decode());
  splitter.end();
  return session.finish();
}

/** Diagnoses a stream (see `diagnoseStreamDetailed`); returns the findings. */
export async function diagnoseStream(source: AsyncIterable<Uint8Array | string>, options: DiagnoseOptions = {}): Promise<Finding[]> {
  return [...(await diagnoseStreamDetailed(source, options)).findings];
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/**
 * The JSON contract: `{"findings": [{step, signature, line, cause, fix, confidence, file?, lineNumber}]}`
 * (`confidence` is `high` or `medium`; `signature` joins the weak signatures a medium finding combines with `+`).
 */
export function formatJson(findings: readonly Finding[]): string {
  return JSON.stringify(
    {
      findings: findings.map((f) => ({
        step: f.step,
        signature: f.signature,
        line: f.line,
        cause: f.cause,
        fix: f.fix,
        confidence: f.confidence,
        ...(f.file !== undefined ? { file: f.file } : {}),
        lineNumber: f.lineNumber,
      })),
    },
    null,
    2,
  );
}

function where(f: Finding): string {
  return `${f.file ?? "<input>"}:${f.lineNumber}`;
}

/** Human report: grouped by step in runbook order, each finding with its line, cause and fix. */
export function formatHuman(diagnosis: Diagnosis, inputsRead: number): string {
  const inputs = `${inputsRead} input${inputsRead === 1 ? "" : "s"}`;
  const { findings, superseded, withheld } = diagnosis;
  const weakNote = (): string[] =>
    withheld.length === 0
      ? []
      : [
          "Weak signals seen, not enough on their own to name a step:",
          ...withheld.map((f) => `  - ${f.signature} (${f.step}) at ${where(f)}`),
          "",
        ];
  if (findings.length === 0) return [`diagnose: no known error signature found in ${inputs}.`, ...(withheld.length ? ["", ...weakNote()] : [""])].join("\n");
  const out: string[] = [`diagnose: ${findings.length} finding${findings.length === 1 ? "" : "s"} in ${inputs}, in runbook order`, ""];
  let step: StepId | undefined;
  for (const f of findings) {
    if (f.step !== step) {
      step = f.step;
      out.push(`[${f.step}] ${stepDef(f.step).title}`);
    }
    const times = f.count > 1 ? `, ${f.count} times` : "";
    const sure = f.confidence === "high" ? "high confidence" : `medium confidence: ${f.signals.length} weak signals`;
    out.push(`  - ${f.signature} (${sure}) at ${where(f)}${times}`);
    out.push(`      ${f.line}`);
    out.push(`    cause: ${f.cause}`);
    out.push(`    fix:   ${f.fix}`);
    out.push("");
  }
  if (superseded.length > 0) {
    out.push("Also seen, explained by a more specific finding in the same input:");
    for (const f of superseded) out.push(`  - ${f.signature} (${f.step}) at ${where(f)}`);
    out.push("");
  }
  out.push(...weakNote());
  return out.join("\n");
}
