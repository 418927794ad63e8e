import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import type * as inputs from "@pulumi/azure-native/types/input";
import { encodeParameterValue, wrapForRunCommand } from "../stacks/model/run-command-transport";
import { expandIncludes } from "../stacks/model/script-text";
import type { WindowsVm } from "./windows-vm";

/** Where the in-VM PowerShell scripts live. */
export const SCRIPTS_DIR = path.resolve(__dirname, "..", "scripts", "vm");

/** Tag naming the script a run command carries; the plan's duration table is keyed by it. */
export const SCRIPT_TAG = "cmgLabScript";

/** Tag on the later rounds of a step that runs in rounds: `2/3`, `3/3`. */
export const ROUND_TAG = "cmgLabRound";

/** Tag naming the lane a run command is given (absent: exclusive); it runs there while lanes are on. */
export const LANE_TAG = "cmgLabLane";

/** Tag on a check run again after the build passed it once (RunStepArgs.recheck). */
export const RECHECK_TAG = "cmgLabRecheck";

/**
 * The longest timeout one run command may get, in minutes. A managed run command runs as a VM
 * extension (RunCommandHandlerWindows), Azure gives extension provisioning 90 minutes
 * (learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/slow-vm-start-extensions-troubleshooting),
 * and with `asyncExecution: false` the create waits for the script. So a script running past 90
 * minutes would fail the create while it still runs (an inference: Microsoft's own 100-minute
 * example in run-command-managed uses asyncExecution). Longer work runs in rounds.
 */
export const MAX_RUN_COMMAND_MINUTES = 80;

export interface RunStepArgs {
  /** Required. The VM the script runs on; its run commands run one after another unless given a lane. */
  readonly vm: WindowsVm;
  /** Required. File name of the script in `scripts/`, e.g. `ad-forest-promote.ps1`. */
  readonly script: string;
  /** Optional. Directory holding the script; default `scripts/` (tests point it at fixtures). */
  readonly scriptsDir?: string;
  /** Optional. Plain parameters, passed as named PowerShell parameters. Never secrets. */
  readonly parameters?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Optional. Secret parameters: sent as `protectedParameters`, never logged by Azure. */
  readonly protectedParameters?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Required. How long the script may run before it counts as failed, in minutes; at most {@link MAX_RUN_COMMAND_MINUTES}. */
  readonly timeoutMinutes: number;
  /**
   * Optional. Work that may take longer than one run command allows: the script runs this many
   * times in a row, as consecutive run commands with `timeoutMinutes` each. It gets a parameter
   * `LastRound`: `false` lets it end unfinished with exit 0 (the next round picks the work up:
   * the script is idempotent and re-attaches), `true` on the last round, which must finish.
   */
  readonly rounds?: number;
  /**
   * Optional. Run as this account instead of LocalSystem (for example a domain admin, for
   * cmdlets that need domain or ConfigMgr rights). The password must be a Pulumi secret.
   */
  readonly runAs?: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  /**
   * Optional. Runs beside the VM's other lanes instead of after every earlier run command
   * ({@link WindowsVm.sequence}): it waits for the VM's last exclusive command and this lane's
   * previous one. Only for scripts that reboot nothing and share no files with another lane.
   */
  readonly lane?: string;
  /**
   * Optional. A check the build already passed once, run again (the verify step): the plan counts
   * it as a read-back, not as the first wait (stacks/model/durations.ts RECHECK).
   */
  readonly recheck?: boolean;
  /** Optional. More resources this run command waits for (beyond its step's needs and the VM's previous step). */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

const scriptCache = new Map<string, string>();

/** The script text, read at evaluation time; its content is the run command's input. */
export function readScript(file: string, dir: string = SCRIPTS_DIR): string {
  const full = path.join(dir, file);
  if (path.dirname(full) !== path.resolve(dir) || !file.endsWith(".ps1")) {
    throw new Error(`run-step script '${file}' must be a .ps1 file directly in ${dir}`);
  }
  const cached = scriptCache.get(full);
  if (cached !== undefined) return cached;
  // `#include lib/...` lines are inlined: the run command carries one self-contained script.
  const text = expandIncludes(file, fs.readFileSync(full, "utf8"), dir).text;
  scriptCache.set(full, text);
  return text;
}

/**
 * Sorted `{ name, value }` pairs: key order never changes the inputs. Values travel encoded where
 * the run command's command line would mangle them (stacks/model/run-command-transport.ts).
 */
function parameterList(
  values: Readonly<Record<string, pulumi.Input<string>>> | undefined,
  secret: boolean,
): inputs.compute.RunCommandInputParameterArgs[] {
  return Object.keys(values ?? {})
    .sort()
    .map((name) => {
      const value = pulumi.output((values ?? {})[name] as pulumi.Input<string>).apply(encodeParameterValue);
      return { name, value: secret ? pulumi.secret(value) : value };
    });
}

/**
 * One in-guest action: a managed run command carrying a script from `scripts/`. A failed script
 * fails the deployment (`treatFailureAsDeploymentFailure`); the command waits for the VM's
 * previous run command (or, in a lane, for the VM's last exclusive one and its lane's previous).
 * An unchanged script and unchanged parameters cause no diff, so the script does not run again;
 * a change (or a create that failed) replaces the command, which runs the script again.
 */
export class RunStep extends pulumi.ComponentResource {
  /** The run command resource (the last round's, for a step in rounds). */
  public readonly command: compute.VirtualMachineRunCommandByVirtualMachine;
  /** The script file name. */
  public readonly script: string;

  constructor(name: string, args: RunStepArgs, opts?: pulumi.ComponentResourceOptions) {
    // Read first: a missing or misplaced script fails before anything is registered.
    const text = readScript(args.script, args.scriptsDir);
    const rounds = args.rounds ?? 1;
    if (!(args.timeoutMinutes > 0 && args.timeoutMinutes <= MAX_RUN_COMMAND_MINUTES)) {
      throw new Error(
        `RunStep ${name}: timeoutMinutes ${args.timeoutMinutes} is not within 1-${MAX_RUN_COMMAND_MINUTES}: Azure gives a run command's extension 90 minutes; split longer work with rounds`,
      );
    }
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 6) throw new Error(`RunStep ${name}: rounds must be 1-6, got ${rounds}`);
    super("cmg-lab:vm:RunStep", name, {}, opts);
    this.script = args.script;
    const timeoutInSeconds = Math.round(args.timeoutMinutes * 60);
    // A step in rounds (even of one) tells its script which round is the last.
    const inRounds = args.rounds !== undefined;
    const names = [...Object.keys(args.parameters ?? {}), ...(inRounds ? ["LastRound"] : []), ...Object.keys(args.protectedParameters ?? {})].sort();
    const source = { script: wrapForRunCommand(text, names) };
    // No expiry tag: every input change replaces the command (below), and extending the lab must
    // not re-run the runbook. The VM carries the lab's expiry.
    const { expiresOn: _expiry, ...tags } = args.tags;
    let command: compute.VirtualMachineRunCommandByVirtualMachine | undefined;
    for (let round = 1; round <= rounds; round++) {
      const suffix = round === 1 ? "" : `-round-${round}`;
      const parameters = inRounds ? { ...args.parameters, LastRound: round === rounds ? "true" : "false" } : args.parameters;
      command = args.vm.sequence(
        (previous) =>
          new compute.VirtualMachineRunCommandByVirtualMachine(
            `${name}-command${suffix}`,
            {
              resourceGroupName: args.vm.resourceGroupName,
              location: args.vm.location,
              // Using the VM's name output makes the command wait for the VM itself.
              vmName: args.vm.vmName,
              runCommandName: `${name}${suffix}`,
              source,
              parameters: parameterList(parameters, false),
              protectedParameters: parameterList(args.protectedParameters, true),
              ...(args.runAs ? { runAsUser: args.runAs.user, runAsPassword: pulumi.secret(args.runAs.password) } : {}),
              asyncExecution: false,
              treatFailureAsDeploymentFailure: true,
              timeoutInSeconds,
              tags: {
                ...tags,
                [SCRIPT_TAG]: args.script,
                ...(round > 1 ? { [ROUND_TAG]: `${round}/${rounds}` } : {}),
                ...(args.recheck ? { [RECHECK_TAG]: "true" } : {}),
                // The lane asked for, also when build.parallelInGuest is off: turning lanes off
                // changes only dependencies (no diff), never the inputs that re-run a script.
                ...(args.lane ? { [LANE_TAG]: args.lane } : {}),
              },
            },
            {
              parent: this,
              dependsOn: [...previous, ...(args.after ?? [])],
              // Any change, and a create that failed, runs the script afresh: Azure does not
              // promise to re-run a run command sent again unchanged (Azure/azure-sdk-for-net#47307).
              // The old command goes first: the new one has the same name, so create-before-delete
              // would fail ("cannot create already existing resource").
              replaceOnChanges: ["*"],
              deleteBeforeReplace: true,
              // Deleting the VM removes its run commands; deleting them first fails on a
              // deallocated VM (extensions cannot change while it is stopped).
              deletedWith: args.vm.vm,
              // The provider waits for the script; give it the script's own timeout plus margin.
              customTimeouts: { create: `${args.timeoutMinutes + 10}m`, update: `${args.timeoutMinutes + 10}m` },
            },
          ),
        args.lane,
      );
    }
    if (command === undefined) throw new Error(`RunStep ${name}: no run command`);
    this.command = command;
    this.registerOutputs({ runCommandName: name });
  }
}
