/**
 * `npm run diagnose -- [--json] FILE...` (contract: ../shared/ARCHITECTURE.md, "Diagnosis").
 *
 * Reads each FILE (`-` is stdin) as a stream, reports every known error signature with the
 * runbook step most likely missed, its cause and fix. Exit codes: 0 when it ran, whatever it
 * found; 2 on a usage error; 1 only when not a single input could be read. A file that cannot be
 * read gets one line on stderr and the other files are still read.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { formatHuman, formatJson, mergeDiagnoses, diagnoseStreamDetailed, type Diagnosis } from "../stacks/diagnose";

const USAGE = `usage: npm run diagnose -- [--json] FILE...

Reads ConfigMgr logs (CMTrace or plain), Entra Connect output and dsregcmd /status output
(UTF-8 or UTF-16, CRLF or LF; '-' reads stdin) and names, for every known error signature,
the runbook step that was most likely missed, with the cause and the fix.

  --json      print {"findings": [{step, signature, line, cause, fix, confidence, file, lineNumber}]}

A finding's confidence is "high" (a specific message) or "medium" (two or more weak signals
of the same step); one weak signal alone is listed as seen but names no step.
  -h, --help  show this help
`;

interface Args {
  readonly json: boolean;
  readonly files: readonly string[];
}

function parseArgs(argv: readonly string[]): Args | { readonly error: string } | "help" {
  let json = false;
  const files: string[] = [];
  let onlyFiles = false;
  for (const a of argv) {
    if (onlyFiles || a === "-" || !a.startsWith("-")) files.push(a);
    else if (a === "--") onlyFiles = true;
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") return "help";
    else return { error: `unknown option '${a}'` };
  }
  if (files.length === 0) return { error: "no input: give at least one FILE, or '-' for stdin" };
  if (files.filter((f) => f === "-").length > 1) return { error: "stdin ('-') can be read only once" };
  return { json, files };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EISDIR") return "is a directory";
    if (code === "EACCES" || code === "EPERM") return "permission denied";
    return err.message;
  }
  return String(err);
}

async function readOne(file: string): Promise<Diagnosis> {
  const stream: Readable = file === "-" ? process.stdin : createReadStream(file);
  return diagnoseStreamDetailed(stream, { file });
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if ("error" in args) {
    process.stderr.write(`diagnose: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const diagnoses: Diagnosis[] = [];
  for (const file of args.files) {
    try {
      diagnoses.push(await readOne(file));
    } catch (err) {
      process.stderr.write(`diagnose: cannot read ${file === "-" ? "stdin" : `'${file}'`}: ${describe(err)}\n`);
    }
  }
  const merged = mergeDiagnoses(diagnoses);
  process.stdout.write(args.json ? `${formatJson(merged.findings)}\n` : formatHuman(merged, diagnoses.length));
  return diagnoses.length === 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`diagnose: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
