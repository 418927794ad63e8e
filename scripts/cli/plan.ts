/**
 * `npm run plan -- [--stack NAME] [--config-file PATH] [--json] [--mermaid] [--gantt]`
 *
 * Evaluates the real program under Pulumi's mock runtime with the stack's config and no cloud
 * account, and prints the runbook in waves with each step's resources, the estimated timeline
 * with its critical path, the preflight warnings and a cost estimate. `--json` prints one JSON
 * object (see scripts/cli/offline/plan-model.ts); `--mermaid` prints the runbook diagram, `--gantt`
 * the first-build timeline as a Mermaid Gantt chart with the critical path marked.
 * A config error: one paragraph per problem on stderr, exit code 2, nothing on stdout.
 */
import * as path from "node:path";
import { formatConfigIssues, LabConfigError, parseLabConfig } from "../../stacks/config/config";
import { readStackConfigFile } from "../../stacks/config/config-file";
import type { ConfigIssue, LabConfig } from "../../stacks/config/lab-config";
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

export class UsageError extends Error {}

const USAGE = "usage: npm run plan -- [--stack NAME] [--config-file PATH] [--json | --mermaid | --gantt]";

export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  let stack = "dev";
  let configFile: string | undefined;
  let format: PlanArgs["format"] = "human";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--stack") stack = value();
    else if (a === "--config-file") configFile = value();
    else if (a === "--json") format = "json";
    else if (a === "--mermaid") format = "mermaid";
    else if (a === "--gantt") format = "gantt";
    else if (a === "--help" || a === "-h") throw new UsageError(USAGE);
    else throw new UsageError(`unknown argument '${a}'\n${USAGE}`);
  }
  return { stack, configFile: path.resolve(configFile ?? path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)), format };
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

async function main(): Promise<number> {
  let args: PlanArgs;
  try {
    args = parsePlanArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
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
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cmg-lab plan failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
