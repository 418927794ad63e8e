/** Human and Mermaid renderings of the offline plan. */
import { RUN_COMMAND_TYPE } from "../../../stacks/model/durations";
import { formatMinutes } from "../../../stacks/model/timeline";
import { ROUND_TAG } from "../../../components/run-step";
import { roundOf, scriptOf, START_MARGIN_MINUTES, tagOf, type Plan, type PlanResource, type PlanStep } from "./plan-model";

/** `azure-native:network:VirtualNetwork` -> `network:VirtualNetwork`; `random:index/x:RandomPassword` -> `random:RandomPassword`. */
export function shortType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  if (type === RUN_COMMAND_TYPE) return "compute:RunCommand";
  if (pkg === "azure-native") return `${mod}:${name}`;
  return `${pkg}:${name ?? mod}`;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
const usd = (n: number): string => `$${n.toFixed(2)}`;

function resourceLine(r: PlanResource): string {
  let what = r.azureName ?? r.name;
  if (r.type === RUN_COMMAND_TYPE) {
    // A run command reads best as what runs where: "forest-promote on cmglab-dev-dc01 (ad-forest-promote.ps1)".
    const script = scriptOf(r);
    const rounds = roundOf(r) > 1 ? `, round ${tagOf(r, ROUND_TAG) ?? ""}` : "";
    what = `${what} on ${String(r.inputs.vmName)}${script ? ` (${script}${rounds})` : ""}`;
  }
  return `      ${pad(shortType(r.type), 44)} ${what}`;
}

function bar(step: PlanStep, total: number, width: number): string {
  if (total <= 0) return " ".repeat(width);
  const from = Math.floor((step.start / total) * width);
  const to = Math.max(from + (step.finish > step.start ? 1 : 0), Math.round((step.finish / total) * width));
  return " ".repeat(from) + "#".repeat(to - from) + " ".repeat(Math.max(0, width - to));
}

export function renderHuman(plan: Plan): string {
  const out: string[] = [];
  const custom = plan.resources.filter((r) => r.custom);
  const built = plan.steps.filter((s) => s.built);
  const waves = Math.max(...plan.steps.map((s) => s.wave)) + 1;
  out.push(`cmg-lab offline plan: stack ${plan.stack}, prefix ${plan.prefix}, ${plan.location}`);
  out.push("The real program ran under Pulumi's mock runtime: no cloud account was used, nothing was created.");
  out.push("Legend: + built (its resources are listed), . not built yet; times are minutes from the start of `pulumi up`.");
  out.push("        round 2/3: a later run command of a long wait, which goes on where the previous one ran out of its time (a run command may not pass 90 minutes).");
  out.push("");
  out.push(
    `Runbook: ${plan.steps.length} steps in ${waves} waves; ${built.length} built, ` +
      `${plan.steps.length - built.length} not built yet; ${custom.length} resources`,
  );
  for (let w = 0; w < waves; w++) {
    out.push("");
    out.push(`Wave ${w + 1}`);
    for (const step of plan.steps.filter((s) => s.wave === w)) {
      const when = step.built ? `${formatMinutes(step.start)}-${formatMinutes(step.finish)}` : "not built yet";
      out.push(`  ${step.built ? "+" : "."} ${pad(step.id, 21)} ${pad(when, 14)} ${step.title}`);
      const needs = step.id === "verify" ? "every other step" : step.needs.join(", ");
      if (needs) out.push(`      needs: ${needs}`);
      const own = new Set(step.resources);
      for (const r of custom.filter((x) => own.has(x.urn))) out.push(resourceLine(r));
    }
  }

  out.push("");
  out.push("Timeline (estimate; figures and sources in stacks/model/durations.ts)");
  const total = plan.timeline.minutes;
  for (const step of plan.steps.filter((s) => s.built)) {
    out.push(`  ${pad(step.id, 21)} |${bar(step, total, 40)}| ${formatMinutes(step.start)}-${formatMinutes(step.finish)}`);
  }
  out.push(
    `  Total ~${formatMinutes(total)} (serial sum ${formatMinutes(plan.timeline.serialMinutes)}); ` +
      `critical path: ${plan.timeline.criticalPath.join(" -> ") || "(none)"}`,
  );

  out.push(
    `  Resume after npm run pause: ~${formatMinutes(plan.resume.minutes)} (` +
      plan.resume.phases.map((p) => `${p.phase} ${formatMinutes(p.minutes)}`).join("; ") +
      (plan.resume.minutes > plan.resume.phases.reduce((s, p) => s + p.minutes, 0) ? "; the Basic Bastion, recreated meanwhile, sets the end" : "") +
      ")",
  );

  out.push("");
  if (plan.startBy) {
    const { latest, shutdown, timeZone } = plan.startBy;
    out.push("Before you start");
    out.push(
      latest
        ? `  Start the first pulumi up by ${latest} (${timeZone}): the VMs shut down at ${shutdown}, and a shutdown during the stand-up cuts its scripts (estimate plus ${START_MARGIN_MINUTES} minutes).`
        : `  The stand-up does not fit between midnight and the ${shutdown} shutdown (${timeZone}): set cmg-lab:schedule.autoShutdown later, or to off for the stand-up day.`,
    );
    out.push("  Start the VMs before a pulumi up that changes in-guest steps (pulumi stack output startVmsCommand): Azure cannot change a stopped VM's run commands.");
    out.push("");
  }
  out.push("Manual steps during pulumi up");
  if (plan.manualSteps.length === 0) out.push("  none");
  for (const m of plan.manualSteps) out.push(`  ~${formatMinutes(m.at)} (${m.step}): ${m.what}`);

  out.push("");
  out.push("Warnings");
  if (plan.warnings.length === 0) out.push("  none");
  for (const w of plan.warnings) out.push(`  ! ${w.key} = ${w.value}: ${w.problem} Fix: ${w.fix}`);

  out.push("");
  out.push(`Cost estimate (prices ${plan.cost.pricesAsOf})`);
  for (const l of plan.cost.lines) {
    const running = l.runningHourly > 0 ? `${usd(l.runningHourly)}/h running` : "";
    const always = l.alwaysHourly > 0 ? `${usd(l.alwaysHourly)}/h always` : "";
    out.push(`  ${pad(l.item.slice(0, 70), 70)} ${[running, always].filter(Boolean).join(", ") || "free"}`);
    if (l.note) out.push(`    (${l.note})`);
  }
  out.push(`  Per running hour: ${usd(plan.cost.perRunningHour)}; per conference day: ${usd(plan.cost.perConferenceDay)}`);
  out.push(
    `  Per month: ${usd(plan.cost.perRunningMonth)} running around the clock; ${usd(plan.cost.perPausedMonth)} paused ` +
      "(npm run pause: VMs deallocated, CMG stopped, a Basic Bastion deleted; the disks and public IPs keep billing)",
  );
  for (const f of plan.cost.flags) out.push(`  ! ${f}`);

  out.push("");
  out.push("Teardown (pulumi destroy)");
  out.push(`  Deletes the resource group(s) ${plan.teardown.resourceGroups.join(", ")} with everything in them.`);
  if (plan.teardown.outsideResourceGroups.length === 0) out.push("  Nothing of the lab lives outside them.");
  else out.push("  Also deletes, outside those groups:");
  for (const o of plan.teardown.outsideResourceGroups) out.push(`    ${pad(shortType(o.type), 44)} ${o.name} (${o.where})`);
  for (const u of plan.teardown.uploads) {
    out.push(`  Your uploaded file ${u.blob} (storage account ${u.account}) is deleted with ${u.resourceGroup}; your local copy stays.`);
  }
  for (const o of plan.teardown.outsideState) out.push(`  ! Left outside Pulumi's state by ${o.step}: ${o.note}`);

  out.push("");
  out.push("Stack outputs");
  const width = Math.max(0, ...Object.keys(plan.outputs).map((k) => k.length));
  for (const [k, v] of Object.entries(plan.outputs)) {
    const [first = "", ...rest] = outputLines(v);
    out.push(`  ${pad(k, width)} ${first}`.trimEnd());
    for (const line of rest) out.push(`  ${" ".repeat(width)} ${line}`.trimEnd());
  }
  return out.join("\n") + "\n";
}

/** An output value as lines: text as written, a list of texts one item a line, anything else as JSON. */
function outputLines(v: unknown): string[] {
  if (typeof v === "string") return v.split("\n");
  if (Array.isArray(v) && v.length > 0 && v.every((x): x is string => typeof x === "string")) {
    return v.flatMap((x) => x.split("\n").map((l, i) => `${i === 0 ? "- " : "  "}${l}`));
  }
  return [JSON.stringify(v)];
}

/** The runbook as a Mermaid flowchart (README keeps this as its diagram source). */
export function renderMermaid(plan: Plan): string {
  const id = (s: string): string => s.replace(/-/g, "_");
  const lines = ["flowchart TD"];
  for (const s of plan.steps) {
    lines.push(`  ${id(s.id)}["${s.id}"]${s.built ? "" : ":::todo"}`);
  }
  for (const s of plan.steps) {
    // verify needs every step; only its edges from steps nothing else needs are drawn, the rest
    // are implied, so the diagram stays readable.
    const needs =
      s.id === "verify"
        ? plan.steps
            .filter((x) => x.id !== "verify" && !plan.steps.some((y) => y.id !== "verify" && y.needs.includes(x.id)))
            .map((x) => x.id)
        : s.needs;
    for (const n of needs) lines.push(`  ${id(n)} --> ${id(s.id)}`);
  }
  lines.push("  classDef todo stroke-dasharray: 4 3,color:#777");
  return lines.join("\n") + "\n";
}

/**
 * The first-build timeline as a Mermaid Gantt chart: one bar per built step from its estimated
 * start to its finish, the critical path's steps marked `crit`. Times are minutes from the start
 * of `pulumi up`, written as seconds of an epoch day (`dateFormat X`) so the axis reads h:mm.
 */
export function renderGantt(plan: Plan): string {
  const crit = new Set(plan.timeline.criticalPath);
  const sec = (m: number): number => Math.round(m * 60);
  const lines = [
    "gantt",
    `  title First build ~${formatMinutes(plan.timeline.minutes)} (critical path marked); resume ~${formatMinutes(plan.resume.minutes)}`,
    "  dateFormat X",
    "  axisFormat %H:%M",
  ];
  for (const s of plan.steps.filter((x) => x.built)) {
    const tags = [...(crit.has(s.id) ? ["crit"] : []), s.id.replace(/-/g, "_")];
    // A zero-length step still gets a visible sliver.
    const end = Math.max(sec(s.finish), sec(s.start) + 30);
    lines.push(`  ${s.id} :${tags.join(", ")}, ${sec(s.start)}, ${end}`);
  }
  return lines.join("\n") + "\n";
}
