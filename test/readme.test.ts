import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { PULUMI_YAML, README, updatedPulumiYaml, updatedReadme } from "../scripts/cli/readme";
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

describe("generated from the config schema (npm run readme updates them)", () => {
  it("Pulumi.yaml's config: block is the one the schema gives", () => {
    const text = fs.readFileSync(PULUMI_YAML, "utf8");
    expect(updatedPulumiYaml(text) === text, "Pulumi.yaml's config: block is out of date: run npm run readme").toBe(true);
  });

  it("the README's configuration table has a row per field, required ones marked", () => {
    const text = fs.readFileSync(README, "utf8");
    const block = /<!-- config-table:start -->\n([\s\S]*?)<!-- config-table:end -->/.exec(text)?.[1] ?? "";
    const rows = new Map([...block.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2]?.trim()]));
    // Written here, not read from the schema: the contract keys of ../shared/ARCHITECTURE.md.
    for (const key of ["prefix", "domain.fqdn", "domain.ous", "tenant.domain", "site.siteCode", "site.enhancedHttp", "discovery.activeDirectoryUsers", "discovery.azureAdUsers", "sync.ous", "cmg.name", "cmg.vmSize", "cmg.instances", "cmg.certificate", "clients", "admin.username", "admin.allowedSourceCidrs", "schedule.autoShutdown", "schedule.timeZone", "schedule.expiresOn"]) {
      expect(rows.has(key), key).toBe(true);
    }
    expect(rows.get("prefix")).toBe("(required)");
    expect(rows.get("location")).toBe("`westeurope`");
    expect(rows.get("sync.ous")).toBe("`[Workstations, LabUsers]`");
    // The removed key is refused, not documented.
    expect(rows.has("sync.downloadUrl")).toBe(false);
  });
});
