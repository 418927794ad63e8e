/**
 * `npm run readme`: regenerates the README's runbook diagram, step table and timeline chart from the real plan of
 * the default lab, between the `<!-- runbook-...:start -->` / `:end -->` markers, the README's configuration
 * table (`<!-- config-table:... -->`) and Pulumi.yaml's `config:` block from the config schema
 * (stacks/config/config-docs.ts). test/readme.test.ts fails when either file is out of date.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { configTable, updatedPulumiYaml } from "../../stacks/config/config-docs";
import { formatMinutes } from "../../stacks/model/timeline";
import type { Plan } from "./offline/plan-model";
import { renderGantt, renderMermaid } from "./offline/render";
import { runCli } from "./cli";
import { makePlan, planArgs } from "./plan";

const USAGE = `usage: npm run readme

Regenerates the README's runbook diagram, step table and timeline chart from the plan of the
default lab, between the <!-- runbook-...:start --> / :end --> markers, the configuration table
and Pulumi.yaml's config: block from the config schema (test/readme.test.ts fails when they are
out of date).

  -h, --help  show this help
`;

export const README = path.resolve(__dirname, "..", "..", "README.md");
export const PULUMI_YAML = path.resolve(__dirname, "..", "..", "Pulumi.yaml");
export { updatedPulumiYaml };

function stepTable(plan: Plan): string {
  const rows = plan.steps.map((s) => {
    const count = plan.resources.filter((r) => r.custom && r.step === s.id).length;
    const needs = s.id === "verify" ? "every other step" : s.needs.join(", ") || "-";
    const when = s.built ? `${formatMinutes(s.start)}-${formatMinutes(s.finish)}` : "not built yet";
    return `| \`${s.id}\` | ${s.title} | ${needs} | ${count} | ${when} |`;
  });
  return [
    "| step | what it does | needs | resources | estimated (from start) |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Estimated stand-up: about ${formatMinutes(plan.timeline.minutes)} (serial sum ${formatMinutes(plan.timeline.serialMinutes)}); ` +
      `critical path ${plan.timeline.criticalPath.join(" → ")}. Figures and their sources: \`stacks/model/durations.ts\`.`,
  ].join("\n");
}

/** The README text with its generated blocks brought up to date. */
export function updatedReadme(text: string, plan: Plan): string {
  const blocks: Record<string, string> = {
    "runbook-diagram": "```mermaid\n" + renderMermaid(plan) + "```",
    "runbook-table": stepTable(plan),
    "timeline-gantt": "```mermaid\n" + renderGantt(plan) + "```",
    "config-table": configTable(),
  };
  let out = text;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    out = out.replace(re, (_m, start: string, end: string) => `${start}${body}\n${end}`);
  }
  return out;
}

async function main(): Promise<void> {
  const plan = await makePlan(planArgs());
  const before = fs.readFileSync(README, "utf8");
  const after = updatedReadme(before, plan);
  if (after !== before) fs.writeFileSync(README, after);
  process.stdout.write(after === before ? "README.md is up to date\n" : "README.md updated\n");
  const yamlBefore = fs.readFileSync(PULUMI_YAML, "utf8");
  const yamlAfter = updatedPulumiYaml(yamlBefore);
  if (yamlAfter !== yamlBefore) fs.writeFileSync(PULUMI_YAML, yamlAfter);
  process.stdout.write(yamlAfter === yamlBefore ? "Pulumi.yaml is up to date\n" : "Pulumi.yaml updated\n");
}

if (require.main === module) {
  runCli({ name: "readme", usage: USAGE, options: {} }, process.argv.slice(2), async () => {
    await main();
    return 0;
  });
}
