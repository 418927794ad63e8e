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
import { runCli } from "./cli";
import { formatHuman, formatJson, mergeDiagnoses, diagnoseStreamDetailed, type Diagnosis } from "../../stacks/diagnosis/diagnose";

const USAGE = `usage: npm run diagnose -- [--json] FILE...

Reads ConfigMgr logs (CMTrace or plain), Entra Connect output and dsregcmd /status output
(UTF-8 or UTF-16, CRLF or LF; '-' reads stdin) and names, for every known error signature,
the runbook step that was most likely missed, with the cause and the fix.

  --json      print {"findings": [{step, signature, line, cause, fix, confidence, file, lineNumber}]}

A finding's confidence is "high" (a specific message) or "medium" (two or more weak signals
of the same step); one weak signal alone is listed as seen but names no step.
  -h, --help  show this help
`;

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

async function main(values: { json?: boolean }, files: string[]): Promise<number> {
  if (files.length === 0) return usageError("no input: give at least one FILE, or '-' for stdin");
  if (files.filter((f) => f === "-").length > 1) return usageError("stdin ('-') can be read only once");
  const diagnoses: Diagnosis[] = [];
  for (const file of files) {
    try {
      diagnoses.push(await readOne(file));
    } catch (err) {
      process.stderr.write(`diagnose: cannot read ${file === "-" ? "stdin" : `'${file}'`}: ${describe(err)}\n`);
    }
  }
  const merged = mergeDiagnoses(diagnoses);
  process.stdout.write(values.json ? `${formatJson(merged.findings)}\n` : formatHuman(merged, diagnoses.length));
  return diagnoses.length === 0 ? 1 : 0;
}

function usageError(message: string): number {
  process.stderr.write(`diagnose: ${message}\n\n${USAGE}`);
  return 2;
}

runCli({ name: "diagnose", usage: USAGE, positionals: true, options: { json: { type: "boolean" } } }, process.argv.slice(2), main);
