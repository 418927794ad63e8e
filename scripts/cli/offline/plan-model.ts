/**
 * The offline plan as data: the runbook with each step's resources and timing, every resource
 * with its effective dependencies and redacted inputs, the timeline and the cost estimate.
 * `--json` prints this object; the human and Mermaid forms render it.
 * Shape (contract, ../shared/ARCHITECTURE.md "The offline plan"): steps[], resources[], timeline.
 */
import type { ConfigIssue, LabConfig } from "../../../stacks/config/lab-config";
import { estimateCost, type CostEstimate } from "../../../stacks/model/cost";
import { RUNBOOK, runbookWaves, type StepId } from "../../../stacks/model/runbook";
import { computeTimeline } from "../../../stacks/model/timeline";
import { estimateResume, type ResumeEstimate } from "../../../stacks/model/resume";
import { RUN_COMMAND_TYPE } from "../../../stacks/model/durations";
import { RECHECK_TAG, ROUND_TAG, SCRIPT_TAG } from "../../../components/run-step";
import type { Evaluation, RecordedResource } from "./evaluate";

export interface PlanStep {
  readonly id: StepId;
  readonly title: string;
  readonly needs: readonly StepId[];
  /** False while no resource carries the step out yet ("not built yet"). */
  readonly built: boolean;
  /** What breaks when the step is missed. */
  readonly ifMissed: string;
  /** URNs of the step's resources (components and custom resources). */
  readonly resources: readonly string[];
  /** Minutes from the start of `pulumi up`. */
  readonly start: number;
  readonly finish: number;
  /** 0-based wave: steps of one wave can run in parallel. */
  readonly wave: number;
}

export interface PlanResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The name in Azure or Entra ID, where it differs from the logical name. */
  readonly azureName: string | null;
  /** Parent URN; null only for the stack itself. */
  readonly parent: string | null;
  /** The runbook step the resource belongs to; null for the stack and the Lab component. */
  readonly step: StepId | null;
  readonly custom: boolean;
  /**
   * URNs of the custom resources this one waits for: its own registration's dependencies and
   * those of its ancestor components, with every component expanded to its custom descendants.
   */
  readonly dependsOn: readonly string[];
  /** Inputs with secret values replaced by "[secret]". */
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly prefix: string;
  readonly location: string;
  readonly steps: readonly PlanStep[];
  readonly resources: readonly PlanResource[];
  readonly timeline: { readonly minutes: number; readonly serialMinutes: number; readonly criticalPath: readonly StepId[] };
  /** Bringing a paused lab (npm run pause) back to a verified state (npm run resume). */
  readonly resume: ResumeEstimate;
  readonly warnings: readonly { readonly key: string; readonly value: string; readonly problem: string; readonly fix: string }[];
  readonly cost: CostEstimate;
  readonly teardown: Teardown;
  /** What a person has to do during `pulumi up`, and when (minutes from its start). */
  readonly manualSteps: readonly ManualStep[];
  /**
   * The latest local time to start the first `pulumi up` so that it ends (estimate plus a margin)
   * before the nightly auto-shutdown deallocates the VMs mid-run; null without auto-shutdown.
   */
  readonly startBy: { readonly latest: string | null; readonly shutdown: string; readonly timeZone: string } | null;
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface ManualStep {
  readonly step: StepId;
  /** Minutes from the start of `pulumi up` when the lab starts waiting for the person. */
  readonly at: number;
  readonly what: string;
}

/**
 * Run commands that wait for a person, by script: what the person does. The plan places each at
 * the time its run command starts.
 */
export const MANUAL_SCRIPTS: Readonly<Record<string, string>> = {
  "entra-connect-configure.ps1":
    "Connect to SYNC01 through Bastion as the domain admin and run the Entra Connect wizard once (choices: README, \"The one manual moment\"; the setup identity: npm run credentials). pulumi up waits up to 3 hours and goes on by itself.",
};

/** What `pulumi destroy` removes, and what lives outside the lab's resource groups or state. */
export interface Teardown {
  /** Azure names of the resource groups the lab creates; destroy deletes each with everything in it. */
  readonly resourceGroups: readonly string[];
  /** Lab resources that live outside those resource groups (Entra ID objects, role assignments, ...). */
  readonly outsideResourceGroups: readonly { readonly urn: string; readonly type: string; readonly name: string; readonly where: string }[];
  /** What built steps leave outside Pulumi's state, and how to clean it up. */
  readonly outsideState: readonly { readonly step: StepId; readonly note: string }[];
  /** Files of the user's that the program uploads (the Entra Connect MSI), and where they go on destroy. */
  readonly uploads: readonly { readonly urn: string; readonly blob: string; readonly account: string; readonly resourceGroup: string }[];
}

/** Where a resource lives, if not in one of the lab's resource groups; undefined when inside one. */
export function placeOutsideResourceGroups(r: RecordedResource, groups: ReadonlySet<string>): string | undefined {
  if (!r.custom) return undefined;
  if (r.type.startsWith("random:") || r.type.startsWith("tls:") || r.type.startsWith("pulumi:")) return undefined;
  if (r.type === "azure-native:resources:ResourceGroup") return undefined;
  if (r.type.startsWith("azuread:")) return "Entra ID tenant";
  const scope = r.plainInputs.scope;
  if (typeof scope === "string") {
    const m = /\/resourceGroups\/([^/]+)/i.exec(scope);
    return m && groups.has(m[1] as string) ? undefined : `scope ${scope}`;
  }
  const rg = r.plainInputs.resourceGroupName;
  if (typeof rg === "string") return groups.has(rg) ? undefined : `resource group ${rg}`;
  return "subscription";
}

/** Effective dependencies: own and ancestors', components expanded to custom descendants. */
export function effectiveDependencies(resources: readonly RecordedResource[]): Map<string, string[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) {
    if (r.parent) (children.get(r.parent) ?? children.set(r.parent, []).get(r.parent))?.push(r.urn);
  }
  const customDescendants = (urn: string): string[] => {
    const r = byUrn.get(urn);
    if (!r) return [urn];
    if (r.custom) return [urn];
    return (children.get(urn) ?? []).flatMap(customDescendants);
  };
  const result = new Map<string, string[]>();
  for (const r of resources) {
    const deps = new Set<string>();
    for (let cur: RecordedResource | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      for (const d of cur.dependencies) for (const c of customDescendants(d)) deps.add(c);
    }
    deps.delete(r.urn);
    result.set(r.urn, [...deps].sort());
  }
  return result;
}

/** A string tag of a resource's inputs, if it has one. */
export function tagOf(r: { readonly inputs: Readonly<Record<string, unknown>> }, key: string): string | undefined {
  const tags = r.inputs.tags;
  const value = tags && typeof tags === "object" ? (tags as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Which round a run command of a step in rounds is (its `cmgLabRound` tag `2/3`); 1 otherwise. */
export function roundOf(r: { readonly inputs: Readonly<Record<string, unknown>> }): number {
  const m = /^(\d+)\/\d+$/.exec(tagOf(r, ROUND_TAG) ?? "");
  return m?.[1] ? Number(m[1]) : 1;
}

/** A check run again after the build passed it once (its `cmgLabRecheck` tag). */
export function isRecheck(r: { readonly inputs: Readonly<Record<string, unknown>> }): boolean {
  return tagOf(r, RECHECK_TAG) === "true";
}

/** The script file a run command carries (its `cmgLabScript` tag), if any. */
export function scriptOf(r: { readonly inputs: Readonly<Record<string, unknown>> }): string | undefined {
  return tagOf(r, SCRIPT_TAG);
}

/** Margin on the estimate before the shutdown: the figures are planning estimates. */
export const START_MARGIN_MINUTES = 60;

/**
 * The latest `HH:MM` to start so that the estimate plus {@link START_MARGIN_MINUTES} ends before
 * the shutdown time; null when that would be before midnight of the same day.
 */
export function latestStart(shutdown: string | null, timeZone: string, minutes: number): Plan["startBy"] {
  if (shutdown === null) return null;
  const [h = 0, m = 0] = shutdown.split(":").map(Number);
  const latest = h * 60 + m - Math.ceil(minutes) - START_MARGIN_MINUTES;
  const hhmm = (t: number): string => `${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
  return { latest: latest >= 0 ? hhmm(latest) : null, shutdown, timeZone };
}

export function buildPlan(
  config: LabConfig,
  evaluation: Evaluation,
  warnings: readonly ConfigIssue[],
  project = "cmg-lab",
): Plan {
  const deps = effectiveDependencies(evaluation.resources);
  const timeline = computeTimeline(
    evaluation.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      custom: r.custom,
      step: r.step,
      dependencies: deps.get(r.urn) ?? [],
      script: scriptOf(r),
      round: roundOf(r),
      recheck: isRecheck(r),
    })),
  );
  const timing = new Map(timeline.steps.map((s) => [s.id, s]));
  const waveOf = new Map<StepId, number>();
  runbookWaves().forEach((ids, w) => ids.forEach((id) => waveOf.set(id, w)));

  // Stable, readable order: runbook order, then start time, then URN.
  const stepIndex = new Map(RUNBOOK.map((s, i) => [s.id, i]));
  const startOf = (urn: string): number => timeline.resources.get(urn)?.start ?? 0;
  const ordered = [...evaluation.resources].sort(
    (a, b) =>
      (stepIndex.get(a.step as StepId) ?? -1) - (stepIndex.get(b.step as StepId) ?? -1) ||
      startOf(a.urn) - startOf(b.urn) ||
      a.urn.localeCompare(b.urn),
  );
  const steps: PlanStep[] = RUNBOOK.map((def) => {
    const own = ordered.filter((r) => r.step === def.id);
    const t = timing.get(def.id);
    return {
      id: def.id,
      title: def.title,
      needs: [...def.needs],
      built: own.length > 0,
      ifMissed: def.ifMissed,
      resources: own.map((r) => r.urn),
      start: t?.start ?? 0,
      finish: t?.finish ?? 0,
      wave: waveOf.get(def.id) ?? 0,
    };
  });

  const resources: PlanResource[] = ordered.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    // null, not undefined: JSON keeps the key, so every resource has the same shape.
    azureName: r.azureName ?? null,
    parent: r.parent ?? null,
    step: r.step ?? null,
    custom: r.custom,
    dependsOn: deps.get(r.urn) ?? [],
    inputs: r.inputs,
  }));

  const groups = new Set(
    evaluation.resources
      .filter((r) => r.type === "azure-native:resources:ResourceGroup")
      .map((r) => String(r.plainInputs.resourceGroupName ?? r.azureName ?? r.name)),
  );
  const teardown: Teardown = {
    resourceGroups: [...groups].sort(),
    outsideResourceGroups: ordered.flatMap((r) => {
      const where = placeOutsideResourceGroups(r, groups);
      return where ? [{ urn: r.urn, type: r.type, name: r.azureName ?? r.name, where }] : [];
    }),
    outsideState: steps.flatMap((st) => {
      const note = RUNBOOK.find((d) => d.id === st.id)?.outsideState;
      return st.built && note ? [{ step: st.id, note }] : [];
    }),
    uploads: ordered
      .filter((r) => r.type === "azure-native:storage:Blob")
      .map((r) => ({
        urn: r.urn,
        blob: `${String(r.inputs.containerName)}/${String(r.inputs.blobName)}`,
        account: String(r.inputs.accountName),
        resourceGroup: String(r.inputs.resourceGroupName),
      })),
  };

  const manualSteps: ManualStep[] = ordered.flatMap((r) => {
    // Once per step: the later rounds of a waiting check are the same wait.
    const script = r.type === RUN_COMMAND_TYPE && roundOf(r) === 1 ? scriptOf(r) : undefined;
    const what = script ? MANUAL_SCRIPTS[script] : undefined;
    return what && r.step ? [{ step: r.step, at: Math.round((timeline.resources.get(r.urn)?.start ?? 0) * 10) / 10, what }] : [];
  });

  return {
    project,
    stack: config.stack,
    prefix: config.prefix,
    location: config.location,
    steps,
    resources,
    timeline: { minutes: timeline.minutes, serialMinutes: timeline.serialMinutes, criticalPath: timeline.criticalPath },
    resume: estimateResume({ bastion: config.admin.bastion, parallelInGuest: config.build.parallelInGuest }),
    warnings: warnings.map((w) => ({ key: w.key, value: w.value, problem: w.problem, fix: w.fix })),
    cost: estimateCost(
      ordered.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })),
      { vmSize: config.cmg.vmSize, instances: config.cmg.instances },
    ),
    teardown,
    manualSteps,
    startBy: latestStart(config.schedule.autoShutdown, config.schedule.timeZone, timeline.minutes),
    outputs: evaluation.outputs,
  };
}
