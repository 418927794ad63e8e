import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { README, updatedReadme } from "../scripts/cli/readme";
import { makePlan, planArgs } from "../scripts/cli/plan";

describe("README", () => {
  it("holds the runbook diagram and step table of the current program (npm run readme updates them)", async () => {
    const plan = await makePlan(planArgs());
    const text = fs.readFileSync(README, "utf8");
    expect(updatedReadme(text, plan) === text, "README.md is out of date: run npm run readme").toBe(true);
  });

  it("starts with the two quick-start commands", () => {
    const text = fs.readFileSync(README, "utf8");
    const quick = text.slice(text.indexOf("## Quick start"));
    const commands = [...quick.matchAll(/^([a-z].*?)\s+#/gm)].map((m) => m[1]?.trim());
    expect(commands.slice(0, 2)).toEqual(["npm ci && npm run plan", "npm test"]);
  });
});

describe("README timeline chart", () => {
  it("embeds the default lab's Gantt chart with its critical path marked", () => {
    const text = fs.readFileSync(README, "utf8");
    const block = /<!-- timeline-gantt:start -->\n```mermaid\n(gantt\n[\s\S]*?)```\n<!-- timeline-gantt:end -->/.exec(text);
    expect(block, "no timeline-gantt block").not.toBeNull();
    expect(block?.[1]).toMatch(/ :crit, site_server, /);
  });
});
