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
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { LabPowerOutput } from "../components/lab";

export interface PowerArgs {
  readonly action: "pause" | "resume";
  readonly stack: string | undefined;
  readonly stackOutputs: string | undefined;
  readonly today: string;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run pause|resume -- [--stack NAME] [--stack-outputs FILE] [--today YYYY-MM-DD]";

export function parsePowerArgs(argv: readonly string[]): PowerArgs {
  const [action, ...rest] = argv;
  if (action !== "pause" && action !== "resume") throw new UsageError(USAGE);
  let stack: string | undefined;
  let stackOutputs: string | undefined;
  let today = new Date().toISOString().slice(0, 10);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--stack") stack = value();
    else if (a === "--stack-outputs") stackOutputs = value();
    else if (a === "--today") today = value();
    else throw new UsageError(`unknown argument '${a}'\n${USAGE}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be YYYY-MM-DD, got '${today}'`);
  return { action, stack, stackOutputs, today };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a CLI (az or pulumi from the PATH) and collects its output. */
export function run(cmd: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => resolve({ code: 127, stdout, stderr: `${cmd}: ${e.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

class CliError extends Error {}

async function must(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new CliError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export async function readPower(args: PowerArgs): Promise<LabPowerOutput> {
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

/** PowerShell run on the site server as LocalSystem (az vm run-command invoke). */
export function cmgScript(action: "stop" | "start", siteCode: string, cmgFqdn: string, waitMinutes: number): string {
  const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  // Get-CMCloudManagementGateway | Stop-/Start-CMCloudManagementGateway: the pipeline (InputObject)
  // form, as Microsoft's examples for the CMG cmdlets use it. That LocalSystem on the site server
  // holds the ConfigMgr rights these cmdlets need is UNCONFIRMED (the site's installer, the domain
  // admin, is its Full Administrator). Ready: State 0, as scripts/vm/cmg-create.ps1 reads it.
  return [
    "$ErrorActionPreference = 'Stop'",
    "trap { Write-Output \"lab-power failed: $_\"; exit 1 }",
    `$site = ${q(siteCode)}; $name = ${q(cmgFqdn)}; $deadline = (Get-Date).AddMinutes(${waitMinutes})`,
    "while ($true) {",
    "  $ad = $false; try { $null = [System.DirectoryServices.ActiveDirectory.Domain]::GetComputerDomain().FindDomainController(); $ad = $true } catch { }",
    "  $exec = Get-Service -Name SMS_EXECUTIVE -ErrorAction SilentlyContinue",
    "  if ($ad -and $exec -and $exec.Status -eq 'Running') { break }",
    "  if ((Get-Date) -gt $deadline) { throw \"AD or the site did not come up within the wait (AD: $ad, SMS_EXECUTIVE: $($exec.Status))\" }",
    "  Start-Sleep -Seconds 15",
    "}",
    "Import-Module (Join-Path (Split-Path $env:SMS_ADMIN_UI_PATH -Parent) 'ConfigurationManager.psd1')",
    "if (-not (Get-PSDrive -Name $site -ErrorAction SilentlyContinue)) { $null = New-PSDrive -Name $site -PSProvider CMSite -Root $env:COMPUTERNAME }",
    "Set-Location \"$($site):\"",
    "$cmg = Get-CMCloudManagementGateway -Name $name",
    "if ($null -eq $cmg) { throw \"no CMG named $name in site $site\" }",
    action === "stop"
      ? "Write-Output \"CMG $name state before: $($cmg.State)\"; $cmg | Stop-CMCloudManagementGateway; Write-Output \"CMG $name stop requested\""
      : [
          "if ([int] $cmg.State -ne 0) { $cmg | Start-CMCloudManagementGateway; Write-Output \"CMG $name start requested\" } else { Write-Output \"CMG $name already ready\" }",
          "while ([int] (Get-CMCloudManagementGateway -Name $name).State -ne 0) {",
          "  if ((Get-Date) -gt $deadline) { throw \"CMG $name not ready within the wait (state $((Get-CMCloudManagementGateway -Name $name).State))\" }",
          "  Start-Sleep -Seconds 30",
          "}",
          "Write-Output \"CMG $name ready\"",
        ].join("\n"),
  ].join("\n");
}

async function runOnSite(power: LabPowerOutput, script: string): Promise<string> {
  const out = await must("az", [
    "vm", "run-command", "invoke", "--resource-group", power.resourceGroupName, "--name", power.siteServerVm,
    "--command-id", "RunPowerShellScript", "--scripts", script, "--output", "json",
  ]);
  const parsed = JSON.parse(out) as { value?: { code?: string; message?: string }[] };
  const text = (parsed.value ?? []).map((v) => v.message ?? "").join("\n").trim();
  if (/lab-power failed/.test(text)) throw new CliError(`on ${power.siteServerVm}: ${text}`);
  return text;
}

const addDays = (date: string, days: number): string => {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** ConfigMgr's evaluation turns read-only this many days after the site install. */
export const EVALUATION_DAYS = 180;

/** Warnings with dates, before a resume: what a long pause runs into. */
export function pauseWarnings(today: string, expiresOn: string, secretEnd: string, siteInstalledOn: string | undefined): string[] {
  const lines: string[] = [];
  const check = (what: string, date: string, fix: string): void => {
    const d = date.slice(0, 10);
    if (d <= today) lines.push(`! ${what} passed on ${d}: ${fix}`);
    else lines.push(`  ${what}: ${d}${d <= addDays(today, 14) ? " (within two weeks)" : ""}`);
  };
  check("the lab's expiresOn", expiresOn, "set cmg-lab:schedule.expiresOn later and run pulumi up, or pulumi destroy the lab");
  check("the server app secret's end date", secretEnd, "set cmg-lab:entra.secretIssuedOn to today and run pulumi up (the site re-imports the new secret)");
  if (siteInstalledOn) {
    check(`the ConfigMgr evaluation (site installed ${siteInstalledOn.slice(0, 10)}, read-only after ${EVALUATION_DAYS} days)`, addDays(siteInstalledOn, EVALUATION_DAYS), "the site is read-only: enter a product key, or rebuild the lab");
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
    say(`  ${await runOnSite(power, cmgScript("stop", power.siteCode, power.cmgServiceFqdn, 15))}`);
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
  say(`  ${await runOnSite(power, cmgScript("start", power.siteCode, power.cmgServiceFqdn, 30))}`);

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

async function main(): Promise<number> {
  let args: PowerArgs;
  try {
    args = parsePowerArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
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
  main().then((code) => (process.exitCode = code));
}
