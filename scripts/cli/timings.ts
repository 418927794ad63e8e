/**
 * `npm run timings -- [--stack NAME] [--stack-outputs FILE] [--json]`
 *
 * Measured minutes of a deployed lab's in-guest steps next to the plan's figures. Every step is an
 * Azure managed run command whose instance view holds the script's start and end time; its tags
 * name the script, the round, a re-check and the lane (components/run-step.ts). This lists every
 * VM's run commands through the Azure CLI (`az vm run-command list --vm-name VM --expand
 * instanceView`), one line per run command in start order with the figure stacks/model/durations.ts
 * plans for it, then a summary per script and the wall clock of the first build: from the first
 * start to the last end before the first gap of more than an hour with no run command running (a
 * resume re-runs verify days later; what ran after the gap is named and not counted).
 *
 * Why: the durations are planning estimates, and a figure there goes down only with a source; a
 * measured build is that source. The header names the date and region to cite.
 *
 * Nothing secret is printed: the run commands' parameters and protected parameters, their script
 * text, output and error streams are never read into what is printed; only the name, the four
 * cmgLab tags, the times, the execution state and the exit code are.
 *
 * The lab's shape (resource group, VM names) comes from the stack's `power` output, read like
 * `npm run pause` does (scripts/cli/lab-power.ts).
 */
import type { LabPowerOutput } from "../../components/lab";
import { LANE_TAG, ROUND_TAG } from "../../components/run-step";
import { type DurationKind, RUN_COMMAND_TYPE, durationKind, resourceDuration } from "../../stacks/model/durations";
import { runCli } from "./cli";
import { must, readPower } from "./lab-power";
import { isRecheck, roundOf, scriptOf, tagOf } from "./offline/plan-model";

export const USAGE = `usage: npm run timings -- [--stack NAME] [--stack-outputs FILE] [--json]
       (tsx scripts/cli/timings.ts [options])

Lists every run command of a deployed lab with its measured minutes (Azure's start and end time)
next to the minutes stacks/model/durations.ts plans for it, a summary per script and the wall
clock of the build. Read-only: it changes nothing and prints no parameter.

  --stack NAME          the Pulumi stack (default: the selected one)
  --stack-outputs FILE  read \`pulumi stack output --json\` saved in FILE instead of asking Pulumi
  --json                one JSON object on stdout, nothing else
  -h, --help            show this help
`;

export const CLI_SPEC = {
  name: "timings",
  usage: USAGE,
  options: { stack: { type: "string" }, "stack-outputs": { type: "string" }, json: { type: "boolean" } },
} as const;

/**
 * One run command as `az vm run-command list --expand instanceView` returns it. The CLI flattens
 * the REST body's `properties` (`instanceView` at the top); the REST shape (`properties.instanceView`)
 * is read too. Only the fields below are read: never the parameters, the script or its output.
 */
export interface AzRunCommand {
  readonly name?: string;
  readonly location?: string;
  readonly tags?: Record<string, string> | null;
  readonly instanceView?: AzInstanceView | null;
  readonly properties?: { readonly instanceView?: AzInstanceView | null } | null;
}

/** The instance view fields read (VirtualMachineRunCommandInstanceView in the Compute REST API). */
export interface AzInstanceView {
  /** Unknown, Pending, Running, Failed, Succeeded, TimedOut or Canceled. */
  readonly executionState?: string | null;
  readonly exitCode?: number | null;
  readonly startTime?: string | null;
  readonly endTime?: string | null;
}

/** `pending`: Azure has not started it (Pending, or no start time yet). */
export type RunState = "succeeded" | "running" | "pending" | "failed" | "unknown";

/** One run command's timing, with only the fields the report prints. */
export interface RunCommandTiming {
  readonly vm: string;
  readonly name: string;
  /** The `cmgLabScript` tag; null for a run command the lab did not create. */
  readonly script: string | null;
  /** From `cmgLabRound` (`2/3`); 1 and null without the tag. */
  readonly round: number;
  readonly rounds: number | null;
  readonly recheck: boolean;
  readonly lane: string | null;
  readonly state: RunState;
  readonly executionState: string | null;
  readonly exitCode: number | null;
  /** ISO 8601, UTC. */
  readonly start: string | null;
  readonly end: string | null;
  /** End minus start, for a run command that succeeded; null otherwise. */
  readonly minutes: number | null;
  /** resourceDuration() of stacks/model/durations.ts for its script, round and re-check; null without a script tag. */
  readonly plannedMinutes: number | null;
  /** minutes - plannedMinutes, when both are known. */
  readonly differenceMinutes: number | null;
}

export interface ScriptSummary {
  readonly script: string;
  /** Which durations.ts figure applies (durationKind): SCRIPT_MINUTES (first), LATER_ROUND or RECHECK. */
  readonly kind: DurationKind;
  /** Run commands that succeeded (the minutes below are over these). */
  readonly runs: number;
  readonly meanMinutes: number | null;
  readonly minMinutes: number | null;
  readonly maxMinutes: number | null;
  readonly plannedMinutes: number;
  readonly differenceMinutes: number | null;
  readonly failed: number;
  readonly running: number;
  readonly pending: number;
}

export interface TimingsReport {
  readonly resourceGroup: string;
  readonly region: string;
  /** The UTC date of the first start: the date to cite. */
  readonly date: string | null;
  /** The line a change to stacks/model/durations.ts should cite. */
  readonly citation: string;
  /**
   * The first build: from the first start to the last end before the first gap of more than
   * WALL_CLOCK_GAP_MINUTES in which no run command ran (a resume re-runs verify days later).
   */
  readonly wallClock: {
    readonly start: string | null;
    readonly end: string | null;
    readonly minutes: number | null;
    /**
     * A counted run command is running (or, without a gap, one is pending): the end is the
     * latest end so far.
     */
    readonly running: boolean;
    /** The first such gap and the run commands that started after it (not counted); null without one. */
    readonly notCounted: {
      /** The first build's last end. */
      readonly gapStart: string;
      /** The next start. */
      readonly gapEnd: string;
      readonly gapMinutes: number;
      /** In start order. */
      readonly runCommands: readonly { readonly vm: string; readonly name: string }[];
    } | null;
  };
  /** Over the run commands that succeeded (lanes overlap on a VM, so this exceeds the wall clock). */
  readonly totals: { readonly runs: number; readonly measuredMinutes: number; readonly plannedMinutes: number };
  readonly runCommands: readonly RunCommandTiming[];
  readonly scripts: readonly ScriptSummary[];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function isoOrNull(t: string | null | undefined): string | null {
  if (!t) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A run command's timing from what az returned for it. Pure. */
export function timingOf(vm: string, raw: AzRunCommand): RunCommandTiming {
  const iv = raw.instanceView ?? raw.properties?.instanceView ?? {};
  // The tags as the plan reads them from a resource's inputs (scripts/cli/offline/plan-model.ts).
  const tagged = { inputs: { tags: raw.tags ?? {} } };
  const script = scriptOf(tagged) ?? null;
  const round = roundOf(tagged);
  // The count of rounds only this report prints; roundOf gives the round.
  const total = /^\d+\/(\d+)$/.exec(tagOf(tagged, ROUND_TAG) ?? "");
  const rounds = total ? Number(total[1]) : null;
  const recheck = isRecheck(tagged);
  const start = isoOrNull(iv.startTime);
  const end = isoOrNull(iv.endTime);
  const executionState = iv.executionState ?? null;
  const exitCode = typeof iv.exitCode === "number" ? iv.exitCode : null;
  const es = (executionState ?? "").toLowerCase();
  let state: RunState;
  if (es === "failed" || es === "timedout" || es === "canceled" || (exitCode !== null && exitCode !== 0)) state = "failed";
  else if (es === "succeeded" && start !== null && end !== null) state = "succeeded";
  else if (es === "running" || (es === "" && start !== null && end === null)) state = "running";
  else if (es === "pending" || (es === "" && start === null)) state = "pending";
  else state = "unknown";
  const minutes = state === "succeeded" && start && end ? round1((Date.parse(end) - Date.parse(start)) / 60000) : null;
  const plannedMinutes = script === null ? null : resourceDuration(RUN_COMMAND_TYPE, true, script, round, recheck).minutes;
  return {
    vm,
    name: raw.name ?? "?",
    script,
    round,
    rounds,
    recheck,
    lane: tagOf(tagged, LANE_TAG) ?? null,
    state,
    executionState,
    exitCode,
    start,
    end,
    minutes,
    plannedMinutes,
    differenceMinutes: minutes !== null && plannedMinutes !== null ? round1(minutes - plannedMinutes) : null,
  };
}

const KIND_ORDER: readonly DurationKind[] = ["first", "later-round", "recheck"];

/** A longer stretch with no run command running ends the first build (a resume, a later pulumi up). */
export const WALL_CLOCK_GAP_MINUTES = 60;

/**
 * The run commands of the first build (start order) up to the first gap of more than
 * WALL_CLOCK_GAP_MINUTES after the latest end so far; a running one (no end) bridges any gap.
 */
function firstBuild(started: readonly RunCommandTiming[]): { counted: readonly RunCommandTiming[]; notCounted: TimingsReport["wallClock"]["notCounted"] } {
  let covered = -Infinity;
  for (const [i, r] of started.entries()) {
    const s = Date.parse(r.start ?? "");
    if (i > 0 && s - covered > WALL_CLOCK_GAP_MINUTES * 60000) {
      const after = started.slice(i);
      return {
        counted: started.slice(0, i),
        notCounted: {
          gapStart: new Date(covered).toISOString(),
          gapEnd: new Date(s).toISOString(),
          gapMinutes: round1((s - covered) / 60000),
          runCommands: after.map((a) => ({ vm: a.vm, name: a.name })),
        },
      };
    }
    const e = r.end !== null ? Date.parse(r.end) : r.state === "running" ? Infinity : s;
    covered = Math.max(covered, e);
  }
  return { counted: started, notCounted: null };
}

/** The report over every VM's run commands, in start order (never started last). Pure. */
export function buildReport(resourceGroup: string, region: string, timings: readonly RunCommandTiming[]): TimingsReport {
  const runCommands = [...timings].sort(
    (a, b) =>
      (a.start === null ? 1 : 0) - (b.start === null ? 1 : 0) ||
      (a.start ?? "").localeCompare(b.start ?? "") ||
      a.vm.localeCompare(b.vm) ||
      a.name.localeCompare(b.name),
  );
  const { counted, notCounted } = firstBuild(runCommands.filter((r) => r.start !== null));
  const ends = counted.flatMap((r) => (r.end ? [r.end] : []));
  const start = counted[0]?.start ?? null;
  const end = ends.length > 0 ? ends.reduce((a, b) => (a > b ? a : b)) : null;

  const groups = new Map<string, RunCommandTiming[]>();
  for (const r of runCommands) {
    if (r.script === null) continue;
    const key = `${r.script}\u0000${durationKind(r.round, r.recheck)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const scripts = [...groups.values()]
    .map((rs): ScriptSummary => {
      const first = rs[0] as RunCommandTiming;
      const done = rs.flatMap((r) => (r.minutes !== null ? [r.minutes] : []));
      const mean = done.length > 0 ? round1(done.reduce((a, b) => a + b, 0) / done.length) : null;
      const planned = first.plannedMinutes ?? 0;
      return {
        script: first.script ?? "",
        kind: durationKind(first.round, first.recheck),
        runs: done.length,
        meanMinutes: mean,
        minMinutes: done.length > 0 ? Math.min(...done) : null,
        maxMinutes: done.length > 0 ? Math.max(...done) : null,
        plannedMinutes: planned,
        differenceMinutes: mean !== null ? round1(mean - planned) : null,
        failed: rs.filter((r) => r.state === "failed").length,
        running: rs.filter((r) => r.state === "running").length,
        pending: rs.filter((r) => r.state === "pending").length,
      };
    })
    .sort((a, b) => a.script.localeCompare(b.script) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));

  const done = runCommands.filter((r) => r.minutes !== null && r.plannedMinutes !== null);
  const date = start ? start.slice(0, 10) : null;
  return {
    resourceGroup,
    region,
    date,
    citation: `measured ${date ?? "(no run command started)"}, ${region}, npm run timings (resource group ${resourceGroup})`,
    wallClock: {
      start,
      end,
      minutes: start && end ? round1((Date.parse(end) - Date.parse(start)) / 60000) : null,
      // A pending one has no start to place it by; after a gap it belongs to the later run.
      running: counted.some((r) => r.state === "running") || (notCounted === null && runCommands.some((r) => r.state === "pending")),
      notCounted,
    },
    totals: {
      runs: done.length,
      measuredMinutes: round1(done.reduce((a, r) => a + (r.minutes ?? 0), 0)),
      plannedMinutes: round1(done.reduce((a, r) => a + (r.plannedMinutes ?? 0), 0)),
    },
    runCommands,
    scripts,
  };
}

const fmt = (n: number | null): string => (n === null ? "-" : n.toFixed(1));
const signed = (n: number | null): string => (n === null ? "-" : `${n > 0 ? "+" : ""}${n.toFixed(1)}`);
function hm(minutes: number): string {
  const m = Math.round(minutes);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function table(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The script column: the script with its round, re-check and lane. */
function scriptLabel(r: RunCommandTiming): string {
  if (r.script === null) return "- (no cmgLabScript tag)";
  const extras = [
    ...(r.rounds !== null ? [`round ${r.round}/${r.rounds}`] : []),
    ...(r.recheck ? ["recheck"] : []),
    ...(r.lane !== null ? [`lane ${r.lane}`] : []),
  ];
  return extras.length > 0 ? `${r.script} (${extras.join(", ")})` : r.script;
}

/** The human report. Pure. */
export function renderHuman(report: TimingsReport): string {
  const out: string[] = [];
  out.push(`cmg-lab timings: resource group ${report.resourceGroup}, region ${report.region}, first start ${report.date ?? "-"} (UTC)`);
  out.push("These are measured figures: a change to stacks/model/durations.ts should cite them with their date and region, e.g.");
  out.push(`  "${report.citation}".`);
  out.push("Planned = resourceDuration() of stacks/model/durations.ts for the script, round and re-check. Minutes from Azure's start");
  out.push("and end time of each run command. A run command replaced after the build (npm run resume re-runs verify, a later");
  out.push("pulumi up) shows its latest run. No parameter is printed.");
  out.push("");
  if (report.runCommands.length === 0) {
    out.push("No run commands found on the lab's VMs.");
    return `${out.join("\n")}\n`;
  }
  const rows = report.runCommands.map((r) => [
    r.start ? `${r.start.slice(0, 10)} ${r.start.slice(11, 16)}` : "not started",
    r.vm,
    r.name,
    scriptLabel(r),
    r.state === "succeeded" ? fmt(r.minutes) : r.state,
    fmt(r.plannedMinutes),
    signed(r.differenceMinutes),
  ]);
  out.push(...table([["start (UTC)", "VM", "run command", "script", "measured", "planned", "diff"], ...rows], new Set([4, 5, 6])));
  out.push("");
  out.push("Per script (minutes per run; measured over the runs that succeeded: mean, min-max)");
  const srows = report.scripts.map((s) => [
    s.kind === "first" ? s.script : `${s.script} (${s.kind === "later-round" ? "later round" : s.kind})`,
    String(s.runs),
    s.meanMinutes === null ? "-" : s.runs > 1 ? `${fmt(s.meanMinutes)} (${fmt(s.minMinutes)}-${fmt(s.maxMinutes)})` : fmt(s.meanMinutes),
    fmt(s.plannedMinutes),
    signed(s.differenceMinutes),
    [...(s.failed > 0 ? [`${s.failed} failed`] : []), ...(s.running > 0 ? [`${s.running} running`] : []), ...(s.pending > 0 ? [`${s.pending} pending`] : [])].join(", "),
  ]);
  out.push(...table([["script", "runs", "measured", "planned", "diff", ""], ...srows], new Set([1, 2, 3, 4])));
  out.push("");
  const t = report.totals;
  out.push(`Sum over the ${t.runs} run commands that succeeded: measured ${fmt(t.measuredMinutes)} min, planned ${fmt(t.plannedMinutes)} min (not the wall clock: lanes on a VM and the VMs overlap).`);
  const w = report.wallClock;
  const when = (iso: string): string => iso.slice(0, 16).replace("T", " ");
  const firstBuildOnly = w.notCounted ? ` of the first build (up to its first gap of more than ${WALL_CLOCK_GAP_MINUTES} minutes with no run command running)` : "";
  if (w.start && w.end && w.minutes !== null) {
    out.push(
      `Wall clock: ${hm(w.minutes)} (${w.minutes.toFixed(1)} min) from the first start ${when(w.start)} to the ${w.running ? "latest end so far" : "last end"} ${when(w.end)} UTC${firstBuildOnly}${w.running ? ", still running" : ""}; npm run plan prints the planned first build.`,
    );
  } else {
    out.push(`Wall clock: no run command has ended yet${w.running ? " (still running)" : ""}.`);
  }
  if (w.notCounted) {
    const n = w.notCounted;
    const days = Math.floor(n.gapMinutes / 1440);
    const later = days >= 1 ? `${days} day${days > 1 ? "s" : ""} later` : `${hm(n.gapMinutes)} later`;
    out.push(
      `Not counted: ${n.runCommands.length} run command${n.runCommands.length > 1 ? "s" : ""} that started ${later} (${when(n.gapEnd)} UTC, after ${hm(n.gapMinutes)} with no run command running; npm run resume re-runs verify, a later pulumi up what changed): ${n.runCommands.map((r) => `${r.vm} ${r.name}`).join(", ")}.`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** Every run command of one VM, with its instance view. */
async function listRunCommands(resourceGroup: string, vm: string): Promise<AzRunCommand[]> {
  const text = await must("az", ["vm", "run-command", "list", "--resource-group", resourceGroup, "--vm-name", vm, "--expand", "instanceView", "--output", "json"]);
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`az vm run-command list for ${vm} did not return a list`);
  return parsed as AzRunCommand[];
}

/**
 * How many az processes run at once. Every az call takes the same MSAL token cache's file lock
 * (~/.azure/msal_token_cache.*.lockfile), and many at once can fail on it ("Permission denied on
 * msal_token_cache.bin.lockfile", github.com/Azure/azure-cli/issues/20273 and 21744; running them
 * sequentially is the workaround given there). Three keeps a large lab quick; the figure is a
 * judgement, not a documented limit (UNCONFIRMED that three never contend).
 */
export const AZ_CONCURRENCY = 3;

/** fn over items, at most `limit` at a time; the results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reads the lab's shape and every VM's run commands, and builds the report. */
export async function readTimings(power: LabPowerOutput): Promise<TimingsReport> {
  const vms = [power.dcVm, ...power.memberVms];
  const lists = await mapLimit(vms, AZ_CONCURRENCY, async (vm) => ({ vm, list: await listRunCommands(power.resourceGroupName, vm) }));
  const region = lists.flatMap((l) => l.list.map((r) => r.location)).find((l): l is string => typeof l === "string" && l !== "") ?? power.bastion.location;
  return buildReport(
    power.resourceGroupName,
    region,
    lists.flatMap((l) => l.list.map((raw) => timingOf(l.vm, raw))),
  );
}

if (require.main === module) {
  runCli(CLI_SPEC, process.argv.slice(2), async (values) => {
    const power = await readPower({ stack: values.stack, stackOutputs: values["stack-outputs"] });
    const report = await readTimings(power);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderHuman(report));
    return 0;
  });
}
