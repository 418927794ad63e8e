/** The shape of a diagnosis signature (the table is ../signatures.ts). */
import type { StepId } from "../../model/runbook";

/** Symptoms that explain one another; precedence (see ../signatures.ts) works within a group. */
export type SignatureGroup =
  | "user-token"
  | "cmg-client"
  | "cmg-site"
  | "device-join"
  | "domain-join"
  | "entra-connect"
  | "entra-apps";

/** A kind of input in which a message is evidence about the lab (see CONTEXT_MARKERS in ../signatures.ts). */
export type SignatureContext = "configmgr" | "device-registration";

export interface Signature {
  /** Stable kebab-case id, printed as `signature` in the diagnosis output. */
  readonly id: string;
  /** The runbook step that was most likely missed. */
  readonly step: StepId;
  readonly group: SignatureGroup;
  /** Matches the shape of one message (see ../signatures.ts). */
  readonly pattern: RegExp;
  /** Lower-case literals; every line `pattern` matches contains at least one of them. */
  readonly hints: readonly string[];
  /** Why this shows up, in one sentence. */
  readonly cause: string;
  /** What to do, in one sentence. */
  readonly fix: string;
  /** Microsoft documentation URL, or an "UNCONFIRMED wording" note (see ../signatures.ts). */
  readonly source: string;
  /** True when the message or code itself is in Microsoft's documentation. */
  readonly confirmed: boolean;
  /**
   * Generic evidence: silent on its own, one `medium` finding with a second weak signature of
   * the same step, and explained away by a specific finding of the same group or step.
   */
  readonly weak?: boolean;
  /** Evidence only in an input that shows this context (see ../signatures.ts). */
  readonly context?: SignatureContext;
  /** Signatures with the same key and step are one cause (default: the signature's own id). */
  readonly causeKey?: string;
  /** Among findings of one cause, the highest is reported (default 1). */
  readonly specificity?: number;
  /**
   * Some messages name the missed step more precisely than the default `step`; given the
   * matched line, returns the step to report. Pure.
   */
  readonly refineStep?: (line: string) => StepId;
}
