/** Graph helpers for assertions over an offline evaluation. */
import type { Evaluation, RecordedResource } from "../../scripts/cli/offline/evaluate";
import { effectiveDependencies } from "../../scripts/cli/offline/plan-model";
import type { StepId } from "../../stacks/model/runbook";

export function customOf(ev: Evaluation, step?: StepId): RecordedResource[] {
  return ev.resources.filter((r) => r.custom && (step === undefined || r.step === step));
}

export function byType(ev: Evaluation, type: string): RecordedResource[] {
  return ev.resources.filter((r) => r.type === type);
}

export function one(ev: Evaluation, type: string, name: string): RecordedResource {
  const found = ev.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0] as RecordedResource;
}

/** URN -> every URN it waits for, directly or through other resources (transitive closure). */
export function waitClosure(ev: Evaluation): Map<string, Set<string>> {
  const direct = effectiveDependencies(ev.resources);
  const closure = new Map<string, Set<string>>();
  const visit = (urn: string): Set<string> => {
    const done = closure.get(urn);
    if (done) return done;
    const acc = new Set<string>();
    closure.set(urn, acc);
    for (const d of direct.get(urn) ?? []) {
      acc.add(d);
      for (const x of visit(d)) acc.add(x);
    }
    return acc;
  };
  for (const r of ev.resources) visit(r.urn);
  return closure;
}

/**
 * For each pair (step, needed step) where both have custom resources: the resources of `step`
 * that do not wait for some resource of the needed step. Empty when the order holds.
 */
export function missingWaits(ev: Evaluation, step: StepId, needed: StepId): string[] {
  const closure = waitClosure(ev);
  const required = customOf(ev, needed).map((r) => r.urn);
  const missing: string[] = [];
  for (const r of customOf(ev, step)) {
    const waits = closure.get(r.urn) ?? new Set<string>();
    for (const q of required) if (!waits.has(q)) missing.push(`${r.urn} does not wait for ${q}`);
  }
  return missing;
}
