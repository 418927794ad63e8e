/**
 * The command-line tools' one argument parser: Node's `util.parseArgs` (strict: an unknown option
 * or a missing value is an error) with the project's conventions: `-h`/`--help` prints the usage
 * on stdout and exits 0; a usage error prints `<tool>: <what is wrong>` and the usage on stderr
 * and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CliSpec<O extends Options> {
  /** The tool's name in messages, e.g. `diagnose`. */
  readonly name: string;
  /** The whole usage text, ending with a newline. */
  readonly usage: string;
  /** The options besides `--help`. */
  readonly options: O;
  /** Whether the tool takes positional arguments (files, filters). Default false. */
  readonly positionals?: boolean;
}

export type CliParse<O extends Options> =
  | { readonly kind: "ok"; readonly values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"]; readonly positionals: string[] }
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string };

/** Parses `argv` (without node and the script). Pure: prints nothing, exits nothing. */
export function parseCli<O extends Options>(spec: CliSpec<O>, argv: readonly string[]): CliParse<O> {
  if (argv.includes("-h") || argv.includes("--help")) return { kind: "help" };
  try {
    const r = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
    if (!spec.positionals && r.positionals.length > 0) return { kind: "error", message: `unexpected argument '${r.positionals[0]}'` };
    return { kind: "ok", values: r.values, positionals: r.positionals };
  } catch (e) {
    // Node's messages name the option ("Unknown option '--x'", "Option '--stack <value>' argument missing").
    return { kind: "error", message: (e as Error).message.replace(/\. To specify a positional argument.*$/s, "") };
  }
}

/**
 * Runs a tool: parses `argv`, prints help (exit 0) or the usage error (exit 2) itself, else
 * calls `run` with the parsed values and exits with its code. A thrown error prints one line.
 */
export function runCli<O extends Options>(
  spec: CliSpec<O>,
  argv: readonly string[],
  run: (values: Extract<CliParse<O>, { kind: "ok" }>["values"], positionals: string[]) => number | Promise<number>,
): void {
  const parsed = parseCli(spec, argv);
  if (parsed.kind === "help") {
    process.stdout.write(spec.usage);
    process.exitCode = 0;
    return;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`${spec.name}: ${parsed.message}\n\n${spec.usage}`);
    process.exitCode = 2;
    return;
  }
  Promise.resolve()
    .then(() => run(parsed.values, parsed.positionals))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        process.stderr.write(`${spec.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}
