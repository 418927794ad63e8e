/**
 * `npm run plan -- [--stack NAME] [--config-file PATH] [--json] [--mermaid] [--gantt]`
 *
 * Evaluates the real program under Pulumi's mock runtime with the stack's config and no cloud
 * account, and prints the runbook in waves with each step's resources, the estimated timeline
 * with its critical path, the preflight warnings and a cost estimate. `--json` prints one JSON
 * object (see scripts/cli/offline/plan-model.ts); `--mermaid` prints the runbook diagram, `--gantt`
 * the first-build timeline as a Mermaid Gantt chart with the critical path marked.
 * A config error: one paragraph per problem on stderr, exit code 2, nothing on stdout. Options go
 * through the shared parser (cli.ts): --help exits 0, a usage error names the option and exits 2.
 */
import * as path from "node:path";
import type { ParseArgsConfig } from "node:util";
import { formatConfigIssues, LabConfigError, parseLabConfig } from "../../stacks/config/config";
import { readStackConfigFile } from "../../stacks/config/config-file";
import type { ConfigIssue, LabConfig } from "../../stacks/config/lab-config";
import { runCli, type CliParse, type CliSpec } from "./cli";
import { evaluateLab } from "./offline/evaluate";
import { buildPlan, type Plan } from "./offline/plan-model";
import { renderGantt, renderHuman, renderMermaid } from "./offline/render";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const PROJECT = "cmg-lab";

export interface PlanArgs {
  readonly stack: string;
  readonly configFile: string;
  readonly format: "human" | "json" | "mermaid" | "gantt";
}

const USAGE = `usage: npm run plan -- [--stack NAME] [--config-file PATH] [--json | --mermaid | --gantt]

Evaluates the lab under Pulumi's mock runtime with the stack's config, no cloud account needed,
and prints the runbook in waves, each step's resources, the timeline, warnings and costs.

  --stack NAME        the stack whose config is read (default dev)
  --config-file PATH  the config file (default Pulumi.<stack>.yaml in the project)
  --json              one JSON object on stdout (the plan's contract), nothing else
  --mermaid           the runbook as a Mermaid diagram
  --gantt             the first-build timeline as a Mermaid Gantt chart
  -h, --help          show this help

A config error prints one paragraph per problem on stderr and exits 2, with nothing on stdout.
`;

/** The plan's command line, for the shared parser (scripts/cli/cli.ts). */
export const PLAN_CLI = {
  name: "plan",
  usage: USAGE,
  options: {
    stack: { type: "string" },
    "config-file": { type: "string" },
    json: { type: "boolean" },
    mermaid: { type: "boolean" },
    gantt: { type: "boolean" },
  },
} as const satisfies CliSpec<NonNullable<ParseArgsConfig["options"]>>;

/** The options as parsed (every one optional). */
export type PlanOptions = Extract<CliParse<typeof PLAN_CLI.options>, { kind: "ok" }>["values"];

/** A usage error found after parsing: the message names the options. */
export class UsageError extends Error {}

/**
 * The plan's arguments from its options: stack `dev` and its `Pulumi.<stack>.yaml` in the project
 * unless given. Throws UsageError when more than one output format is asked for.
 */
export function planArgs(options: PlanOptions = {}): PlanArgs {
  const formats = (["json", "mermaid", "gantt"] as const).filter((f) => options[f] === true);
  if (formats.length > 1) throw new UsageError(`${formats.map((f) => `--${f}`).join(" and ")} cannot be combined: choose one output format`);
  const stack = options.stack ?? "dev";
  const configFile = path.resolve(options["config-file"] ?? path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
  return { stack, configFile, format: formats[0] ?? "human" };
}

/** Today's date (UTC, YYYY-MM-DD): only used to warn that a lab is past `expiresOn`. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Reads and validates the config; throws LabConfigError on any error. */
export function loadPlanConfig(args: PlanArgs): { config: LabConfig; warnings: ConfigIssue[] } {
  const raw = readStackConfigFile(args.configFile, args.stack, PROJECT);
  // offlinePlan: a config still missing the Entra Connect MSI is planned, with that as its first
  // warning (pulumi up refuses it), so the shipped default lab plans as it is.
  const result = parseLabConfig(raw, { today: today(), projectDir: PROJECT_DIR, checkPfx: true, offlinePlan: true });
  const errors = result.issues.filter((i) => i.severity === "error");
  if (!result.config || errors.length > 0) throw new LabConfigError(errors);
  return { config: result.config, warnings: result.issues.filter((i) => i.severity === "warning") };
}

export async function makePlan(args: PlanArgs): Promise<Plan> {
  const { config, warnings } = loadPlanConfig(args);
  const evaluation = await evaluateLab(config, { project: PROJECT });
  return buildPlan(config, evaluation, warnings, PROJECT);
}

export function renderPlan(plan: Plan, format: PlanArgs["format"]): string {
  if (format === "json") return JSON.stringify(plan, null, 2) + "\n";
  if (format === "mermaid") return renderMermaid(plan);
  if (format === "gantt") return renderGantt(plan);
  return renderHuman(plan);
}

async function main(options: PlanOptions): Promise<number> {
  let args: PlanArgs;
  try {
    args = planArgs(options);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`plan: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    const plan = await makePlan(args);
    process.stdout.write(renderPlan(plan, args.format));
    return 0;
  } catch (e) {
    if (e instanceof LabConfigError) {
      process.stderr.write(`cmg-lab: the stack config is not valid (${args.configFile}).\n\n${formatConfigIssues(e.issues)}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  // A closed pipe (`npm run plan | head`) is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  runCli(PLAN_CLI, process.argv.slice(2), main);
}
