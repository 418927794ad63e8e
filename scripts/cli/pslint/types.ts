/** Identifiers of the checks; each printed problem names one. */
export type RuleId =
  | "syntax"
  | "unknown-cmdlet"
  | "unconfirmed-cmdlet"
  | "unknown-parameter"
  | "unconfirmed-parameter"
  | "abbreviated-parameter"
  | "splat-unverified"
  | "pipeline-scope"
  | "contract"
  | "secret-protection"
  | "error-action"
  | "exit-on-failure"
  | "idempotence"
  | "secret-leak"
  | "non-deterministic";

/** One finding, 1-based line and column. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: RuleId;
  readonly message: string;
}

/** What the TypeScript side passes to a run command for one script. */
export interface RunCommandInputs {
  readonly parameters: readonly string[];
  readonly protectedParameters: readonly string[];
}

/** `file:line:col: rule: message`, the format the CLI prints. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.rule}: ${p.message}`;
}
