/**
 * `npm run pause` / `npm run resume` [-- --stack NAME] [--stack-outputs FILE] [--today YYYY-MM-DD]
 *
 * Pause: stops the CMG from the site (its scale set stops billing compute), deletes a Basic
 * Bastion (it bills by the hour; Developer is free and stays), then deallocates every VM,
 * members first and the DC last. Resume: warns with dates about what a long pause runs into,
 * recreates a Basic Bastion (in the background), starts the DC, then the members, waits for AD
 * and the site, starts the CMG and waits for it, re-runs the verify step through Pulumi and prints
 * its report. Both are idempotent: what is already in the wanted state is reported and left alone.
 *
 * Everything goes through the Azure CLI (`az`) and the Pulumi CLI the README already requires; the
 * lab's shape comes from the stack's `power` output (`pulumi stack output --json`, or a file).
 *
 * Why these are commands and not Pulumi config: Pulumi's state is left as it is. The VMs' power
 * state is not part of the program's inputs, the CMG lives outside the state, and the recreated
 * Bastion has the same name, SKU, IP, VNet and tags as the one in the state, so a `pulumi preview`
 * after a resume shows no change. (A Bastion deleted by pause would be recreated by a `pulumi up
 * --refresh` made while paused, which is what it should do.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import spawn from "cross-spawn";
import type { LabPowerOutput } from "../../components/lab";
import { encodeParameterValue, wrapForRunCommand } from "../../stacks/model/run-command-transport";
import { expandIncludes } from "../../stacks/model/script-text";
import { addDays } from "../../stacks/config/config-util";
import { parseCli } from "./cli";

export interface PowerArgs {
  readonly action: "pause" | "resume";
  readonly stack: string | undefined;
  readonly stackOutputs: string | undefined;
  readonly today: string;
}

export const USAGE = `usage: npm run pause|resume -- [--stack NAME] [--stack-outputs FILE] [--today YYYY-MM-DD]
       (tsx scripts/cli/lab-power.ts pause|resume [options])

pause:  stops the CMG from the site, deletes a Basic Bastion, deallocates every VM (members first).
resume: prints dated warnings, recreates a Basic Bastion, starts the DC then the members, waits for
        AD and the site, starts the CMG and waits until it is ready, re-runs the verify step.

  --stack NAME          the Pulumi stack (default: the selected one)
  --stack-outputs FILE  read \`pulumi stack output --json\` saved in FILE instead of asking Pulumi
  --today YYYY-MM-DD    the date the warnings count from (default: today, UTC)
  -h, --help            show this help
`;

export const CLI_SPEC = {
  name: "lab-power",
  usage: USAGE,
  positionals: true,
  options: { stack: { type: "string" }, "stack-outputs": { type: "string" }, today: { type: "string" } },
} as const;

/** The parsed arguments, `help`, or a usage error naming what is wrong. Pure. */
export function parsePowerArgs(argv: readonly string[], now: Date = new Date()): PowerArgs | { readonly help: true } | { readonly error: string } {
  const parsed = parseCli(CLI_SPEC, argv);
  if (parsed.kind === "help") return { help: true };
  if (parsed.kind === "error") return { error: parsed.message };
  const [action, ...extra] = parsed.positionals;
  if (action !== "pause" && action !== "resume") return { error: action === undefined ? "say pause or resume" : `unknown action '${action}' (pause or resume)` };
  if (extra.length > 0) return { error: `unexpected argument '${extra[0] ?? ""}'` };
  const today = parsed.values.today ?? now.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) return { error: `--today must be YYYY-MM-DD, got '${today}'` };
  return { action, stack: parsed.values.stack, stackOutputs: parsed.values["stack-outputs"], today };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a CLI (az or pulumi from the PATH) and collects its output: every az and pulumi call of
 * pause, resume and timings goes through here. cross-spawn, not child_process.spawn: on Windows az
 * is az.cmd, which spawn without a shell does not find (ENOENT), and Node refuses to spawn a .cmd
 * without one since 18.20.2 (CVE-2024-27980); cross-spawn finds it through PATHEXT and quotes the
 * arguments for cmd.exe (a --query JMESPath, base64 values). A missing CLI comes back as ENOENT
 * on every platform (cross-spawn turns cmd.exe's "not recognized" into it).
 */
export function run(cmd: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => resolve({ code: 127, stdout, stderr: `${cmd}: ${e.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A failure to report in one line (the tools print its message and exit 1). */
export class CliError extends Error {}

/** What to install when a CLI the tools spawn is not on the PATH. */
const INSTALL: Readonly<Record<string, string>> = {
  az: "the Azure CLI (learn.microsoft.com/cli/azure/install-azure-cli), then az login",
  pulumi: "the Pulumi CLI (www.pulumi.com/docs/install)",
};

/** Runs a CLI and returns its stdout; a CLI missing from the PATH or a non-zero exit throws a CliError. */
export async function must(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code === 127 && r.stderr.includes("ENOENT")) throw new CliError(`${cmd} was not found on the PATH: install ${INSTALL[cmd] ?? cmd}`);
  if (r.code !== 0) throw new CliError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** The stack's `power` output, from `pulumi stack output --json` or from a file holding it. */
export async function readPower(args: Pick<PowerArgs, "stack" | "stackOutputs">): Promise<LabPowerOutput> {
  const text = args.stackOutputs
    ? fs.readFileSync(args.stackOutputs, "utf8")
    : await must("pulumi", ["stack", "output", "--json", ...(args.stack ? ["--stack", args.stack] : [])]);
  const outputs = JSON.parse(text) as { power?: LabPowerOutput };
  if (!outputs.power) throw new CliError("the stack has no 'power' output: run pulumi up once with this version of cmg-lab first");
  return outputs.power;
}

/** `VM running`, `VM deallocated`, ... by VM name (one call for the whole group). */
async function powerStates(rg: string): Promise<Map<string, string>> {
  const list = JSON.parse(await must("az", ["vm", "list", "--resource-group", rg, "--show-details", "--query", "[].{name:name, powerState:powerState}", "--output", "json"])) as {
    name: string;
    powerState: string | null;
  }[];
  return new Map(list.map((v) => [v.name, v.powerState ?? "unknown"]));
}

/** Where the in-VM scripts live (components/run-step.ts SCRIPTS_DIR, without loading Pulumi). */
const VM_SCRIPTS_DIR = path.resolve(__dirname, "..", "vm");

/**
 * The in-VM script pause and resume run on the site server. It is sent by this CLI, not by a
 * Pulumi run command (test/scripts-contract.test.ts lists it as CLI-sent and checks this use).
 */
export const CMG_POWER_SCRIPT = "lab-cmg-power.ps1";

export interface SiteCommand {
  /** The text `--scripts @file` carries: the script with its includes, in the transport wrapper. */
  readonly script: string;
  /** `--parameters` arguments, `Name=value`, each value as the transport sends it. */
  readonly parameters: readonly string[];
  /** The parameter names, sorted (the wrapper's param() block). */
  readonly names: readonly string[];
}

/**
 * scripts/vm/lab-cmg-power.ps1 as `az vm run-command invoke` sends it. The RunPowerShellScript
 * action passes parameters on the script's command line, where a value with a space is cut and
 * cmd characters are eaten, the same handler behaviour the managed run commands work around; so
 * this uses the same transport (stacks/model/run-command-transport.ts): values outside a safe set go as
 * `b64:...` and the script sent is the generated wrapper that decodes them. The text is exactly
 * what the Pester tests run (scripts/cli/ps-test/run-command-text.ts; test/scripts-contract.test.ts
 * checks it). az splits each `Name=value` at the first `=`, so base64 padding survives.
 */
export function cmgPowerCommand(action: "stop" | "start", siteCode: string, cmgFqdn: string, waitMinutes: number): SiteCommand {
  const values: Record<string, string> = { Action: action, CmgFqdn: cmgFqdn, SiteCode: siteCode, WaitMinutes: String(waitMinutes) };
  const names = Object.keys(values).sort();
  const text = expandIncludes(CMG_POWER_SCRIPT, fs.readFileSync(path.join(VM_SCRIPTS_DIR, CMG_POWER_SCRIPT), "utf8"), VM_SCRIPTS_DIR).text;
  return {
    script: wrapForRunCommand(text, names),
    parameters: names.map((n) => `${n}=${encodeParameterValue(values[n] ?? "")}`),
    names,
  };
}

/** The line lab-cmg-power.ps1 prints last when it succeeded (az reports no exit code for it). */
const SITE_OK = "lab-cmg-power ok";

async function runOnSite(power: LabPowerOutput, command: SiteCommand): Promise<string[]> {
  // The script goes in a file (`--scripts @file`): no command-line length limit, no quoting.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-power-"));
  const file = path.join(dir, CMG_POWER_SCRIPT);
  fs.writeFileSync(file, command.script);
  try {
    const out = await must("az", [
      "vm", "run-command", "invoke", "--resource-group", power.resourceGroupName, "--name", power.siteServerVm,
      "--command-id", "RunPowerShellScript", "--scripts", `@${file}`, "--parameters", ...command.parameters, "--output", "json",
    ]);
    const parsed = JSON.parse(out) as { value?: { code?: string; message?: string }[] };
    const stream = (name: string): string[] =>
      (parsed.value ?? [])
        .filter((v) => (v.code ?? "").includes(`/${name}/`))
        .flatMap((v) => (v.message ?? "").split(/\r?\n/))
        .map((l) => l.trimEnd())
        .filter((l) => l !== "");
    const stdout = stream("StdOut");
    const stderr = stream("StdErr");
    // A failed script still comes back as a successful invoke: only its last line tells.
    if (!stdout.includes(SITE_OK)) throw new CliError(`on ${power.siteServerVm}: ${[...stdout, ...stderr].join("\n") || "no output"}`);
    return stdout.filter((l) => l !== SITE_OK);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** ConfigMgr's evaluation turns read-only this many days after the site install. */
export const EVALUATION_DAYS = 180;

/** Warnings with dates, before a resume: what a long pause runs into. */
export function pauseWarnings(today: string, expiresOn: string, secretEnd: string, siteInstalledOn: string | undefined): string[] {
  const lines: string[] = [];
  const check = (what: string, date: string, fix: string): void => {
    const d = date.slice(0, 10);
    if (d <= today) lines.push(`! ${what} passed on ${d}: ${fix}`);
    else lines.push(`  ${what}: ${d}${d <= addDays(today.slice(0, 10), 14) ? " (within two weeks)" : ""}`);
  };
  check("the lab's expiresOn", expiresOn, "set cmg-lab:schedule.expiresOn later and run pulumi up, or pulumi destroy the lab");
  check("the server app secret's end date", secretEnd, "set cmg-lab:entra.secretIssuedOn to today and run pulumi up (the site re-imports the new secret)");
  if (siteInstalledOn) {
    check(`the ConfigMgr evaluation (site installed ${siteInstalledOn.slice(0, 10)}, read-only after ${EVALUATION_DAYS} days)`, addDays(siteInstalledOn.slice(0, 10), EVALUATION_DAYS), "the site is read-only: enter a product key, or rebuild the lab");
  } else {
    lines.push(`  the ConfigMgr evaluation: install date unknown (no site-install run command found); it turns read-only ${EVALUATION_DAYS} days after the install`);
  }
  return lines;
}

type Say = (line: string) => void;

export async function pause(power: LabPowerOutput, say: Say): Promise<void> {
  const rg = power.resourceGroupName;
  const states = await powerStates(rg);
  const site = states.get(power.siteServerVm) ?? "unknown";
  if (site === "VM running") {
    say(`CMG ${power.cmgServiceFqdn}: stopping from the site (${power.siteServerVm}) ...`);
    for (const line of await runOnSite(power, cmgPowerCommand("stop", power.siteCode, power.cmgServiceFqdn, 15))) say(`  ${line}`);
  } else {
    say(`CMG ${power.cmgServiceFqdn}: site server ${power.siteServerVm} is ${site}; the CMG was stopped when it was paused (nothing to do)`);
  }
  if (power.bastion.mode === "basic") {
    const shown = await run("az", ["network", "bastion", "show", "--resource-group", rg, "--name", power.bastion.name, "--output", "json"]);
    if (shown.code === 0) {
      say(`Bastion ${power.bastion.name} (Basic, billed hourly): deleting; npm run resume recreates it ...`);
      await must("az", ["network", "bastion", "delete", "--resource-group", rg, "--name", power.bastion.name]);
      say(`Bastion ${power.bastion.name}: deleted`);
    } else {
      say(`Bastion ${power.bastion.name}: already deleted`);
    }
  } else {
    say(`Bastion: ${power.bastion.mode} (no hourly charge), kept`);
  }
  // Members first, the DC last: nothing is left looking for a domain controller that is gone.
  for (const vm of [...power.memberVms, power.dcVm]) {
    const state = states.get(vm) ?? "unknown";
    if (state === "VM deallocated") {
      say(`VM ${vm}: already deallocated`);
      continue;
    }
    say(`VM ${vm}: ${state}, deallocating ...`);
    await must("az", ["vm", "deallocate", "--resource-group", rg, "--name", vm]);
    say(`VM ${vm}: deallocated`);
  }
  say("Paused: the disks and public IPs keep billing (npm run plan prints the paused cost per month).");
}

async function siteInstalledOn(power: LabPowerOutput): Promise<string | undefined> {
  const r = await run("az", [
    "vm", "run-command", "show", "--resource-group", power.resourceGroupName, "--vm-name", power.siteServerVm,
    "--run-command-name", power.siteInstallRunCommand, "--instance-view", "--query", "instanceView.startTime", "--output", "tsv",
  ]);
  const t = r.stdout.trim();
  return r.code === 0 && /^\d{4}-\d{2}-\d{2}/.test(t) ? t : undefined;
}

export async function resume(power: LabPowerOutput, today: string, stack: string | undefined, say: Say): Promise<void> {
  const rg = power.resourceGroupName;
  say("Before resuming: what a long pause runs into");
  for (const w of pauseWarnings(today, power.expiresOn, power.serverAppSecretEndDate, await siteInstalledOn(power))) say(w);
  const states = await powerStates(rg);

  let bastion: Promise<CliResult> | undefined;
  if (power.bastion.mode === "basic") {
    const shown = await run("az", ["network", "bastion", "show", "--resource-group", rg, "--name", power.bastion.name, "--output", "json"]);
    if (shown.code === 0) say(`Bastion ${power.bastion.name}: present`);
    else {
      say(`Bastion ${power.bastion.name}: recreating (Basic, same IP and VNet; about 10 minutes, in the background) ...`);
      const b = power.bastion;
      bastion = run("az", [
        "network", "bastion", "create", "--resource-group", rg, "--name", b.name, "--sku", "Basic", "--public-ip-address", b.publicIpName,
        "--vnet-name", b.vnetName, "--location", b.location, "--tags", ...Object.entries(b.tags).map(([k, v]) => `${k}=${v}`),
      ]);
    }
  }

  const start = async (vm: string): Promise<void> => {
    const state = states.get(vm) ?? "unknown";
    if (state === "VM running") {
      say(`VM ${vm}: already running`);
      return;
    }
    say(`VM ${vm}: ${state}, starting ...`);
    await must("az", ["vm", "start", "--resource-group", rg, "--name", vm]);
    say(`VM ${vm}: running`);
  };
  // The DC first: members boot into a domain whose controller answers.
  await start(power.dcVm);
  await Promise.all(power.memberVms.map(start));

  say(`Site ${power.siteCode} on ${power.siteServerVm}: waiting for AD and the site, then starting CMG ${power.cmgServiceFqdn} ...`);
  for (const line of await runOnSite(power, cmgPowerCommand("start", power.siteCode, power.cmgServiceFqdn, 30))) say(`  ${line}`);

  say(`Verify: re-running the verify step (${power.verifyUrns.length} run commands) with pulumi up --target-replace ...`);
  await must("pulumi", [
    "up", "--yes", "--skip-preview", ...(stack ? ["--stack", stack] : []), ...power.verifyUrns.flatMap((u) => ["--target-replace", u]),
  ]);
  for (const rc of power.verifyRunCommands) {
    const report = await must("az", [
      "vm", "run-command", "show", "--resource-group", rg, "--vm-name", rc.vm, "--run-command-name", rc.name, "--instance-view",
      "--query", "instanceView.output", "--output", "tsv",
    ]);
    say(`== ${rc.name} on ${rc.vm}`);
    for (const line of report.trimEnd().split("\n")) say(`  ${line}`);
  }
  if (bastion) {
    const b = await bastion;
    if (b.code !== 0) throw new CliError(`Bastion ${power.bastion.name} was not recreated: ${b.stderr.trim()}`);
    say(`Bastion ${power.bastion.name}: recreated`);
  }
  say("Resumed and verified.");
}

async function main(args: PowerArgs): Promise<number> {
  const say: Say = (line) => process.stdout.write(`${line}\n`);
  try {
    const power = await readPower(args);
    if (args.action === "pause") await pause(power, say);
    else await resume(power, args.today, args.stack, say);
    return 0;
  } catch (e) {
    process.stderr.write(`cmg-lab ${args.action}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  const parsed = parsePowerArgs(process.argv.slice(2));
  if ("help" in parsed) {
    process.stdout.write(USAGE);
  } else if ("error" in parsed) {
    // The shared convention (scripts/cli/cli.ts): the tool, what is wrong, the usage; exit 2.
    process.stderr.write(`${CLI_SPEC.name}: ${parsed.error}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    main(parsed).then((code) => (process.exitCode = code));
  }
}
