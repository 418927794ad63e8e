import * as pulumi from "@pulumi/pulumi";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface DeviceRegistrationArgs {
  /** Required. The domain-joined client VM to wait for. */
  readonly vm: WindowsVm;
  /** Required. The tenant id (GUID) the device must be joined to. */
  readonly tenantId: pulumi.Input<string>;
  /**
   * Optional. The Entra Connect sync run (delta sync) the wait should follow. The runbook already
   * puts device-registration after sync-scope, so the step mechanism orders this wait after every
   * resource of sync-scope, including its sync run; pass resources here only for an extra sync
   * created outside that step.
   */
  readonly afterSync?: readonly pulumi.Resource[];
  /** Optional. Bound of the wait, in minutes (default {@link HYBRID_JOIN_WAIT_MINUTES}). */
  readonly waitMinutes?: number;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Bound of the hybrid-join wait. Entra Connect syncs every 30 minutes by default and the join
 * task retries hourly; with the task forced every few minutes a join completes soon after the
 * first sync that carries the device's certificate, so 60 minutes covers one missed sync cycle
 * with margin. UNCONFIRMED: a planning bound, not a Microsoft figure.
 * Scheduler: https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-feature-scheduler
 */
export const HYBRID_JOIN_WAIT_MINUTES = 60;
/** How often the wait starts the Automatic-Device-Join task again. */
export const JOIN_TASK_RETRIGGER_MINUTES = 5;

/** Null when `minutes` is a usable bound of the hybrid-join wait, else what is wrong. */
export function hybridJoinWaitProblem(minutes: number): string | null {
  if (!Number.isInteger(minutes) || minutes < JOIN_TASK_RETRIGGER_MINUTES || minutes > 180) {
    return `waitMinutes must be an integer from ${JOIN_TASK_RETRIGGER_MINUTES} to 180, got ${minutes}`;
  }
  return null;
}

/**
 * Waits, bounded, until a client is hybrid joined (`dsregcmd /status`: AzureAdJoined YES,
 * DomainJoined YES, TenantId = the tenant), starting the Automatic-Device-Join task every few
 * minutes meanwhile (`wait-hybrid-join.ps1`). On timeout the deployment fails with the fields
 * seen and the runbook step most likely missed (SCP, sync scope, network).
 */
export class DeviceRegistration extends pulumi.ComponentResource {
  /** Done when the device is hybrid joined. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: DeviceRegistrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const waitMinutes = args.waitMinutes ?? HYBRID_JOIN_WAIT_MINUTES;
    const problem = hybridJoinWaitProblem(waitMinutes);
    if (problem !== null) throw new Error(`DeviceRegistration ${name}: ${problem}`);
    super("cmg-lab:ad:DeviceRegistration", name, {}, opts);
    const wait = new RunStep(
      `${name}-hybrid-join`,
      {
        vm: args.vm,
        script: "wait-hybrid-join.ps1",
        parameters: {
          TenantId: pulumi.output(args.tenantId).apply((id) => id.trim().toLowerCase()),
          WaitMinutes: String(waitMinutes),
          RetriggerMinutes: String(JOIN_TASK_RETRIGGER_MINUTES),
        },
        timeoutMinutes: waitMinutes + 5,
        ...(args.afterSync ? { after: args.afterSync } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    this.ready = wait.command;
    this.registerOutputs({});
  }
}
