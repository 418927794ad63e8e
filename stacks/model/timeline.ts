/**
 * The estimated stand-up timeline, computed from the real resource graph: a resource starts
 * when every resource it depends on has finished, and takes its figure from stacks/model/durations.ts.
 * A step spans its resources; the critical path is the chain of steps that sets the total.
 */
import { resourceDuration } from "./durations";
import { RUNBOOK, type StepDef, type StepId } from "./runbook";

export interface TimelineResource {
  readonly urn: string;
  readonly type: string;
  readonly custom: boolean;
  readonly step: StepId | undefined;
  readonly dependencies: readonly string[];
  /** Script file of a run command. */
  readonly script?: string | undefined;
  /** For a run command in rounds, which round (1 when absent). */
  readonly round?: number | undefined;
  /** A check run again after the build passed it once (durations.ts RECHECK). */
  readonly recheck?: boolean | undefined;
}

export interface Span {
  readonly start: number;
  readonly finish: number;
}

export interface StepTiming extends Span {
  readonly id: StepId;
  /** The step has resources (false: "not built yet"). */
  readonly built: boolean;
}

export interface Timeline {
  /** Wall-clock minutes until the last resource is created. */
  readonly minutes: number;
  /** Minutes if every resource were created one after another. */
  readonly serialMinutes: number;
  /** Steps on the longest chain, first to last. */
  readonly criticalPath: readonly StepId[];
  readonly steps: readonly StepTiming[];
  readonly resources: ReadonlyMap<string, Span>;
}

const round = (m: number): number => Math.round(m * 10) / 10;

export function computeTimeline(resources: readonly TimelineResource[], steps: readonly StepDef[] = RUNBOOK): Timeline {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const spans = new Map<string, Span>();
  const via = new Map<string, string | undefined>(); // the dependency that set a resource's start
  const visiting = new Set<string>();

  const spanOf = (urn: string): Span => {
    const done = spans.get(urn);
    if (done) return done;
    const r = byUrn.get(urn);
    if (!r) return { start: 0, finish: 0 };
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    let start = 0;
    let latest: string | undefined;
    for (const dep of r.dependencies) {
      const f = spanOf(dep).finish;
      if (f > start || (f === start && latest === undefined && byUrn.has(dep))) {
        start = f;
        latest = dep;
      }
    }
    visiting.delete(urn);
    const span = { start, finish: start + resourceDuration(r.type, r.custom, r.script, r.round, r.recheck).minutes };
    spans.set(urn, span);
    via.set(urn, latest);
    return span;
  };
  for (const r of resources) spanOf(r.urn);

  const timings = new Map<StepId, StepTiming>();
  for (const def of steps) {
    const own = resources.filter((r) => r.step === def.id && r.custom);
    if (own.length > 0) {
      const s = own.map((r) => spans.get(r.urn) as Span);
      timings.set(def.id, {
        id: def.id,
        built: true,
        start: Math.min(...s.map((x) => x.start)),
        finish: Math.max(...s.map((x) => x.finish)),
      });
    } else {
      // Not built yet: a zero-length point where its needs are done.
      const at = Math.max(0, ...def.needs.map((n) => timings.get(n)?.finish ?? 0));
      timings.set(def.id, { id: def.id, built: resources.some((r) => r.step === def.id), start: at, finish: at });
    }
  }

  let last: string | undefined;
  let total = 0;
  for (const r of resources) {
    const f = spans.get(r.urn)?.finish ?? 0;
    if (r.custom && f > total) {
      total = f;
      last = r.urn;
    }
  }
  const path: StepId[] = [];
  for (let cur = last; cur; cur = via.get(cur)) {
    const step = byUrn.get(cur)?.step;
    if (step && path[0] !== step) path.unshift(step);
  }

  const serial = resources.reduce((sum, r) => sum + resourceDuration(r.type, r.custom, r.script, r.round, r.recheck).minutes, 0);
  return {
    minutes: round(total),
    serialMinutes: round(serial),
    criticalPath: path,
    steps: steps.map((s) => {
      const t = timings.get(s.id) as StepTiming;
      return { ...t, start: round(t.start), finish: round(t.finish) };
    }),
    resources: spans,
  };
}

/** `95` -> `1h35m`, `7.5` -> `8m`. */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
