/**
 * Known error signatures, kept next to the runbook: each one names the runbook step whose miss
 * most likely produced it, with the cause and the fix in a sentence each. `npm run diagnose`
 * (scripts/cli/diagnose.ts, matcher in stacks/diagnosis/diagnose.ts) reads ConfigMgr, Entra Connect and
 * `dsregcmd /status` output against this table; the verify step's report is fed to the same table.
 *
 * Rules for an entry:
 * - `pattern` matches the *shape* of one log message (ids, GUIDs, SIDs, host names and codes vary),
 *   never one literal line. No `g`/`y` flag: patterns are reused on every line.
 * - `hints` are lower-case literals of which every match contains at least one; the matcher
 *   skips a line that holds none of them (the cheap pre-filter that keeps a 100 MB log fast).
 * - `source` is the Microsoft page that documents the message or code. Where the wording is not
 *   in Microsoft's documentation, `confirmed` is false and `source` says "UNCONFIRMED wording"
 *   (and names the page that documents the underlying requirement, if any).
 * - Causes and fixes are our own words.
 *
 * Precision over recall (how stacks/diagnosis/diagnose.ts combines the table, per input: one file or text):
 * - A `weak` signature is real evidence but not specific (for example `AzureAdJoined : NO` says
 *   the join has not finished, not why). One weak signal on its own reports nothing; two or more
 *   different weak signatures pointing at the same step make one finding of `medium` confidence.
 *   A weak signal also yields to a specific finding of its `group` or step in the same input.
 * - A signature with a `context` counts only when the same input shows that context (a ConfigMgr
 *   log, dsregcmd or device-registration output; see CONTEXT_MARKERS): an Entra error code in
 *   another product's log says nothing about the lab.
 * - Findings of one input that share a `causeKey` and a step are one cause: only the most
 *   specific one (highest `specificity`, then table order) is reported.
 *
 * This module is pure: no I/O, no top-level side effects.
 */
import { isStepId, type StepId } from "../model/runbook";
import { USER_TOKEN } from "./signatures/user-token";
import { CMG_CLIENT } from "./signatures/cmg-client";
import { CMG_CONNECTION_POINT } from "./signatures/cmg-connection-point";
import { CMG_DEPLOYMENT } from "./signatures/cmg-deployment";
import { ENTRA_APPS } from "./signatures/entra-apps";
import { DOMAIN_JOIN } from "./signatures/domain-join";
import { HYBRID_JOIN } from "./signatures/hybrid-join";
import { ENTRA_CONNECT } from "./signatures/entra-connect";
import type { Signature, SignatureContext } from "./signatures/types";

export type { Signature, SignatureContext, SignatureGroup } from "./signatures/types";

/**
 * What shows that an input is of a given kind, besides its format (a CMTrace or SMS-trace record
 * is always ConfigMgr). Tested against every message of an input.
 */
export const CONTEXT_MARKERS: Readonly<Record<SignatureContext, RegExp>> = {
  configmgr:
    /\bConfigMgr|Configuration Manager|\bCMG(?:Connector|Service)_|\bSMS_[A-Z]|\bCCM(?:_[A-Z]|Setup|Exec|Messaging|HTTP\b)|\bCMG\b|CloudMgr|ADALOperationProvider|ClientIDManager|LocationServices|\bSMS (?:Server|CCM|Provider)\b|\bAAD (?:USER|GROUP|SYSTEM) (?:delta|full) sync\b/i,
  "device-registration":
    /dsregcmd|\bAzureAdJoined\b|\bDomainJoined\b|Device Registration|\bDSREG_|^\s*(?:Registration Type|Error Phase|Client ErrorCode)\s*:|DRS Discovery Test|Workplace Join|Automatic-Device-Join|enterpriseregistration\./i,
};

/** The table, in the order it is written (grouped by area, one module per area under signatures/). */
export const SIGNATURES: readonly Signature[] = [
  ...USER_TOKEN,
  ...CMG_CLIENT,
  ...CMG_CONNECTION_POINT,
  ...CMG_DEPLOYMENT,
  ...ENTRA_APPS,
  ...DOMAIN_JOIN,
  ...HYBRID_JOIN,
  ...ENTRA_CONNECT,
];

/** The signatures that point at `step`. */
export function signaturesForStep(step: StepId): readonly Signature[] {
  return SIGNATURES.filter((s) => s.step === step);
}

/**
 * Checks the table's own invariants: unique kebab-case ids, known steps, patterns without
 * stateful flags, lower-case non-empty hints, one-sentence cause and fix, and a source that is
 * a Microsoft URL when confirmed or says UNCONFIRMED when not. Returns the problems found.
 */
export function validateSignatures(table: readonly Signature[] = SIGNATURES): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const s of table) {
    if (ids.has(s.id)) problems.push(`signature '${s.id}' appears twice`);
    ids.add(s.id);
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s.id)) problems.push(`signature '${s.id}': id is not kebab-case`);
    if (!isStepId(s.step)) problems.push(`signature '${s.id}': unknown step '${s.step}'`);
    if (s.pattern.global || s.pattern.sticky) problems.push(`signature '${s.id}': pattern must not use the g or y flag`);
    if (s.hints.length === 0) problems.push(`signature '${s.id}': needs at least one hint`);
    for (const h of s.hints) {
      if (h.length === 0 || h !== h.toLowerCase()) problems.push(`signature '${s.id}': hint '${h}' must be non-empty lower case`);
    }
    for (const [name, text] of [
      ["cause", s.cause],
      ["fix", s.fix],
    ] as const) {
      if (text.trim().length < 20) problems.push(`signature '${s.id}': ${name} is too short`);
      if (!/[.!]$/.test(text.trim())) problems.push(`signature '${s.id}': ${name} should be one sentence ending with a full stop`);
    }
    if (s.context !== undefined && !(s.context in CONTEXT_MARKERS)) problems.push(`signature '${s.id}': unknown context '${s.context}'`);
    if (s.specificity !== undefined && !(Number.isInteger(s.specificity) && s.specificity > 0)) {
      problems.push(`signature '${s.id}': specificity must be a positive integer`);
    }
    if (s.confirmed && !/^https:\/\/(?:learn|support)\.microsoft\.com\//.test(s.source)) {
      problems.push(`signature '${s.id}': a confirmed signature needs a Microsoft documentation URL as source`);
    }
    if (!s.confirmed && !s.source.includes("UNCONFIRMED")) {
      problems.push(`signature '${s.id}': an unconfirmed signature's source must say UNCONFIRMED`);
    }
  }
  return problems;
}
