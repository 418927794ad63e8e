/**
 * Every run command of the lab, checked from both ends: the names the TypeScript side passes as
 * `parameters`/`protectedParameters` are exactly the script's `param()` names, secret-named
 * parameters travel only as protected parameters, and the script sent is the file in scripts/
 * (which the pslint gate checks).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLab, type Evaluation, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { checkRunCommandContract, initPsLint } from "../scripts/cli/pslint";
import { LANE_TAG, readScript, SCRIPTS_DIR, SCRIPT_TAG } from "../components/run-step";
import { expandIncludes } from "../stacks/model/script-text";
import { decodeParameterValue, wrapForRunCommand } from "../stacks/model/run-command-transport";
import { runCommandText } from "../scripts/cli/ps-test/run-command-text";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { sampleConfig } from "./support/sample-config";
import * as pulumi from "@pulumi/pulumi";
import type { WindowsVm } from "../components/windows-vm";
import { testVm } from "./support/test-vm";
import { RunStep } from "../components/run-step";
import { DomainMember } from "../components/domain-member";
import { CMG_POWER_SCRIPT, cmgPowerCommand, type SiteCommand } from "../scripts/cli/lab-power";

/**
 * In-VM scripts sent by a command-line tool instead of a Pulumi run command, each with what the
 * tool sends (npm run pause / resume: `az vm run-command invoke`). Named here one by one: a
 * script no one sends is still an error.
 */
const CLI_SENT: Readonly<Record<string, readonly SiteCommand[]>> = {
  "lab-cmg-power.ps1": [cmgPowerCommand("stop", "PS1", "cmglab.example", 15), cmgPowerCommand("start", "PS1", "cmglab.example", 30)],
};

const names = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((p) => String((p as Record<string, unknown>).name)) : [];

function contractProblems(ev: Evaluation): string[] {
  const problems: string[] = [];
  for (const rc of ev.resources.filter((r: RecordedResource) => r.type === RUN_COMMAND_TYPE)) {
    const file = String((rc.inputs.tags as Record<string, unknown>)[SCRIPT_TAG]);
    const sent = String((rc.plainInputs.source as Record<string, unknown>).script);
    const onDisk = path.join(SCRIPTS_DIR, file);
    const passed = [...names(rc.plainInputs.parameters), ...names(rc.plainInputs.protectedParameters)].sort();
    // What is sent is the transport wrapper around the file with its `#include lib/...` lines
    // inlined, nothing else; the contract is checked on that inner script.
    const text = fs.existsSync(onDisk) ? expandIncludes(file, fs.readFileSync(onDisk, "utf8"), SCRIPTS_DIR).text : "";
    if (!text || wrapForRunCommand(text, passed) !== sent) problems.push(`${rc.urn}: script text is not scripts/${file} in the transport wrapper`);
    if (/^#include /m.test(sent)) problems.push(`${rc.urn}: an #include line was sent unexpanded`);
    // The Pester tests (npm run test:ps) run runCommandText(file): it must be what Azure gets.
    if (fs.existsSync(onDisk) && runCommandText(file) !== sent) problems.push(`${rc.urn}: the text the Pester tests run differs from the one sent`);
    for (const p of checkRunCommandContract(file, text, {
      parameters: names(rc.plainInputs.parameters),
      protectedParameters: names(rc.plainInputs.protectedParameters),
    })) {
      problems.push(`${rc.name}: ${p.rule}: ${p.message}`);
    }
    // Every protected value is a Pulumi secret on the wire.
    const protectedCount = names(rc.plainInputs.protectedParameters).length;
    const secretValues = rc.secretPaths.filter((s) => /^protectedParameters\[\d+\]\.value$/.test(s)).length;
    if (secretValues !== protectedCount) problems.push(`${rc.name}: ${protectedCount - secretValues} protected value(s) not secret`);
  }
  return problems;
}

let ev: Evaluation;
/** The lab with a supplied PFX, an intranet-side client and SQL Server downloaded: the run commands the default lab has not. */
let variant: Evaluation;
beforeAll(async () => {
  await initPsLint();
  ev = await evaluateLab(sampleConfig());
  variant = await evaluateLab(
    sampleConfig({
      site: { ...sampleConfig().site, sqlSource: "download" },
      cmg: {
        name: "pfxlabcmg",
        vmSize: "Standard_B2s",
        instances: 2,
        certificate: { kind: "pfx", pfxFile: "test/fixtures/config/certs/cmg.pfx", pfxPassword: pulumi.secret("x") },
      },
      clients: [
        { name: "win11-01", os: "windows-11", network: "internet", pki: false, vmSize: "Standard_B2ms" },
        { name: "win10-01", os: "windows-10", network: "intranet", pki: false, vmSize: "Standard_B2ms" },
      ],
    }),
  );
});

describe("run-command contract over the whole lab", () => {
  it("matches every script's param() block and protects every secret", () => {
    expect(contractProblems(ev)).toEqual([]);
    expect(contractProblems(variant)).toEqual([]);
  });

  it("leaves no script in scripts/ unused (every one is sent by some lab configuration, or by a CLI listed in CLI_SENT)", () => {
    const used = new Set(
      [ev, variant].flatMap((e) =>
        e.resources.filter((r) => r.type === RUN_COMMAND_TYPE).map((r) => String((r.inputs.tags as Record<string, unknown>)[SCRIPT_TAG])),
      ),
    );
    const onDisk = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".ps1"));
    expect(onDisk.filter((f) => !used.has(f) && !(f in CLI_SENT))).toEqual([]);
    // The CLI list holds only scripts that exist and that no run command of the lab sends.
    expect(Object.keys(CLI_SENT).filter((f) => !onDisk.includes(f) || used.has(f))).toEqual([]);
  });

  it("CLI-sent scripts: the CLI sends the file as the Pester tests run it, with exactly its param() names", () => {
    expect(CMG_POWER_SCRIPT in CLI_SENT).toBe(true);
    for (const [file, commands] of Object.entries(CLI_SENT)) {
      const text = readScript(file);
      for (const c of commands) {
        expect(c.script, file).toBe(runCommandText(file));
        expect(checkRunCommandContract(file, text, { parameters: [...c.names], protectedParameters: [] }), file).toEqual([]);
        expect(c.parameters.map((p) => p.slice(0, p.indexOf("="))), file).toEqual([...c.names]);
      }
    }
  });

  it("sends only scripts that exist in scripts/", () => {
    const rcs = ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE);
    expect(rcs.length).toBeGreaterThan(20);
    for (const rc of rcs) {
      const file = String((rc.inputs.tags as Record<string, unknown>)[SCRIPT_TAG]);
      expect(fs.existsSync(path.join(SCRIPTS_DIR, file)), file).toBe(true);
    }
  });
});

/**
 * Scripts that run an installer (Windows Installer allows one installation at a time: a second
 * fails with 1618). Beside other work they may only run in the "installers" lane.
 */
const INSTALLERS = new Set(["site-sql.ps1", "site-adk.ps1", "site-install.ps1", "entra-connect-install.ps1", "client-agent-install.ps1"]);

/** The script's code without comments (help blocks and # lines), where the rules look. */
function codeOf(file: string): string {
  return readScript(file).replace(/<#[\s\S]*?#>/g, "").replace(/^\s*#.*$/gm, "");
}

/** What a run command in a lane (beside other work on its VM) must not do. */
function laneProblems(e: Evaluation): string[] {
  const problems: string[] = [];
  for (const rc of e.resources.filter((r) => r.type === RUN_COMMAND_TYPE)) {
    const tags = rc.inputs.tags as Record<string, unknown>;
    const lane = tags[LANE_TAG];
    if (typeof lane !== "string") continue;
    const file = String(tags[SCRIPT_TAG]);
    const code = codeOf(file);
    if (/\bshutdown(\.exe)?\b|\bRestart-Computer\b/i.test(code)) problems.push(`${rc.name}: ${file} restarts the VM but runs in lane ${lane}`);
    if (INSTALLERS.has(file) && lane !== "installers") problems.push(`${rc.name}: ${file} runs an installer in lane ${lane}, not "installers"`);
    if (/\bSet-DnsClientServerAddress\b/i.test(code) && file !== "site-media.ps1") problems.push(`${rc.name}: ${file} changes DNS in lane ${lane}; only site-media.ps1 may`);
  }
  return problems;
}

describe("lanes: what runs beside other work", () => {
  it("no command in a lane restarts the VM, runs an installer outside the installers lane, or changes DNS (but site-media)", () => {
    expect(laneProblems(ev)).toEqual([]);
    expect(laneProblems(variant)).toEqual([]);
    // The default lab does use lanes, and the installers' list names real scripts.
    expect(ev.resources.filter((r) => r.type === RUN_COMMAND_TYPE && typeof (r.inputs.tags as Record<string, unknown>)[LANE_TAG] === "string").length).toBeGreaterThan(8);
    for (const file of INSTALLERS) expect(fs.existsSync(path.join(SCRIPTS_DIR, file)), file).toBe(true);
  });

  it("catches a restart, an installer and a DNS change put in a lane (control cases)", async () => {
    const bad = await evaluateLab(sampleConfig(), {
      program: () => {
        const host = testVm("CM01");
        const step = (name: string, script: string, parameters: Record<string, string>, lane: string): RunStep =>
          new RunStep(name, { vm: host, script, parameters, timeoutMinutes: 10, lane, tags: { lab: "l", stack: "s", step: "t" } });
        step("join", "domain-join.ps1", {}, "a");
        step("adk", "site-adk.ps1", {}, "b");
        step("dns", "domain-join.ps1", {}, "installers");
        return {};
      },
    });
    const found = laneProblems(bad);
    expect(found.some((p) => p.startsWith("join-command: domain-join.ps1 restarts the VM"))).toBe(true);
    expect(found.some((p) => p.startsWith('adk-command: site-adk.ps1 runs an installer in lane b'))).toBe(true);
    expect(found.some((p) => p.startsWith("dns-command: domain-join.ps1 changes DNS"))).toBe(true);
  });

  it("with build.parallelInGuest false every command on a VM runs after the one before, with the same inputs", async () => {
    const serial = await evaluateLab(sampleConfig({ build: { parallelInGuest: false } }));
    const rcs = serial.resources.filter((r) => r.type === RUN_COMMAND_TYPE);
    // Only the order changes (dependencies cause no diff): the inputs, lane tags included, are the
    // same, so turning lanes off re-runs no script.
    const inputsOf = (e: Evaluation) => Object.fromEntries(e.resources.filter((r) => r.type === RUN_COMMAND_TYPE).map((r) => [r.urn, JSON.stringify(r.inputs)]));
    expect(inputsOf(serial)).toEqual(inputsOf(ev));
    const cm01 = rcs.filter((r) => String(r.plainInputs.vmName).endsWith("-cm01")).sort((a, b) => a.seq - b.seq);
    expect(cm01.length).toBeGreaterThan(15);
    cm01.slice(1).forEach((rc, i) => expect(rc.dependencies, rc.name).toContain((cm01[i] as RecordedResource).urn));
  });
});

describe("run-command contract check (control cases)", () => {
  const vm = (): WindowsVm => testVm("CM01");

  it("passes a real component's run commands", async () => {
    const good = await evaluateLab(sampleConfig(), {
      program: () => {
        new DomainMember("cm01", {
          vm: vm(),
          domainFqdn: "corp.cmglab.example",
          ouDn: "OU=Servers,DC=corp,DC=cmglab,DC=example",
          dcAddress: "10.42.1.4",
          joinUser: "CORP\\labadmin",
          joinPassword: pulumi.secret("x"),
          tags: {},
        });
        return {};
      },
    });
    expect(good.resources.filter((r) => r.type === RUN_COMMAND_TYPE)).toHaveLength(2);
    expect(contractProblems(good)).toEqual([]);
  });

  it("catches a missing parameter and a secret passed in clear", async () => {
    const bad = await evaluateLab(sampleConfig(), {
      program: () => {
        new RunStep("broken-join", {
          vm: vm(),
          script: "domain-join.ps1",
          parameters: { DomainFqdn: "corp.cmglab.example", OuDn: "OU=Servers", DcAddress: "10.42.1.4", JoinUser: "u", JoinPassword: "p" },
          timeoutMinutes: 5,
          tags: {},
        });
        return {};
      },
    });
    const problems = contractProblems(bad).join("\n");
    expect(problems).toMatch(/WaitMinutes/);
    expect(problems).toMatch(/secret-protection: .*JoinPassword/);
  });
});

describe("parameters that may be empty", () => {
  it("are declared [AllowEmptyString()] in the script (a mandatory string refuses \"\" otherwise)", () => {
    const problems: string[] = [];
    const sentEmpty: string[] = [];
    for (const e of [ev, variant]) {
      for (const rc of e.resources.filter((r) => r.type === RUN_COMMAND_TYPE)) {
        const file = String((rc.inputs.tags as Record<string, unknown>)[SCRIPT_TAG]);
        const text = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
        for (const key of ["parameters", "protectedParameters"] as const) {
          for (const p of (rc.plainInputs[key] as { name: string; value: unknown }[] | undefined) ?? []) {
            if (typeof p.value !== "string" || decodeParameterValue(p.value) !== "") continue;
            sentEmpty.push(`${file}: ${p.name}`);
            if (!new RegExp(`\\[AllowEmptyString\\(\\)\\][\\s\\S]{0,80}?\\$${p.name}\\b`).test(text)) problems.push(`${file}: ${p.name} is sent empty`);
          }
        }
      }
    }
    // The check saw empty values (otherwise it proves nothing).
    expect(sentEmpty.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
